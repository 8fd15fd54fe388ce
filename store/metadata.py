"""Every table of the gateway store, for migrations and tests: import this, not one module."""

from store import (
    audit_models,
    citizen_models,
    limit_models,
    models,
    oauth_models,
    proactive_models,
    staff_models,
    window_models,
)

metadata = models.Base.metadata

__all__ = [
    "audit_models",
    "citizen_models",
    "limit_models",
    "metadata",
    "models",
    "oauth_models",
    "proactive_models",
    "staff_models",
    "window_models",
]
