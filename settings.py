"""Runtime settings, read once from the environment.

Every knob has a default that runs the embedded demo on one machine with nothing but Python.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# What the access log's columns keep (store/audit_models.py: case_reference, statute).
MAX_CASE_REFERENCE_LENGTH = 200
MAX_STATUTE_LENGTH = 300


DEVELOPMENT = "development"
PRODUCTION = "production"
ENVIRONMENTS = (DEVELOPMENT, PRODUCTION)
_OFF = {"off", "0", "false", "no"}


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _switch(name: str) -> bool | None:
    """on/off, or None when unset (then the environment decides)."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return None
    return value not in _OFF


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Requests allowed per fixed window of `window` seconds, for each key (docs/rate-limits.md).

    A service or admin client's own values (`graphql`, `oauth`) may be registered on the client,
    up to the ceilings here; everything else is per deployment.
    """

    window: int = field(default_factory=lambda: _int("GATEWAY_RATE_LIMIT_WINDOW", 60))
    # /graphql, per client (service or agency admin token).
    client: int = field(default_factory=lambda: _int("GATEWAY_RATE_LIMIT_CLIENT", 600))
    client_ceiling: int = field(default_factory=lambda: _int("GATEWAY_RATE_LIMIT_CLIENT_MAX", 6000))
    # /graphql, per citizen behind the request: a portal session, or consent tokens of any client.
    citizen: int = field(default_factory=lambda: _int("GATEWAY_RATE_LIMIT_CITIZEN", 120))
    # /graphql, reads about one citizen (the subjects of citizen/citizens/me), over every client.
    subject: int = field(default_factory=lambda: _int("GATEWAY_RATE_LIMIT_SUBJECT", 120))
    # /graphql without a valid token, per client address.
    anonymous: int = field(default_factory=lambda: _int("GATEWAY_RATE_LIMIT_ANONYMOUS", 120))
    # /oauth/token and /oauth/par (each), per authenticated client.
    oauth: int = field(default_factory=lambda: _int("GATEWAY_RATE_LIMIT_OAUTH", 60))
    oauth_ceiling: int = field(default_factory=lambda: _int("GATEWAY_RATE_LIMIT_OAUTH_MAX", 600))
    # /oauth/token and /oauth/par, unauthenticated or failed attempts per client address.
    oauth_address: int = field(default_factory=lambda: _int("GATEWAY_RATE_LIMIT_OAUTH_ADDRESS", 60))
    # POST /login, per (national code tried, client address), and per client address.
    login: int = field(default_factory=lambda: _int("GATEWAY_RATE_LIMIT_LOGIN", 10))
    login_address: int = field(default_factory=lambda: _int("GATEWAY_RATE_LIMIT_LOGIN_ADDRESS", 60))

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            if getattr(self, name) < 1:
                raise ValueError(f"rate limit {name} must be at least 1")


def _env_list(name: str, default: str) -> tuple[str, ...]:
    """A comma-separated setting; blanks are dropped."""
    return tuple(item.strip() for item in _env(name, default).split(",") if item.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    var_dir: Path = field(default_factory=lambda: Path(_env("DARVAZEH_VAR_DIR", str(ROOT / "var"))))
    host: str = field(default_factory=lambda: _env("GATEWAY_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("GATEWAY_PORT", "8000")))
    database_url: str = field(default_factory=lambda: _env("GATEWAY_DATABASE_URL", ""))
    # The issuer and audience default to the address the gateway serves on.
    public_url: str = field(default_factory=lambda: _env("GATEWAY_PUBLIC_URL", ""))
    access_token_ttl: int = field(
        default_factory=lambda: int(_env("GATEWAY_ACCESS_TOKEN_TTL", "300"))
    )
    # A signing key signs for this long, then only verifies until its last token expires.
    signing_key_lifetime: int = field(
        default_factory=lambda: int(_env("GATEWAY_SIGNING_KEY_LIFETIME", str(24 * 3600)))
    )
    # The access log. Off only to measure what it costs (`make bench`); never in service.
    audit_enabled: bool = field(
        default_factory=lambda: _env("GATEWAY_AUDIT", "on").lower() not in {"off", "0", "false"}
    )
    source_timeout: float = field(
        default_factory=lambda: float(_env("GATEWAY_SOURCE_TIMEOUT", "3.0"))
    )
    # How often each worker re-reads the registrations: another worker's change lands this fast.
    reload_interval: float = field(
        default_factory=lambda: float(_env("GATEWAY_RELOAD_INTERVAL", "2.0"))
    )
    # A source's circuit opens after this many consecutive failed calls (or half its recent
    # calls failing), stays open this many seconds, then lets one trial call through.
    breaker_failures: int = field(
        default_factory=lambda: int(_env("GATEWAY_BREAKER_FAILURES", "5"))
    )
    breaker_cooldown: float = field(
        default_factory=lambda: float(_env("GATEWAY_BREAKER_COOLDOWN", "30.0"))
    )
    # GraphQL requests one worker runs at once; the rest queue (web/admission.py). 0: no bound.
    max_concurrent_requests: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_CONCURRENT_REQUESTS", "32"))
    )
    # How often each worker writes its view of source health to the store for the others.
    health_flush_interval: float = field(
        default_factory=lambda: float(_env("GATEWAY_HEALTH_FLUSH_INTERVAL", "5.0"))
    )
    # What one GraphQL request may ask, checked before anything runs (docs/query-limits.md).
    # Bytes of a request body (or of a GET request's query string); beyond it: 413.
    max_body_bytes: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_BODY_BYTES", str(256 * 1024)))
    )
    # How deeply the request's JSON (variables included) may nest arrays and objects.
    max_json_depth: int = field(default_factory=lambda: int(_env("GATEWAY_MAX_JSON_DEPTH", "32")))
    # Characters and lexical tokens of the GraphQL document; then directives and operations in it.
    max_query_length: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_QUERY_LENGTH", str(32 * 1024)))
    )
    max_query_tokens: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_QUERY_TOKENS", "1000"))
    )
    max_query_directives: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_QUERY_DIRECTIVES", "50"))
    )
    max_query_operations: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_QUERY_OPERATIONS", "10"))
    )
    # Fields nested in fields (the introspection query GraphiQL sends is 15 deep), aliases and
    # root fields, each counted through fragments.
    max_query_depth: int = field(default_factory=lambda: int(_env("GATEWAY_MAX_QUERY_DEPTH", "15")))
    max_query_aliases: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_QUERY_ALIASES", "30"))
    )
    max_root_fields: int = field(default_factory=lambda: int(_env("GATEWAY_MAX_ROOT_FIELDS", "10")))
    # The cost estimate a client's query may reach, unless its registration sets another budget;
    # a registration may set at most the ceiling.
    query_cost_budget: int = field(
        default_factory=lambda: int(_env("GATEWAY_QUERY_COST_BUDGET", "10000"))
    )
    query_cost_ceiling: int = field(
        default_factory=lambda: int(_env("GATEWAY_QUERY_COST_CEILING", "100000"))
    )
    # development or production: production answers only safelisted documents, turns
    # introspection and GraphiQL off (unless switched on below) and masks errors to their codes.
    environment: str = field(default_factory=lambda: _env("GATEWAY_ENV", DEVELOPMENT).lower())
    # on/off; unset: on in development, off in production.
    introspection: bool | None = field(default_factory=lambda: _switch("GATEWAY_INTROSPECTION"))
    graphiql: bool | None = field(default_factory=lambda: _switch("GATEWAY_GRAPHIQL"))
    # Rate-limit counters live in Redis when this is set (redis://host:port/db), in the store
    # otherwise; `rate_limit_prefix` starts every counter's key (deployments sharing a Redis).
    redis_url: str = field(default_factory=lambda: _env("GATEWAY_REDIS_URL", ""))
    rate_limit_prefix: str = field(
        default_factory=lambda: _env("GATEWAY_RATE_LIMIT_PREFIX", "darvazeh")
    )
    rate_limits: RateLimits = field(default_factory=RateLimits)
    # Persisted queries: at most this many safelisted documents per client, each at most this
    # many bytes; development's automatic persisted queries keep this many per worker.
    safelist_max_documents: int = field(
        default_factory=lambda: _int("GATEWAY_SAFELIST_MAX_DOCUMENTS", 200)
    )
    safelist_max_bytes: int = field(
        default_factory=lambda: _int("GATEWAY_SAFELIST_MAX_BYTES", 16 * 1024)
    )
    apq_cache_size: int = field(default_factory=lambda: _int("GATEWAY_APQ_CACHE_SIZE", 1000))

    # SQLite data sources are files in an agency's own folder here, `<dir>/<agency code>/`,
    # opened read-only. None: `<var_dir>/agencies`.
    agencies_dir: Path | None = field(
        default_factory=lambda: Path(v) if (v := _env("GATEWAY_AGENCIES_DIR", "")) else None
    )
    # What each agency's network sources may reach: JSON `{"agency": ["host:port",
    # "host:port/database"]}`, or the path of a file holding it. Empty: no server at all.
    source_allowlist: str = field(default_factory=lambda: _env("GATEWAY_SOURCE_ALLOWLIST", ""))

    # A statutory read names its case in the Darvazeh-Case-Reference header: this pattern (a
    # full match) and at most this many characters (the access log keeps up to 200).
    case_reference_pattern: str = field(
        default_factory=lambda: _env(
            "GATEWAY_CASE_REFERENCE_PATTERN", r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
        )
    )
    case_reference_max_length: int = field(
        default_factory=lambda: int(_env("GATEWAY_CASE_REFERENCE_MAX_LENGTH", "64"))
    )
    # The law the gateway's own death checks (login, consent, token) are recorded under.
    death_check_statute: str = field(
        default_factory=lambda: _env(
            "GATEWAY_DEATH_CHECK_STATUTE",
            "Civil Registration Act: a registered death ends the person's own credentials",
        )
    )
    # The law the gateway's own guardianship checks (a parent acting for a minor child: consent,
    # the child's access log) read the child's birth record under.
    guardianship_check_statute: str = field(
        default_factory=lambda: _env(
            "GATEWAY_GUARDIANSHIP_CHECK_STATUTE",
            "Civil Code, art. 1180: a minor child is in the guardianship of their parents",
        )
    )

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

    # Operations (docs/operations.md). Prometheus multiprocess files shared by this host's
    # workers; default var/metrics.
    metrics_dir_setting: str = field(default_factory=lambda: _env("GATEWAY_METRICS_DIR", ""))
    # Who may scrape /metrics: networks checked against the connecting peer's address.
    metrics_allow: tuple[str, ...] = field(
        default_factory=lambda: _env_list("GATEWAY_METRICS_ALLOW", "127.0.0.1/32,::1/128")
    )
    # Operation names that always get their own series; up to metrics_max_operations others
    # (validated ones, first come first served per worker) do too, the rest count as `other`.
    metrics_operations: tuple[str, ...] = field(
        default_factory=lambda: _env_list("GATEWAY_METRICS_OPERATIONS", "")
    )
    metrics_max_operations: int = field(
        default_factory=lambda: int(_env("GATEWAY_METRICS_MAX_OPERATIONS", "50"))
    )
    # Traces: none (off), console, or otlp (OTLP over HTTP/protobuf to otel_endpoint).
    otel_exporter: str = field(default_factory=lambda: _env("GATEWAY_OTEL_EXPORTER", "none"))
    otel_endpoint: str = field(
        default_factory=lambda: _env("GATEWAY_OTEL_ENDPOINT", "http://127.0.0.1:4318/v1/traces")
    )
    otel_service_name: str = field(
        default_factory=lambda: _env("GATEWAY_OTEL_SERVICE_NAME", "darvazeh")
    )
    otel_sample_ratio: float = field(
        default_factory=lambda: float(_env("GATEWAY_OTEL_SAMPLE_RATIO", "1.0"))
    )
    # json in service; `make demo` sets text for people reading a terminal.
    log_format: str = field(default_factory=lambda: _env("GATEWAY_LOG_FORMAT", "json").lower())
    log_level: str = field(default_factory=lambda: _env("GATEWAY_LOG_LEVEL", "INFO").upper())

    @property
    def metrics_dir(self) -> Path:
        chosen = self.metrics_dir_setting
        return Path(chosen) if chosen else self.var_dir / "metrics"

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
        return self.agencies_dir or self.var_dir / "agencies"


def get_settings() -> Settings:
    return Settings()
