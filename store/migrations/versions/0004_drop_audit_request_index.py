"""drop the access log's request-id index

Nothing queries the log by request id, and every index is written on every append, so this one
only cost write throughput.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain DDL, not batch mode: rebuilding the table on SQLite would drop its append-only
    # triggers.
    op.drop_index("ix_audit_request", table_name="audit_records")


def downgrade() -> None:
    op.create_index("ix_audit_request", "audit_records", ["request_id"], unique=False)
