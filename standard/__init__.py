"""The national data standard as plain Python: datasets, record types and their field specs, the
national code, error codes and every status. No GraphQL and no I/O: every layer imports it."""
