"""The access log, end to end: every read (granted, denied or failed at its source) becomes a
hash-chained record, committed before the answer leaves (docs/audit.md; what it records:
docs/access-log.md).

`Trail` turns what a request read (with its `Reader`, the principal's facts) into `AuditEntry`s;
an `AuditSink` records them, and `AuditWriter` is the sink the gateway runs (group commit into
the store). The read side is `audit.tracker` (the data tracker's pages) and `audit.usage`
(consent use counts). Verifying lives in `audit.verify` (`python -m audit.verify [STORE_URL]`);
it is not re-exported here, since the function would clash with its module's name.
"""

from audit.entry import ActorKind, AuditEntry
from audit.sink import AuditSink
from audit.trail import Reader, Trail
from audit.writer import AuditWriter

__all__ = ["ActorKind", "AuditEntry", "AuditSink", "AuditWriter", "Reader", "Trail"]
