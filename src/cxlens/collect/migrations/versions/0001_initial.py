"""The first schema of the collection store.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

from cxlens.collect import db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = [
    db.surveys,
    db.invitations,
    db.displays,
    db.submissions,
    db.answers,
    db.cases,
    db.case_notes,
    db.users,
    db.api_tokens,
    db.deliveries,
    db.sync_state,
]


def upgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        table.create(bind, checkfirst=True)
        for index in table.indexes:
            index.create(bind, checkfirst=True)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(TABLES):
        table.drop(bind, checkfirst=True)
