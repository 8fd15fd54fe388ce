"""Settings of the programs around the gateway: the agencies' command line, the demo world's
stand-in agencies and the benchmark's bare baseline. None of them configures the gateway."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from settings import environment
from settings.environment import integer, path, text
from settings.sources import SourceSettings


@dataclass(frozen=True, slots=True)
class AgencyCliSettings:
    """`darvazeh-agency`: the gateway it talks to and the agency admin client it signs in as
    (a secret in the environment stays out of process lists, unlike an argument)."""

    gateway: str = text("DARVAZEH_GATEWAY", "http://127.0.0.1:8000")
    client_id: str = text("DARVAZEH_CLIENT_ID", "")
    client_secret: str = text("DARVAZEH_CLIENT_SECRET", "", secret=True)


@dataclass(frozen=True, slots=True)
class DemoSettings:
    """The demo world's stand-in agencies (`make demo`)."""

    # The education ministry's HTTP service, on 127.0.0.1.
    education_port: int = integer("EDUCATION_PORT", 8101)
    # The social security agency's HTTP service (its subgraph and webhook receiver), on 127.0.0.1.
    social_port: int = integer("SOCIAL_PORT", 8102)
    # Set: the service asks for `Authorization: Bearer <key>`; empty: it is open.
    education_api_key: str = text("EDUCATION_API_KEY", "", secret=True)
    social_api_key: str = text("SOCIAL_API_KEY", "", secret=True)


@dataclass(frozen=True, slots=True)
class BareBenchSettings:
    """`uvicorn bench.bare:app`, the benchmark's hand-written baseline (bench/__main__.py sets
    these for the process it starts)."""

    var_dir: Path = path("BENCH_VAR_DIR", Path("var/bench"))
    education_url: str = text("BENCH_EDUCATION_URL", "http://127.0.0.1:8101")


def agency_cli_settings() -> AgencyCliSettings:
    return environment.load(AgencyCliSettings, environment.current())


def demo_settings() -> DemoSettings:
    return environment.load(DemoSettings, environment.current())


def bare_bench_settings() -> BareBenchSettings:
    return environment.load(BareBenchSettings, environment.current())


def bare_bench_pools() -> SourceSettings:
    """The gateway's own agency-pool settings (GATEWAY_SOURCE_POOL_*), which the bare baseline
    sizes its pools by so that both sides wait alike."""
    return environment.load(SourceSettings, environment.current())
