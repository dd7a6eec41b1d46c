"""The re-survey after a closed case: sent once, some time after closing, only with the
setting and an active survey, and never to a customer who opted out or was invited lately."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import cxlens
from cxlens.collect import db
from cxlens.collect.resurvey import resurvey_settings
from cxlens.collect.service import Collector
from cxlens.collect.surveys import survey_from_dict
from cxlens.collect.sync import sync
from cxlens.collect.triggers import candidates, dispatch
from cxlens.errors import CxlensError
from cxlens.web.app import create_app
from tests.collect.conftest import make_ws

NOW = datetime.now(UTC).replace(microsecond=0)
LOOP = """
[cases]
resurvey_after = "14d"
resurvey_within = "3d"
root_causes = ["late delivery", "other"]
"""


def _closed_case(c: Collector, customer: str, closed_days_ago: float) -> int:
    """A case of an NPS 2 from ``customer``, closed ``closed_days_ago`` days before NOW; its
    invitation is 40 days old (outside the fatigue period)."""
    inv = c.invite("nps", customer, "en")
    done = c.submit_answer(inv.token, None, {"nps": 2}, None, "en").result()
    c.execute(
        db.invitations.update()
        .where(db.invitations.c.id == inv.id)
        .values(created_at=NOW - timedelta(days=40))
    )
    c.update_case(done.case_id, "ann", status="closed", root_cause="other", action="Called")
    c.execute(
        db.cases.update()
        .where(db.cases.c.id == done.case_id)
        .values(
            opened_at=NOW - timedelta(days=closed_days_ago + 1),
            closed_at=NOW - timedelta(days=closed_days_ago),
        )
    )
    return int(done.case_id)


def _invitations(c: Collector) -> list[tuple[str, str | None]]:
    with c.engine.connect() as conn:
        rows = conn.execute(
            sa.select(db.invitations.c.customer_id, db.invitations.c.trigger_key)
            .where(db.invitations.c.trigger_key.is_not(None))
            .order_by(db.invitations.c.customer_id)
        ).all()
    return [tuple(r) for r in rows]


def test_a_closed_cases_customer_is_asked_again_once_by_the_rules(tmp_path):
    root = make_ws(tmp_path / "ws", extra=LOOP)  # fatigue_days: 30 by default
    ws = cxlens.open(root)
    c = Collector(ws.config)
    due = _closed_case(c, "C1", 15)  # closed 15 days ago: due (14 to 17 days)
    _closed_case(c, "C2", 15)  # opted out
    _closed_case(c, "C3", 15)  # gave no consent
    _closed_case(c, "C4", 10)  # closed 10 days ago: not yet
    c.opt_out("C2", "page")
    # the survey is off: nobody is asked
    [] = dispatch(ws, c, now=NOW)
    assert _invitations(c) == []
    c.set_active("nps", True)
    [report] = dispatch(ws, c, now=NOW)
    assert report.resurvey and report.survey_id == "nps"
    assert (report.due, report.invited, report.opted_out, report.no_consent) == (3, 1, 1, 1)
    assert _invitations(c) == [("C1", f"case:{due}")]
    # the next round asks nobody again (C1 was invited just now)
    [again] = dispatch(ws, c, now=NOW + timedelta(minutes=10))
    assert (again.due, again.invited, again.fatigued) == (3, 0, 1)
    # four days later only C4's case is in its window (C1's closed 19 days ago, past 14 + 3),
    # and C4, invited to another survey meanwhile, is within fatigue_days
    c.invite("csat", "C4", "hr", now=NOW + timedelta(days=1))
    [later] = dispatch(ws, c, now=NOW + timedelta(days=4, hours=1))
    assert (later.due, later.fatigued, later.invited) == (1, 1, 0)
    assert _invitations(c) == [("C1", f"case:{due}")]
    # the Scheduler page names the re-surveys among the runs
    c.accounts.add_user("ann", "correct horse battery", "viewer", "et")
    client = TestClient(create_app(root, schedule=False, warm=False))
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post(
        "/login", data={"username": "ann", "password": "correct horse battery", "csrf": csrf}
    )
    assert "nps – korduvküsitlus (1)" in client.get("/admin/scheduler").text


def test_the_resurvey_can_use_another_survey_and_settings_are_checked(tmp_path):
    root = make_ws(
        tmp_path / "ws", extra=LOOP.replace("[cases]\n", '[cases]\nresurvey_survey = "csat"\n')
    )
    ws = cxlens.open(root)
    c = Collector(ws.config)
    _closed_case(c, "C1", 15)
    c.set_active("csat", True)
    [report] = dispatch(ws, c, now=NOW)
    assert (report.survey_id, report.invited) == ("csat", 1)
    for extra, message in [
        ('[cases]\nresurvey_after = "soon"\n', r"\[cases\] resurvey_after is a duration"),
        ('[cases]\nresurvey_after = "14d"\nresurvey_survey = "nope"\n', "no survey 'nope'"),
    ]:
        bad = make_ws(tmp_path / f"bad{len(message)}", extra=extra)
        with pytest.raises(CxlensError, match=message):
            resurvey_settings(Collector(cxlens.open(bad).config))
    plain = make_ws(tmp_path / "plain")
    assert resurvey_settings(Collector(cxlens.open(plain).config)) is None  # off by default


def test_synced_follow_up_cases_trigger_no_ticket_survey(tmp_path):
    root = make_ws(tmp_path / "ws")
    ws = cxlens.open(root)
    c = Collector(ws.config)
    _closed_case(c, "C1", 1.2)
    sync(ws, c)  # the case is now a ticket of category "feedback follow-up"
    tickets = ws.table("tickets").execute()
    assert tickets["category"].tolist() == ["feedback follow-up"]
    c.save_survey(
        survey_from_dict(
            {
                "id": "ticket-csat",
                "kind": "csat",
                "trigger": {"after": "ticket_resolved", "delay": "1d"},
            }
        )
    )
    assert candidates(ws, c.survey("ticket-csat"), NOW).empty
