"""an index covering the service catalogue's fingerprint

Every catalogue query reads count(*), max(updated_at) and sum(version) of the service cards to
tell whether its cached cards are current; with this index that is an index-only scan.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_service_cards_changes", "service_cards", ["updated_at", "version"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_service_cards_changes", table_name="service_cards")
