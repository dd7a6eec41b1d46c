"""A customer's rights: export everything about them, erase them without a trace, retention."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import cxlens
from cxlens.cli import app
from cxlens.collect import db
from cxlens.collect.delivery import send_email
from cxlens.collect.invitation_mail import invitation_email
from cxlens.collect.service import Collector
from cxlens.collect.sync import sync
from tests.collect.conftest import (
    make_ws,
    smtp,  # noqa: F401 - the fixture
)

runner = CliRunner()
PERSON = "CUST-7781-ERASE"
EMAIL = "Erase.Me@Example.org"
COMMENT = "My name is Erika Mustermann; call me on +49 151 0000 7781"


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def traces(root: Path, needles: list[str]) -> dict[str, list[str]]:
    """Where under ``root`` any of ``needles`` occurs: every cell of every Parquet file (they
    are compressed, so their values are read), and the bytes of every other file."""
    found: dict[str, list[str]] = {}
    lowered = [n.lower() for n in needles]
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = str(path.relative_to(root))
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            for column in table.column_names:
                for value in table.column(column).to_pylist():
                    text = str(value).lower()
                    if any(n in text for n in lowered):
                        found.setdefault(name, []).append(column)
        else:
            data = path.read_bytes().lower()
            hits = [n for n in lowered if n.encode() in data]
            if hits:
                found.setdefault(name, []).extend(hits)
    return found


@pytest.fixture
def person_ws(tmp_path, smtp):  # noqa: F811
    """A workspace holding one person in every table, in the store, in cases and in the mail log."""
    _, port = smtp
    root = make_ws(tmp_path / "ws", extra=f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n')
    ws = cxlens.open(root)
    files = {
        "customers": f"customer_id,created_at,country,email,consent,full_name,phone\n"
        f"{PERSON},2025-02-01,DE,{EMAIL},yes,Erika Mustermann,+49 151 0000 7781\n"
        "K1,2025-02-01,EE,k1@example.com,yes,Kalle Kask,+372 5555 0001\n",
        "orders": "order_id,customer_id,ts,amount,channel\n"
        f"O1,{PERSON},2025-03-01,120,web\nO2,{PERSON},2025-04-01,80,store\nO3,K1,2025-03-05,50,web\n",
        "events": "event_id,customer_id,ts,touchpoint,channel\n"
        f"E1,{PERSON},2025-02-28,website_visit,search\nE2,K1,2025-03-01,website_visit,email\n",
        "tickets": "ticket_id,customer_id,opened_at,resolved_at,channel,category,contact_email\n"
        f"T1,{PERSON},2025-03-02,2025-03-03,email,delivery,{EMAIL}\n"
        "T2,K1,2025-03-02,2025-03-02,phone,billing,k1@example.com\n",
        "responses": "response_id,customer_id,ts,kind,score,comment\n"
        f"R1,{PERSON},2025-03-04,nps,3,{COMMENT}\nR2,K1,2025-03-04,nps,10,great\n",
    }
    for table, content in files.items():
        path = root / f"{table}.csv"
        path.write_text(content)
        ws.import_file(table, path)
        path.unlink()
    c = Collector(ws.config)
    inv = c.invite("nps", PERSON, "de")
    row, survey = c.resolve(inv.token)
    done = c.submit(survey, row, {"nps": 2}, f"Bad. Write to {EMAIL}", "de", ip="203.0.113.77")
    c.update_case(done.case_id, "admin", note=f"Called {PERSON}, promised a refund")
    assert send_email(c, invitation_email(c, survey, inv, EMAIL, PERSON), "invitation:nps")
    other = c.invite("nps", "K1", "et")
    c.submit(survey, c.resolve(other.token)[0], {"nps": 9}, "fine", "et")
    sync(ws, c)
    ws.close()
    return root


def totals(root: Path) -> dict[str, object]:
    ws = cxlens.open(root)
    out = {
        "nps": ws.kpi("nps")[["value", "n"]].to_dict("records"),
        "aov": ws.kpi("average_order_value")[["value", "n"]].to_dict("records"),
        "revenue": float(ws.table("orders").amount.sum().execute()),
        "customers": int(ws.table("customers").count().execute()),
        "buyers": int(ws.table("orders").customer_id.nunique().execute()),
        "tickets": int(ws.table("tickets").count().execute()),
        "events": int(ws.table("events").count().execute()),
        "responses": int(ws.table("responses").count().execute()),
    }
    ws.close()
    return out


def test_export_gives_everything_about_the_person(person_ws, tmp_path):
    out = tmp_path / "person.json"
    run("customer", "export", PERSON, "--out", str(out), "-w", str(person_ws))
    data = json.loads(out.read_text())
    wh, store = data["warehouse"], data["collection"]
    assert {r["order_id"] for r in wh["orders"]} == {"O1", "O2"}
    assert wh["customers"][0]["email"] == EMAIL and wh["customers"][0]["full_name"]
    assert {r["ticket_id"] for r in wh["tickets"]} == {"T1", "case:1"}  # the case, synced
    assert {r["event_id"].split(":")[0] for r in wh["events"]} == {"E1", "invitation"}
    assert COMMENT in {r["comment"] for r in wh["responses"]}
    assert len(wh["responses"]) == 2  # the imported answer and the synced survey answer
    assert store["submissions"][0]["ip"] == "203.0.113.77"
    assert store["cases"][0]["comment"] == f"Bad. Write to {EMAIL}"
    assert "promised a refund" in store["case_notes"][0]["text"]
    assert store["deliveries"][0]["target"] == EMAIL and len(store["invitations"]) == 1
    assert "K1" not in out.read_text()  # nobody else
    printed = json.loads(run("customer", "export", PERSON, "-w", str(person_ws)))
    assert printed["warehouse"] == wh
    bad = runner.invoke(app, ["customer", "export", "NOBODY", "-w", str(person_ws)])
    assert bad.exit_code == 1 and "holds nothing about customer 'NOBODY'" in bad.output


def test_erase_leaves_no_trace_keeps_totals_and_flags_a_return(person_ws):
    root = person_ws
    run("customer", "export", PERSON, "-w", str(root))  # the audit log names them now
    from cxlens.results import ResultStore

    with cxlens.open(root) as ws:  # a result kept in cache/ that lists the person
        kept_result = {"customers": pd.DataFrame({"customer_id": [PERSON], "clv": [12.5]})}
        ResultStore(ws).get("likely lost", {}, lambda: kept_result)
    run("rfm", "-w", str(root))
    needles = [PERSON, EMAIL, "Mustermann", "203.0.113.77", "0000 7781"]
    before = traces(root, needles)
    # the search finds the person everywhere first: in each table and in the store
    for table in ("customers", "orders", "events", "tickets", "responses"):
        assert f"warehouse/{table}.parquet" in before
    assert "collection.db" in before or "collection.db-wal" in before
    assert any(name.startswith("cache/") for name in before)
    kept = totals(root)
    out = run("customer", "erase", PERSON, "--yes", "-w", str(root))
    assert "erased (erasure #1)" in out
    assert traces(root, needles) == {}
    assert totals(root) == kept  # every total as it was
    ws = cxlens.open(root)
    orders = ws.table("orders").execute()
    pseudonym = orders.loc[orders.order_id == "O1", "customer_id"].iloc[0]
    assert pseudonym.startswith("erased-") and set(
        orders.loc[orders.order_id.isin(["O1", "O2"]), "customer_id"]
    ) == {pseudonym}
    customers = ws.table("customers").execute().set_index("customer_id")
    assert customers.loc[pseudonym, "country"] == "DE"  # what names no one stays
    assert pd.isna(customers.loc[pseudonym, "email"]) and pd.isna(customers.loc[pseudonym, "phone"])
    assert customers.loc["K1", "phone"] == "+372 5555 0001"  # others are untouched
    tickets = ws.table("tickets").execute().set_index("ticket_id")
    assert pd.isna(tickets.loc["T1", "contact_email"]) and tickets.loc["T2", "contact_email"]
    c = Collector(ws.config)
    with c.engine.connect() as conn:
        erasure = conn.execute(sa.select(db.erasures)).one()
        notes = conn.execute(sa.select(db.case_notes.c.text)).scalars().all()
    assert PERSON not in erasure.summary and json.loads(erasure.summary)["warehouse.orders"] == 2
    assert notes == ["(erased)"]
    assert "customer_erased" in run("audit", "--json", "-w", str(root))
    # the workspace stays valid
    assert "orders" in run("tables", "-w", str(root))
    assert "nps" in run("kpi", "nps", "-w", str(root))
    again = runner.invoke(app, ["customer", "erase", PERSON, "--yes", "-w", str(root)])
    assert again.exit_code == 1 and "erased before" in again.output
    # the same person imported again is flagged, by id and by e-mail address
    back = root / "back.csv"
    back.write_text(
        f"customer_id,created_at,email\n{PERSON},2025-02-01,\nNEW1,2025-05-01,{EMAIL}\n"
    )
    result = ws.import_file("customers", back)
    assert len(result.warnings) == 2
    assert all("erasure #1" in w and "is in the data again" in w for w in result.warnings)
    assert f"customer {PERSON} was erased on" in result.warnings[0]
    assert "customer NEW1 has the e-mail address of a customer erased on" in result.warnings[1]
    printed = runner.invoke(app, ["import", "orders", str(_orders(root)), "-w", str(root)])
    assert printed.exit_code == 0 and "erased on" in printed.output


def _orders(root: Path) -> Path:
    path = root / "more-orders.csv"
    path.write_text(f"order_id,customer_id,ts,amount\nO9,{PERSON},2025-06-01,10\n")
    return path


def test_retention_removes_old_comments_and_addresses(person_ws):
    root = person_ws
    toml = root / "cxlens.toml"
    toml.write_text(
        toml.read_text()
        .replace("comment_retention_days = 0", "comment_retention_days = 365")
        .replace("email_retention_days = 0", "email_retention_days = 400")
    )
    ws = cxlens.open(root)
    c = Collector(ws.config)
    now = datetime.now(UTC) + timedelta(days=450)  # everything so far is over a year old
    recent = root / "recent.csv"
    recent.write_text(  # but K1 comes back: an order and a comment 10 days before
        "response_id,customer_id,ts,kind,score,comment\n"
        f"R3,K1,{(now - timedelta(days=10)).date()},nps,9,still good\n"
    )
    ws.import_file("responses", recent)
    with c.engine.begin() as conn:  # the store's answers: one old, one recent
        first = conn.execute(sa.select(sa.func.min(db.answers.c.id))).scalar_one()
        conn.execute(
            db.answers.update().where(db.answers.c.id == first).values(ts=now - timedelta(days=500))
        )
        conn.execute(
            db.answers.update().where(db.answers.c.id != first).values(ts=now - timedelta(days=10))
        )
        conn.execute(db.cases.update().values(opened_at=now - timedelta(days=500)))
        conn.execute(db.deliveries.update().values(created_at=now - timedelta(days=401)))
    from cxlens.privacy import apply_retention

    done = apply_retention(ws, c, now=now)
    responses = ws.table("responses").execute().set_index("response_id")
    assert pd.isna(responses.loc["R1", "comment"]) and pd.isna(responses.loc["R2", "comment"])
    assert responses.loc["R1", "score"] == 3  # the score stays
    assert responses.loc["R3", "comment"] == "still good"
    with c.engine.connect() as conn:
        comments = (
            conn.execute(sa.select(db.answers.c.comment).order_by(db.answers.c.id)).scalars().all()
        )
        cases = conn.execute(sa.select(db.cases.c.comment)).scalars().all()
        targets = conn.execute(sa.select(db.deliveries.c.target)).scalars().all()
    assert comments == [None, "fine"] and cases == [None] and targets == ["(expired)"]
    # the person's last activity (the survey answer) is more than 400 days before; K1's is recent
    customers = ws.table("customers").execute().set_index("customer_id")
    assert pd.isna(customers.loc[PERSON, "email"]) and customers.loc["K1", "email"]
    assert done.removed["warehouse.customers.email"] == 4  # and C1-C3, who never bought
    assert apply_retention(ws, c, now=now).removed == {}  # nothing left to remove
    assert "retention_applied" in run("audit", "--json", "-w", str(root))


def test_the_server_applies_retention_on_its_schedule(person_ws, monkeypatch):
    from cxlens.web import app as web_app

    root = person_ws
    toml = root / "cxlens.toml"
    toml.write_text(
        toml.read_text().replace("comment_retention_days = 0", "comment_retention_days = 1")
    )
    ws = cxlens.open(root)
    c = Collector(ws.config)
    stop = threading.Event()
    # the server gives its scheduler a workspace of its own (a DuckDB connection is per thread)
    worker = threading.Thread(
        target=web_app.scheduled_jobs, args=(cxlens.open(root), c, 0.002, stop)
    )
    worker.start()

    def old_comments() -> int:
        t = ws.table("responses")
        return int(t.filter(t.response_id.isin(["R1", "R2"])).comment.notnull().sum().execute())

    assert old_comments() == 2
    deadline = datetime.now(UTC) + timedelta(seconds=60)
    while datetime.now(UTC) < deadline and old_comments():
        stop.wait(0.2)
    stop.set()
    worker.join(10)
    assert old_comments() == 0


def test_retention_without_periods_names_the_section_to_set(tmp_path):
    cxlens.init(tmp_path / "w")
    result = CliRunner().invoke(app, ["customer", "retention", "-w", str(tmp_path / "w")])
    assert result.exit_code == 0, result.output
    # "[privacy]" is the text to write into cxlens.toml, not markup to drop
    assert "under [privacy] in cxlens.toml" in " ".join(result.output.split()), result.output
