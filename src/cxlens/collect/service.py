"""What the collection does, independent of the web: surveys, invitations, answers, cases, users."""

from __future__ import annotations

import fcntl
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from cxlens.collect import db
from cxlens.collect.security import (
    LinkToken,
    check_link,
    hash_password,
    link_token,
    new_api_token,
    new_id,
    token_hash,
    verify_password,
)
from cxlens.collect.surveys import LANGUAGES, MAX_COMMENT, Survey
from cxlens.errors import CxlensError

if TYPE_CHECKING:
    from cxlens.config import Config

ROLES = ("viewer", "analyst", "admin")
CASE_STATUSES = ("open", "in progress", "closed")
#: answers that open a follow-up case: NPS 0-6, CSAT 1-2, CES 1-3
CASE_THRESHOLDS = {"nps": 6, "csat": 2, "ces": 3}


class LinkError(CxlensError):
    """An invitation link that cannot be used: ``reason`` is invalid, expired or used."""

    def __init__(self, reason: str, language: str | None = None):
        super().__init__(f"This survey link is {reason}.")
        self.reason = reason
        self.language = language  # the invitation's, when the link is genuine


class AnswerError(CxlensError):
    """Answers that cannot be stored, with the field they concern."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def now_utc() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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


@dataclass(frozen=True)
class Submitted:
    submission_id: str
    case_id: int | None
    survey: Survey


#: one writer at a time per process: threads queue here instead of in SQLite's busy handler,
#: whose growing sleeps would add hundreds of milliseconds under load
_WRITE_LOCKS: dict[str, threading.Lock] = {}
#: parsed surveys are kept this many seconds (other processes may change them)
SURVEY_CACHE_SECONDS = 5.0


class Collector:
    """The collection store of one workspace."""

    def __init__(self, config: Config):
        self.config = config
        self.engine = db.connect(config.collection_url)
        self.key = config.secret_key
        section = config.section("collection")
        self.company = str(section.get("company") or config.get("workspace", "name"))
        self.public_url = str(section.get("public_url", "http://127.0.0.1:8000"))
        self.fatigue_days = float(section.get("fatigue_days", 30))
        url = config.collection_url
        self._write_lock = None
        self._lock_file: Any = None
        if url.startswith("sqlite:///"):
            self._write_lock = _WRITE_LOCKS.setdefault(url, threading.Lock())
            self._lock_path = url[len("sqlite:///") :] + ".write-lock"
        self._surveys: dict[str, tuple[float, Survey]] = {}

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """A write transaction (serialised within the process on SQLite)."""
        if self._write_lock is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._write_lock:
            # and one writer at a time across processes (web workers, dispatch, sync): a
            # blocking file lock wakes the next writer at once, where SQLite's own retry sleeps
            if self._lock_file is None:
                self._lock_file = open(self._lock_path, "a+b")  # noqa: SIM115 - kept open for the process
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)
            try:
                with self.engine.begin() as conn:
                    yield conn
            finally:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    # -- surveys -------------------------------------------------------------------

    def save_survey(self, survey: Survey, replace: bool = False) -> None:
        row = {
            "id": survey.id,
            "kind": survey.kind,
            "definition": survey.to_json(),
            "active": True,
        }
        self._surveys.pop(survey.id, None)
        with self.writing() as conn:
            exists = conn.execute(
                sa.select(db.surveys.c.id).where(db.surveys.c.id == survey.id)
            ).first()
            if exists and not replace:
                raise CxlensError(
                    f"A survey '{survey.id}' exists already; use --replace to change it."
                )
            if exists:
                conn.execute(db.surveys.update().where(db.surveys.c.id == survey.id).values(**row))
            else:
                conn.execute(db.surveys.insert().values(**row, created_at=now_utc()))

    def surveys(self) -> list[Survey]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(db.surveys.c.definition)
                .where(db.surveys.c.active)
                .order_by(db.surveys.c.id)
            ).all()
        return [Survey.from_json(r.definition) for r in rows]

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
        try:
            with self.writing() as conn:
                conn.execute(
                    db.invitations.insert().values(
                        id=inv_id,
                        survey_id=survey_id,
                        customer_id=customer,
                        language=language,
                        trigger_key=trigger_key,
                        created_at=at,
                        expires_at=expires,
                        updated_at=at,
                    )
                )
        except IntegrityError:
            if trigger_key is None:
                raise
            return None
        token = link_token(self.key, inv_id, survey_id, customer, int(expires.timestamp()))
        return Invitation(inv_id, survey_id, customer, language, token, expires)

    def resolve(self, token: str, now: datetime | None = None) -> tuple[dict[str, Any], Survey]:
        """The invitation row and survey behind a link, or :class:`LinkError`."""
        parsed = LinkToken.parse(token)
        if parsed is None:
            raise LinkError("invalid")
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(db.invitations).where(db.invitations.c.id == parsed.invitation_id)
            ).first()
        if row is None:
            raise LinkError("invalid")
        inv = dict(row._mapping)
        if not check_link(self.key, parsed, inv["survey_id"], inv["customer_id"]):
            raise LinkError("invalid")
        expires = _aware(inv["expires_at"])
        if expires is None or parsed.expires != int(expires.timestamp()):
            raise LinkError("invalid")
        if (now or now_utc()) > expires:
            raise LinkError("expired", inv["language"])
        if inv["answered_at"] is not None:
            raise LinkError("used", inv["language"])
        return inv, self.survey(inv["survey_id"])

    def record_display(
        self, survey: Survey, invitation: dict[str, Any] | None, language: str
    ) -> None:
        at = now_utc()
        with self.writing() as conn:
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

    # -- answers -------------------------------------------------------------------

    def check_answers(
        self, survey: Survey, scores: dict[str, Any], comment: str | None
    ) -> tuple[dict[str, float], str | None]:
        known = {q.id: q for q in survey.questions}
        unknown = set(scores) - set(known)
        if unknown:
            raise AnswerError(
                f"Unknown question(s) {', '.join(sorted(unknown))}; this survey asks "
                f"{', '.join(known)}.",
                "scores",
            )
        clean: dict[str, float] = {}
        for qid, value in scores.items():
            if value is None or value == "":
                continue
            low, high = known[qid].scale
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise AnswerError(
                    f"The answer to '{qid}' must be a number, got {value!r}.", qid
                ) from None
            if not math.isfinite(number) or number != int(number) or not low <= number <= high:
                raise AnswerError(
                    f"The answer to '{qid}' must be a whole number from {low} to {high}, got {value!r}.",
                    qid,
                )
            clean[qid] = number
        text = (comment or "").strip() or None
        if text is not None:
            if len(text) > MAX_COMMENT:
                raise AnswerError(
                    f"The comment is {len(text)} characters long; at most {MAX_COMMENT} are kept.",
                    "comment",
                )
            if "\x00" in text:
                raise AnswerError("The comment contains a NUL character.", "comment")
            if not survey.comment:
                raise AnswerError("This survey asks no comment.", "comment")
        if not clean and text is None:
            raise AnswerError("There is no answer to store: give a score or a comment.", "scores")
        return clean, text

    def submit(
        self,
        survey: Survey,
        invitation: dict[str, Any] | None,
        scores: dict[str, Any],
        comment: str | None,
        language: str,
        ip: str | None = None,
    ) -> Submitted:
        """Store one submission atomically; :class:`LinkError` ("used") if the invitation has one."""
        clean, text = self.check_answers(survey, scores, comment)
        if invitation is None and not survey.public:
            raise LinkError("invalid")
        language = language if language in LANGUAGES else "en"
        at = now_utc()
        sub_id = new_id()
        customer = None if survey.anonymous or invitation is None else invitation["customer_id"]
        rows = []
        for q in survey.questions:
            if q.id in clean:
                rows.append(
                    {"question_id": q.id, "kind": q.kind, "score": clean[q.id], "comment": None}
                )
        if text is not None:
            if rows:
                rows[0]["comment"] = text  # the comment explains the (first) score
            else:
                rows.append(
                    {"question_id": "comment", "kind": "text", "score": None, "comment": text}
                )
        case = self._case_for(rows)
        try:
            with self.writing() as conn:
                conn.execute(
                    db.submissions.insert().values(
                        id=sub_id,
                        invitation_id=invitation["id"] if invitation else None,
                        survey_id=survey.id,
                        customer_id=customer,
                        ts=at,
                        language=language,
                        ip=None if survey.anonymous else ip,
                    )
                )
                conn.execute(
                    db.answers.insert(),
                    [
                        {
                            **r,
                            "submission_id": sub_id,
                            "survey_id": survey.id,
                            "customer_id": customer,
                            "ts": at,
                            "language": language,
                            "touchpoint": survey.touchpoint,
                        }
                        for r in rows
                    ],
                )
                if invitation is not None:
                    done = conn.execute(
                        db.invitations.update()
                        .where(db.invitations.c.id == invitation["id"])
                        .where(db.invitations.c.answered_at.is_(None))
                        .values(answered_at=at, updated_at=at)
                    )
                    if done.rowcount != 1:
                        raise LinkError("used")
                case_id = None
                if case is not None:
                    result = conn.execute(
                        db.cases.insert().values(
                            submission_id=sub_id,
                            survey_id=survey.id,
                            customer_id=customer,
                            kind=case["kind"],
                            score=case["score"],
                            comment=text,
                            status="open",
                            opened_at=at,
                            updated_at=at,
                        )
                    )
                    case_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        except IntegrityError as exc:
            if invitation is not None:
                raise LinkError("used") from exc
            raise
        return Submitted(sub_id, case_id, survey)

    @staticmethod
    def _case_for(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
        for r in rows:
            limit = CASE_THRESHOLDS.get(r["kind"])
            if limit is not None and r["score"] is not None and r["score"] <= limit:
                return {"kind": r["kind"], "score": r["score"]}
        return None

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
    ) -> None:
        if status is not None and status not in CASE_STATUSES:
            raise CxlensError(
                f"A case's status is one of {', '.join(CASE_STATUSES)}, not {status!r}."
            )
        at = now_utc()
        values: dict[str, Any] = {"updated_at": at}
        if status is not None:
            values["status"] = status
            values["closed_at"] = at if status == "closed" else None
        if owner is not None:
            values["owner"] = owner.strip() or None
        with self.engine.begin() as conn:
            done = conn.execute(db.cases.update().where(db.cases.c.id == case_id).values(**values))
            if done.rowcount != 1:
                raise CxlensError(f"There is no case {case_id}.")
            if note and note.strip():
                conn.execute(
                    db.case_notes.insert().values(
                        case_id=case_id, author=author, ts=at, text=note.strip()[:MAX_COMMENT]
                    )
                )

    # -- users and tokens ----------------------------------------------------------

    def add_user(self, username: str, password: str, role: str, language: str = "en") -> None:
        if role not in ROLES:
            raise CxlensError(f"A role is one of {', '.join(ROLES)}, not {role!r}.")
        if (
            not username
            or len(username) > 64
            or not username.replace("-", "")
            .replace("_", "")
            .replace(".", "")
            .replace("@", "")
            .isalnum()
        ):
            raise CxlensError("A user name is 1-64 letters, digits and . _ - @.")
        if len(password) < 10:
            raise CxlensError("A password needs at least 10 characters.")
        row = {
            "password_hash": hash_password(password),
            "role": role,
            "language": language if language in LANGUAGES else "en",
        }
        with self.engine.begin() as conn:
            exists = conn.execute(
                sa.select(db.users.c.username).where(db.users.c.username == username)
            ).first()
            if exists:
                conn.execute(db.users.update().where(db.users.c.username == username).values(**row))
            else:
                conn.execute(
                    db.users.insert().values(username=username, created_at=now_utc(), **row)
                )

    def users(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(db.users.c.username, db.users.c.role, db.users.c.language).order_by(
                    db.users.c.username
                )
            )
            return [dict(r._mapping) for r in rows]

    def user(self, username: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(db.users).where(db.users.c.username == username)).first()
        return dict(row._mapping) if row else None

    def authenticate(self, username: str, password: str) -> dict[str, Any] | None:
        user = self.user(username)
        if user is None:
            verify_password(hash_password("x" * 12), password)  # same work for unknown users
            return None
        return user if verify_password(user["password_hash"], password) else None

    def set_language(self, username: str, language: str) -> None:
        if language in LANGUAGES:
            with self.engine.begin() as conn:
                conn.execute(
                    db.users.update()
                    .where(db.users.c.username == username)
                    .values(language=language)
                )

    def add_token(self, username: str, name: str) -> str:
        if self.user(username) is None:
            raise CxlensError(f"There is no user '{username}'; add one with `cxlens user add`.")
        token, digest = new_api_token()
        with self.engine.begin() as conn:
            conn.execute(
                db.api_tokens.insert().values(
                    token_hash=digest, username=username, name=name, created_at=now_utc()
                )
            )
        return token

    def user_for_token(self, token: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(db.users)
                .join(db.api_tokens, db.api_tokens.c.username == db.users.c.username)
                .where(db.api_tokens.c.token_hash == token_hash(token))
            ).first()
        return dict(row._mapping) if row else None
