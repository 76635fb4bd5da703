"""funds: the double-entry journal (append-only), the marks of posted settlements, payment
batches

Revision ID: 23432f0c01c9
Revises: 18abf4cf5455
Create Date: 2026-12-01 17:04:40.931101
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from safetynet.store.models.funds import JOURNAL_TABLES, append_only_ddl

revision: str = "23432f0c01c9"
down_revision: str | None = "18abf4cf5455"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fund_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_entry")),
        sa.UniqueConstraint("reference", name=op.f("uq_fund_entry_reference")),
    )
    with op.batch_alter_table("fund_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_entry_year"), ["year"], unique=False)

    op.create_table(
        "fund_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("fund", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=True),
        sa.Column("claim_kind", sa.String(length=32), nullable=True),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["fund_entry.id"], name=op.f("fk_fund_line_entry_id_fund_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_line")),
    )
    with op.batch_alter_table("fund_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_line_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index("ix_fund_line_fund_account", ["fund", "account"], unique=False)

    op.create_table(
        "fund_posted",
        sa.Column("settlement_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["settlement.id"],
            name=op.f("fk_fund_posted_settlement_id_settlement"),
        ),
        sa.PrimaryKeyConstraint("settlement_id", name=op.f("pk_fund_posted")),
    )
    with op.batch_alter_table("fund_posted", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_posted_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "fund_budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("fund", sa.String(length=32), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column(
            "set_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["institution_code"],
            ["institution.code"],
            name=op.f("fk_fund_budget_institution_code_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_budget")),
    )
    with op.batch_alter_table("fund_budget", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_budget_year"), ["year"], unique=False)

    op.create_table(
        "fund_payment_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("made_by", sa.String(length=64), nullable=False),
        sa.Column(
            "made_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["fund_entry.id"], name=op.f("fk_fund_payment_batch_entry_id_fund_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_payment_batch")),
    )
    op.create_table(
        "fund_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("fund", sa.String(length=32), nullable=False),
        sa.Column("approved_fen", sa.BigInteger(), nullable=False),
        sa.Column("deposit_fen", sa.BigInteger(), nullable=False),
        sa.Column("prepaid_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["fund_payment_batch.id"],
            name=op.f("fk_fund_payment_batch_id_fund_payment_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_code"],
            ["institution.code"],
            name=op.f("fk_fund_payment_institution_code_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_payment")),
    )
    with op.batch_alter_table("fund_payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_payment_batch_id"), ["batch_id"], unique=False)

    dialect = op.get_bind().dialect.name
    for table in JOURNAL_TABLES:
        for stmt in append_only_ddl(dialect, table):
            op.execute(stmt)


def downgrade() -> None:
    op.drop_table("fund_payment")
    op.drop_table("fund_payment_batch")
    op.drop_table("fund_budget")
    op.drop_table("fund_posted")
    op.drop_table("fund_line")
    op.drop_table("fund_entry")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS fund_journal_append_only()")
