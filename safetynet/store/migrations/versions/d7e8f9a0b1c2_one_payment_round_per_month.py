"""funds: one live payment round per month (a partial unique index), so two drafts made at
once cannot both be approved and paid

Revision ID: d7e8f9a0b1c2
Revises: c5d1e2f3a4b6
Create Date: 2026-12-01 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7e8f9a0b1c2"
down_revision: str | None = "c5d1e2f3a4b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("state != 'void'")


def upgrade() -> None:
    with op.batch_alter_table("fund_payment_batch", schema=None) as batch_op:
        batch_op.create_index("uq_fund_payment_batch_month", ["year", "month"], unique=True,
                              sqlite_where=LIVE, postgresql_where=LIVE)  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("fund_payment_batch", schema=None) as batch_op:
        batch_op.drop_index("uq_fund_payment_batch_month")
