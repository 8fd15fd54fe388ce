"""An agency admin's registrations as GraphQL: its data sources, their versions and health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers import data_sources
from schema.tracker import Agency
from store.models import DataSource, RegistrationVersion


@strawberry.type(description="One version of a registration: who changed it, when, and to what.")
class RegistrationChange:
    version: int
    action: str = strawberry.field(description="registered, updated, disabled, enabled or restored")
    changed_by: str = strawberry.field(description="The admin client that made the change.")
    changed_at: datetime
    kind: str
    connection: str = strawberry.field(description="The connection, credentials masked.")
    mapping: JSON
    enabled: bool

    @classmethod
    def of(cls, row: RegistrationVersion) -> RegistrationChange:
        state: dict[str, Any] = row.snapshot
        return cls(
            version=row.version,
            action=row.action,
            changed_by=row.changed_by,
            changed_at=row.changed_at,
            kind=state["kind"],
            connection=state["connection_display"],
            mapping=state["mapping"],
            enabled=state["enabled"],
        )


@strawberry.type(description="A data source an agency registered for one standard record.")
class DataSourceRegistration:
    id: strawberry.ID
    record_type: str
    kind: str = strawberry.field(description="sql, http or graphql")
    connection: str = strawberry.field(description="The connection, credentials masked.")
    mapping: JSON
    timeout_seconds: float | None
    enabled: bool
    version: int
    updated_at: datetime
    updated_by: str | None

    @classmethod
    def of(cls, row: DataSource) -> DataSourceRegistration:
        return cls(
            id=strawberry.ID(row.id),
            record_type=row.record_type,
            kind=row.kind,
            connection=row.connection_display,
            mapping=row.mapping,
            timeout_seconds=row.timeout_seconds,
            enabled=row.enabled,
            version=row.version,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )

    @strawberry.field(description="Every version, newest first.")
    async def history(self, info: Info) -> list[RegistrationChange]:
        rows = await data_sources.source_history(info.context, str(self.id))
        return [RegistrationChange.of(row) for row in rows]


@strawberry.type(description="What the asking agency admin's agency has registered.")
class AgencyRegistrations:
    agency: Agency

    @strawberry.field
    async def data_sources(self, info: Info) -> list[DataSourceRegistration]:
        rows = await data_sources.list_sources(info.context)
        return [DataSourceRegistration.of(row) for row in rows]

    @strawberry.field
    async def data_source(self, info: Info, id: strawberry.ID) -> DataSourceRegistration | None:
        row = await data_sources.own_source(info.context, str(id))
        return DataSourceRegistration.of(row) if row is not None else None


@strawberry.input(description="A data source: what it serves, how to reach it, how it maps.")
class DataSourceInput:
    id: strawberry.ID = strawberry.field(description="The agency's name for the source.")
    record_type: str = strawberry.field(description="identity, birth, death, address, ...")
    kind: str = strawberry.field(description="sql, http or graphql")
    connection: JSON = strawberry.field(
        description='sql: {"url"}; http: {"base_url", "headers"}; graphql: {"endpoint", '
        '"headers"}. Sealed at rest, never shown again unmasked.'
    )
    mapping: JSON = strawberry.field(description="From the agency's fields to the standard's.")
    timeout_seconds: float | None = None

    def registration(self) -> dict[str, Any]:
        return {
            "source_id": str(self.id),
            "record_type": self.record_type,
            "kind": self.kind,
            "connection": self.connection,
            "mapping": self.mapping,
            "timeout": self.timeout_seconds,
        }


@strawberry.input(description="What to change in a registered source; absent parts are kept.")
class DataSourceChanges:
    kind: str | None = None
    connection: JSON | None = None
    mapping: JSON | None = None
    timeout_seconds: float | None = None

    def changes(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "connection": self.connection,
            "mapping": self.mapping,
            "timeout": self.timeout_seconds,
        }


@strawberry.type(description="A dry run of a registration: would it be accepted?")
class DataSourceTest:
    ok: bool
    latency_ms: int | None = strawberry.field(description="How long the live probe took.")
    problems: list[str] = strawberry.field(description="Every reason it would be refused.")
