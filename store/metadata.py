"""Every table of the gateway store, for migrations and tests: import this, not one module."""

from store import citizen_models, models, oauth_models

metadata = models.Base.metadata

__all__ = ["citizen_models", "metadata", "models", "oauth_models"]
