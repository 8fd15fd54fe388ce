"""The access log: every access decision becomes a hash-chained record, committed before the answer.

`AuditEntry` is what a decision produces and `AuditWriter` appends entries with group commit.
Verifying lives in `audit.verify` (`from audit.verify import verify`; `python -m audit.verify
[STORE_URL]`); it is not re-exported here, since the function would clash with its module's name.
"""

from audit.entry import AuditEntry
from audit.writer import AuditWriter

__all__ = ["AuditEntry", "AuditWriter"]
