"""The `http` adapter: an agency's JSON batch endpoint.

One POST `{ids_field: [ids...]}` per fetch; the answer holds a list of items at `results`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx

from datasources.addresses import PolicyRefusal
from datasources.answers import DEFAULT_ANSWER_BYTES, post_bounded
from datasources.base import Fault, RecordOrError, SourceError
from datasources.mapping import HTTP, Mapping
from datasources.ranges import DateRange, in_range

logger = logging.getLogger(__name__)

# The registry's per-call timeout is the real limit; this only stops a socket from hanging forever
# when the adapter is used on its own.
DEFAULT_TIMEOUT = 30.0


def display_base_url(base_url: str) -> str:
    """The base URL without user info, safe for messages and the store."""
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError):
        return "<unparseable URL>"
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)


class HttpAdapter:
    kind = HTTP

    def __init__(
        self,
        base_url: str,
        mapping: Mapping,
        headers: dict[str, str] | None = None,
        client: httpx.AsyncClient | None = None,
        *,
        name: str | None = None,
        answer_bytes: int = DEFAULT_ANSWER_BYTES,
    ) -> None:
        if mapping.kind != HTTP or not (mapping.endpoint and mapping.ids_field and mapping.results):
            raise ValueError("HttpAdapter needs a parsed http mapping")
        self.name = name or display_base_url(base_url)
        self.mapping = mapping
        self._endpoint = mapping.endpoint
        self._ids_field = mapping.ids_field
        self._results = mapping.results.split(".")
        self._base_url = base_url.rstrip("/")
        self._headers = dict(headers or {})
        self._answer_bytes = answer_bytes
        self._owns_client = client is None
        # The registry always passes its policy's guarded client (datasources.web_transport).
        self._client = client or httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, trust_env=False)

    async def _call(self, ids: list[Any]) -> list[dict[str, Any]]:
        return await self._post(self._endpoint, {self._ids_field: ids})

    async def _post(self, endpoint: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        # The endpoint is named only in the log's detail: clients see the kind of fault.
        where = f"POST {endpoint}"
        url = self._base_url + "/" + endpoint.lstrip("/")
        try:
            response, content = await post_bounded(
                self._client, url, body, self._headers, self._answer_bytes
            )
        except PolicyRefusal as refusal:
            raise SourceError(self.name, f"{where}: {refusal}", Fault.REFUSED) from None
        except httpx.TimeoutException as exc:
            reason = str(exc) or type(exc).__name__
            raise SourceError(self.name, f"{where} timed out: {reason}", Fault.TIMEOUT) from None
        except httpx.HTTPError as exc:
            # The exception text never carries the headers (where credentials live).
            reason = str(exc) or type(exc).__name__
            raise SourceError(self.name, f"{where} failed: {reason}", Fault.UNREACHABLE) from None
        if not response.is_success:
            status = f"answered HTTP {response.status_code}"
            raise SourceError(self.name, f"{where} {status}", Fault.FAILED, hint=status)
        try:
            body = json.loads(content)
        except ValueError:
            raise SourceError(
                self.name, f"{where} did not answer JSON", Fault.BAD_ANSWER, hint="not JSON"
            ) from None
        items: Any = body
        for part in self._results:
            items = items.get(part) if isinstance(items, dict) else None
        if not isinstance(items, list):
            missing = f"no list at {'.'.join(self._results)!r}"
            raise SourceError(
                self.name, f"{where} answered {missing}", Fault.BAD_ANSWER, hint=missing
            )
        if not all(isinstance(item, dict) for item in items):
            odd = "a list whose items are not objects"
            raise SourceError(self.name, f"{where} answered {odd}", Fault.BAD_ANSWER, hint=odd)
        return items

    async def fetch(self, national_ids: Sequence[str]) -> dict[str, RecordOrError]:
        key = self.mapping.key
        values = list(dict.fromkeys(v for v in map(key.query_value, national_ids) if v is not None))
        if not values:
            return {}
        wanted = set(national_ids)
        found: dict[str, RecordOrError] = {}
        for item in await self._call(values):
            national_id = key.of(item)
            # Ignore anything not asked for: the answer is the agency's, not ours to trust.
            if national_id is None or national_id not in wanted:
                continue
            found[national_id] = self.mapping.read(item, self.name)
        return found

    async def keys_in_range(self, field: str, within: DateRange) -> dict[str, date]:
        """POST the range's bounds, in the format the mapping's `range` entry names, to its
        endpoint; the answer's items are mapped and kept only inside the range."""
        call = self.mapping.range
        if call is None or call.field != field:
            lacks = f"the mapping names no range call for {field!r}"
            raise SourceError(self.name, lacks, Fault.MISMATCH, hint=lacks)
        assert call.endpoint is not None
        start, end = call.bounds(within)
        items = await self._post(call.endpoint, {call.start: start, call.end: end})
        return in_range(items, self.mapping.read, self.mapping.key, field, within, self.name)

    async def probe(self) -> None:
        """An empty batch must answer 2xx JSON with a list where the mapping expects it."""
        await self._call([])

    async def close(self) -> None:
        if self._owns_client:
            await self._client.aclose()
