"""Triggers, fatigue rules, e-mail over a local SMTP server and signed webhooks with retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

import cxlens
from cxlens.collect.delivery import delivery_log, notify
from cxlens.collect.service import Collector
from cxlens.collect.surveys import check_trigger, survey_from_dict
from cxlens.collect.triggers import dispatch, in_sample
from cxlens.errors import CxlensError
from tests.collect.conftest import make_ws

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
TICKETS = """ticket_id,customer_id,opened_at,resolved_at
T1,C1,2025-03-08 08:00,2025-03-09 10:00
T2,C2,2025-03-08 08:00,2025-03-09 11:00
T3,C3,2025-03-08 08:00,2025-03-09 11:00
T4,C4,2025-03-01 08:00,2025-03-02 11:00
T5,C2,2025-03-08 09:00,2025-03-09 09:00
"""


def setup(tmp_path, smtp_port=None, extra=""):
    smtp_conf = (
        f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsender = "Näide <cx@example.com>"\n'
        if smtp_port
        else ""
    )
    root = make_ws(tmp_path / "ws", extra=smtp_conf + extra)
    ws = cxlens.open(root)
    (root / "tickets.csv").write_text(TICKETS)
    ws.import_file("tickets", root / "tickets.csv")
    c = Collector(ws.config)
    c.save_survey(
        survey_from_dict({"id": "ces-support", "kind": "ces", "touchpoint": "support",
                          "trigger": {"after": "ticket_resolved", "delay": "1d"}})
    )  # fmt: skip
    c.set_active("ces-support", True)
    return cxlens.open(root), c


def test_dispatch_respects_consent_fatigue_and_idempotency(tmp_path, smtp):
    inbox, port = smtp
    ws, c = setup(tmp_path, port)
    report = {r.survey_id: r for r in dispatch(ws, c, now=NOW)}["ces-support"]
    # due: T1, T2, T3, T5 (resolved 1 day ago, within 7 days); T4 is too old
    assert report.due == 4
    assert report.no_consent == 1  # C3 said no
    assert report.invited == 2 and report.emailed == 2  # C1 and C2
    assert report.fatigued == 1  # C2's second ticket in the same run
    again = {r.survey_id: r for r in dispatch(ws, c, now=NOW)}["ces-support"]
    assert again.invited == 0 and again.fatigued == 3
    later = {r.survey_id: r for r in dispatch(ws, c, now=NOW + timedelta(days=40, hours=-1))}
    assert later["ces-support"].due == 0
    # e-mails in the customer's language, with a working link
    assert len(inbox.messages) == 2
    mails = {
        message_from_bytes(m, policy=policy.default)["To"]: message_from_bytes(
            m, policy=policy.default
        )
        for m in inbox.messages
    }
    et = mails["c1@example.com"]
    assert et["Content-Language"] == "et" and "üks kiire küsimus" in et["Subject"]
    body = et.get_body(("plain",)).get_content()
    assert "Ettevõte Näide OÜ tegi minu küsimuse lahendamise lihtsaks." in body
    token = body.split("/s/")[1].split()[0]
    row, survey = c.resolve(token, now=NOW)
    assert row["customer_id"] == "C1" and survey.id == "ces-support"
    assert all(d["status"] == "sent" for d in delivery_log(c))


def test_a_survey_invites_nobody_until_it_is_turned_on_and_every_run_is_logged(tmp_path, caplog):
    from cxlens.collect.triggers import dispatch_runs

    ws, c = setup(tmp_path)
    c.set_active("ces-support", False)
    c.save_survey(
        survey_from_dict({"id": "csat-new", "kind": "csat",
                          "trigger": {"after": "ticket_resolved", "delay": "1d"}})
    )  # fmt: skip
    assert c.active_survey_ids() == set()
    with caplog.at_level("INFO", logger="cxlens.schedule"):
        assert dispatch(ws, c, now=NOW, origin="schedule") == []
    assert "no active survey" in caplog.text
    c.set_active("csat-new", True)
    c.save_survey(
        survey_from_dict({"id": "csat-new", "kind": "csat",
                          "trigger": {"after": "ticket_resolved", "delay": "1d"}}),
        replace=True,
    )  # fmt: skip
    assert c.active_survey_ids() == {"csat-new"}  # replacing keeps it on
    caplog.clear()
    with caplog.at_level("INFO", logger="cxlens.schedule"):
        [report] = dispatch(ws, c, now=NOW)
    assert report.survey_id == "csat-new" and report.invited == 2
    assert "dispatch (command) csat-new: 4 due, 2 invited" in caplog.text
    dispatch(ws, c, now=NOW, dry_run=True)  # a dry run is not logged
    runs = dispatch_runs(c)
    assert [(r["origin"], r["surveys"], r["invited"]) for r in runs] == [
        ("command", 1, 2),
        ("schedule", 0, 0),
    ]
    assert runs[0]["detail"][0]["survey_id"] == "csat-new"
    assert runs[0]["detail"][0]["no_consent"] == 1
    with pytest.raises(CxlensError, match="no survey 'nope'"):
        c.set_active("nope", True)


def test_sampling_is_stable_and_near_its_rate():
    picks = [in_sample("s", f"ticket:{i}", 0.3) for i in range(20_000)]
    assert abs(sum(picks) / len(picks) - 0.3) < 0.02
    assert picks == [in_sample("s", f"ticket:{i}", 0.3) for i in range(20_000)]


def test_trigger_definitions():
    assert check_trigger({"every": "90d"}, "x")["every"] == 90 * 86_400
    assert check_trigger({"after": "event:store_visit", "delay": "2h"}, "x")["delay"] == 7200
    for bad in (
        {"after": "visit"},
        {"every": "90d", "after": "order"},
        {"after": "order", "when": 1},
        "daily",
    ):
        with pytest.raises(CxlensError):
            check_trigger(bad, "x")


def test_without_smtp_links_are_listed(tmp_path):
    ws, c = setup(tmp_path)
    report = {r.survey_id: r for r in dispatch(ws, c, now=NOW)}["ces-support"]
    assert report.invited == 2 and report.emailed == 0 and len(report.links) == 2


class Receiver(BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    fail_first = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.calls.append((dict(self.headers), body))
        status = 500 if len(Receiver.calls) <= Receiver.fail_first else 204
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.calls = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_webhooks_are_signed_and_retried(tmp_path, receiver):
    hook = f'\n[[webhooks]]\nurl = "{receiver}"\nevents = ["case.opened"]\n'
    _, c = setup(tmp_path, extra=hook)
    Receiver.fail_first = 2
    assert notify(c, "case.opened", {"id": 7, "score": 2}, waits=(0.01, 0.01, 0.01)) == [True]
    assert len(Receiver.calls) == 3
    headers, body = Receiver.calls[-1]
    expected = "sha256=" + hmac.new(c.key.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Cxlens-Signature"] == expected and headers["X-Cxlens-Event"] == "case.opened"
    assert json.loads(body) == {"event": "case.opened", "data": {"id": 7, "score": 2}}
    assert notify(c, "response.created", {}) == []  # not subscribed
    Receiver.fail_first = 100
    assert notify(c, "case.opened", {"id": 8}, waits=(0.01,)) == [False]
    log = delivery_log(c)
    assert (
        log[0]["status"] == "failed"
        and log[0]["attempts"] == 2
        and log[0]["last_error"] == "HTTP 500"
    )
    assert log[1]["status"] == "sent" and log[1]["attempts"] == 3
