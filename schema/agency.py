"""An agency admin's registrations as GraphQL: its data sources, their versions and health."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from datasources.health_store import SourceHealthView
from resolvers import data_sources, persisted_queries, service_clients
from resolvers.selection import asked_fields
from schema.arguments import ClientId, SourceId
from schema.safelists import PersistedQueryDocument, SafelistChange
from schema.tracker import Agency
from store.models import DataSource, OAuthClient, RegistrationVersion

REPLACES = (
    "The source of your agency that serves this record type today, if this one is to take its "
    "place. Without it, a registration for a record type another of your sources serves is "
    "refused (REGISTRATION_REFUSED names that source); nothing is ever replaced unasked."
)


@strawberry.type(description="One version of a registration: who changed it, when, and to what.")
class RegistrationChange:
    version: int = strawberry.field(description="The version number, from 1.")
    action: str = strawberry.field(description="registered, updated, disabled, enabled or restored")
    changed_by: str = strawberry.field(description="The admin client that made the change.")
    changed_at: datetime = strawberry.field(description="When it was changed.")
    kind: str = strawberry.field(description="The source kind: `sql`, `http` or `graphql`.")
    connection: str = strawberry.field(description="The connection, credentials masked.")
    mapping: JSON = strawberry.field(
        description="The mapping from the agency's fields onto the standard record."
    )
    enabled: bool = strawberry.field(description="Whether this version serves requests.")

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


@strawberry.type(description="How a source is doing, as every worker together sees it.")
class SourceHealth:
    status: str = strawberry.field(description="HEALTHY, DEGRADED, DOWN or UNKNOWN")
    breaker: str = strawberry.field(description="closed, half_open or open (the worst worker's)")
    last_success_at: datetime | None = strawberry.field(
        description="The last successful call or probe."
    )
    last_failure_at: datetime | None = strawberry.field(
        description="The last failed call or probe."
    )
    last_error: str | None = strawberry.field(description="What the last failure said.")
    calls: int = strawberry.field(description="Calls in the last minute, over all workers.")
    error_rate: float | None = strawberry.field(
        description="Share of recent calls that failed, 0 to 1."
    )
    latency_p50_ms: float | None = strawberry.field(
        description="Median call time over recent calls, in milliseconds."
    )
    latency_p95_ms: float | None = strawberry.field(
        description="95th-percentile call time over recent calls, in milliseconds."
    )
    probe_ok: bool | None = strawberry.field(description="The last scheduled probe's outcome.")
    probed_at: datetime | None = strawberry.field(description="When the source was last probed.")

    @classmethod
    def of(cls, view: SourceHealthView) -> SourceHealth:
        # The view's fields, bar the id the registration already carries.
        fields = {f.name: getattr(view, f.name) for f in dataclasses.fields(view)}
        del fields["source_id"]
        return cls(**fields)


@strawberry.type(description="A data source an agency registered for one standard record.")
class DataSourceRegistration:
    id: strawberry.ID = strawberry.field(description="The agency's name for the source.")
    record_type: str = strawberry.field(
        description="The standard record it serves, e.g. `identity`."
    )
    kind: str = strawberry.field(description="sql, http or graphql")
    connection: str = strawberry.field(description="The connection, credentials masked.")
    mapping: JSON = strawberry.field(
        description="The mapping from the agency's fields onto the standard record."
    )
    timeout_seconds: float | None = strawberry.field(
        description="Per-call timeout; null for the gateway's default."
    )
    enabled: bool = strawberry.field(description="Whether it serves requests.")
    version: int = strawberry.field(description="The current version number.")
    updated_at: datetime = strawberry.field(description="When it was last changed.")
    updated_by: str | None = strawberry.field(description="The client that last changed it.")
    health: SourceHealth | None = strawberry.field(description="Null while the source is disabled.")
    not_served: str | None = strawberry.field(
        description="Why this enabled source is not served: the connection policy rule it breaks "
        "(a source stored before the rule, or under an allow-list since narrowed). Register it "
        "again within the rules. Null while it is served, or disabled."
    )

    @classmethod
    def of(
        cls,
        row: DataSource,
        health: dict[str, SourceHealthView] | None = None,
        not_served: str | None = None,
    ) -> DataSourceRegistration:
        view = (health or {}).get(row.id)
        return cls(
            id=strawberry.ID(row.id),
            record_type=row.record_type,
            kind=row.kind,
            connection=row.connection_display,
            mapping=JSON(row.mapping),
            timeout_seconds=row.timeout_seconds,
            enabled=row.enabled,
            version=row.version,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
            health=SourceHealth.of(view) if view is not None else None,
            not_served=not_served if row.enabled else None,
        )

    @strawberry.field(description="Every version, newest first.")
    async def history(self, info: Info) -> list[RegistrationChange]:
        rows = await data_sources.source_history(info.context, str(self.id))
        return [RegistrationChange.of(row) for row in rows]


@strawberry.type(description="An OAuth client of one of the agency's services, bound to its card.")
class ServiceClient:
    client_id: str = strawberry.field(description="The OAuth client id.")
    name: str = strawberry.field(description="A name people read.")
    service_card: str = strawberry.field(description="The id of the service card it is bound to.")
    scopes: list[str] = strawberry.field(description="At most the card's datasets.")
    grant_types: list[str] = strawberry.field(description="OAuth grant types it may use.")
    redirect_uris: list[str] = strawberry.field(
        description="Where the authorization code may be sent."
    )
    token_endpoint_auth_method: str = strawberry.field(
        description="How it authenticates at the token endpoint."
    )
    require_par: bool = strawberry.field(
        description="Whether its authorization requests must be pushed (PAR)."
    )
    require_dpop: bool = strawberry.field(description="Whether its tokens must be DPoP-bound.")
    enabled: bool = strawberry.field(description="Whether it may get tokens.")
    created_at: datetime = strawberry.field(description="When it was registered.")
    graphql_rate_limit: int | None = strawberry.field(
        description="Requests per rate-limit window at /graphql; null: the gateway's default."
    )
    oauth_rate_limit: int | None = strawberry.field(
        description="Requests per window at each of /oauth/token and /oauth/par; null: default."
    )
    query_cost_budget: int | None = strawberry.field(
        description="The cost estimate its queries may reach; null: the gateway's default."
    )

    @classmethod
    def of(cls, row: OAuthClient) -> ServiceClient:
        return cls(
            client_id=row.client_id,
            name=row.name,
            service_card=row.service_card_id or "",
            scopes=list(row.scopes),
            grant_types=list(row.grant_types),
            redirect_uris=list(row.redirect_uris or []),
            token_endpoint_auth_method=row.token_endpoint_auth_method,
            require_par=row.require_par,
            require_dpop=row.require_dpop,
            enabled=row.enabled,
            created_at=row.created_at,
            graphql_rate_limit=row.graphql_rate_limit,
            oauth_rate_limit=row.oauth_rate_limit,
            query_cost_budget=row.query_cost_budget,
        )


@strawberry.type(description="A newly registered client, with its secret shown this once.")
class RegisteredServiceClient:
    client: ServiceClient = strawberry.field(description="The client as registered.")
    client_secret: str | None = strawberry.field(
        description="Shown this once and never stored (only its hash is); null for "
        "private_key_jwt clients, which registered public keys instead."
    )


@strawberry.input(description="A service's OAuth client; its scopes come from its card.")
class ServiceClientInput:
    service_card: str = strawberry.field(description="One of your agency's service cards.")
    name: str = strawberry.field(description="A name people read.")
    client_id: str | None = strawberry.field(default=None, description="Generated if absent.")
    grant_types: list[str] = strawberry.field(
        description="client_credentials for a statutory card; authorization_code (and "
        "refresh_token) for a consent-based one."
    )
    redirect_uris: list[str] = strawberry.field(
        default_factory=list, description="Where codes may be sent (authorization_code)."
    )
    scopes: list[str] | None = strawberry.field(
        default=None, description="A subset of the card's datasets; all of them if absent."
    )
    token_endpoint_auth_method: str = strawberry.field(
        default="client_secret_basic",
        description="client_secret_basic, client_secret_post or private_key_jwt.",
    )
    jwks: JSON | None = strawberry.field(
        default=None, description="private_key_jwt: the client's public keys (a JWK Set)."
    )
    require_par: bool = strawberry.field(
        default=False, description="Its authorization requests must be pushed (PAR)."
    )
    require_dpop: bool = strawberry.field(
        default=False, description="Its tokens must be DPoP-bound."
    )
    graphql_rate_limit: int | None = strawberry.field(
        default=None,
        description="Requests per rate-limit window at /graphql, up to the gateway's ceiling; "
        "the gateway's default if absent.",
    )
    oauth_rate_limit: int | None = strawberry.field(
        default=None,
        description="Requests per window at each of /oauth/token and /oauth/par, up to the "
        "gateway's ceiling; the default if absent.",
    )
    query_cost_budget: int | None = strawberry.field(
        default=None,
        description="The cost estimate the client's queries may reach, up to the gateway's "
        "ceiling; the gateway's default if absent.",
    )

    def spec(self) -> dict[str, Any]:
        return {
            "service_card": self.service_card,
            "name": self.name,
            "client_id": self.client_id,
            "grant_types": self.grant_types,
            "redirect_uris": self.redirect_uris,
            "scopes": self.scopes,
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "jwks": self.jwks,
            "require_par": self.require_par,
            "require_dpop": self.require_dpop,
            "graphql_rate_limit": self.graphql_rate_limit,
            "oauth_rate_limit": self.oauth_rate_limit,
            "query_cost_budget": self.query_cost_budget,
        }


@strawberry.type(description="What the asking agency admin's agency has registered.")
class AgencyRegistrations:
    agency: Agency = strawberry.field(description="The agency.")

    @strawberry.field(description="The OAuth clients of the agency's services.")
    async def service_clients(self, info: Info) -> list[ServiceClient]:
        return [ServiceClient.of(row) for row in await service_clients.list_clients(info.context)]

    @strawberry.field(description="The documents one of the agency's service clients may run.")
    async def persisted_queries(
        self, info: Info, client_id: ClientId
    ) -> list[PersistedQueryDocument]:
        rows = await persisted_queries.list_documents(info.context, client_id)
        return [PersistedQueryDocument.of(row) for row in rows]

    @strawberry.field(description="Every change of a service client's safelist, newest first.")
    async def persisted_query_history(
        self, info: Info, client_id: ClientId
    ) -> list[SafelistChange]:
        rows = await persisted_queries.history(info.context, client_id)
        return [SafelistChange.of(row) for row in rows]

    @strawberry.field(description="The agency's data sources, disabled ones too.")
    async def data_sources(self, info: Info) -> list[DataSourceRegistration]:
        rows = await data_sources.list_sources(info.context)
        health = await data_sources.health(info.context) if _asks_health(info) else {}
        return [
            DataSourceRegistration.of(row, health, data_sources.not_served(info.context, row.id))
            for row in rows
        ]

    @strawberry.field(description="One of the agency's data sources by id; null if none.")
    async def data_source(self, info: Info, id: SourceId) -> DataSourceRegistration | None:
        row = await data_sources.own_source(info.context, str(id))
        if row is None:
            return None
        health = await data_sources.health(info.context) if _asks_health(info) else {}
        return DataSourceRegistration.of(row, health, data_sources.not_served(info.context, row.id))


def _asks_health(info: Info) -> bool:
    """Health costs two store queries: read it only when the query selects it."""
    return "health" in asked_fields(info)


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
    timeout_seconds: float | None = strawberry.field(
        default=None, description="Per-call timeout; the gateway's default if absent."
    )
    replaces: strawberry.ID | None = strawberry.field(default=None, description=REPLACES)

    def registration(self) -> dict[str, Any]:
        return {
            "source_id": str(self.id),
            "record_type": self.record_type,
            "kind": self.kind,
            "connection": self.connection,
            "mapping": self.mapping,
            "timeout": self.timeout_seconds,
            "replaces": str(self.replaces) if self.replaces is not None else None,
        }


@strawberry.input(description="What to change in a registered source; absent parts are kept.")
class DataSourceChanges:
    kind: str | None = strawberry.field(default=None, description="sql, http or graphql.")
    connection: JSON | None = strawberry.field(
        default=None, description="The new connection (sealed at rest)."
    )
    mapping: JSON | None = strawberry.field(default=None, description="The new mapping.")
    timeout_seconds: float | None = strawberry.field(
        default=None, description="The new per-call timeout."
    )
    replaces: strawberry.ID | None = strawberry.field(default=None, description=REPLACES)

    def changes(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "connection": self.connection,
            "mapping": self.mapping,
            "timeout": self.timeout_seconds,
            "replaces": str(self.replaces) if self.replaces is not None else None,
        }


@strawberry.type(description="A dry run of a registration: would it be accepted?")
class DataSourceTest:
    ok: bool = strawberry.field(description="True when registering it would be accepted.")
    latency_ms: int | None = strawberry.field(description="How long the live probe took.")
    problems: list[str] = strawberry.field(description="Every reason it would be refused.")
    replaces: list[strawberry.ID] = strawberry.field(
        description="The agency's sources that serve this record type today, which registering "
        "it would replace (registration refuses unless `replaces` names them)."
    )

    @classmethod
    def of(cls, run: data_sources.DryRun) -> DataSourceTest:
        return cls(
            ok=not run.problems,
            latency_ms=run.latency_ms,
            problems=run.problems,
            replaces=[strawberry.ID(source) for source in run.replaces],
        )
