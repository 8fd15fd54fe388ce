"""Runtime settings: the one place that reads the environment (settings.environment does the
reading; every variable is listed in docs/configuration.md).

`get_settings()` is called once, by a program's entry point (server.py, a command's `main`), and
the settings are passed down from there: nothing deeper reads the environment or fetches them.
"""

from __future__ import annotations

from collections.abc import Mapping

from settings import environment
from settings.gateway import (
    DEVELOPMENT,
    ENVIRONMENTS,
    MAX_CASE_REFERENCE_LENGTH,
    MAX_STATUTE_LENGTH,
    PRODUCTION,
    ROOT,
    Settings,
)
from settings.limits import RequestLimits
from settings.observability import ObservabilitySettings
from settings.proactive import ProactiveSettings
from settings.rate_limits import RateLimits
from settings.sources import SourceSettings

__all__ = [
    "DEVELOPMENT",
    "ENVIRONMENTS",
    "MAX_CASE_REFERENCE_LENGTH",
    "MAX_STATUTE_LENGTH",
    "PRODUCTION",
    "ROOT",
    "ObservabilitySettings",
    "ProactiveSettings",
    "RateLimits",
    "RequestLimits",
    "Settings",
    "SourceSettings",
    "get_settings",
]


def get_settings(defaults: Mapping[str, str] | None = None) -> Settings:
    """The settings the environment gives; `defaults` are a program's own defaults for
    variables the environment leaves unset (the demo's text log lines)."""
    return environment.load(Settings, environment.current(defaults))
