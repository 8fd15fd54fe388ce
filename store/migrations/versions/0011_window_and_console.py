"""the national window's daily coverage and source-health snapshots; agency staff accounts and
their browser sessions

Revision ID: 0011
Revises: 0010

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coverage_snapshots",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("connected", sa.Integer(), nullable=False),
        sa.Column("proactive", sa.Integer(), nullable=False),
        sa.Column("by_agency", sa.JSON(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "staff_accounts",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
        ),
        sa.PrimaryKeyConstraint("username"),
    )
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_accounts_agency_code"), ["agency_code"], unique=False
        )

    op.create_table(
        "source_health_days",
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("latency_p95_ms", sa.Float(), nullable=True),
        sa.Column("probes", sa.Integer(), nullable=False),
        sa.Column("probes_ok", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["data_sources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("source_id", "day"),
    )
    with op.batch_alter_table("source_health_days", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_source_health_days_agency_code"), ["agency_code"], unique=False
        )

    op.create_table(
        "staff_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("csrf_secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["username"], ["staff_accounts.username"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sessions_username"), ["username"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sessions_username"))

    op.drop_table("staff_sessions")
    with op.batch_alter_table("source_health_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_health_days_agency_code"))

    op.drop_table("source_health_days")
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_accounts_agency_code"))

    op.drop_table("staff_accounts")
    op.drop_table("coverage_snapshots")
