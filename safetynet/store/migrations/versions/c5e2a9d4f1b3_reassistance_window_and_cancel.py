"""re-assistance rounds: what the settlement layer paid at the window (round and household),
each household's entitlement, and cancelling a round

Revision ID: c5e2a9d4f1b3
Revises: 23432f0c01c9
Create Date: 2026-12-01 20:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5e2a9d4f1b3"
down_revision: str | None = "23432f0c01c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reassistance_round") as batch:
        batch.add_column(
            sa.Column("window_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("cancelled_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("cancelled_on", sa.Date(), nullable=True))
    with op.batch_alter_table("reassistance_payment") as batch:
        batch.add_column(
            sa.Column("entitlement_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("window_fen", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("reassistance_payment") as batch:
        batch.drop_column("window_fen")
        batch.drop_column("entitlement_fen")
    with op.batch_alter_table("reassistance_round") as batch:
        batch.drop_column("cancelled_on")
        batch.drop_column("cancelled_by")
        batch.drop_column("window_fen")
