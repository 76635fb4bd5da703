"""funds: a payment round records the last journal entry its statements read, so what is
posted for its month afterwards is settled by the next round (never lost, never paid twice)

Revision ID: e4f5a6b7c8d9
Revises: d7e8f9a0b1c2
Create Date: 2026-12-01 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4f5a6b7c8d9"
down_revision: str | None = "d7e8f9a0b1c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fund_payment_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("through_entry_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fund_payment_batch", schema=None) as batch_op:
        batch_op.drop_column("through_entry_id")
