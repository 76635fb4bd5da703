"""app_user.session_epoch: logout and a password change end every earlier session

Revision ID: 7d3e5a1b9c20
Revises: 5c8194c90c18
Create Date: 2026-12-01 14:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7d3e5a1b9c20'
down_revision: str | None = '5c8194c90c18'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'app_user', sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False)
    )


def downgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('session_epoch')
