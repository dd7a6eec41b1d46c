"""The collection store: tables, connection and migrations.

SQLite runs in WAL mode with ``synchronous = FULL`` (a response acknowledged to
a customer survives a crash of the process and of the machine) and a busy
timeout, so several processes (the web app, ``cxlens survey dispatch``,
``cxlens sync``) can share it. Every process writes through one
:class:`~cxlens.collect.writer.Writer` per store (:func:`writer`), which commits
writes that arrive together at once. Schema changes are Alembic migrations in
``cxlens/collect/migrations``; :func:`connect` brings a store up to date.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from cxlens.collect.writer import Writer

metadata = sa.MetaData()

surveys = sa.Table(
    "surveys",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("definition", sa.Text, nullable=False),
    # a survey sends nothing by itself until an admin turns it on
    sa.Column("active", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

invitations = sa.Table(
    "invitations",
    metadata,
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
sa.Index("ix_invitations_customer", invitations.c.customer_id, invitations.c.created_at)
sa.Index("ix_invitations_updated", invitations.c.updated_at)

displays = sa.Table(
    "displays",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("invitation_id", sa.String(40)),
    sa.Column("survey_id", sa.String(64), nullable=False),
    sa.Column("customer_id", sa.String(128)),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("language", sa.String(8)),
)

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    # one response per invitation, enforced by the database even for simultaneous posts
    sa.Column("invitation_id", sa.String(40), unique=True),
    sa.Column("survey_id", sa.String(64), nullable=False),
    sa.Column("customer_id", sa.String(128)),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("ip", sa.String(64)),
    # "partial" while an invitation's survey is answered in parts (its link still works)
    sa.Column("status", sa.String(16), nullable=False, server_default="complete"),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)
sa.Index("ix_submissions_updated", submissions.c.updated_at)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.String(40), sa.ForeignKey("submissions.id"), nullable=False),
    sa.Column("question_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("survey_id", sa.String(64), nullable=False),
    sa.Column("customer_id", sa.String(128)),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("comment", sa.Text),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("touchpoint", sa.String(64)),
    sa.UniqueConstraint("submission_id", "question_id", name="uq_answer_question"),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "submission_id", sa.String(40), sa.ForeignKey("submissions.id"), nullable=False, unique=True
    ),
    sa.Column("survey_id", sa.String(64), nullable=False),
    sa.Column("customer_id", sa.String(128)),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("owner", sa.String(64)),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    # the closed loop (cxlens.collect.followup): team, deadline, reminders, escalation
    sa.Column("team", sa.String(64)),
    sa.Column("deadline_at", sa.DateTime(timezone=True)),
    sa.Column("first_contact_at", sa.DateTime(timezone=True)),
    sa.Column("reminded_at", sa.DateTime(timezone=True)),
    sa.Column("escalated_at", sa.DateTime(timezone=True)),
    sa.Column("root_cause", sa.String(100)),
    sa.Column("action", sa.Text),
)

case_notes = sa.Table(
    "case_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # a disabled user cannot sign in, and their tokens do not work
    sa.Column("disabled_at", sa.DateTime(timezone=True)),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
)

#: signed-in browsers: the SHA-256 of each session cookie's random token
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ip", sa.String(64)),
)
sa.Index("ix_sessions_username", sessions.c.username)

#: failed sign-ins per account name ("user:NAME") and per address ("ip:ADDRESS")
login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("locked_at", sa.DateTime(timezone=True)),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(200)),
    sa.Column("ip", sa.String(64)),
    sa.Column("detail", sa.Text),
)
sa.Index("ix_audit_log_ts", audit_log.c.ts)

#: customers erased on request: keyed hashes of id and e-mail (never the values), to flag
#: a later import of the same person, and what was changed
erasures = sa.Table(
    "erasures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("subject_hash", sa.String(64), nullable=False),
    sa.Column("email_hash", sa.String(64)),
    sa.Column("summary", sa.Text, nullable=False),
)
sa.Index("ix_erasures_subject", erasures.c.subject_hash)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("target", sa.String(500), nullable=False),
    sa.Column("topic", sa.String(100), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
)

opt_outs = sa.Table(
    "opt_outs",
    metadata,
    # the customer asked for no more surveys; only they can undo it (their opt-out link)
    sa.Column("customer_id", sa.String(128), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    # "one-click" (the mail program's unsubscribe, RFC 8058) or "page" (the opt-out page)
    sa.Column("via", sa.String(16), nullable=False),
)

dispatch_runs = sa.Table(
    "dispatch_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    # "schedule" (the server's scheduler) or "command" (cxlens survey dispatch)
    sa.Column("origin", sa.String(16), nullable=False),
    sa.Column("surveys", sa.Integer, nullable=False),
    sa.Column("due", sa.Integer, nullable=False),
    sa.Column("invited", sa.Integer, nullable=False),
    sa.Column("emailed", sa.Integer, nullable=False),
    sa.Column("failed", sa.Integer, nullable=False),
    # the counts per survey, as JSON
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("error", sa.Text),
)
sa.Index("ix_dispatch_runs_started", dispatch_runs.c.started_at)

sync_state = sa.Table(
    "sync_state",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("mark", sa.String(64), nullable=False),
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's implicit BEGIN is deferred (it takes the write lock at the first change):
    # the writer's engine begins its transactions itself, with BEGIN IMMEDIATE
    dbapi_connection.isolation_level = None


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    # the writer's own commits never stop to copy the WAL into the database: its
    # checkpointer thread does that beside it (see Writer)
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _begin_immediate(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


#: the PostgreSQL advisory lock that writers of one store take for each transaction
WRITER_LOCK_KEY = 0x6378_6C65_6E73  # "cxlens"


def _one_writer_at_a_time(conn: sa.Connection) -> None:
    # transactions commit in the order they took this lock, so ids and update times of
    # what they write grow in commit order (the incremental sync relies on that)
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")


def create_engine(url: str, writer: bool = False) -> sa.Engine:
    """An engine for the store at ``url``; ``writer``: for the one writer thread of the process.

    On SQLite, the writer's transactions begin with ``BEGIN IMMEDIATE`` (the write lock
    taken up front, so a transaction that read first never fails to upgrade); on
    PostgreSQL they begin by taking an advisory lock that the writers of every process
    share, so they commit one after the other, as on SQLite.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        args = {"check_same_thread": False, "timeout": 10}
        if writer:
            engine = sa.create_engine(url, connect_args=args, poolclass=sa.pool.NullPool)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "connect", _driver_autocommit)
            event.listen(engine, "connect", _no_autocheckpoint)
            event.listen(engine, "begin", _begin_immediate)
            return engine
        engine = sa.create_engine(url, connect_args=args)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if writer:
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=1, max_overflow=0)
        event.listen(engine, "begin", _one_writer_at_a_time)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(engine: sa.Engine) -> None:
    """Bring the store's schema up to the newest migration."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@cache
def _engine(url: str) -> sa.Engine:
    engine = create_engine(url)
    migrate(engine)
    return engine


def connect(url: str) -> sa.Engine:
    """The engine of the store at ``url``, migrated (once per process and URL)."""
    return _engine(url)


@cache
def writer(url: str, linger_seconds: float = 0.0) -> Writer:
    """The one writer of the store at ``url`` in this process (group commit; see :mod:`.writer`)."""
    _engine(url)  # migrated first
    return Writer(create_engine(url, writer=True), linger_seconds)
