"""a service client's own query cost budget

NULL means the gateway's default budget (GATEWAY_QUERY_COST_BUDGET); a registration may set one up
to GATEWAY_QUERY_COST_CEILING.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("oauth_clients", sa.Column("query_cost_budget", sa.Integer(), nullable=True))


def downgrade() -> None:
    # batch mode: SQLite drops a column by copying the table.
    with op.batch_alter_table("oauth_clients") as batch:
        batch.drop_column("query_cost_budget")
