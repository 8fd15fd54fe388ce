"""Runtime settings, read once from the environment.

Every knob has a default that runs the embedded demo on one machine with nothing but Python.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


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


def get_settings() -> Settings:
    return Settings()
