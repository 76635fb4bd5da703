"""catalogs: dated catalog items — one entry per code and period ``[valid_from, valid_to)``,
keyed by (code, valid_from); the entries of the undated catalog become valid from 2000-01-01
(``safetynet.catalogs.in_force.CATALOG_START``), open-ended

Downgrade keeps one entry per code — the one in force on the day of the downgrade, else the
latest to start — undated again (the other periods are lost: the old schema cannot hold them).

Revision ID: b4c6d8e0f2a1
Revises: a9b8c7d6e5f4
Create Date: 2026-12-02 14:30:00
"""

from collections.abc import Sequence
from datetime import date

from safetynet.clock import local_today

import sqlalchemy as sa
from alembic import op

revision: str = "b4c6d8e0f2a1"
down_revision: str | None = "a9b8c7d6e5f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

START = date(2000, 1, 1)  # CATALOG_START, as it is when this migration is written
ITEMS = sa.table(
    "catalog_item",
    sa.column("code", sa.String),
    sa.column("valid_from", sa.Date),
    sa.column("valid_to", sa.Date),
)


def upgrade() -> None:
    op.execute(ITEMS.update().where(ITEMS.c.valid_from.is_(None)).values(valid_from=START))
    with op.batch_alter_table("catalog_item", recreate="always") as batch_op:
        batch_op.drop_constraint("pk_catalog_item", type_="primary")
        batch_op.alter_column("valid_from", existing_type=sa.Date(), nullable=False)
        batch_op.create_primary_key("pk_catalog_item", ["code", "valid_from"])
        batch_op.create_check_constraint("period", "valid_to IS NULL OR valid_to > valid_from")


def downgrade() -> None:
    conn = op.get_bind()
    today = local_today()
    rows = conn.execute(sa.select(ITEMS.c.code, ITEMS.c.valid_from, ITEMS.c.valid_to)).all()
    keep: dict[str, tuple[date, bool]] = {}  # code -> (valid_from, in force today)
    for code, start, end in rows:
        now = start <= today and (end is None or end > today)
        held = keep.get(code)
        if held is None or (now and not held[1]) or (now == held[1] and start > held[0]):
            keep[code] = (start, now)
    for code, start, _ in rows:
        if keep[code][0] != start:
            conn.execute(
                ITEMS.delete().where(ITEMS.c.code == code, ITEMS.c.valid_from == start)
            )
    with op.batch_alter_table("catalog_item", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_catalog_item_period"), type_="check")
        batch_op.drop_constraint("pk_catalog_item", type_="primary")
        batch_op.alter_column("valid_from", existing_type=sa.Date(), nullable=True)
        batch_op.create_primary_key("pk_catalog_item", ["code"])
    op.execute(ITEMS.update().values(valid_from=None, valid_to=None))
