"""early warning: running totals of a year's claims per person, household and bucket, read
by the online check instead of the ledger, and the years they are maintained for (empty
after the upgrade: the check reads the ledger until ``safetynet warnings totals --year Y``)

Revision ID: c5d7e9f1a3b2
Revises: b4c6d8e0f2a1
Create Date: 2026-12-03 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5d7e9f1a3b2"
down_revision: str | None = "b4c6d8e0f2a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "early_warning_total",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("status_mask", sa.Integer(), nullable=False),
        sa.Column("listed", sa.BigInteger(), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("out_of_pocket_fen", sa.BigInteger(), nullable=False),
        sa.Column("self_pay_fen", sa.BigInteger(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=True),
        sa.Column("first_claim_id", sa.Integer(), nullable=True),
        sa.Column("first_diagnosis", sa.String(length=16), nullable=True),
        sa.Column("last_date", sa.Date(), nullable=True),
        sa.Column("last_claim_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint(
            "year", "person_id", "household_id", "kind", "level", "status_mask", "listed",
            name=op.f("pk_early_warning_total"),
        ),
    )
    with op.batch_alter_table("early_warning_total", schema=None) as batch_op:
        batch_op.create_index(
            "ix_early_warning_total_household", ["year", "household_id"], unique=False
        )
    op.create_table(
        "early_warning_total_year",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"),
                  nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_early_warning_total_year")),
    )


def downgrade() -> None:
    op.drop_table("early_warning_total_year")
    op.drop_table("early_warning_total")
