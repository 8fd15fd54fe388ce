"""The gateway's own database: models, sessions and migrations."""
