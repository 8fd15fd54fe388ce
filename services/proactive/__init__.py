"""The proactive engine: life events in, service cases out, and their delivery
(docs/proactive.md)."""
