"""A service client's safelist as GraphQL: the persisted documents it may run in production."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from store.limit_models import PersistedQuery
from store.models import RegistrationVersion


@strawberry.type(
    description="A document on a service client's safelist. In production the client sends "
    "only its hash: extensions.persistedQuery = {version: 1, sha256Hash}."
)
class PersistedQueryDocument:
    sha256: str = strawberry.field(description="SHA-256 of the document's UTF-8 text, in hex.")
    name: str | None = strawberry.field(description="The operation's name, if it has one.")
    document: str = strawberry.field(description="The GraphQL document itself.")
    created_by: str = strawberry.field(description="The admin client that registered it.")
    created_at: datetime = strawberry.field(description="When it was registered.")

    @classmethod
    def of(cls, row: PersistedQuery) -> PersistedQueryDocument:
        return cls(
            sha256=row.sha256,
            name=row.name,
            document=row.document,
            created_by=row.created_by,
            created_at=row.created_at,
        )


@strawberry.type(description="One change of a client's safelist: who, when, and what.")
class SafelistChange:
    version: int = strawberry.field(description="The safelist's version after the change.")
    action: str = strawberry.field(description="registered or removed")
    changed_by: str = strawberry.field(description="The admin client that made it.")
    changed_at: datetime = strawberry.field(description="When.")
    sha256: str = strawberry.field(description="The document registered or removed.")
    hashes: list[str] = strawberry.field(description="The whole safelist after the change.")

    @classmethod
    def of(cls, row: RegistrationVersion) -> SafelistChange:
        state: dict[str, Any] = row.snapshot
        added = state.get("added") or {}
        return cls(
            version=row.version,
            action=row.action,
            changed_by=row.changed_by,
            changed_at=row.changed_at,
            sha256=str(added.get("sha256") or state.get("removed") or ""),
            hashes=list(state.get("hashes") or []),
        )
