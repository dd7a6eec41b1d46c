"""Answers: the link check, the checks on what was answered, the cases they open, and their write.

A submission is stored by one write of the store's :class:`~cxlens.collect.writer.Writer`:
its preparation finds the invitation (in the writer's transaction, so "already
answered" is decided there; the invitations of a batch's answers are read in one
query, :func:`invitation_rows`), checks the link and the answers and builds the rows;
its application marks the invitation answered and inserts the submission, its answers
and, for a poor score, a follow-up case. The statements are built once, here, so a
write only binds its values.

An invitation's answer may come in parts: the score chosen in the invitation e-mail,
each question of the survey page as soon as it is answered, then the survey's button.
A part that does not finish the survey is stored as a *partial* submission
(``status = "partial"``) whose link still works; later parts add the questions not
answered yet and change those answered before (the customer may change their mind
until they finish; a comment box sent empty deletes the comment saved before), the
comment joins the first score's row, and the part sent with
the survey's button makes it *complete*: the link is then used and nothing changes
any more. A poor score opens its case as soon as it is stored, whichever part brings
it; while the answer is partial, the case's score follows the customer's changes.

What a part is, is :data:`PARTS`: ``"whole"`` (the survey's button: complete),
``"first"`` (the e-mail's confirmation step: complete only when it answers everything
the survey asks) and ``"some"`` (a question saved as it is answered, or *finish
later*: partial until the survey's button).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from cxlens.collect import db
from cxlens.collect.security import LinkToken, check_link, ordered_id
from cxlens.collect.surveys import LANGUAGES, MAX_COMMENT, Survey
from cxlens.collect.writer import defer, flush, forget
from cxlens.errors import CxlensError
from cxlens.periods import as_utc

#: answers that open a follow-up case: NPS 0-6, CSAT 1-2, CES 1-3
CASE_THRESHOLDS = {"nps": 6, "csat": 2, "ces": 3}
#: the survey's button: the answer is complete
WHOLE = "whole"
#: the invitation e-mail's confirmation step: complete if it answers all the survey asks
FIRST = "first"
#: a question saved as soon as it is answered, or "finish later": the answer stays partial
SOME = "some"
PARTS = (WHOLE, FIRST, SOME)


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
    #: False while the invitation's survey is only partly answered (its link still works)
    complete: bool = True
    #: this part opened the case (a later part of the same answer returns its case_id too)
    new_case: bool = False


@dataclass(frozen=True)
class Progress:
    """What an invitation's submission holds so far."""

    submission_id: str
    scores: dict[str, float]
    comment: str | None
    complete: bool
    case_id: int | None
    #: the question whose row carries the comment (the first answered)
    first_question: str | None


def now_utc() -> datetime:
    return datetime.now(UTC)


# -- statements, built once ----------------------------------------------------------------

#: invitations by id, each with the id of its submission (None before any answer)
_INVITATIONS = (
    sa.select(db.invitations, db.submissions.c.id.label("submission_id"))
    .select_from(
        db.invitations.outerjoin(
            db.submissions, db.submissions.c.invitation_id == db.invitations.c.id
        )
    )
    .where(db.invitations.c.id.in_(sa.bindparam("b_ids", expanding=True)))
)
_SUBMISSION_OF = sa.select(db.submissions.c.id, db.submissions.c.status).where(
    db.submissions.c.invitation_id == sa.bindparam("b_invitation")
)
_ANSWERS_OF = (
    sa.select(db.answers.c.question_id, db.answers.c.score, db.answers.c.comment)
    .where(db.answers.c.submission_id == sa.bindparam("b_submission"))
    .order_by(db.answers.c.id)
)
_CASE_OF = sa.select(db.cases.c.id).where(db.cases.c.submission_id == sa.bindparam("b_submission"))
_MARK_ANSWERED = (
    db.invitations.update()
    .where(db.invitations.c.id == sa.bindparam("b_id"))
    .where(db.invitations.c.answered_at.is_(None))
    .values(answered_at=sa.bindparam("b_at"), updated_at=sa.bindparam("b_at"))
)
_INSERT_SUBMISSION = db.submissions.insert()
_INSERT_ANSWERS = db.answers.insert()
_INSERT_CASE = db.cases.insert()
_CHANGE_ANSWER = (
    db.answers.update()
    .where(db.answers.c.submission_id == sa.bindparam("b_sub"))
    .where(db.answers.c.question_id == sa.bindparam("b_q"))
    .values(score=sa.bindparam("b_score"))
)
_CHANGE_COMMENT = (
    db.answers.update()
    .where(db.answers.c.submission_id == sa.bindparam("b_sub"))
    .where(db.answers.c.question_id == sa.bindparam("b_q"))
    .values(comment=sa.bindparam("b_text"))
)
_UPDATE_SUBMISSION = (
    db.submissions.update()
    .where(db.submissions.c.id == sa.bindparam("b_id"))
    .values(status=sa.bindparam("b_status"), updated_at=sa.bindparam("b_at"))
)

#: finds the invitation (None for a public survey) and survey of a submission, or raises
Find = Callable[[sa.Connection], tuple[dict[str, Any] | None, Survey]]


def parse_link(token: str) -> LinkToken:
    """The parts of an invitation token, or :class:`LinkError` ("invalid") for a malformed one."""
    parsed = LinkToken.parse(token)
    if parsed is None:
        raise LinkError("invalid")
    return parsed


def invitation_rows(conn: sa.Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The invitations of ``ids`` by id, each with its ``submission_id`` (None if unanswered)."""
    return {r.id: dict(r._mapping) for r in conn.execute(_INVITATIONS, {"b_ids": list(ids)})}


def invitation_of(
    conn: sa.Connection, key: str, link: LinkToken, now: datetime | None = None
) -> dict[str, Any]:
    """The unanswered, unexpired invitation behind a genuine link, or :class:`LinkError`."""
    inv = invitation_rows(conn, [link.invitation_id]).get(link.invitation_id)
    return checked_invitation(inv, key, link, now)


def checked_invitation(
    inv: dict[str, Any] | None, key: str, link: LinkToken, now: datetime | None = None
) -> dict[str, Any]:
    """``inv``, the invitation row of ``link``, if it is unanswered, unexpired and the link
    genuine; else :class:`LinkError`."""
    if inv is None:
        raise LinkError("invalid")
    if not check_link(key, link, inv["survey_id"], inv["customer_id"]):
        raise LinkError("invalid")
    expires = as_utc(inv["expires_at"])
    if expires is None or link.expires != int(expires.timestamp()):
        raise LinkError("invalid")
    if (now or now_utc()) > expires:
        raise LinkError("expired", inv["language"])
    if inv["answered_at"] is not None:
        raise LinkError("used", inv["language"])
    return inv


def progress_of(conn: sa.Connection, invitation_id: str) -> Progress | None:
    """The submission an invitation has so far (partial or complete), or None."""
    sub = conn.execute(_SUBMISSION_OF, {"b_invitation": invitation_id}).first()
    if sub is None:
        return None
    rows = conn.execute(_ANSWERS_OF, {"b_submission": sub.id}).all()
    case = conn.execute(_CASE_OF, {"b_submission": sub.id}).first()
    comment = next((r.comment for r in rows if r.comment), None)
    return Progress(
        submission_id=sub.id,
        scores={r.question_id: float(r.score) for r in rows if r.score is not None},
        comment=comment,
        complete=sub.status != "partial",
        case_id=case.id if case else None,
        first_question=rows[0].question_id if rows else None,
    )


def check_answers(
    survey: Survey, scores: dict[str, Any], comment: str | None, allow_empty: bool = False
) -> tuple[dict[str, float], str | None]:
    """The scores as numbers on their scales and the trimmed comment, or :class:`AnswerError`.

    ``allow_empty``: nothing answered is no error (a partial answer being finished)."""
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
    if not clean and text is None and not allow_empty:
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


def _merge(
    before: Progress, clean: dict[str, float], text: str | None
) -> tuple[dict[str, float], dict[str, float], str | None]:
    """What a later part of a partial answer brings: the questions answered for the first
    time, those whose answer changed, and the comment when it is new or changed (else None)."""
    new = {qid: v for qid, v in clean.items() if qid not in before.scores}
    changed = {
        qid: v for qid, v in clean.items() if qid in before.scores and before.scores[qid] != v
    }
    return new, changed, text if text is not None and text != before.comment else None


def _case_row(survey: Survey, scores: dict[str, float]) -> dict[str, Any] | None:
    """The answer a case stands for: the first poor score, else the first score that could be."""
    rows = answer_rows(survey, scores, None)
    return case_for(rows) or next(
        ({"kind": r["kind"], "score": r["score"]} for r in rows if r["kind"] in CASE_THRESHOLDS),
        None,
    )


def submission(
    find: Find,
    scores: dict[str, Any],
    comment: str | None,
    language: str,
    ip: str | None,
    part: str = WHOLE,
) -> Callable[[sa.Connection], Callable[[sa.Connection], Submitted]]:
    """The write that stores one submission or one part of it (``part``, one of
    :data:`PARTS`; see the module's description)."""
    if part not in PARTS:
        raise AnswerError(
            f"A part of an answer is one of {', '.join(PARTS)}, not {part!r}.", "part"
        )

    def prepare(conn: sa.Connection) -> Callable[[sa.Connection], Submitted]:
        # the writer's lock keeps other processes from answering the invitation since it
        # was read; a write of this batch that answers it makes the next one read it again
        invitation, survey = find(conn)
        before = None
        if invitation is not None and invitation["submission_id"] is not None:
            before = progress_of(conn, invitation["id"])  # a part was stored before
        clean, text = check_answers(survey, scores, comment, allow_empty=before is not None)
        if invitation is None and not survey.public:
            raise LinkError("invalid")
        changed: dict[str, float] = {}
        case_now = None  # the case's answer after a change of a partial answer
        # a comment box sent empty over a saved comment: the customer deleted it (a part
        # that sends no comment at all, such as the e-mail's score, leaves it alone)
        cleared = (
            before is not None
            and before.comment is not None
            and comment is not None
            and not comment.strip()
        )
        if before is not None:
            clean, changed, text = _merge(before, clean, text)
            case_now = _case_row(survey, {**before.scores, **changed, **clean})
        answered = set(clean) | (set(before.scores) if before else set())
        has_comment = text is not None or (
            before is not None and before.comment is not None and not cleared
        )
        everything = answered >= {q.id for q in survey.questions} and (
            has_comment or not survey.comment
        )
        finished = part == WHOLE or (part == FIRST and everything) or invitation is None
        lang = language if language in LANGUAGES else "en"
        customer = None if survey.anonymous or invitation is None else invitation["customer_id"]
        comment_on = before.first_question if before is not None else None
        rows = answer_rows(survey, clean, None if comment_on else text)
        if before is None:
            case = case_for(rows)
        elif before.case_id is None:
            case = case_for(answer_rows(survey, {**before.scores, **changed, **clean}, None))
        else:
            case = None
        sub_id = before.submission_id if before is not None else ordered_id()
        earlier_comment = before.comment if before is not None and not cleared else None

        def apply(conn: sa.Connection) -> Submitted:
            # the time is taken in the transaction, so it grows in the order of the commits
            # (the incremental sync relies on that)
            at = now_utc()
            status = "complete" if finished else "partial"
            if invitation is not None:
                forget(conn, invitation_rows, invitation["id"])
                if finished:
                    defer(conn, _MARK_ANSWERED, {"b_id": invitation["id"], "b_at": at})
            if before is None:
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
                        "status": status,
                        "updated_at": at,
                    },
                )
            else:
                flush(conn)
                conn.execute(_UPDATE_SUBMISSION, {"b_id": sub_id, "b_status": status, "b_at": at})
                for qid, score in changed.items():
                    conn.execute(_CHANGE_ANSWER, {"b_sub": sub_id, "b_q": qid, "b_score": score})
                case_change: dict[str, Any] = {}
                if comment_on is not None and (text is not None or cleared):
                    conn.execute(
                        _CHANGE_COMMENT, {"b_sub": sub_id, "b_q": comment_on, "b_text": text}
                    )
                    case_change["comment"] = text
                if (changed or clean) and case_now is not None:
                    case_change.update(kind=case_now["kind"], score=case_now["score"])
                if before.case_id is not None and case_change:
                    conn.execute(
                        db.cases.update()
                        .where(db.cases.c.id == before.case_id)
                        .values(**case_change, updated_at=at)
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
            case_id = before.case_id if before is not None else None
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
                        "comment": text if text is not None else earlier_comment,
                        "status": "open",
                        "opened_at": at,
                        "updated_at": at,
                    },
                )
                case_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            return Submitted(sub_id, case_id, survey.id, finished, case is not None)

        return apply

    return prepare
