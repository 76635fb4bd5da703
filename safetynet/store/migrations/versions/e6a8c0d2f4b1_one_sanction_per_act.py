"""review: one act, one sanction in the database — one standing (not cancelled) sanction case
per review case and party (partial unique indexes), so two requests at once cannot both open
one; an existing database holding two standing cases of a party on one review case is
refused with the cases named (cancel all but one, then upgrade again)

Revision ID: e6a8c0d2f4b1
Revises: c5d7e9f1a3b2
Create Date: 2026-12-03 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e6a8c0d2f4b1"
down_revision: str | None = "c5d7e9f1a3b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STANDING = sa.text("cancelled_on IS NULL")
PARTIES = (
    ("uq_sanction_case_act_institution", "institution_code"),
    ("uq_sanction_case_act_person", "person_id"),
)


def _duplicates(column: str) -> list[str]:
    """Each review case and party with more than one standing case, and those cases' ids."""
    rows = op.get_bind().execute(sa.text(
        f"SELECT review_case_id, {column}, id FROM sanction_case "  # noqa: S608 (fixed names)
        f"WHERE cancelled_on IS NULL AND review_case_id IS NOT NULL AND {column} IS NOT NULL "
        f"ORDER BY review_case_id, {column}, id"
    ))  # fmt: skip
    groups: dict[tuple[object, object], list[int]] = {}
    for review_case_id, party, case_id in rows:
        groups.setdefault((review_case_id, party), []).append(case_id)
    return [
        f"review case {rc}, {column} {party}: sanction cases {', '.join(map(str, ids))}"
        for (rc, party), ids in groups.items()
        if len(ids) > 1
    ]


def upgrade() -> None:
    found = [line for _, column in PARTIES for line in _duplicates(column)]
    if found:
        raise RuntimeError(
            "cannot add the one-act-one-sanction index: these parties have more than one "
            "standing sanction case for the same review case; cancel (overturn) all but one "
            "of each, then upgrade again:\n  " + "\n  ".join(found)
        )
    for name, column in PARTIES:
        op.create_index(name, "sanction_case", ["review_case_id", column], unique=True,
                        sqlite_where=STANDING, postgresql_where=STANDING)  # fmt: skip


def downgrade() -> None:
    for name, _ in PARTIES:
        op.drop_index(name, table_name="sanction_case")
