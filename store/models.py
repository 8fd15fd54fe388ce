"""SQLAlchemy models of the gateway store. Alembic migrations in store/migrations mirror them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.types import UtcDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    # A `Mapped[datetime]` column is a UtcDateTime even where no type is written out.
    type_annotation_map: ClassVar = {dict[str, Any]: JSON, list[str]: JSON, datetime: UtcDateTime}


class Agency(Base):
    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_fa: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class DataSource(Base):
    """One agency source registered for one standard record type."""

    __tablename__ = "data_sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    record_type: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # sql | http | graphql
    # The whole connection (URL with credentials, headers) is sealed by store.secrets.SecretBox;
    # `connection_display` is the same with credentials masked, safe to show.
    connection_sealed: Mapped[str] = mapped_column(Text)
    connection_display: Mapped[str] = mapped_column(String(500))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    timeout_seconds: Mapped[float | None] = mapped_column(default=None)
    # Bumped on every change; each version is kept in registration_versions.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ServiceCard(Base):
    """A public service, the datasets it needs and the legal basis it reads them under."""

    __tablename__ = "service_cards"
    # Covers the catalogue's fingerprint (count, latest change, sum of versions), read on every
    # catalogue query: an index scan instead of reading every card.
    __table_args__ = (Index("ix_service_cards_changes", "updated_at", "version"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    name_fa: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    purpose_fa: Mapped[str] = mapped_column(Text, default="")
    purpose_en: Mapped[str] = mapped_column(Text, default="")
    datasets: Mapped[list[str]] = mapped_column(JSON)
    legal_basis: Mapped[str] = mapped_column(String(16))  # consent | statute
    statute: Mapped[str | None] = mapped_column(String(300), default=None)
    # Proactive cards run with no request, on a life event (standard.life_events), asking the
    # citizen what proactive_mode says; an age event is reckoned by reference_date (Solar "MM-DD").
    proactive: Mapped[bool] = mapped_column(Boolean, default=False)
    life_event: Mapped[str | None] = mapped_column(String(64), default=None)
    proactive_mode: Mapped[str | None] = mapped_column(String(16), default=None)
    reference_date: Mapped[str | None] = mapped_column(String(5), default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class OAuthClient(Base):
    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # SHA-256 of a 256-bit random secret: the secret has full entropy, so a slow password hash
    # adds nothing but latency on every token request.
    client_secret_hash: Mapped[str | None] = mapped_column(String(128), default=None)
    name: Mapped[str] = mapped_column(String(200))
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    role: Mapped[str] = mapped_column(String(32))  # service | agency_admin
    service_card_id: Mapped[str | None] = mapped_column(
        ForeignKey("service_cards.id"), default=None
    )
    grant_types: Mapped[list[str]] = mapped_column(JSON)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    token_endpoint_auth_method: Mapped[str] = mapped_column(
        String(32), default="client_secret_basic"
    )
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    # private_key_jwt clients register their public keys (a JWK Set).
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # The FAPI 2.0 way: authorization requests only through PAR, tokens only DPoP-bound.
    require_par: Mapped[bool] = mapped_column(Boolean, default=False)
    require_dpop: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Requests per rate-limit window at /graphql and at each of /oauth/token and /oauth/par;
    # None: the deployment's defaults (settings.RateLimits).
    graphql_rate_limit: Mapped[int | None] = mapped_column(Integer, default=None)
    oauth_rate_limit: Mapped[int | None] = mapped_column(Integer, default=None)
    # The cost estimate its queries may reach; None: the gateway's default (docs/query-limits.md).
    query_cost_budget: Mapped[int | None] = mapped_column(Integer, default=None)


class SigningKey(Base):
    """An ES256 key pair. It signs until `retires_at`, then verifies until `expires_at`."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16), default="ES256")
    private_jwk_sealed: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    retires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class SourceProbe(Base):
    """The last probe of each source, shown on /readyz."""

    __tablename__ = "source_probes"

    source_id: Mapped[str] = mapped_column(
        ForeignKey("data_sources.id", ondelete="CASCADE"), primary_key=True
    )
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    probed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RegistrationVersion(Base):
    """Every version of every agency registration (data source or service card): who changed
    what, when, and the whole registration as it then stood, so any change can be undone."""

    __tablename__ = "registration_versions"
    __table_args__ = (
        Index("ix_registration_version", "kind", "object_id", "version", unique=True),
        Index("ix_registration_agency_time", "agency_code", "changed_at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # data_source | service_card
    object_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    action: Mapped[str] = mapped_column(String(16))  # registered | updated | disabled | ...
    # The registration as it stood after this change (a data source's connection stays sealed).
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(64))  # the admin client's id
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SourceHealth(Base):
    """One worker's passive view of one source (its recent calls and its circuit breaker),
    flushed every few seconds so every worker and /readyz can see the whole picture."""

    __tablename__ = "source_health"

    source_id: Mapped[str] = mapped_column(
        ForeignKey("data_sources.id", ondelete="CASCADE"), primary_key=True
    )
    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)  # in the recent window
    errors: Mapped[int] = mapped_column(Integer, default=0)
    latency_p50_ms: Mapped[float | None] = mapped_column(Float, default=None)
    latency_p95_ms: Mapped[float | None] = mapped_column(Float, default=None)
    breaker: Mapped[str] = mapped_column(String(16), default="closed")  # closed|open|half_open
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
