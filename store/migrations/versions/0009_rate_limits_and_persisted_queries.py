"""rate-limit counters, per-client rate limits and persisted-query safelists

Revision ID: 0009
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_rate_counters_expires_at_ms", "rate_counters", ["expires_at_ms"])
    op.create_table(
        "persisted_queries",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["oauth_clients.client_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("client_id", "sha256"),
    )
    op.create_index(
        "ix_persisted_queries_client", "persisted_queries", ["client_id", "created_at"]
    )
    # Plain ADD COLUMN (nullable, no default): SQLite needs no table rebuild.
    op.add_column("oauth_clients", sa.Column("graphql_rate_limit", sa.Integer(), nullable=True))
    op.add_column("oauth_clients", sa.Column("oauth_rate_limit", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oauth_clients") as batch_op:
        batch_op.drop_column("oauth_rate_limit")
        batch_op.drop_column("graphql_rate_limit")
    op.drop_index("ix_persisted_queries_client", table_name="persisted_queries")
    op.drop_table("persisted_queries")
    op.drop_index("ix_rate_counters_expires_at_ms", table_name="rate_counters")
    op.drop_table("rate_counters")
