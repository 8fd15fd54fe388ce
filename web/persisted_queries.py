"""Persisted queries at the GraphQL edge (docs/production-mode.md), in the shape of Apollo's
automatic persisted queries: `extensions.persistedQuery = {"version": 1, "sha256Hash": ...}`.

- Production: a request names a document on its client's safelist by hash; a full document is
  refused (PERSISTED_QUERY_REQUIRED), except from agency admins, whose `darvazeh-agency` command
  line sends its own fixed documents. An unknown hash is PERSISTED_QUERY_NOT_FOUND.
- Development: any document runs; hash + document stores it in this worker's cache (automatic
  persisted queries) so later requests may send the hash alone; a hash alone is looked up there,
  then on the client's safelist.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from strawberry.http import GraphQLRequestData

from auth.core.principal import Basis, Principal
from standard.errors import DarvazehError, ErrorCode
from store.persisted_queries import SafelistCache, document_hash, is_hash

EXTENSION = "persistedQuery"
VERSION = 1
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"  # what Apollo's clients look for to resend


class DocumentRefused(DarvazehError):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message, code=code)


class ApqCache:
    """Development's automatic persisted queries: hash -> document, least recently used first
    out. Per worker on purpose: a miss only makes the client send the document once more."""

    def __init__(self, size: int, max_bytes: int) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._documents: OrderedDict[str, str] = OrderedDict()

    def get(self, sha256: str) -> str | None:
        found = self._documents.get(sha256)
        if found is not None:
            self._documents.move_to_end(sha256)
        return found

    def put(self, sha256: str, document: str) -> None:
        if len(document) > self._max_bytes:  # characters >= bytes/4: a cheap first bound
            return
        if len(document.encode()) > self._max_bytes:
            return
        self._documents[sha256] = document
        self._documents.move_to_end(sha256)
        while len(self._documents) > self._size:
            self._documents.popitem(last=False)


def _requested_hash(extension: object) -> str:
    """The hash an APQ extension names; anything else in its place is a bad request."""
    if not isinstance(extension, dict) or extension.get("version") != VERSION:
        raise DocumentRefused(
            ErrorCode.BAD_REQUEST, 'extensions.persistedQuery must be {"version": 1, "sha256Hash"}'
        )
    sha256 = extension.get("sha256Hash")
    if not is_hash(sha256):
        raise DocumentRefused(
            ErrorCode.BAD_REQUEST, "sha256Hash must be 64 lowercase hexadecimal digits"
        )
    return str(sha256)


def _sends_documents(principal: Principal | None) -> bool:
    """Who may send full documents in production: agency admins (their command line)."""
    return principal is not None and principal.basis is Basis.AGENCY_ADMIN


@dataclass
class PersistedQueries:
    production: bool
    safelists: SafelistCache
    apq: ApqCache

    async def document(
        self, request: GraphQLRequestData, principal: Principal | None
    ) -> str | None:
        """The document to run for the request; raises DocumentRefused."""
        extension = (request.extensions or {}).get(EXTENSION)
        query = request.query
        if self.production and query is not None and not _sends_documents(principal):
            raise DocumentRefused(
                ErrorCode.PERSISTED_QUERY_REQUIRED,
                "only safelisted documents run here: send extensions.persistedQuery.sha256Hash",
            )
        if extension is None:
            return query
        sha256 = _requested_hash(extension)
        if query is not None:
            if document_hash(query) != sha256:
                raise DocumentRefused(ErrorCode.BAD_REQUEST, "provided sha does not match query")
            if not self.production:
                self.apq.put(sha256, query)
            return query
        found = None if self.production else self.apq.get(sha256)
        if found is None and principal is not None:
            found = await self.safelists.document(principal.client_id, sha256)
        if found is None:
            raise DocumentRefused(ErrorCode.PERSISTED_QUERY_NOT_FOUND, NOT_FOUND_MESSAGE)
        return found
