"""derived_revision: the registry's revision token and its triggers (issue 21)

Revision ID: a21d3e1f0b7c
Revises: 7d3e5a1b9c20
Create Date: 2026-12-01 14:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from safetynet.store.models.derived import REGISTRY_TABLES, revision_ddl

revision: str = "a21d3e1f0b7c"
down_revision: str | None = "7d3e5a1b9c20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "derived_revision",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_derived_revision")),
    )
    for stmt in revision_ddl(op.get_bind().dialect.name):
        op.execute(stmt)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for t in REGISTRY_TABLES:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS derived_registry_{t} ON {t}")
        else:
            for verb in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS derived_registry_{t}_{verb}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS derived_registry_changed()")
    op.drop_table("derived_revision")
