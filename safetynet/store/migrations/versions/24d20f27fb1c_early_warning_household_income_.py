"""early warning: household income, reference income, monitoring periods, warnings,
re-assistance rounds

Revision ID: 24d20f27fb1c
Revises: a7c3e5d91b20
Create Date: 2026-12-01 15:27:33.909889
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "24d20f27fb1c"
down_revision: str | None = "a7c3e5d91b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference_income",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("per_capita_fen", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_reference_income_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_income")),
        sa.UniqueConstraint("region_code", "year", name="region_year"),
    )
    op.create_table(
        "household_income",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("income_fen", sa.BigInteger(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "declared",
                "poverty_office",
                name="incomesource",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_household_income_household_id_household"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_income")),
    )
    with op.batch_alter_table("household_income", schema=None) as batch_op:
        batch_op.create_index(
            "ix_household_income_household_year", ["household_id", "year"], unique=False
        )

    op.create_table(
        "early_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rule_set", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("measure", sa.BigInteger(), nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("detected_on", sa.Date(), nullable=False),
        sa.Column("verify_due_on", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "verified",
                "handed_over",
                "measures",
                "closed",
                "dismissed",
                name="warningstate",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_early_warning_household_id_household")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_early_warning_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_early_warning_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_warning")),
        sa.UniqueConstraint("year", "rule_id", "household_id", "person_id", name="hit"),
    )
    with op.batch_alter_table("early_warning", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_early_warning_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index("ix_early_warning_year_state", ["year", "state"], unique=False)

    op.create_table(
        "monitoring_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "unstable_exited",
                "marginal",
                "sudden_hardship",
                name="monitoredcategory",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_monitoring_period_household_id_household"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_monitoring_period_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_period")),
    )
    with op.batch_alter_table("monitoring_period", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_period_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "warning_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["early_warning.id"],
            name=op.f("fk_warning_event_warning_id_early_warning"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_event")),
    )
    with op.batch_alter_table("warning_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_warning_event_warning_id"), ["warning_id"], unique=False
        )

    op.create_table('reassistance_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('budget_fen', sa.BigInteger(), nullable=False),
    sa.Column('owed_fen', sa.BigInteger(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('computed_by', sa.String(length=64), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_reassistance_round_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reassistance_round'))
    )
    with op.batch_alter_table('reassistance_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reassistance_round_year'), ['year'], unique=False)

    op.create_table('reassistance_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('self_pay_fen', sa.BigInteger(), nullable=False),
    sa.Column('excess_fen', sa.BigInteger(), nullable=False),
    sa.Column('owed_fen', sa.BigInteger(), nullable=False),
    sa.Column('scale_bp', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_reassistance_payment_household_id_household')),
    sa.ForeignKeyConstraint(['round_id'], ['reassistance_round.id'], name=op.f('fk_reassistance_payment_round_id_reassistance_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reassistance_payment')),
    sa.UniqueConstraint('round_id', 'household_id', name='round_household')
    )
    with op.batch_alter_table('reassistance_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reassistance_payment_round_id'), ['round_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reassistance_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reassistance_payment_round_id'))

    op.drop_table('reassistance_payment')
    with op.batch_alter_table('reassistance_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reassistance_round_year'))

    op.drop_table('reassistance_round')

    with op.batch_alter_table("warning_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_event_warning_id"))

    op.drop_table("warning_event")
    with op.batch_alter_table("monitoring_period", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_period_household_id"))

    op.drop_table("monitoring_period")
    with op.batch_alter_table("early_warning", schema=None) as batch_op:
        batch_op.drop_index("ix_early_warning_year_state")
        batch_op.drop_index(batch_op.f("ix_early_warning_region_code"))

    op.drop_table("early_warning")
    with op.batch_alter_table("household_income", schema=None) as batch_op:
        batch_op.drop_index("ix_household_income_household_year")

    op.drop_table("household_income")
    op.drop_table("reference_income")
