"""``cxlens sync``: copy the collection store into the warehouse, incrementally and idempotently.

* answers → ``responses`` (``response_id`` = submission id : question id), with
  ``complete`` false for the answers of a survey answered only in part; the answers
  of a submission that changed (a comment added, a partial answer completed) are
  copied again; the answers to a survey a resolved ticket triggered carry its
  ``ticket_id``, so ``cxlens kpi csat --by agent`` reads the ticket's agent;
* invitations → ``events`` with touchpoint ``survey_invitation`` (the response
  rate's denominator) and displays → ``events`` with touchpoint ``survey_display``,
  both with ``system = true``: they are cxlens' own messages, not the customer's
  touches, and journeys leave them out (see :mod:`cxlens.journeys.base`);
* follow-up cases → ``tickets`` with category ``feedback follow-up``, so
  ``cxlens kpi time_to_resolution --where "category = 'feedback follow-up'"`` is
  the time to close them.

Rows are merged by key, so running sync twice, or again after a failure, changes
nothing that is already there; a mark per source remembers how far it got.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from cxlens.collect import db
from cxlens.collect.resurvey import FOLLOW_UP

if TYPE_CHECKING:
    from cxlens.collect.service import Collector
    from cxlens.data import WorkspaceData

ANONYMOUS = "(anonymous)"
#: how a ticket-triggered invitation's key starts (see :func:`cxlens.collect.triggers.candidates`)
TICKET_KEY = "ticket:"


@dataclass
class SyncReport:
    rows: dict[str, int] = field(default_factory=dict)
    alerts: dict[str, int] = field(default_factory=dict)
    #: new comments given language, sentiment and themes with the stored model
    comments_analysed: int = 0
    #: why new comments could not be analysed (the answers are synced all the same)
    text_problem: str | None = None


def _mark(conn: sa.Connection, name: str) -> str | None:
    row = conn.execute(sa.select(db.sync_state.c.mark).where(db.sync_state.c.name == name)).first()
    return row.mark if row else None


def _set_mark(collector: Collector, name: str, mark: str) -> None:
    def apply(conn: sa.Connection) -> None:
        done = conn.execute(
            db.sync_state.update().where(db.sync_state.c.name == name).values(mark=mark)
        )
        if done.rowcount == 0:
            conn.execute(db.sync_state.insert().values(name=name, mark=mark))

    collector.write(apply)


def _utc(series: pd.Series) -> pd.Series:
    s = pd.to_datetime(series)
    return s.dt.tz_localize("UTC") if s.dt.tz is None else s.dt.tz_convert("UTC")


def _ticket_of(trigger_keys: pd.Series) -> pd.Series:
    """The ticket behind each invitation's trigger key ("ticket:<id>"), else None."""
    keys = trigger_keys.astype("object")
    return keys.map(
        lambda k: k[len(TICKET_KEY) :] if isinstance(k, str) and k.startswith(TICKET_KEY) else None
    )


def _analyse_comments(ws: WorkspaceData, report: SyncReport) -> None:
    """New comments get language, sentiment and themes at once, once `text analyse` has run."""
    from cxlens.errors import CxlensError
    from cxlens.text.pipeline import classify_new

    try:
        report.comments_analysed = classify_new(ws)
    except CxlensError as exc:
        report.text_problem = str(exc)


def sync(ws: WorkspaceData, collector: Collector) -> SyncReport:
    report = SyncReport()
    with collector.engine.connect() as conn:
        answer_mark = int(_mark(conn, "answers") or 0)
        submission_mark = _mark(conn, "submissions")
        # new answers, and again those of submissions changed since (a comment added, a
        # partial answer completed)
        changed = db.answers.c.id > answer_mark
        if submission_mark:
            since = pd.Timestamp(submission_mark).to_pydatetime()
            changed = changed | db.answers.c.submission_id.in_(
                sa.select(db.submissions.c.id).where(db.submissions.c.updated_at > since)
            )
        answers = pd.DataFrame(
            [
                dict(r._mapping)
                for r in conn.execute(
                    sa.select(
                        db.answers,
                        db.submissions.c.status,
                        db.invitations.c.trigger_key,
                    )
                    .join(db.submissions, db.submissions.c.id == db.answers.c.submission_id)
                    .outerjoin(
                        db.invitations, db.invitations.c.id == db.submissions.c.invitation_id
                    )
                    .where(changed)
                    .order_by(db.answers.c.id)
                )
            ]
        )
        last_submission_change = conn.execute(
            sa.select(sa.func.max(db.submissions.c.updated_at))
        ).scalar_one()
        display_mark = int(_mark(conn, "displays") or 0)
        displays = pd.DataFrame(
            [
                dict(r._mapping)
                for r in conn.execute(
                    sa.select(db.displays)
                    .where(db.displays.c.id > display_mark)
                    .order_by(db.displays.c.id)
                )
            ]
        )
        inv_mark = _mark(conn, "invitations")
        q = sa.select(db.invitations).order_by(db.invitations.c.updated_at)
        if inv_mark:
            q = q.where(db.invitations.c.updated_at >= pd.Timestamp(inv_mark).to_pydatetime())
        invitations = pd.DataFrame([dict(r._mapping) for r in conn.execute(q)])
        case_mark = _mark(conn, "cases")
        q = sa.select(db.cases).order_by(db.cases.c.updated_at)
        if case_mark:
            q = q.where(db.cases.c.updated_at >= pd.Timestamp(case_mark).to_pydatetime())
        cases = pd.DataFrame([dict(r._mapping) for r in conn.execute(q)])
    if not answers.empty:
        frame = pd.DataFrame(
            {
                "response_id": answers["submission_id"] + ":" + answers["question_id"],
                "customer_id": answers["customer_id"],
                "ts": _utc(answers["ts"]),
                "survey_id": answers["survey_id"],
                "kind": answers["kind"],
                "score": answers["score"].astype(float),
                "comment": answers["comment"],
                "language": answers["language"],
                "touchpoint": answers["touchpoint"],
                # a partial answer: the customer answered these questions, not the whole survey
                "complete": answers["status"] != "partial",
                "ticket_id": _ticket_of(answers["trigger_key"]),
            }
        )
        ws.append_rows("responses", frame)
        _set_mark(collector, "answers", str(int(answers["id"].max())))
        report.rows["responses"] = len(frame)
        if frame["comment"].notna().any():
            _analyse_comments(ws, report)
    if last_submission_change is not None:
        _set_mark(collector, "submissions", pd.Timestamp(last_submission_change).isoformat())
    events = []
    if not invitations.empty:
        events.append(
            pd.DataFrame(
                {
                    "event_id": "invitation:" + invitations["id"],
                    "customer_id": invitations["customer_id"].fillna(ANONYMOUS),
                    "ts": _utc(invitations["created_at"]),
                    "touchpoint": "survey_invitation",
                    "channel": None,  # not a marketing touch: attribution leaves it out
                    "campaign": invitations["survey_id"],
                    "system": True,
                }
            )
        )
    if not displays.empty:
        events.append(
            pd.DataFrame(
                {
                    "event_id": "display:" + displays["id"].astype(str),
                    "customer_id": displays["customer_id"].fillna(ANONYMOUS),
                    "ts": _utc(displays["ts"]),
                    "touchpoint": "survey_display",
                    "channel": None,
                    "campaign": displays["survey_id"],
                    "system": True,
                }
            )
        )
    if events:
        frame = pd.concat(events, ignore_index=True)
        ws.append_rows("events", frame)
        report.rows["events"] = len(frame)
    if not invitations.empty:
        _set_mark(
            collector, "invitations", pd.Timestamp(invitations["updated_at"].max()).isoformat()
        )
    if not displays.empty:
        _set_mark(collector, "displays", str(int(displays["id"].max())))
    if not cases.empty:
        frame = pd.DataFrame(
            {
                "ticket_id": "case:" + cases["id"].astype(str),
                "customer_id": cases["customer_id"].fillna(ANONYMOUS),
                "opened_at": _utc(cases["opened_at"]),
                "resolved_at": _utc(cases["closed_at"]),
                "channel": "feedback",
                "category": FOLLOW_UP,
            }
        )
        ws.append_rows("tickets", frame)
        _set_mark(collector, "cases", pd.Timestamp(cases["updated_at"].max()).isoformat())
        report.rows["tickets"] = len(frame)
    return report
