"""Follow-up cases: who gets them, by when, and what happens when nobody acts.

Settings in ``cxlens.toml``::

    [cases]
    deadline_hours = 16            # business hours from opening to closing
    remind_hours = 4               # remind the owner this many business hours before
    root_causes = ["late delivery", "product fault", "billing", "staff", "other"]

    [[cases.teams]]
    name = "support-ee"
    members = ["ann", "bob"]      # user names; round-robin among them
    lead = "lead@example.com"     # gets the escalation when a deadline passes
    timezone = "Europe/Tallinn"   # business hours are this zone's
    hours = "08:00-17:00"
    days = "mon-fri"
    holidays = ["2026-12-31"]     # days off (see cxlens.collect.business_hours)
    holiday_country = "EE"        # and the country's public holidays

    [[cases.rules]]               # the first rule that matches assigns the case
    touchpoint = "support"        # any of touchpoint, country, segment, kind, score_below
    country = ["EE", "LV"]        # (a value or a list) must match
    team = "support-ee"           # or user = "ann"

    [cases.emails]                # where owners get reminders (else a user name with @)
    ann = "ann@example.com"

A case is assigned when it opens (and by each scheduler round, for any that is
not yet): the first rule whose conditions all hold gives a user, or a team whose
next member in turn gets it. Its deadline is ``deadline_hours`` business hours
after opening, counted in the team's time zone and hours (the workspace's zone,
09:00-17:00 Monday to Friday without a team), skipping the team's holidays. Each scheduler round reminds the
owner of cases due within ``remind_hours`` and escalates cases past their deadline
to the team's lead (or ``[alerting] emails``) by e-mail, each once. Closing a case
asks for its root cause (one of ``root_causes``) and the action taken.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cxlens.collect import db
from cxlens.collect.business_hours import BusinessHours, business_hours
from cxlens.collect.delivery import send_email, smtp_configured, team_emails
from cxlens.collect.service import now_utc
from cxlens.errors import CxlensError
from cxlens.periods import as_utc

if TYPE_CHECKING:
    from email.message import EmailMessage

    from cxlens.collect.service import Collector
    from cxlens.data import WorkspaceData

log = logging.getLogger("cxlens.schedule")
DEFAULT_ROOT_CAUSES = ("product", "delivery", "service", "price", "billing", "other")
CONDITIONS = ("touchpoint", "country", "segment", "kind")


@dataclass(frozen=True)
class Team:
    name: str
    members: tuple[str, ...]
    lead: str | None
    hours: BusinessHours


@dataclass(frozen=True)
class Rule:
    conditions: dict[str, tuple[str, ...]]
    score_below: float | None
    team: str | None
    user: str | None

    def matches(self, facts: dict[str, Any]) -> bool:
        for key, allowed in self.conditions.items():
            value = facts.get(key)
            if value is None or str(value) not in allowed:
                return False
        return self.score_below is None or (
            facts.get("score") is not None and float(facts["score"]) < self.score_below
        )


@dataclass(frozen=True)
class CaseSettings:
    deadline_hours: float
    remind_hours: float
    root_causes: tuple[str, ...]
    teams: dict[str, Team]
    rules: tuple[Rule, ...]
    emails: dict[str, str]
    default_hours: BusinessHours = field(repr=False)

    def hours_of(self, team: str | None) -> BusinessHours:
        return self.teams[team].hours if team in self.teams else self.default_hours

    def email_of(self, user: str | None) -> str | None:
        if not user:
            return None
        return self.emails.get(user) or (user if "@" in user else None)


def _where(key: str) -> str:
    return f"cxlens.toml, [cases] {key}"


def _number(section: dict[str, Any], key: str, default: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise CxlensError(f"{_where(key)} must be a number of hours (0 or more), got {value!r}.")
    return float(value)


def case_settings(collector: Collector) -> CaseSettings:
    """The ``[cases]`` settings, checked; every problem names its key."""
    section = collector.config.section("cases")
    default_zone = collector.config.timezone
    teams: dict[str, Team] = {}
    for i, raw in enumerate(section.get("teams", []) or [], start=1):
        where = _where(f"teams #{i}")
        name = str(raw.get("name") or "").strip()
        members = raw.get("members") or []
        if not name or not isinstance(members, list) or not members:
            raise CxlensError(f"{where}: a team needs a name and a list of members.")
        teams[name] = Team(
            name,
            tuple(str(m) for m in members),
            str(raw["lead"]) if raw.get("lead") else None,
            business_hours(raw, str(raw.get("timezone") or default_zone), where),
        )
    rules = []
    for i, raw in enumerate(section.get("rules", []) or [], start=1):
        where = _where(f"rules #{i}")
        unknown = set(raw) - {*CONDITIONS, "score_below", "team", "user"}
        if unknown:
            raise CxlensError(
                f"{where}: unknown key(s) {', '.join(sorted(unknown))}; a rule matches on "
                f"{', '.join(CONDITIONS)} and score_below, and gives a team or a user."
            )
        if bool(raw.get("team")) == bool(raw.get("user")):
            raise CxlensError(f'{where}: give either team = "..." or user = "...".')
        if raw.get("team") and raw["team"] not in teams:
            raise CxlensError(f"{where}: there is no team {raw['team']!r} in [[cases.teams]].")
        conditions = {
            key: tuple(str(v) for v in (raw[key] if isinstance(raw[key], list) else [raw[key]]))
            for key in CONDITIONS
            if key in raw
        }
        below = raw.get("score_below")
        if below is not None and (isinstance(below, bool) or not isinstance(below, int | float)):
            raise CxlensError(f"{where}: score_below must be a number, got {below!r}.")
        rules.append(
            Rule(
                conditions,
                float(below) if below is not None else None,
                raw.get("team"),
                raw.get("user"),
            )
        )
    causes = section.get("root_causes", list(DEFAULT_ROOT_CAUSES))
    if (
        not isinstance(causes, list)
        or not causes
        or not all(isinstance(c, str) and c for c in causes)
    ):
        raise CxlensError(f"{_where('root_causes')} must be a list of names.")
    emails = section.get("emails", {}) or {}
    return CaseSettings(
        deadline_hours=_number(section, "deadline_hours", 16),
        remind_hours=_number(section, "remind_hours", 4),
        root_causes=tuple(causes),
        teams=teams,
        rules=tuple(rules),
        emails={str(k): str(v) for k, v in emails.items()},
        default_hours=business_hours(section, default_zone, _where("hours")),
    )


def _customer_facts(ws: WorkspaceData, customer_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Country and segment (columns of ``customers``, where it has them) per customer."""
    if not customer_ids or not ws.warehouse.exists("customers"):
        return {}
    c = ws.table("customers")
    cols = [k for k in ("country", "segment") if k in c.columns]
    if not cols:
        return {}
    frame = c.filter(c.customer_id.isin(customer_ids)).select("customer_id", *cols).execute()
    return {
        row["customer_id"]: {k: row[k] for k in cols if isinstance(row[k], str)}
        for row in frame.to_dict("records")
    }


def assign_open_cases(ws: WorkspaceData, collector: Collector, now: datetime | None = None) -> int:
    """Give every case without a deadline its owner, team and deadline; how many got one."""
    settings = case_settings(collector)
    with collector.engine.connect() as conn:
        pending = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(db.cases).where(db.cases.c.deadline_at.is_(None)).order_by(db.cases.c.id)
            )
        ]
        turns = {
            team: int(n)
            for team, n in conn.execute(
                sa.select(db.cases.c.team, sa.func.count())
                .where(db.cases.c.team.is_not(None))
                .group_by(db.cases.c.team)
            )
        }
    if not pending:
        return 0
    facts = _customer_facts(ws, sorted({c["customer_id"] for c in pending if c["customer_id"]}))
    touchpoints = {s.id: s.touchpoint for s in collector.surveys()}
    for case in pending:
        known = {
            **facts.get(case["customer_id"], {}),
            "touchpoint": touchpoints.get(case["survey_id"]),
            "kind": case["kind"],
            "score": case["score"],
        }
        rule = next((r for r in settings.rules if r.matches(known)), None)
        owner, team = case["owner"], None
        if rule is not None and rule.team:
            team = rule.team
            members = settings.teams[team].members
            owner = owner or members[turns.get(team, 0) % len(members)]
            turns[team] = turns.get(team, 0) + 1
        elif rule is not None:
            owner = owner or rule.user
        opened = as_utc(case["opened_at"])
        deadline = settings.hours_of(team).add(opened, settings.deadline_hours)
        collector.execute(
            db.cases.update()
            .where(db.cases.c.id == case["id"])
            .where(db.cases.c.deadline_at.is_(None))
            .values(owner=owner, team=team, deadline_at=deadline, updated_at=now or now_utc())
        )
    return len(pending)


def _message(collector: Collector, to: str, subject: str, body: str) -> EmailMessage:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = str(collector.config.section("smtp").get("sender") or "cxlens <cases@localhost>")
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


@dataclass
class LoopReport:
    assigned: int = 0
    reminded: int = 0
    escalated: int = 0
    #: cases past their deadline with nobody to tell (no lead, no [alerting] emails, no SMTP)
    unannounced: int = 0


def follow_up(ws: WorkspaceData, collector: Collector, now: datetime | None = None) -> LoopReport:
    """One scheduler round of the loop: assign, remind owners, escalate overdue cases."""
    at = now or now_utc()
    report = LoopReport(assigned=assign_open_cases(ws, collector, at))
    settings = case_settings(collector)
    with collector.engine.connect() as conn:
        open_cases = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(db.cases)
                .where(db.cases.c.status != "closed")
                .where(db.cases.c.deadline_at.is_not(None))
            )
        ]
    mail = smtp_configured(collector)
    base = collector.public_url.rstrip("/")
    for case in open_cases:
        deadline = as_utc(case["deadline_at"])
        link = f"{base}/admin/cases/{case['id']}"
        what = (
            f"{case['kind'].upper()} {case['score']:g} from {case['customer_id'] or '(anonymous)'}"
        )
        if at >= deadline and case["escalated_at"] is None:
            lead = settings.teams[case["team"]].lead if case["team"] in settings.teams else None
            to = [lead] if lead else team_emails(collector)
            if not mail or not to:
                report.unannounced += 1
                continue
            subject = f"[cxlens] Overdue follow-up case {case['id']}: {what}"
            body = (
                f"Case {case['id']} ({what}) was due {deadline:%Y-%m-%d %H:%M} UTC and is still "
                f"{case['status']}.\nOwner: {case['owner'] or '(nobody)'}\n"
                f"Team: {case['team'] or '(none)'}\n\n{link}\n"
            )
            if all(
                send_email(
                    collector, _message(collector, t, subject, body), f"case.escalated:{case['id']}"
                )
                for t in to
            ):
                collector.execute(
                    db.cases.update()
                    .where(db.cases.c.id == case["id"])
                    .values(escalated_at=at, updated_at=at)
                )
                report.escalated += 1
                log.info("case %s escalated to %s", case["id"], ", ".join(to))
            continue
        owner_mail = settings.email_of(case["owner"])
        if at < deadline and case["reminded_at"] is None and mail and owner_mail:
            left = settings.hours_of(case["team"]).between(at, deadline)
            if left <= settings.remind_hours:
                subject = (
                    f"[cxlens] Follow-up case {case['id']} is due {deadline:%Y-%m-%d %H:%M} UTC"
                )
                body = f"Case {case['id']} ({what}) is yours and due in {left:.1f} business hours.\n\n{link}\n"
                if send_email(
                    collector,
                    _message(collector, owner_mail, subject, body),
                    f"case.reminder:{case['id']}",
                ):
                    collector.execute(
                        db.cases.update().where(db.cases.c.id == case["id"]).values(reminded_at=at)
                    )
                    report.reminded += 1
    return report
