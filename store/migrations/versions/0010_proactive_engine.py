"""proactive engine: life events (the outbox), service cases and their people, webhook
deliveries, agency webhooks, age-scan days; a proactive card's mode and reference date

Revision ID: 0010
Revises: 0009

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "age_scan_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "agency_webhooks",
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
        ),
        sa.PrimaryKeyConstraint("agency_code"),
    )
    op.create_table(
        "life_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("source_event_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("reported_by", sa.String(length=64), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_code", "source_event_id", name="uq_life_events_source"),
    )
    with op.batch_alter_table("life_events", schema=None) as batch_op:
        batch_op.create_index("ix_life_events_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_life_events_national_id"), ["national_id"], unique=False
        )

    op.create_table(
        "service_cases",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("card_id", sa.String(length=64), nullable=False),
        sa.Column("card_version", sa.Integer(), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("subject_national_id", sa.String(length=10), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(length=10), nullable=True),
        sa.Column("answer_note", sa.String(length=500), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["service_cards.id"],
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["life_events.id"],
        ),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("service_cases", schema=None) as batch_op:
        batch_op.create_index("ix_service_cases_agency", ["agency_code", "seq"], unique=False)
        batch_op.create_index(
            "ix_service_cases_card_subject",
            ["card_id", "subject_national_id", "status"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_service_cases_event_id"), ["event_id"], unique=False)

    op.create_table(
        "case_deliveries",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
        ),
        sa.ForeignKeyConstraint(["case_id"], ["service_cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id"),
    )
    with op.batch_alter_table("case_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_deliveries_agency_code"), ["agency_code"], unique=False
        )
        batch_op.create_index("ix_case_deliveries_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "service_case_people",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["service_cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", "national_id"),
    )
    with op.batch_alter_table("service_case_people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_case_people_national_id"), ["national_id"], unique=False
        )

    with op.batch_alter_table("service_cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proactive_mode", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("reference_date", sa.String(length=5), nullable=True))
    # Proactive cards registered before modes existed were labels only: they notify.
    op.execute("UPDATE service_cards SET proactive_mode = 'NOTIFY' WHERE proactive")


def downgrade() -> None:
    with op.batch_alter_table("service_cards", schema=None) as batch_op:
        batch_op.drop_column("reference_date")
        batch_op.drop_column("proactive_mode")

    with op.batch_alter_table("service_case_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_case_people_national_id"))

    op.drop_table("service_case_people")
    with op.batch_alter_table("case_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_case_deliveries_due")
        batch_op.drop_index(batch_op.f("ix_case_deliveries_agency_code"))

    op.drop_table("case_deliveries")
    with op.batch_alter_table("service_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_cases_event_id"))
        batch_op.drop_index("ix_service_cases_card_subject")
        batch_op.drop_index("ix_service_cases_agency")

    op.drop_table("service_cases")
    with op.batch_alter_table("life_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_life_events_national_id"))
        batch_op.drop_index("ix_life_events_due")

    op.drop_table("life_events")
    op.drop_table("agency_webhooks")
    op.drop_table("age_scan_days")
