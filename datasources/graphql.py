"""The `graphql` adapter: an agency's own GraphQL service, read by national ids in batches.

Either through Federation's `_entities` (the service is a subgraph and the mapping names the entity
type and its key field) or through a list query the mapping names. The document is written once
when the mapping is parsed (datasources.graphql_mapping); a fetch is one POST per batch_size ids.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx

from datasources.addresses import PolicyRefusal
from datasources.answers import DEFAULT_ANSWER_BYTES, post_bounded
from datasources.base import Fault, RecordError, RecordOrError, SourceError
from datasources.graphql_mapping import ENTITIES
from datasources.http import DEFAULT_TIMEOUT, display_base_url
from datasources.mapping import GRAPHQL, Mapping
from datasources.ranges import DateRange, in_range

logger = logging.getLogger(__name__)

# A code of one repeated digit is never issued: the probe asks for it and must find nothing.
_DUMMY_ID = "0000000000"
# Enough of the service's own words to act on; more would only fill logs.
_MESSAGES = 3
_MESSAGE_CHARS = 300
_ACCEPT = "application/graphql-response+json, application/json;q=0.9"

Items = list[dict[str, Any] | None]


class GraphqlAdapter:
    kind = GRAPHQL

    def __init__(
        self,
        endpoint: str,
        mapping: Mapping,
        headers: dict[str, str] | None = None,
        client: httpx.AsyncClient | None = None,
        *,
        name: str | None = None,
        batch_size: int | None = None,
        answer_bytes: int = DEFAULT_ANSWER_BYTES,
    ) -> None:
        if mapping.kind != GRAPHQL or mapping.call is None:
            raise ValueError("GraphqlAdapter needs a parsed graphql mapping")
        # Without a source id, the endpoint names it: no credentials, no query string.
        self.name = name or display_base_url(endpoint).partition("?")[0]
        self.mapping = mapping
        self._call = mapping.call
        self._batch_size = batch_size or mapping.call.batch_size
        self._endpoint = endpoint
        self._headers = {"Accept": _ACCEPT, **(headers or {})}
        self._answer_bytes = answer_bytes
        self._owns_client = client is None
        # The registry always passes its policy's guarded client (datasources.web_transport).
        self._client = client or httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, trust_env=False)

    async def fetch(self, national_ids: Sequence[str]) -> dict[str, RecordOrError]:
        key = self.mapping.key
        # What to send -> whose code it is (an "integer" key sends 12345678 for 0012345678).
        asked: dict[Any, str] = {}
        for national_id in national_ids:
            value = key.query_value(national_id)
            if value is not None:
                asked.setdefault(value, national_id)
        if not asked:
            return {}
        values = list(asked)
        size = self._batch_size
        chunks = [values[start : start + size] for start in range(0, len(values), size)]
        if len(chunks) == 1:
            return await self._fetch_chunk(values, asked)
        try:
            # Batches go side by side; the first failure cancels the others.
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self._fetch_chunk(c, asked)) for c in chunks]
        except ExceptionGroup as failed:
            raise failed.exceptions[0] from None
        found: dict[str, RecordOrError] = {}
        for task in tasks:
            found.update(task.result())
        return found

    async def _fetch_chunk(
        self, values: list[Any], asked: dict[Any, str]
    ) -> dict[str, RecordOrError]:
        items, errors = await self._post(values, scrub=values)
        failed = self._failed_items(items, errors, values)
        wanted = set(asked.values())
        key = self.mapping.key
        found: dict[str, RecordOrError] = {}
        for index, item in enumerate(items):
            if index in failed:
                if self._call.mode == ENTITIES:
                    # _entities answers in the order asked: item i is the i-th representation.
                    national_id = asked.get(values[index]) if index < len(values) else None
                else:
                    national_id = key.of(item) if item is not None else None
                if national_id is None:
                    odd = "an error for an item it did not name"
                    raise SourceError(self.name, f"answered {odd}", Fault.BAD_ANSWER, hint=odd)
                if national_id in wanted:
                    found[national_id] = self._item_error(failed[index])
                continue
            if item is None:  # an entity the service does not know: no record
                continue
            national_id = key.of(item)
            # Ignore anything not asked for: the answer is the agency's, not ours to trust.
            if national_id is None or national_id not in wanted:
                continue
            found[national_id] = self.mapping.read(item, self.name)
        return found

    def _failed_items(self, items: Items, errors: list[Any], values: list[Any]) -> dict[int, str]:
        """Item index -> the path inside it where the service reported an error.

        An error that names no item of the list cannot be pinned on one citizen: the batch fails.
        """
        failed: dict[int, str] = {}
        root = self._call.root
        for error in errors:
            path = error.get("path") if isinstance(error, dict) else None
            if (
                isinstance(path, list)
                and len(path) >= 2
                and path[0] == root
                and isinstance(path[1], int)
                and 0 <= path[1] < len(items)
            ):
                failed.setdefault(path[1], ".".join(str(part) for part in path[2:]))
                continue
            said = f"answered errors: {_messages([error], values)}"
            raise SourceError(self.name, said, Fault.FAILED, hint=said)
        return failed

    def _item_error(self, inside: str) -> RecordError:
        """A citizen's error for an object the service failed on, naming the mapped field."""
        field = next(
            (
                rule.name
                for rule in self.mapping.rules
                if inside and (rule.source == inside or rule.source.startswith(inside + "."))
            ),
            "record",
        )
        return RecordError(field, inside or self._call.root, "the service answered an error")

    async def keys_in_range(self, field: str, within: DateRange) -> dict[str, date]:
        """The mapping's `range` query with the range's bounds in the format it names; the
        answer's items are mapped and kept only inside the range."""
        call = self.mapping.range
        if call is None or call.field != field or call.query is None:
            lacks = f"the mapping names no range query for {field!r}"
            raise SourceError(self.name, lacks, Fault.MISMATCH, hint=lacks)
        start, end = call.bounds(within)
        body = {
            "query": call.document(self._call.selection),
            "variables": {"from": start, "to": end},
        }
        items, errors = await self._post([], scrub=[], body=body, root=call.query)
        if errors:
            said = f"answered errors: {_messages(errors, [])}"
            raise SourceError(self.name, said, Fault.FAILED, hint=said)
        present = [item for item in items if item is not None]
        return in_range(present, self.mapping.read, self.mapping.key, field, within, self.name)

    async def _post(
        self,
        values: list[Any],
        *,
        scrub: list[Any],
        body: dict[str, Any] | None = None,
        root: str | None = None,
    ) -> tuple[Items, list[Any]]:
        """One call: the list the document asks for, and the service's errors (maybe none)."""
        root = root or self._call.root
        if body is None:
            body = {"query": self._call.document, "variables": self._call.variables(values)}
        try:
            response, content = await post_bounded(
                self._client, self._endpoint, body, self._headers, self._answer_bytes
            )
        except PolicyRefusal as refusal:
            raise SourceError(self.name, str(refusal), Fault.REFUSED) from None
        except httpx.TimeoutException as exc:
            reason = str(exc) or type(exc).__name__
            raise SourceError(
                self.name, f"the GraphQL request timed out: {reason}", Fault.TIMEOUT
            ) from None
        except httpx.HTTPError as exc:
            # The exception text never carries the headers (where credentials live).
            reason = str(exc) or type(exc).__name__
            raise SourceError(
                self.name, f"the GraphQL request failed: {reason}", Fault.UNREACHABLE
            ) from None
        try:
            answer: Any = json.loads(content)
        except ValueError:
            answer = None
        errors = answer.get("errors") if isinstance(answer, dict) else None
        errors = errors if isinstance(errors, list) else []
        if not response.is_success:
            said = f": {_messages(errors, scrub)}" if errors else ""
            status = f"answered HTTP {response.status_code}{said}"
            raise SourceError(self.name, status, Fault.FAILED, hint=status)
        if not isinstance(answer, dict):
            odd = "did not answer a JSON object"
            raise SourceError(self.name, odd, Fault.BAD_ANSWER, hint=odd)
        data = answer.get("data")
        items = data.get(root) if isinstance(data, dict) else None
        if not isinstance(items, list):
            if errors:
                said = f"answered errors: {_messages(errors, scrub)}"
                raise SourceError(self.name, said, Fault.FAILED, hint=said)
            missing = f"no list at {root!r}"
            raise SourceError(self.name, f"answered {missing}", Fault.BAD_ANSWER, hint=missing)
        if not all(item is None or isinstance(item, dict) for item in items):
            odd = f"a list at {root!r} of non-objects"
            raise SourceError(self.name, f"answered {odd}", Fault.BAD_ANSWER, hint=odd)
        return items, errors

    async def probe(self) -> None:
        """The real document for a code that cannot exist: the service must validate and run it.

        A mapped field the remote schema no longer has fails here with the service's own message.
        """
        dummy = self.mapping.key.query_value(_DUMMY_ID)
        _, errors = await self._post([dummy], scrub=[])
        if errors:
            said = f"answered errors for a code that cannot exist: {_messages(errors, [])}"
            raise SourceError(self.name, said, Fault.MISMATCH, hint=said)

    async def close(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _messages(errors: list[Any], scrub: list[Any]) -> str:
    """The services' first messages, with any code we sent blanked: GraphQL servers echo
    variables in their messages ("got invalid value ..."), and those are citizens' codes."""
    texts = [
        str(error.get("message", "")) if isinstance(error, dict) else str(error)
        for error in errors[:_MESSAGES]
    ]
    if scrub:
        sent = sorted({str(value) for value in scrub}, key=len, reverse=True)
        pattern = re.compile(r"(?<![0-9])(?:" + "|".join(map(re.escape, sent)) + r")(?![0-9])")
        texts = [pattern.sub("***", text) for text in texts]
    texts = [text[:_MESSAGE_CHARS] for text in texts]
    more = f" (and {len(errors) - _MESSAGES} more)" if len(errors) > _MESSAGES else ""
    return "; ".join(texts) + more
