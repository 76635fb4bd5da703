"""users: usernames are case-insensitive — each account's folded name (``username_key``:
surrounding space dropped, lower case), unique, so no two accounts differ only by case.
A database already holding such accounts is refused before anything changes, naming them:
rename or remove all but one of each (they are one login name), then upgrade again.

Revision ID: f7b9d1e3a5c2
Revises: e6a8c0d2f4b1
Create Date: 2026-12-03 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f7b9d1e3a5c2"
down_revision: str | None = "e6a8c0d2f4b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fold(username: str) -> str:
    """As safetynet.security.login_failures.fold_username folds a name (kept here as it was
    when this migration was written)."""
    return username.strip().lower()[:64]


def upgrade() -> None:
    bind = op.get_bind()
    rows = list(bind.execute(sa.text("SELECT id, username FROM app_user ORDER BY username")))
    names: dict[str, list[str]] = {}
    for _, username in rows:
        names.setdefault(_fold(username), []).append(username)
    clashes = [", ".join(repr(n) for n in group) for group in names.values() if len(group) > 1]
    if clashes:
        raise RuntimeError(
            "usernames are case-insensitive now, and these accounts differ only by case: "
            "rename or remove all but one of each, then upgrade again:\n  "
            + "\n  ".join(clashes)
        )
    op.add_column("app_user", sa.Column("username_key", sa.String(length=64), nullable=True))
    update = sa.text("UPDATE app_user SET username_key = :key WHERE id = :id")
    for user_id, username in rows:
        bind.execute(update, {"key": _fold(username), "id": user_id})
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.alter_column("username_key", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_app_user_username_key"), ["username_key"])


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_app_user_username_key"), type_="unique")
        batch_op.drop_column("username_key")
