"""The proactive engine: life events in (intake, the age scan) and an outbox, turned into service
cases by the rules of proactive service cards, and their delivery (docs/proactive.md)."""
