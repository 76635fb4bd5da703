"""supervision: the claim's attending doctor and the day of each item line

Revision ID: a7c3e5d91b20
Revises: a21d3e1f0b7c
Create Date: 2026-12-01 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e5d91b20"
down_revision: str | None = "a21d3e1f0b7c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claim") as batch:
        batch.add_column(sa.Column("doctor_code", sa.String(length=40), nullable=True))
    with op.batch_alter_table("claim_item") as batch:
        batch.add_column(sa.Column("service_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claim_item") as batch:
        batch.drop_column("service_date")
    with op.batch_alter_table("claim") as batch:
        batch.drop_column("doctor_code")
