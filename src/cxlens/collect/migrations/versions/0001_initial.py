"""The first schema of the collection store, written out in full.

Later changes go in new revisions; this one never changes.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("survey_id", sa.String(64), sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("customer_id", sa.String(128)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("trigger_key", sa.String(200)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("displayed_at", sa.DateTime(timezone=True)),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("survey_id", "trigger_key", name="uq_invitation_trigger"),
    )
    op.create_index("ix_invitations_updated", "invitations", ["updated_at"])
    op.create_index("ix_invitations_customer", "invitations", ["customer_id", "created_at"])
    op.create_table(
        "displays",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("invitation_id", sa.String(40)),
        sa.Column("survey_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128)),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(8)),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("invitation_id", sa.String(40), unique=True),
        sa.Column("survey_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128)),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("ip", sa.String(64)),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.String(40), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("question_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("survey_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128)),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float()),
        sa.Column("comment", sa.Text()),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("touchpoint", sa.String(64)),
        sa.UniqueConstraint("submission_id", "question_id", name="uq_answer_question"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "submission_id",
            sa.String(40),
            sa.ForeignKey("submissions.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("survey_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64)),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "sync_state",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("mark", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_table("deliveries")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("case_notes")
    op.drop_table("cases")
    op.drop_table("answers")
    op.drop_table("submissions")
    op.drop_table("displays")
    op.drop_table("invitations")
    op.drop_table("surveys")
