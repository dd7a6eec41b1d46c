"""Alerts go out by e-mail and signed webhook, once each, also for cases left waiting."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from email import message_from_bytes, policy

import sqlalchemy as sa

import cxlens
from cxlens.alerts import check_alerts
from cxlens.alerts.deliver import deliver_alerts, sync_and_alert
from cxlens.collect import db
from cxlens.collect.service import Collector, now_utc
from tests.collect.conftest import make_ws
from tests.collect.test_dispatch import Receiver, receiver  # noqa: F401 - fixtures


def test_waiting_cases_alert_by_email_and_webhook_once(tmp_path, smtp, receiver):  # noqa: F811
    inbox, port = smtp
    extra = (
        f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
        '\n[alerting]\nemails = ["cx@example.com"]\n'
        f'\n[[webhooks]]\nurl = "{receiver}"\nevents = ["alert"]\n'
        '\n[[alerts]]\nname = "Detractors waiting"\nwhen = "open_cases"\nolder_than = "48h"\nthreshold = 1\nwhere = "nps"\n'
    )
    root = make_ws(tmp_path / "ws", extra=extra)
    ws = cxlens.open(root)
    c = Collector(ws.config)
    for customer in ("C1", "C2", "C4"):
        inv = c.invite("nps", customer, "en")
        row, survey = c.resolve(inv.token)
        c.submit(survey, row, {"nps": 2}, "bad", "en")
    assert check_alerts(ws) == []  # the cases are new
    with c.engine.begin() as conn:
        conn.execute(db.cases.update().values(opened_at=now_utc() - timedelta(days=3)))
    alerts = check_alerts(ws)
    assert len(alerts) == 1 and alerts[0].value == 3
    assert alerts[0].link == "http://127.0.0.1:8000/admin/cases?status=open"
    Receiver.fail_first = 0
    report = sync_and_alert(ws, c)
    assert report.rows["responses"] == 3 and report.alerts == {"sent": 1, "skipped": 0, "failed": 0}
    mail = message_from_bytes(inbox.messages[-1], policy=policy.default)
    assert mail["To"] == "cx@example.com" and mail["Subject"] == "[cxlens] Detractors waiting"
    assert "3 follow-up cases open" in mail.get_content()
    headers, body = Receiver.calls[-1]
    assert headers["X-Cxlens-Event"] == "alert"
    assert (
        headers["X-Cxlens-Signature"]
        == "sha256=" + hmac.new(c.key.encode(), body, hashlib.sha256).hexdigest()
    )
    assert json.loads(body)["data"]["rule"] == "Detractors waiting"
    # the same alert is not sent again; closing cases stops it
    assert deliver_alerts(c, check_alerts(ws)) == {"sent": 0, "skipped": 1, "failed": 0}
    with c.engine.begin() as conn:
        conn.execute(db.cases.update().values(status="closed"))
    assert check_alerts(ws) == []
    with c.engine.connect() as conn:
        logged = conn.execute(sa.select(sa.func.count()).select_from(db.deliveries)).scalar_one()
    assert logged == 3  # the e-mail, the webhook and the marker


def test_a_new_case_is_announced_by_email_and_webhook(tmp_path, smtp, receiver):  # noqa: F811
    from fastapi.testclient import TestClient

    from cxlens.web.app import create_app

    inbox, port = smtp
    extra = (
        f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
        '\n[alerting]\nemails = ["cx@example.com"]\n'
        f'\n[[webhooks]]\nurl = "{receiver}"\nevents = ["case.opened"]\n'
    )
    root = make_ws(tmp_path / "ws", extra=extra)
    c = Collector(cxlens.open(root).config)
    Receiver.fail_first = 0
    Receiver.calls = []
    token = c.invite("nps", "C1", "et").token
    client = TestClient(create_app(root, schedule=False))
    r = client.post(
        "/api/v1/responses", json={"token": token, "scores": {"nps": 1}, "comment": "halb"}
    )
    assert r.status_code == 201
    case_id = r.json()["case_id"]
    mail = message_from_bytes(inbox.messages[-1], policy=policy.default)
    assert mail["Subject"] == f"[cxlens] Follow-up case {case_id}: NPS 1"
    assert f"/admin/cases/{case_id}" in mail.get_content() and "halb" in mail.get_content()
    headers, body = Receiver.calls[-1]
    assert headers["X-Cxlens-Event"] == "case.opened" and json.loads(body)["data"]["id"] == case_id
