"""Triggers: rules that create invitations from what customers did, and the fatigue rules.

A survey's ``trigger`` is one of::

    trigger: {after: ticket_resolved, delay: 1d}        # a ticket resolved a day ago
    trigger: {after: order, delay: 3d}                  # three days after an order
    trigger: {after: "event:store_visit", delay: 2h}    # after an event of a touchpoint
    trigger: {every: 90d, active: 365d}                 # relational: every 90 days, to
                                                        # customers who ordered within 365 days

``within`` (default 7d) limits how old a due moment may be, so a new survey does
not invite for every ticket of the past years. ``cxlens survey dispatch`` (and the
server every few minutes) evaluates the triggers of the *active* surveys: a survey
is created inactive and invites nobody until an admin turns it on (``cxlens survey
activate ID`` or the Surveys page). Every run is logged with its counts in the
``dispatch_runs`` table (``cxlens survey runs``, the Scheduler page) and on the
console. An invitation is made only when:

* the customer consented (``customers.consent`` is true) and has not opted out
  (the opt-out link of every e-mail, see :mod:`cxlens.collect.invitation_mail`);
* the customer got no invitation to any survey in the last ``fatigue_days`` days
  (``[collection] fatigue_days``, 30 by default);
* the customer is in the survey's sample (``sampling``; a stable hash of survey and
  event decides, so the same event is always in or out);
* the same event has not led to an invitation to this survey before.

The follow-up cases that ``cxlens sync`` copies into ``tickets`` trigger no
``ticket_resolved`` survey: a closed case's customer is asked again only by the
re-survey of ``[cases] resurvey_after`` (:mod:`cxlens.collect.resurvey`), by the
same rules (without sampling).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd
import sqlalchemy as sa

from cxlens.collect import db
from cxlens.collect.resurvey import FOLLOW_UP, due_resurveys, resurvey_settings
from cxlens.collect.service import now_utc

log = logging.getLogger("cxlens.schedule")

if TYPE_CHECKING:
    from cxlens.collect.service import Collector
    from cxlens.collect.surveys import Survey
    from cxlens.data import WorkspaceData


def candidates(ws: WorkspaceData, survey: Survey, now: datetime) -> pd.DataFrame:
    """``customer_id, key`` of everything due for ``survey`` at ``now``."""
    trig = survey.trigger or {}
    within = timedelta(seconds=trig.get("within", 7 * 86_400))
    if "after" in trig:
        delay = timedelta(seconds=trig["delay"])
        latest, earliest = now - delay, now - delay - within
        after = trig["after"]
        if after == "ticket_resolved":
            table, time_col, id_col, prefix = "tickets", "resolved_at", "ticket_id", "ticket"
        elif after == "order":
            table, time_col, id_col, prefix = "orders", "ts", "order_id", "order"
        else:
            table, time_col, id_col, prefix = "events", "ts", "event_id", "event"
        if not ws.warehouse.exists(table):
            return pd.DataFrame(columns=["customer_id", "key"])
        t = ws.table(table)
        t = t.filter(t[time_col].notnull() & (t[time_col] <= latest) & (t[time_col] > earliest))
        if prefix == "event":
            t = t.filter(t.touchpoint == after[len("event:") :])
        if prefix == "ticket" and "category" in t.columns:
            # the follow-up cases that sync copies into tickets are no help-desk tickets
            # (their customers' re-survey is [cases] resurvey_after)
            t = t.filter(t.category.isnull() | (t.category != FOLLOW_UP))
        frame = t.select("customer_id", key=ibis.literal(prefix + ":") + t[id_col]).execute()
        return frame
    every = trig["every"]
    active = timedelta(seconds=trig["active"])
    if not ws.warehouse.exists("orders"):
        return pd.DataFrame(columns=["customer_id", "key"])
    o = ws.table("orders")
    o = o.filter((o.ts > now - active) & (o.ts <= now))
    frame = o.select("customer_id").distinct().execute()
    wave = int(now.timestamp() // every)
    frame["key"] = [f"every:{wave}:{c}" for c in frame["customer_id"]]
    return frame


def in_sample(survey_id: str, key: str, rate: float) -> bool:
    if rate >= 1:
        return True
    digest = hashlib.sha256(f"{survey_id}\x1f{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


@dataclass
class DispatchReport:
    survey_id: str
    due: int = 0
    no_consent: int = 0
    opted_out: int = 0
    fatigued: int = 0
    not_sampled: int = 0
    already: int = 0
    invited: int = 0
    emailed: int = 0
    failed: int = 0
    #: the re-surveys of closed follow-up cases (:mod:`cxlens.collect.resurvey`), which
    #: every case gets (no sampling)
    resurvey: bool = False
    links: list[str] = field(default_factory=list)


def dispatch(
    ws: WorkspaceData,
    collector: Collector,
    now: datetime | None = None,
    dry_run: bool = False,
    origin: str = "command",
) -> list[DispatchReport]:
    """Evaluate every active triggered survey and invite (and e-mail, with [smtp]) who is due.

    A run that is not a dry run is logged (:func:`log_run`) with ``origin`` ("schedule"
    for the server's scheduler, "command" for ``cxlens survey dispatch``).
    """
    started = now_utc()
    try:
        reports = _dispatch(ws, collector, now, dry_run)
    except Exception as exc:
        if not dry_run:
            log_run(collector, started, origin, [], f"{type(exc).__name__}: {exc}")
        raise
    if not dry_run:
        log_run(collector, started, origin, reports)
    return reports


def log_run(
    collector: Collector,
    started: datetime,
    origin: str,
    reports: list[DispatchReport],
    error: str | None = None,
) -> None:
    """Keep one dispatch run in ``dispatch_runs`` and say it on the ``cxlens.schedule`` log."""
    totals = {
        k: sum(getattr(r, k) for r in reports) for k in ("due", "invited", "emailed", "failed")
    }
    detail = [{k: v for k, v in asdict(r).items() if k != "links"} for r in reports]
    row = {
        "started_at": started, "finished_at": now_utc(), "origin": origin,
        "surveys": len(reports), "detail": json.dumps(detail), "error": error, **totals,
    }  # fmt: skip
    collector.execute(db.dispatch_runs.insert().values(**row))
    if error:
        log.error("dispatch (%s) failed: %s", origin, error)
        return
    if not reports:
        log.info("dispatch (%s): no active survey with a trigger; nobody invited", origin)
        return
    for r in reports:
        log.info(
            "dispatch (%s) %s%s: %d due, %d invited, %d e-mailed, %d failed, %d without consent, "
            "%d opted out, %d fatigued, %d not sampled, %d already invited",
            origin, r.survey_id, " (re-survey)" if r.resurvey else "", r.due, r.invited, r.emailed, r.failed, r.no_consent,
            r.opted_out, r.fatigued, r.not_sampled, r.already,
        )  # fmt: skip


def dispatch_runs(collector: Collector, limit: int = 100) -> list[dict[str, Any]]:
    """The latest dispatch runs, newest first, with their counts per survey."""
    with collector.engine.connect() as conn:
        rows = conn.execute(
            sa.select(db.dispatch_runs).order_by(db.dispatch_runs.c.id.desc()).limit(limit)
        ).all()
    out = []
    for row in rows:
        run = dict(row._mapping)
        run["detail"] = json.loads(run["detail"])
        out.append(run)
    return out


def _dispatch(
    ws: WorkspaceData, collector: Collector, now: datetime | None, dry_run: bool
) -> list[DispatchReport]:
    from cxlens.collect.delivery import send_email, smtp_configured
    from cxlens.collect.invitation_mail import invitation_email

    at = now or now_utc()
    reports = []
    people = _customers(ws)
    with collector.engine.connect() as conn:
        since = at - timedelta(days=collector.fatigue_days)
        recent = {
            r.customer_id
            for r in conn.execute(
                sa.select(db.invitations.c.customer_id)
                .where(db.invitations.c.created_at > since)
                .where(db.invitations.c.customer_id.is_not(None))
                .distinct()
            )
        }
    email = smtp_configured(collector)
    opted_out = collector.opted_out_ids()

    def consider(report: DispatchReport, survey: Survey, customer_id: str, key: str) -> None:
        """Invite ``customer_id`` to ``survey`` for ``key`` if every rule allows it."""
        person = people.get(customer_id)
        if person is None or not person["consent"]:
            report.no_consent += 1
            return
        if customer_id in opted_out:
            report.opted_out += 1
            return
        if customer_id in recent:
            report.fatigued += 1
            return
        if not report.resurvey and not in_sample(survey.id, key, survey.sampling):
            report.not_sampled += 1
            return
        if dry_run:
            report.invited += 1
            recent.add(customer_id)
            return
        invitation = collector.invite(survey.id, customer_id, person["language"], key, at)
        if invitation is None:
            report.already += 1
            return
        recent.add(customer_id)
        report.invited += 1
        if email and person["email"]:
            msg = invitation_email(collector, survey, invitation, person["email"], customer_id)
            if send_email(collector, msg, f"invitation:{survey.id}"):
                report.emailed += 1
                sent = now_utc()
                stmt = (
                    db.invitations.update()
                    .where(db.invitations.c.id == invitation.id)
                    .values(sent_at=sent, updated_at=sent)
                )
                collector.execute(stmt)
            else:
                report.failed += 1
        else:
            report.links.append(invitation.url(collector.public_url))

    active = {s.id: s for s in collector.surveys(active=True)}
    for survey in active.values():
        if not survey.trigger:
            continue
        report = DispatchReport(survey.id)
        due = candidates(ws, survey, at)
        report.due = len(due)
        for customer_id, key in zip(due["customer_id"], due["key"], strict=True):
            consider(report, survey, customer_id, key)
        reports.append(report)
    settings = resurvey_settings(collector)
    if settings is not None:
        per_survey: dict[str, DispatchReport] = {}
        for case in due_resurveys(collector, settings, at):
            again = active.get(case.survey_id)
            if again is None:
                log.info("re-survey of case %s: survey %s is off", case.case_id, case.survey_id)
                continue
            report = per_survey.setdefault(again.id, DispatchReport(again.id, resurvey=True))
            report.due += 1
            consider(report, again, case.customer_id, case.key)
        reports.extend(per_survey.values())
    return reports


def _customers(ws: WorkspaceData) -> dict[str, dict[str, Any]]:
    if not ws.warehouse.exists("customers"):
        return {}
    c = ws.table("customers")
    frame = c.select("customer_id", "consent", "language", "email").execute()
    out = {}
    for row in frame.itertuples(index=False):
        out[row.customer_id] = {
            "consent": bool(row.consent)
            if row.consent is not None and row.consent == row.consent
            else False,
            "language": row.language if isinstance(row.language, str) else "en",
            "email": row.email if isinstance(row.email, str) and "@" in row.email else None,
        }
    return out
