"""The proactive engine: life events in an outbox, turned into service cases by the rules of
proactive service cards (docs/proactive.md)."""
