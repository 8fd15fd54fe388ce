"""Agency data sources: the registry and one adapter per kind (sql, http)."""
