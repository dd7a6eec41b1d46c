"""The closed loop: assignment rules, deadlines in business hours, reminders, escalation,
root causes and case analytics."""

from __future__ import annotations

from datetime import datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest

import cxlens
from cxlens.collect.case_analytics import case_analytics
from cxlens.collect.followup import (
    BusinessHours,
    assign_open_cases,
    case_settings,
    follow_up,
)
from cxlens.collect.service import Collector
from cxlens.errors import CxlensError
from tests.collect.conftest import make_ws

TALLINN = ZoneInfo("Europe/Tallinn")
LOOP = """
[cases]
deadline_hours = 8
remind_hours = 2
root_causes = ["late delivery", "product fault", "other"]

[[cases.teams]]
name = "baltics"
members = ["ann", "bob"]
lead = "lead@example.com"
timezone = "Europe/Tallinn"
hours = "09:00-17:00"
days = "mon-fri"

[[cases.rules]]
country = ["EE", "LV"]
team = "baltics"

[[cases.rules]]
kind = "csat"
user = "dora@example.com"

[cases.emails]
ann = "ann@example.com"
bob = "bob@example.com"
"""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=TALLINN)  # 4 Dec 2026 is a Friday


def test_business_hours_worked_by_hand():
    hours = BusinessHours(TALLINN)  # 09:00-17:00, Monday to Friday
    assert hours.add(at(4, 16), 3) == at(7, 11)  # Friday 16:00 + 3 h: 1 h Friday, 2 h Monday
    assert hours.add(at(2, 7), 2) == at(2, 11)  # before opening: counted from 09:00
    assert hours.add(at(5, 12), 1) == at(7, 10)  # Saturday: from Monday 09:00
    assert hours.add(at(2, 10), 16) == at(4, 10)  # two full days later
    assert hours.between(at(4, 16), at(7, 11)) == 3.0
    assert hours.between(at(7, 11), at(4, 16)) == 0.0


def test_settings_errors_name_their_key(tmp_path):
    root = make_ws(tmp_path / "ws", extra='[[cases.rules]]\ncountry = "EE"\nteam = "nobody"\n')
    with pytest.raises(CxlensError, match=r"\[cases\] rules #1: there is no team 'nobody'"):
        case_settings(Collector(cxlens.open(root).config))
    root = make_ws(
        tmp_path / "w2", extra='[[cases.teams]]\nname = "a"\nmembers = ["x"]\nhours = "17-9"\n'
    )
    with pytest.raises(CxlensError, match="teams #1: hours"):
        case_settings(Collector(cxlens.open(root).config))


def _case(c: Collector, customer: str, score: int, survey: str = "nps") -> int:
    inv = c.invite(survey, customer, "en")
    row, s = c.resolve(inv.token)
    done = c.submit(s, row, {survey: score}, None, "en")
    assert done.case_id is not None
    return done.case_id


def test_rules_assign_round_robin_and_an_overdue_case_is_escalated(tmp_path, smtp):
    inbox, port = smtp
    root = make_ws(
        tmp_path / "ws",
        extra=LOOP + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsender = "cx@example.com"\n',
    )
    ws = cxlens.open(root)
    c = Collector(ws.config)
    first, second, third = _case(c, "C1", 2), _case(c, "C1", 3), _case(c, "C2", 1)  # EE, EE, DE
    csat = _case(c, "C4", 1, "csat")  # HR: no country rule; the CSAT rule gives it to dora
    assert assign_open_cases(ws, c) == 4
    cases = {case["id"]: case for case in c.cases()}
    assert (cases[first]["owner"], cases[first]["team"]) == ("ann", "baltics")
    assert (cases[second]["owner"], cases[second]["team"]) == ("bob", "baltics")
    assert (cases[third]["owner"], cases[third]["team"]) == (None, None)
    assert cases[csat]["owner"] == "dora@example.com"
    deadline = cases[first]["deadline_at"].replace(tzinfo=ZoneInfo("UTC"))
    team_hours = case_settings(c).teams["baltics"].hours
    assert team_hours.between(
        cases[first]["opened_at"].replace(tzinfo=ZoneInfo("UTC")), deadline
    ) == pytest.approx(8)
    # two business hours before the deadline the owner is reminded, once
    before = team_hours.add(cases[first]["opened_at"].replace(tzinfo=ZoneInfo("UTC")), 6.5)
    report = follow_up(ws, c, now=before)
    assert report.reminded >= 1 and report.escalated == 0
    assert follow_up(ws, c, now=before).reminded == 0
    reminders = [message_from_bytes(m, policy=policy.default) for m in inbox.messages]
    assert any(
        m["To"] == "ann@example.com" and f"case {first} is due" in m["Subject"] for m in reminders
    )
    # past the deadline: the team's lead gets the escalation, once
    sent = len(inbox.messages)
    report = follow_up(ws, c, now=deadline + timedelta(minutes=1))
    assert report.escalated >= 2  # ann's and bob's cases
    escalations = [message_from_bytes(m, policy=policy.default) for m in inbox.messages[sent:]]
    subjects = {m["Subject"] for m in escalations if m["To"] == "lead@example.com"}
    assert f"[cxlens] Overdue follow-up case {first}: NPS 2 from C1" in subjects
    assert c.case(first)[0]["escalated_at"] is not None
    assert follow_up(ws, c, now=deadline + timedelta(minutes=20)).escalated == 0
    assert case_analytics(c, now=deadline + timedelta(minutes=1)).overdue >= 2


def test_closing_needs_a_root_cause_and_analytics_count_recovery(tmp_path):
    root = make_ws(tmp_path / "ws", extra=LOOP)
    ws = cxlens.open(root)
    c = Collector(ws.config)
    causes = case_settings(c).root_causes
    one, two = _case(c, "C1", 2), _case(c, "C2", 4)
    assign_open_cases(ws, c)
    with pytest.raises(CxlensError, match="root cause and the action"):
        c.update_case(one, "ann", status="closed")
    with pytest.raises(CxlensError, match="one of late delivery, product fault, other"):
        c.update_case(
            one, "ann", status="closed", root_cause="weather", action="x", root_causes=causes
        )
    c.update_case(one, "ann", note="Called the customer")
    c.update_case(
        one,
        "ann",
        status="closed",
        root_cause="late delivery",
        action="Refunded shipping",
        root_causes=causes,
    )
    c.update_case(
        two,
        "bob",
        status="closed",
        root_cause="late delivery",
        action="Apologised",
        root_causes=causes,
    )
    case = c.case(one)[0]
    assert case["first_contact_at"] is not None and case["root_cause"] == "late delivery"
    # C1 answers again, better (8 after 2); C2 again, worse (3 after 4)
    for customer, score in (("C1", 8), ("C2", 3)):
        inv = c.invite("nps", customer, "en")
        row, s = c.resolve(inv.token)
        c.submit(s, row, {"nps": score}, None, "en")
    stats = case_analytics(c)
    assert stats.cases == 3 and stats.open == 1  # C2's new 3 opened a case of its own
    assert stats.root_causes == {"late delivery": 2}
    assert (stats.recovery_n, stats.recovered.value) == (2, 50.0)  # 1 of 2 recovered
    assert 0 <= stats.recovered.low <= 50 <= stats.recovered.high <= 100
    assert stats.sla_n == 2 and stats.sla_kept.value == 100.0  # closed well within 8 hours
    assert stats.close_hours.value < 1 and stats.close_hours.low <= stats.close_hours.value


def test_cases_summary_on_the_command_line(tmp_path):
    import json

    from typer.testing import CliRunner

    from cxlens.cli import app

    root = make_ws(tmp_path / "ws", extra=LOOP)
    c = Collector(cxlens.open(root).config)
    _case(c, "C1", 2)
    listing = CliRunner().invoke(app, ["cases", "-w", str(root)])
    assert listing.exit_code == 0 and "Due (" in listing.output
    out = CliRunner().invoke(app, ["cases", "--summary", "--json", "-w", str(root)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["cases"] == 1 and data["open"] == 1 and data["recovery_n"] == 0
    table = CliRunner().invoke(app, ["cases", "--summary", "-w", str(root)])
    text = " ".join(table.output.split())  # as printed, wrapped to the terminal
    assert "Time to close, median" in text and "Closed by the deadline" in text
    assert "Cases (open, overdue) │ 1 (1, 0)" in text
    # the case is new: no window of recovery_days is over yet
    assert "measured on cases opened at least 90 days ago; there is none yet." in text


def test_a_poor_answer_on_the_web_gets_its_owner_and_deadline_at_once(tmp_path):
    from fastapi.testclient import TestClient

    from cxlens.web.app import create_app

    root = make_ws(tmp_path / "ws", extra=LOOP)
    c = Collector(cxlens.open(root).config)
    inv = c.invite("nps", "C1", "et")  # C1 is in Estonia: the Baltic team's rule
    client = TestClient(create_app(root, schedule=False))
    assert client.post(f"/s/{inv.token}", data={"q_nps": "2", "lang": "et"}).status_code == 200
    [case] = c.cases()
    assert case["team"] == "baltics" and case["owner"] == "ann" and case["deadline_at"] is not None
