"""The proactive engine: life events in (intake, the age scan), the outbox, the service cases made
from them and their delivery (docs/proactive.md)."""
