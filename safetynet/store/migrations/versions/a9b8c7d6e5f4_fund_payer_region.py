"""funds: the payer region (the county whose fund pays) of each journal line, payment round
and payment: a hospital serving two counties has one statement and one round per county

Revision ID: a9b8c7d6e5f4
Revises: f1a2b3c4d5e6
Create Date: 2026-12-02 02:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a9b8c7d6e5f4"
down_revision: str | None = "f1a2b3c4d5e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("state != 'void'")
PAYER = sa.text("coalesce(payer_region, '')")


def upgrade() -> None:
    # added in place (no table copy): the journal's append-only triggers stay
    op.add_column("fund_line", sa.Column("payer_region", sa.String(length=12), nullable=True))
    op.add_column(
        "fund_payment_batch", sa.Column("payer_region", sa.String(length=12), nullable=True)
    )
    op.add_column("fund_payment", sa.Column("payer_region", sa.String(length=12), nullable=True))
    op.drop_index("uq_fund_payment_batch_month", table_name="fund_payment_batch")
    op.create_index("uq_fund_payment_batch_month", "fund_payment_batch",
                    ["year", "month", PAYER], unique=True, sqlite_where=LIVE,
                    postgresql_where=LIVE)  # fmt: skip


def downgrade() -> None:
    op.drop_index("uq_fund_payment_batch_month", table_name="fund_payment_batch")
    op.create_index("uq_fund_payment_batch_month", "fund_payment_batch", ["year", "month"],
                    unique=True, sqlite_where=LIVE, postgresql_where=LIVE)  # fmt: skip
    with op.batch_alter_table("fund_payment_batch", schema=None) as batch_op:
        batch_op.drop_column("payer_region")
    with op.batch_alter_table("fund_payment", schema=None) as batch_op:
        batch_op.drop_column("payer_region")
    op.drop_column("fund_line", "payer_region")
