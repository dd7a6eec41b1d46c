"""What the collection does, independent of the web: surveys, invitations, answers, cases.

The users, sessions and tokens of the web app are :attr:`Collector.accounts`
(:mod:`cxlens.collect.accounts`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from cxlens.collect import db
from cxlens.collect.accounts import Accounts
from cxlens.collect.answers import (
    WHOLE,
    AnswerError,
    LinkError,
    Progress,
    Submitted,
    checked_invitation,
    invitation_of,
    invitation_rows,
    now_utc,
    parse_link,
    progress_of,
    submission,
)
from cxlens.collect.security import link_token, new_id
from cxlens.collect.surveys import LANGUAGES, MAX_COMMENT, Survey
from cxlens.collect.writer import lookup
from cxlens.errors import CxlensError

if TYPE_CHECKING:
    from cxlens.config import Config

__all__ = [
    "AnswerError", "Collector", "Invitation", "LinkError", "Progress", "Submitted", "now_utc",
]  # fmt: skip

CASE_STATUSES = ("open", "in progress", "closed")
T = TypeVar("T")


def case_json(case: dict[str, Any]) -> dict[str, Any]:
    """A case row with its timestamps as ISO text, for JSON."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in case.items()}


@dataclass(frozen=True)
class Invitation:
    id: str
    survey_id: str
    customer_id: str | None
    language: str
    token: str
    expires_at: datetime

    def url(self, base: str) -> str:
        return f"{base.rstrip('/')}/s/{self.token}"


def _statements(*statements: sa.Executable) -> Callable[[sa.Connection], None]:
    """A write that executes ``statements`` in order."""

    def apply(conn: sa.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return apply


def _opted_out(conn: sa.Connection, customer_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        sa.select(db.opt_outs.c.at, db.opt_outs.c.via).where(
            db.opt_outs.c.customer_id == customer_id
        )
    ).first()
    return dict(row._mapping) if row else None


#: parsed surveys are kept this many seconds (other processes may change them)
SURVEY_CACHE_SECONDS = 5.0


class Collector:
    """The collection store of one workspace.

    Every write goes through the store's :class:`~cxlens.collect.writer.Writer` (one per
    process), so writes that arrive together share one transaction and one commit.
    ``[collection] group_commit_ms`` (default 0) makes the writer wait that long after
    a write arrives for others to join it.
    """

    def __init__(self, config: Config):
        self.config = config
        self.engine = db.connect(config.collection_url)
        self.key = config.secret_key
        section = config.section("collection")
        self.company = str(section.get("company") or config.get("workspace", "name"))
        self.public_url = str(section.get("public_url", "http://127.0.0.1:8000"))
        self.fatigue_days = float(section.get("fatigue_days", 30))
        linger = float(section.get("group_commit_ms", 0)) / 1000
        self.writer = db.writer(config.collection_url, linger)
        self._surveys: dict[str, tuple[float, Survey]] = {}
        self.accounts = Accounts(self.engine, self.write)

    def write(self, apply: Callable[[sa.Connection], T]) -> T:
        """Run ``apply`` in the writer's next transaction; its result once that is committed."""
        return self.writer.run(lambda _conn: apply)

    def execute(self, *statements: sa.Executable) -> None:
        """Execute ``statements`` in order in the writer's next transaction (once committed)."""
        self.write(_statements(*statements))

    # -- surveys -------------------------------------------------------------------

    def save_survey(self, survey: Survey, replace: bool = False) -> None:
        """Store a survey; a new one is inactive (sends nothing) until :meth:`set_active`.

        Replacing a survey keeps whether it is active.
        """
        row = {"id": survey.id, "kind": survey.kind, "definition": survey.to_json()}

        def prepare(conn: sa.Connection) -> Callable[[sa.Connection], None]:
            exists = conn.execute(
                sa.select(db.surveys.c.id).where(db.surveys.c.id == survey.id)
            ).first()
            if exists and not replace:
                raise CxlensError(
                    f"A survey '{survey.id}' exists already; use --replace to change it."
                )
            if exists:
                return _statements(
                    db.surveys.update().where(db.surveys.c.id == survey.id).values(**row)
                )
            return _statements(
                db.surveys.insert().values(**row, active=False, created_at=now_utc())
            )

        self.writer.run(prepare)
        self._surveys.pop(survey.id, None)

    def set_active(self, survey_id: str, active: bool) -> None:
        """Turn a survey on (its trigger invites who is due) or off (it invites nobody)."""

        def prepare(conn: sa.Connection) -> Callable[[sa.Connection], None]:
            if (
                conn.execute(sa.select(db.surveys.c.id).where(db.surveys.c.id == survey_id)).first()
                is None
            ):
                raise CxlensError(
                    f"There is no survey '{survey_id}'; `cxlens survey list` shows them."
                )
            return _statements(
                db.surveys.update().where(db.surveys.c.id == survey_id).values(active=active)
            )

        self.writer.run(prepare)

    def surveys(self, active: bool | None = None) -> list[Survey]:
        """The surveys by id; ``active``: only those turned on (True) or off (False)."""
        q = sa.select(db.surveys.c.definition).order_by(db.surveys.c.id)
        if active is not None:
            q = q.where(db.surveys.c.active.is_(active))
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [Survey.from_json(r.definition) for r in rows]

    def active_survey_ids(self) -> set[str]:
        with self.engine.connect() as conn:
            return {
                r.id for r in conn.execute(sa.select(db.surveys.c.id).where(db.surveys.c.active))
            }

    def survey(self, survey_id: str) -> Survey:
        cached = self._surveys.get(survey_id)
        if cached is not None and time.monotonic() - cached[0] < SURVEY_CACHE_SECONDS:
            return cached[1]
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(db.surveys.c.definition).where(db.surveys.c.id == survey_id)
            ).first()
        if row is None:
            raise CxlensError(f"There is no survey '{survey_id}'; `cxlens survey list` shows them.")
        survey = Survey.from_json(row.definition)
        self._surveys[survey_id] = (time.monotonic(), survey)
        return survey

    # -- invitations ---------------------------------------------------------------

    def invite(
        self,
        survey_id: str,
        customer_id: str | None,
        language: str = "en",
        trigger_key: str | None = None,
        now: datetime | None = None,
    ) -> Invitation | None:
        """A new signed invitation; None when ``trigger_key`` was already invited."""
        survey = self.survey(survey_id)
        language = language if language in LANGUAGES else "en"
        at = now or now_utc()
        expires = at + timedelta(days=survey.expires_days)
        inv_id = new_id()
        customer = None if survey.anonymous else customer_id
        row = {
            "id": inv_id, "survey_id": survey_id, "customer_id": customer, "language": language,
            "trigger_key": trigger_key, "created_at": at, "expires_at": expires, "updated_at": at,
        }  # fmt: skip

        def prepare(conn: sa.Connection) -> Callable[[sa.Connection], bool]:
            if customer is not None and _opted_out(conn, customer) is not None:
                raise CxlensError(
                    f"Customer '{customer}' asked for no more surveys (opted out); only they "
                    "can undo that, with the opt-out link of their e-mails."
                )
            if (
                trigger_key is not None
                and conn.execute(
                    sa.select(db.invitations.c.id)
                    .where(db.invitations.c.survey_id == survey_id)
                    .where(db.invitations.c.trigger_key == trigger_key)
                ).first()
            ):
                return lambda conn: False  # invited already

            def apply(conn: sa.Connection) -> bool:
                conn.execute(db.invitations.insert(), row)
                return True

            return apply

        if not self.writer.run(prepare):
            return None
        token = link_token(self.key, inv_id, survey_id, customer, int(expires.timestamp()))
        return Invitation(inv_id, survey_id, customer, language, token, expires)

    # -- opt-outs -------------------------------------------------------------------

    def opt_out(self, customer_id: str, via: str) -> None:
        """Store that the customer wants no more surveys (kept once, with its first time)."""

        def prepare(conn: sa.Connection) -> Callable[[sa.Connection], None]:
            if _opted_out(conn, customer_id) is not None:
                return lambda conn: None
            return _statements(
                db.opt_outs.insert().values(customer_id=customer_id, at=now_utc(), via=via)
            )

        self.writer.run(prepare)

    def opt_in(self, customer_id: str) -> None:
        """Undo an opt-out: only the customer's own opt-out link calls this."""
        self.execute(db.opt_outs.delete().where(db.opt_outs.c.customer_id == customer_id))

    def opted_out(self, customer_id: str) -> dict[str, Any] | None:
        """When and how the customer opted out, or None."""
        with self.engine.connect() as conn:
            return _opted_out(conn, customer_id)

    def opted_out_ids(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(db.opt_outs.c.customer_id)).scalars())

    def resolve(self, token: str, now: datetime | None = None) -> tuple[dict[str, Any], Survey]:
        """The invitation row and survey behind a link, or :class:`LinkError`."""
        link = parse_link(token)
        with self.engine.connect() as conn:
            inv = invitation_of(conn, self.key, link, now)
        return inv, self.survey(inv["survey_id"])

    def progress(self, invitation_id: str) -> Progress | None:
        """What the invitation's submission holds so far (None before any answer)."""
        with self.engine.connect() as conn:
            return progress_of(conn, invitation_id)

    def record_display(
        self, survey: Survey, invitation: dict[str, Any] | None, language: str
    ) -> None:
        at = now_utc()

        def apply(conn: sa.Connection) -> None:
            conn.execute(
                db.displays.insert().values(
                    invitation_id=invitation["id"] if invitation else None,
                    survey_id=survey.id,
                    customer_id=invitation["customer_id"] if invitation else None,
                    ts=at,
                    language=language,
                )
            )
            if invitation and invitation["displayed_at"] is None:
                conn.execute(
                    db.invitations.update()
                    .where(db.invitations.c.id == invitation["id"])
                    .where(db.invitations.c.displayed_at.is_(None))
                    .values(displayed_at=at, updated_at=at)
                )

        self.write(apply)

    # -- answers -------------------------------------------------------------------

    def submit(
        self,
        survey: Survey,
        invitation: dict[str, Any] | None,
        scores: dict[str, Any],
        comment: str | None,
        language: str,
        ip: str | None = None,
        part: str = WHOLE,
    ) -> Submitted:
        """Store one submission (or a ``part`` of it, see :mod:`cxlens.collect.answers`)
        atomically; :class:`LinkError` ("used") if the invitation's is complete."""

        def find(conn: sa.Connection) -> tuple[dict[str, Any] | None, Survey]:
            if invitation is None:
                return None, survey
            row = lookup(conn, invitation_rows, invitation["id"])
            if row is None:
                raise LinkError("invalid")
            if row["answered_at"] is not None:
                raise LinkError("used", row["language"])
            return row, survey

        needs = None if invitation is None else (invitation_rows, invitation["id"])
        return self.writer.run(submission(find, scores, comment, language, ip, part), needs)

    def submit_answer(
        self,
        token: str | None,
        survey_id: str | None,
        scores: dict[str, Any],
        comment: str | None,
        language: str,
        ip: str | None = None,
        part: str = WHOLE,
    ) -> Future[Submitted]:
        """Check and store the answer to the link ``token`` (or to the public survey ``survey_id``).

        ``part`` other than "whole" stores a part of the answer to a link (see
        :mod:`cxlens.collect.answers`); the link then still works for the rest.

        The link, the survey and the answers are checked in the writer's transaction; the
        future holds the :class:`Submitted` once it is committed, or the
        :class:`LinkError` or :class:`AnswerError` that refused it.
        """
        needs = None
        if token:
            link = parse_link(token)
            needs = (invitation_rows, link.invitation_id)

            def find(conn: sa.Connection) -> tuple[dict[str, Any] | None, Survey]:
                row = lookup(conn, invitation_rows, link.invitation_id)
                inv = checked_invitation(row, self.key, link)
                return inv, self.survey(inv["survey_id"])

        elif survey_id:
            public_id = survey_id

            def find(conn: sa.Connection) -> tuple[dict[str, Any] | None, Survey]:
                survey = self.survey(public_id)
                if not survey.public:
                    raise LinkError("invalid")
                return None, survey

        else:
            raise LinkError("invalid")
        return self.writer.submit(submission(find, scores, comment, language, ip, part), needs)

    # -- cases ---------------------------------------------------------------------

    def cases(self, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        q = sa.select(db.cases).order_by(db.cases.c.opened_at.desc()).limit(limit)
        if status:
            q = q.where(db.cases.c.status == status)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def case(self, case_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(db.cases).where(db.cases.c.id == case_id)).first()
            if row is None:
                raise CxlensError(f"There is no case {case_id}.")
            notes = conn.execute(
                sa.select(db.case_notes)
                .where(db.case_notes.c.case_id == case_id)
                .order_by(db.case_notes.c.ts)
            ).all()
        return dict(row._mapping), [dict(n._mapping) for n in notes]

    def update_case(
        self,
        case_id: int,
        author: str,
        status: str | None = None,
        owner: str | None = None,
        note: str | None = None,
        root_cause: str | None = None,
        action: str | None = None,
        root_causes: tuple[str, ...] | None = None,
    ) -> None:
        """Change a case. Closing it needs a ``root_cause`` (one of ``root_causes``, the
        list of ``[cases] root_causes``) and the ``action`` taken. The first change of
        status or note by someone is the case's first contact."""
        if status is not None and status not in CASE_STATUSES:
            raise CxlensError(
                f"A case's status is one of {', '.join(CASE_STATUSES)}, not {status!r}."
            )
        at = now_utc()
        values: dict[str, Any] = {"updated_at": at}
        cause = (root_cause or "").strip() or None
        did = (action or "").strip()[:MAX_COMMENT] or None
        if status == "closed":
            if cause is None or did is None:
                raise CxlensError("Closing a case needs its root cause and the action taken.")
            if root_causes is not None and cause not in root_causes:
                raise CxlensError(
                    f"The root cause is one of {', '.join(root_causes)} (cxlens.toml, [cases] "
                    f"root_causes), not {cause!r}."
                )
            values["root_cause"], values["action"] = cause, did
        if status is not None:
            values["status"] = status
            values["closed_at"] = at if status == "closed" else None
        if owner is not None:
            values["owner"] = owner.strip() or None
        text = (note or "").strip()[:MAX_COMMENT]

        def prepare(conn: sa.Connection) -> Callable[[sa.Connection], None]:
            row = conn.execute(
                sa.select(db.cases.c.id, db.cases.c.status, db.cases.c.first_contact_at).where(
                    db.cases.c.id == case_id
                )
            ).first()
            if row is None:
                raise CxlensError(f"There is no case {case_id}.")
            contact = text or (status is not None and status != row.status)
            if contact and row.first_contact_at is None:
                values["first_contact_at"] = at

            def apply(conn: sa.Connection) -> None:
                conn.execute(db.cases.update().where(db.cases.c.id == case_id).values(**values))
                if text:
                    conn.execute(
                        db.case_notes.insert().values(
                            case_id=case_id, author=author, ts=at, text=text
                        )
                    )

            return apply

        self.writer.run(prepare)
