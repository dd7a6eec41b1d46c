"""Opting out: the e-mail's one-click unsubscribe (RFC 8058) stops every later invitation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

import cxlens
from cxlens.collect.service import Collector
from cxlens.collect.surveys import survey_from_dict
from cxlens.collect.triggers import dispatch
from cxlens.errors import CxlensError
from cxlens.web.app import create_app
from tests.collect.conftest import make_ws

NOW = datetime.now(UTC).replace(microsecond=0)


def _tickets(*rows: tuple[str, str, datetime]) -> str:
    lines = ["ticket_id,customer_id,opened_at,resolved_at"]
    for ticket, customer, resolved in rows:
        opened = resolved - timedelta(hours=3)
        lines.append(f"{ticket},{customer},{opened:%Y-%m-%d %H:%M},{resolved:%Y-%m-%d %H:%M}")
    return "\n".join(lines) + "\n"


def test_one_click_unsubscribe_stops_every_later_invitation(tmp_path, smtp):
    inbox, port = smtp
    root = make_ws(
        tmp_path / "ws",
        extra=f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsender = "Näide <cx@example.com>"\n',
    )
    ws = cxlens.open(root)
    day = timedelta(days=1)
    (root / "t1.csv").write_text(
        _tickets(
            ("T1", "C1", NOW - day - timedelta(hours=2)),
            ("T2", "C2", NOW - day - timedelta(hours=2)),
        )
    )
    ws.import_file("tickets", root / "t1.csv")
    c = Collector(ws.config)
    for sid, kind in (("csat-support", "csat"), ("ces-support", "ces")):
        c.save_survey(
            survey_from_dict(
                {"id": sid, "kind": kind, "trigger": {"after": "ticket_resolved", "delay": "1d"}}
            )
        )
        c.set_active(sid, True)
    dispatch(ws, c, now=NOW)
    mails = [message_from_bytes(m, policy=policy.default) for m in inbox.messages]
    to_c1 = next(m for m in mails if m["To"] == "c1@example.com")
    assert to_c1["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    address = to_c1["List-Unsubscribe"].strip("<>")
    assert address in to_c1.get_body(("plain",)).get_content()
    assert address.replace("&", "&amp;") in to_c1.get_body(("html",)).get_content()
    client = TestClient(create_app(ws.root, schedule=False))
    target = urlsplit(address)
    path = f"{target.path}?{target.query}"
    # a scanner's GET shows the page and changes nothing
    page = client.get(path)
    assert page.status_code == 200 and "Loobu" in page.text and c.opted_out("C1") is None
    # the mail program's one-click unsubscribe: a POST of "List-Unsubscribe=One-Click"
    done = client.post(
        target.path, content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert done.status_code == 200 and c.opted_out("C1")["via"] == "one-click"
    # the customer's own data shows it
    from cxlens.privacy.export import customer_export

    [kept] = customer_export(ws, c, "C1", "test")["collection"]["opt_outs"]
    assert kept["via"] == "one-click"
    # later tickets, past the fatigue window, for both customers and both surveys
    later = NOW + timedelta(days=45)
    (root / "t2.csv").write_text(
        _tickets(
            ("T3", "C1", later - day - timedelta(hours=2)),
            ("T4", "C2", later - day - timedelta(hours=2)),
        )
    )
    ws.import_file("tickets", root / "t2.csv")
    sent_before = len(inbox.messages)
    reports = {r.survey_id: r for r in dispatch(ws, c, now=later)}
    assert sum(r.opted_out for r in reports.values()) >= 1
    assert sum(r.invited for r in reports.values()) == 1  # C2 only
    new = [message_from_bytes(m, policy=policy.default) for m in inbox.messages[sent_before:]]
    assert [m["To"] for m in new] == ["c2@example.com"]
    # nor can anyone invite C1 by hand
    with pytest.raises(CxlensError, match="opted out"):
        c.invite("csat-support", "C1", "et")
    # only the customer undoes it, from their own page
    again = client.post(target.path, data={"choice": "in", "lang": "et"})
    assert again.status_code == 200 and c.opted_out("C1") is None
    assert c.invite("csat-support", "C1", "et") is not None


def test_an_altered_opt_out_link_changes_nothing(tmp_path):
    from cxlens.collect.security import unsubscribe_token

    root = make_ws(tmp_path / "ws")
    c = Collector(cxlens.open(root).config)
    client = TestClient(create_app(root, schedule=False))
    token = unsubscribe_token(c.key, "C1")
    other = unsubscribe_token(c.key, "C2")
    forged = token.split(".")[0] + "." + other.split(".")[1]  # C1 with C2's signature
    assert client.post(f"/u/{forged}", content=b"List-Unsubscribe=One-Click").status_code == 404
    assert client.get("/u/nonsense").status_code == 404
    assert c.opted_out_ids() == set()


def test_an_opted_out_customer_is_invited_by_no_kind_of_trigger(tmp_path):
    """Every trigger kind (after an event, an order or a resolved ticket, and every N days)
    finds C1 due and skips it as opted out, while C2, due by the same rules, is invited."""
    root = make_ws(tmp_path / "ws", extra="")
    toml = root / "cxlens.toml"
    toml.write_text(toml.read_text().replace("[collection]\n", "[collection]\nfatigue_days = 0\n"))
    ws = cxlens.open(root)
    stamp = "%Y-%m-%d %H:%M"
    (root / "events.csv").write_text(
        "event_id,customer_id,ts,touchpoint,channel\n"
        + "".join(
            f"E{c},{c},{NOW - timedelta(hours=2):{stamp}},checkout,web\n" for c in ("C1", "C2")
        )
    )
    ws.import_file("events", root / "events.csv")
    (root / "orders.csv").write_text(
        "order_id,customer_id,ts,amount,currency\n"
        + "".join(
            f"O{c},{c},{NOW - timedelta(days=1, hours=2):{stamp}},20,EUR\n" for c in ("C1", "C2")
        )
    )
    ws.import_file("orders", root / "orders.csv")
    (root / "tickets.csv").write_text(
        _tickets(*((f"T{c}", c, NOW - timedelta(days=1, hours=2)) for c in ("C1", "C2")))
    )
    ws.import_file("tickets", root / "tickets.csv")
    c = Collector(cxlens.open(root).config)
    triggers = {
        "after-event": {"after": "event:checkout", "delay": "1h"},
        "after-order": {"after": "order", "delay": "1d"},
        "after-ticket": {"after": "ticket_resolved", "delay": "1d"},
        "every-quarter": {"every": "90d", "active": "30d"},
    }
    c.opt_out("C1", "page")
    # one survey on at a time: a customer invited in a round is rested for the round's others
    for sid, trigger in triggers.items():
        c.save_survey(survey_from_dict({"id": sid, "kind": "csat", "trigger": trigger}))
        c.set_active(sid, True)
        [report] = dispatch(cxlens.open(root), c, now=NOW)
        assert report.survey_id == sid
        assert (report.due, report.opted_out, report.invited) == (2, 1, 1), sid
        c.set_active(sid, False)
    with c.engine.connect() as conn:
        from cxlens.collect import db

        invited = [r.customer_id for r in conn.execute(db.invitations.select())]
    assert sorted(invited) == ["C2"] * 4
