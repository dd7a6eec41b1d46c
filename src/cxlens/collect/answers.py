"""Answers: the link check, the checks on what was answered, the cases they open, and their write.

A submission is stored by one write of the store's :class:`~cxlens.collect.writer.Writer`:
its preparation finds the invitation (in the writer's transaction, so "already
answered" is decided there), checks the link and the answers and builds the rows; its
application marks the invitation answered and inserts the submission, its answers
and, for a poor score, a follow-up case. The statements are built once, here, so a
write only binds its values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from cxlens.collect import db
from cxlens.collect.security import LinkToken, check_link, new_id
from cxlens.collect.surveys import LANGUAGES, MAX_COMMENT, Survey
from cxlens.collect.writer import batch_state, defer, flush
from cxlens.errors import CxlensError

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


@dataclass(frozen=True)
class Submitted:
    submission_id: str
    case_id: int | None
    survey_id: str


def now_utc() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# -- statements, built once ----------------------------------------------------------------

_INVITATION = sa.select(db.invitations).where(db.invitations.c.id == sa.bindparam("b_id"))
_MARK_ANSWERED = (
    db.invitations.update()
    .where(db.invitations.c.id == sa.bindparam("b_id"))
    .where(db.invitations.c.answered_at.is_(None))
    .values(answered_at=sa.bindparam("b_at"), updated_at=sa.bindparam("b_at"))
)
_INSERT_SUBMISSION = db.submissions.insert()
_INSERT_ANSWERS = db.answers.insert()
_INSERT_CASE = db.cases.insert()

#: finds the invitation (None for a public survey) and survey of a submission, or raises
Find = Callable[[sa.Connection], tuple[dict[str, Any] | None, Survey]]


def parse_link(token: str) -> LinkToken:
    """The parts of an invitation token, or :class:`LinkError` ("invalid") for a malformed one."""
    parsed = LinkToken.parse(token)
    if parsed is None:
        raise LinkError("invalid")
    return parsed


def invitation_of(
    conn: sa.Connection, key: str, link: LinkToken, now: datetime | None = None
) -> dict[str, Any]:
    """The unanswered, unexpired invitation behind a genuine link, or :class:`LinkError`."""
    row = conn.execute(_INVITATION, {"b_id": link.invitation_id}).first()
    if row is None:
        raise LinkError("invalid")
    inv = dict(row._mapping)
    if not check_link(key, link, inv["survey_id"], inv["customer_id"]):
        raise LinkError("invalid")
    expires = _aware(inv["expires_at"])
    if expires is None or link.expires != int(expires.timestamp()):
        raise LinkError("invalid")
    if (now or now_utc()) > expires:
        raise LinkError("expired", inv["language"])
    if inv["answered_at"] is not None:
        raise LinkError("used", inv["language"])
    return inv


def check_answers(
    survey: Survey, scores: dict[str, Any], comment: str | None
) -> tuple[dict[str, float], str | None]:
    """The scores as numbers on their scales and the trimmed comment, or :class:`AnswerError`."""
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


def answer_rows(survey: Survey, clean: dict[str, float], text: str | None) -> list[dict[str, Any]]:
    """One row per answered question in the survey's order; the comment goes with the first."""
    rows = [
        {"question_id": q.id, "kind": q.kind, "score": clean[q.id], "comment": None}
        for q in survey.questions
        if q.id in clean
    ]
    if text is not None:
        if rows:
            rows[0]["comment"] = text  # the comment explains the (first) score
        else:
            rows.append({"question_id": "comment", "kind": "text", "score": None, "comment": text})
    return rows


def case_for(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The follow-up case a submission opens (its first poor score), if any."""
    for r in rows:
        limit = CASE_THRESHOLDS.get(r["kind"])
        if limit is not None and r["score"] is not None and r["score"] <= limit:
            return {"kind": r["kind"], "score": r["score"]}
    return None


def submission(
    find: Find, scores: dict[str, Any], comment: str | None, language: str, ip: str | None
) -> Callable[[sa.Connection], Callable[[sa.Connection], Submitted]]:
    """The write that stores one submission (see the module's description)."""

    def prepare(conn: sa.Connection) -> Callable[[sa.Connection], Submitted]:
        invitation, survey = find(conn)
        # the writer's lock keeps other processes from answering the invitation since
        # it was read; the writes of this batch see each other's through the batch state
        if invitation is not None and invitation["id"] in batch_state(conn).get("answered", ()):
            raise LinkError("used", invitation["language"])
        clean, text = check_answers(survey, scores, comment)
        if invitation is None and not survey.public:
            raise LinkError("invalid")
        lang = language if language in LANGUAGES else "en"
        customer = None if survey.anonymous or invitation is None else invitation["customer_id"]
        rows = answer_rows(survey, clean, text)
        case = case_for(rows)
        sub_id = new_id()

        def apply(conn: sa.Connection) -> Submitted:
            # the time is taken in the transaction, so it grows in the order of the commits
            # (the incremental sync relies on that)
            at = now_utc()
            if invitation is not None:
                batch_state(conn).setdefault("answered", set()).add(invitation["id"])
                defer(conn, _MARK_ANSWERED, {"b_id": invitation["id"], "b_at": at})
            defer(
                conn,
                _INSERT_SUBMISSION,
                {
                    "id": sub_id,
                    "invitation_id": invitation["id"] if invitation else None,
                    "survey_id": survey.id,
                    "customer_id": customer,
                    "ts": at,
                    "language": lang,
                    "ip": None if survey.anonymous else ip,
                },
            )
            common = {
                "submission_id": sub_id,
                "survey_id": survey.id,
                "customer_id": customer,
                "ts": at,
                "language": lang,
                "touchpoint": survey.touchpoint,
            }
            for r in rows:
                defer(conn, _INSERT_ANSWERS, {**r, **common})
            case_id = None
            if case is not None:
                flush(conn)  # the case refers to the submission
                result = conn.execute(
                    _INSERT_CASE,
                    {
                        "submission_id": sub_id,
                        "survey_id": survey.id,
                        "customer_id": customer,
                        "kind": case["kind"],
                        "score": case["score"],
                        "comment": text,
                        "status": "open",
                        "opened_at": at,
                        "updated_at": at,
                    },
                )
                case_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            return Submitted(sub_id, case_id, survey.id)

        return apply

    return prepare
