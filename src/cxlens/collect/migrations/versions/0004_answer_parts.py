"""Answers in parts: a submission is partial until its survey is sent, with its last change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="complete")
        )
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True)))
    op.create_index("ix_submissions_updated", "submissions", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_submissions_updated", "submissions")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("status")
