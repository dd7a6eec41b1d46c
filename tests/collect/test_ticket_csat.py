"""Ticket-triggered CSAT: a help desk's webhook sends resolved tickets, the survey invites
their customers, and the answers come out by agent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

import cxlens
from cxlens.collect.service import Collector
from cxlens.collect.surveys import survey_from_dict
from cxlens.collect.sync import sync
from cxlens.collect.triggers import dispatch
from cxlens.web.app import create_app
from tests.collect.conftest import make_ws

NOW = datetime.now(UTC).replace(microsecond=0)


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def desk(tmp_path):
    root = make_ws(tmp_path / "ws")
    c = Collector(cxlens.open(root).config)
    c.accounts.add_user("helpdesk", "correct horse battery", "analyst")
    c.accounts.add_user("reader", "correct horse battery", "viewer")
    c.save_survey(
        survey_from_dict({"id": "csat-ticket", "kind": "csat", "touchpoint": "support",
                          "trigger": {"after": "ticket_resolved", "delay": "2h"}})
    )  # fmt: skip
    c.set_active("csat-ticket", True)
    client = TestClient(create_app(root, schedule=False))
    token = c.accounts.add_token("helpdesk", "zendesk")
    return root, c, client, {"Authorization": f"Bearer {token}"}


def test_a_resolved_ticket_leads_to_a_csat_invitation_and_a_csat_by_agent(desk):
    root, c, client, auth = desk
    resolved = NOW - timedelta(hours=3)
    tickets = [
        {"ticket_id": "Z-1", "customer_id": "C1", "opened_at": _iso(resolved - timedelta(hours=5)),
         "resolved_at": _iso(resolved), "channel": "email", "category": "billing", "agent": "ann"},
        {"ticket_id": "Z-2", "customer_id": "C2", "opened_at": _iso(resolved - timedelta(hours=2)),
         "resolved_at": _iso(resolved), "channel": "chat", "category": "delivery", "agent": "bob"},
        {"ticket_id": "Z-3", "customer_id": "C4", "opened_at": _iso(resolved),
         "channel": "chat", "agent": "bob"},  # still open: no survey yet
    ]  # fmt: skip
    assert client.post("/api/v1/tickets", json={"tickets": tickets}).status_code == 401
    done = client.post("/api/v1/tickets", json={"tickets": tickets}, headers=auth)
    assert done.status_code == 200, done.text
    assert done.json() == {"received": 3, "added": 3, "updated": 0}
    # the help desk sends one ticket again, changed: it is updated, not doubled
    again = client.post("/api/v1/tickets", json={**tickets[1], "category": "returns"}, headers=auth)
    assert again.json() == {"received": 1, "added": 0, "updated": 1}
    ws = cxlens.open(root)
    [report] = dispatch(ws, c, now=NOW)
    assert (report.due, report.invited) == (2, 2)  # the open ticket is not due
    tokens = [link.rsplit("/s/", 1)[1] for link in report.links]
    for token in tokens:
        customer = c.resolve(token)[0]["customer_id"]
        score = 5 if customer == "C1" else 2  # ann's customer is satisfied, bob's is not
        sent = client.post(f"/s/{token}", data={"q_csat": str(score), "lang": "en"})
        assert sent.status_code == 200
    sync(ws, c)
    ws = cxlens.open(root)
    answers = ws.table("responses").execute().set_index("customer_id")
    assert answers.loc["C1", "ticket_id"] == "Z-1" and answers.loc["C2", "ticket_id"] == "Z-2"
    by_agent = ws.kpi("csat", by="agent").set_index("agent")
    assert by_agent.loc["ann", "value"] == 100 and by_agent.loc["ann", "n"] == 1
    assert by_agent.loc["bob", "value"] == 0 and by_agent.loc["bob", "n"] == 1
    by_category = ws.kpi("csat", by="category").set_index("category")
    assert by_category.loc["returns", "value"] == 0  # the ticket's latest category
    # a second dispatch invites nobody again for the same tickets
    [report] = dispatch(ws, c, now=NOW + timedelta(minutes=10))
    assert report.invited == 0


def test_the_ticket_webhook_refuses_what_does_not_fit_and_stores_nothing(desk):
    root, c, client, auth = desk
    reader = c.accounts.add_token("reader", "dashboard")
    good = {"ticket_id": "Z-9", "customer_id": "C1", "resolved_at": _iso(NOW)}
    forbidden = client.post(
        "/api/v1/tickets", json=good, headers={"Authorization": f"Bearer {reader}"}
    )
    assert forbidden.status_code == 403  # a viewer cannot write data
    bad_time = client.post(
        "/api/v1/tickets",
        json={"tickets": [good, {**good, "ticket_id": "Z-10", "resolved_at": "yesterday"}]},
        headers=auth,
    )
    assert bad_time.status_code == 422
    detail = bad_time.json()["detail"]
    assert "request body, row 2, column 'resolved_at'" in detail and "cxlens-frame" not in detail
    missing = client.post("/api/v1/tickets", json={"ticket_id": "Z-11"}, headers=auth)
    assert missing.status_code == 422 and "customer_id" in missing.json()["detail"]
    nested = client.post("/api/v1/tickets", json={**good, "agent": {"id": 1}}, headers=auth)
    assert nested.status_code == 422 and "agent" in nested.json()["detail"]
    too_many = {"tickets": [{**good, "ticket_id": f"Z-{i}"} for i in range(1001)]}
    assert client.post("/api/v1/tickets", json=too_many, headers=auth).status_code == 422
    huge = json.dumps({**good, "category": "x" * 100}).encode() + b" " * (1 << 20)
    big = client.post(
        "/api/v1/tickets", content=huge, headers={**auth, "Content-Type": "application/json"}
    )
    assert big.status_code == 413
    ws = cxlens.open(root)
    assert not ws.warehouse.exists("tickets") or ws.table("tickets").count().execute() == 0
