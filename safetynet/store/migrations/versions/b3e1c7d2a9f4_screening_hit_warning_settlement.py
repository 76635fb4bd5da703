"""screening hits stored with the settlement (fund supervision at the window); the
settlement that raised an early warning

Revision ID: b3e1c7d2a9f4
Revises: 24d20f27fb1c
Create Date: 2026-12-01 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3e1c7d2a9f4"
down_revision: str | None = "24d20f27fb1c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("settlement_id", sa.Integer(), nullable=False),
        sa.Column("rule_set", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("article", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["settlement.id"],
            name=op.f("fk_screening_hit_settlement_id_settlement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_hit")),
    )
    with op.batch_alter_table("screening_hit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_hit_settlement_id"), ["settlement_id"], unique=False
        )
    with op.batch_alter_table("early_warning", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settlement_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_early_warning_settlement_id"), ["settlement_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_early_warning_settlement_id_settlement"),
            "settlement",
            ["settlement_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("early_warning", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_early_warning_settlement_id_settlement"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_early_warning_settlement_id"))
        batch_op.drop_column("settlement_id")
    with op.batch_alter_table("screening_hit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_hit_settlement_id"))
    op.drop_table("screening_hit")
