"""The closed loop: a case's team, deadline, first contact, reminder, escalation, root cause
and action.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = (
    ("team", sa.String(64)),
    ("deadline_at", sa.DateTime(timezone=True)),
    ("first_contact_at", sa.DateTime(timezone=True)),
    ("reminded_at", sa.DateTime(timezone=True)),
    ("escalated_at", sa.DateTime(timezone=True)),
    ("root_cause", sa.String(100)),
    ("action", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
