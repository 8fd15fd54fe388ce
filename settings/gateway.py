"""The gateway's settings: where it keeps its files and store, how it presents itself, and the
groups of settings by concern (request limits, rate limits, data sources, observability, the
proactive engine)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from settings.environment import group, integer, number, optional_switch, path, switch, text
from settings.limits import RequestLimits
from settings.observability import ObservabilitySettings
from settings.proactive import ProactiveSettings
from settings.rate_limits import RateLimits
from settings.sources import SourceSettings

ROOT = Path(__file__).resolve().parent.parent
# What the access log's columns keep (store/audit_models.py: case_reference, statute).
MAX_CASE_REFERENCE_LENGTH = 200
MAX_STATUTE_LENGTH = 300

DEVELOPMENT = "development"
PRODUCTION = "production"
ENVIRONMENTS = (DEVELOPMENT, PRODUCTION)


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob has a default that runs the embedded demo on one machine with nothing but
    Python. `Settings()` is those defaults; `settings.get_settings()` reads the environment."""

    # The gateway's own files: the embedded store, the sealing key, agencies' SQLite files.
    var_dir: Path = path("GATEWAY_VAR_DIR", ROOT / "var", older_name="DARVAZEH_VAR_DIR")
    host: str = text("GATEWAY_HOST", "127.0.0.1")
    port: int = integer("GATEWAY_PORT", 8000)
    # The gateway's store; empty: the SQLite file var_dir/gateway.db.
    database_url: str = text("GATEWAY_DATABASE_URL", "")
    # The issuer and audience default to the address the gateway serves on.
    public_url: str = text("GATEWAY_PUBLIC_URL", "")
    # Seals secrets at rest (a Fernet key); empty: a key file under var_dir, made on first use.
    secret_key: str = text("GATEWAY_SECRET_KEY", "", secret=True)
    # development or production: production answers only safelisted documents, turns
    # introspection and GraphiQL off (unless switched on below) and masks errors to their codes.
    environment: str = text("GATEWAY_ENV", DEVELOPMENT, fold=str.lower)
    # on/off; unset: on in development, off in production.
    introspection: bool | None = optional_switch("GATEWAY_INTROSPECTION")
    graphiql: bool | None = optional_switch("GATEWAY_GRAPHIQL")
    # The access log. Off only to measure what it costs (`make bench`); never in service.
    audit_enabled: bool = switch("GATEWAY_AUDIT", True)
    access_token_ttl: int = integer("GATEWAY_ACCESS_TOKEN_TTL", 300)
    # A signing key signs for this long, then only verifies until its last token expires.
    signing_key_lifetime: int = integer("GATEWAY_SIGNING_KEY_LIFETIME", 24 * 3600)
    # How often each worker re-reads what others may change in the store (registrations,
    # safelists, clients' limits): another worker's change lands this fast.
    reload_interval: float = number("GATEWAY_RELOAD_INTERVAL", 2.0)
    # Rate-limit counters live in Redis when this is set (redis://host:port/db), in the store
    # otherwise; `rate_limit_prefix` starts every counter's key (deployments sharing a Redis).
    redis_url: str = text("GATEWAY_REDIS_URL", "")
    rate_limit_prefix: str = text("GATEWAY_RATE_LIMIT_PREFIX", "darvazeh")
    # A statutory read names its case in the Darvazeh-Case-Reference header: this pattern (a
    # full match) and at most this many characters (the access log keeps up to 200).
    case_reference_pattern: str = text(
        "GATEWAY_CASE_REFERENCE_PATTERN", r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
    )
    case_reference_max_length: int = integer("GATEWAY_CASE_REFERENCE_MAX_LENGTH", 64)
    # The law the gateway's own death checks (login, consent, token) are recorded under.
    death_check_statute: str = text(
        "GATEWAY_DEATH_CHECK_STATUTE",
        "Civil Registration Act: a registered death ends the person's own credentials",
    )
    # The law the gateway's own guardianship checks (a parent acting for a minor child: consent,
    # the child's access log) read the child's birth record under.
    guardianship_check_statute: str = text(
        "GATEWAY_GUARDIANSHIP_CHECK_STATUTE",
        "Civil Code, art. 1180: a minor child is in the guardianship of their parents",
    )
    # The law the gateway's own life event reads (a reported birth's or death's record, the age
    # scan's birth dates) are recorded under.
    life_event_check_statute: str = text(
        "GATEWAY_LIFE_EVENT_CHECK_STATUTE",
        "Civil Registration Act: registered births, deaths and ages start the public services "
        "the law attaches to them",
    )

    limits: RequestLimits = group(RequestLimits)
    rate_limits: RateLimits = group(RateLimits)
    sources: SourceSettings = group(SourceSettings)
    observability: ObservabilitySettings = group(ObservabilitySettings)
    proactive: ProactiveSettings = group(ProactiveSettings)

    def __post_init__(self) -> None:
        if self.environment not in ENVIRONMENTS:
            raise ValueError(f"GATEWAY_ENV must be one of {ENVIRONMENTS}, not {self.environment!r}")
        if not 1 <= self.case_reference_max_length <= MAX_CASE_REFERENCE_LENGTH:
            raise ValueError(
                "GATEWAY_CASE_REFERENCE_MAX_LENGTH must be 1 to "
                f"{MAX_CASE_REFERENCE_LENGTH} (what the access log keeps)"
            )
        try:
            re.compile(self.case_reference_pattern)
        except re.error as error:
            raise ValueError(f"GATEWAY_CASE_REFERENCE_PATTERN is not a regex: {error}") from None
        if not 1 <= len(self.death_check_statute) <= MAX_STATUTE_LENGTH:
            raise ValueError(f"GATEWAY_DEATH_CHECK_STATUTE must be 1 to {MAX_STATUTE_LENGTH} chars")
        if not 1 <= len(self.life_event_check_statute) <= MAX_STATUTE_LENGTH:
            raise ValueError(
                f"GATEWAY_LIFE_EVENT_CHECK_STATUTE must be 1 to {MAX_STATUTE_LENGTH} chars"
            )
        if not 1 <= len(self.guardianship_check_statute) <= MAX_STATUTE_LENGTH:
            raise ValueError(
                f"GATEWAY_GUARDIANSHIP_CHECK_STATUTE must be 1 to {MAX_STATUTE_LENGTH} chars"
            )

    @property
    def production(self) -> bool:
        return self.environment == PRODUCTION

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else not self.production

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else not self.production

    @property
    def https(self) -> bool:
        """Served over https (the public URL says so): secure cookies and HSTS."""
        return self.base_url.startswith("https://")

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'gateway.db'}"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def audience(self) -> str:
        """RFC 9068 `aud`: the resource server, i.e. the GraphQL endpoint."""
        return f"{self.base_url}/graphql"

    @property
    def secret_key_file(self) -> Path:
        return self.var_dir / "secret.key"

    @property
    def agencies_folder(self) -> Path:
        return self.sources.agencies_dir or self.var_dir / "agencies"

    @property
    def metrics_folder(self) -> Path:
        return self.observability.metrics_dir or self.var_dir / "metrics"
