"""Canonical tables read live from a real PostgreSQL server, and ``cxlens check`` on them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import cxlens
from cxlens.cli import app
from cxlens.errors import CxlensError
from tests.collect.conftest import postgres_url  # noqa: F401 - the server fixture

pytestmark = pytest.mark.postgres

CUSTOMERS = [
    # id, signed up (timestamp without time zone, UTC), country, e-mail
    ("K1", "2025-01-03 10:00:00", "EE", "k1@example.com"),
    ("K2", "2025-01-20 12:30:00", "DE", "k2@example.com"),
    ("K3", "2025-02-11 09:15:00", "FI", None),
    ("K4", "2025-03-02 18:00:00", "EE", "k4@example.com"),
]
ORDERS = [
    ("A-1", "K1", "2025-01-05 11:00:00", 40.00, "web"),
    ("A-2", "K1", "2025-02-07 16:20:00", 25.50, "web"),
    ("A-3", "K2", "2025-02-09 08:00:00", 110.00, "store"),
    ("A-4", "K3", "2025-03-01 13:45:00", 12.25, "web"),
    ("A-5", "K4", "2025-03-03 10:10:00", 60.00, "store"),
    ("A-6", "K2", "2025-03-15 19:00:00", 35.75, "web"),
]
ANSWERS = [
    ("S1", "K1", "2025-01-10 09:00:00", "nps", 10),
    ("S2", "K2", "2025-02-10 09:00:00", "nps", 9),
    ("S3", "K3", "2025-03-02 09:00:00", "nps", 8),
    ("S4", "K4", "2025-03-04 09:00:00", "nps", 3),
    ("S5", "K1", "2025-02-08 09:00:00", "csat", 5),
    ("S6", "K2", "2025-03-16 09:00:00", "csat", 2),
]


def _database(base: str, name: str) -> str:
    import psycopg

    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("CREATE SCHEMA shop")
        con.execute(
            "CREATE TABLE shop.clients (client_no text, signed_up timestamp, country text, mail text)"
        )
        con.execute(
            "CREATE TABLE shop.sales (sale_no text, client_no text, created_at timestamp, "
            "total_gross numeric(10,2), sales_channel text)"
        )
        con.execute(
            "CREATE TABLE public.survey_answers (answer_id text, client_no text, answered timestamp, "
            "kind text, score integer)"
        )
        con.cursor().executemany("INSERT INTO shop.clients VALUES (%s, %s, %s, %s)", CUSTOMERS)
        con.cursor().executemany("INSERT INTO shop.sales VALUES (%s, %s, %s, %s, %s)", ORDERS)
        con.cursor().executemany(
            "INSERT INTO public.survey_answers VALUES (%s, %s, %s, %s, %s)", ANSWERS
        )
    return url


SOURCES = """
[sources.customers]
url = "{url}"
table = "shop.clients"
map = {{ customer_id = "client_no", created_at = "signed_up", email = "mail" }}

[sources.orders]
url = "{url}"
table = "shop.sales"
map = {{ order_id = "sale_no", customer_id = "client_no", ts = "created_at", amount = "total_gross", channel = "sales_channel" }}

[sources.responses]
url = "{url}"
table = "public.survey_answers"
map = {{ response_id = "answer_id", customer_id = "client_no", ts = "answered" }}
"""


@pytest.fixture
def live_ws(tmp_path, postgres_url):  # noqa: F811
    url = _database(postgres_url, f"src_{tmp_path.name[-20:].lower().replace('-', '_')}")
    root = tmp_path / "live"
    cxlens.init(root)
    toml = root / "cxlens.toml"
    toml.write_text(toml.read_text() + SOURCES.format(url=url))
    return root, url


@pytest.fixture
def file_ws(tmp_path):
    root = tmp_path / "files"
    cxlens.init(root)
    ws = cxlens.open(root)
    (tmp_path / "c.csv").write_text(
        "customer_id,created_at,country,email\n"
        + "".join(f"{c[0]},{c[1]},{c[2]},{c[3] or ''}\n" for c in CUSTOMERS)
    )
    (tmp_path / "o.csv").write_text(
        "order_id,customer_id,ts,amount,channel\n"
        + "".join(",".join(map(str, o)) + "\n" for o in ORDERS)
    )
    (tmp_path / "r.csv").write_text(
        "response_id,customer_id,ts,kind,score\n"
        + "".join(",".join(map(str, a)) + "\n" for a in ANSWERS)
    )
    for table, name in (("customers", "c.csv"), ("orders", "o.csv"), ("responses", "r.csv")):
        ws.import_file(table, tmp_path / name)
    return root


METRICS = ["nps", "csat", "average_order_value", "purchase_frequency"]


def test_kpis_from_the_database_equal_those_from_imported_files(live_ws, file_ws):
    live = cxlens.open(live_ws[0])
    files = cxlens.open(file_ws)
    for by in ((), ("channel",), ("country",)):
        a = live.kpi(METRICS, by=list(by), period="month")
        b = files.kpi(METRICS, by=list(by), period="month")
        cols = ["metric", *by, "period", "value", "n", "low", "high"]
        cols = [c for c in cols if c in a.columns]
        assert a[cols].to_dict("records") == b[cols].to_dict("records")
    nps = live.kpi(["nps"]).iloc[0]
    # 2 promoters (10, 9), 1 passive (8), 1 detractor (3) of 4: (2 - 1) / 4 = +25
    assert (nps["value"], nps["n"]) == (25.0, 4)
    # customers are read live: created_at from a timestamp without zone, read as UTC
    created = live.table("customers").order_by("customer_id").created_at.execute()
    assert created.iloc[0].isoformat() == "2025-01-03T10:00:00+00:00"
    segments = live.rfm(as_of="2025-03-31")
    assert len(segments) == 4
    assert live.table("orders").amount.sum().execute() == pytest.approx(283.5)


def test_tables_name_the_source_and_imports_into_a_live_table_are_refused(live_ws, tmp_path):
    ws = cxlens.open(live_ws[0])
    infos = {i.name: i for i in ws.tables()}
    assert infos["orders"].rows == 6 and infos["orders"].source.startswith("shop.sales at postgres")
    assert "sales_channel" not in infos["orders"].columns and "channel" in infos["orders"].columns
    (tmp_path / "o2.csv").write_text("order_id,customer_id,ts,amount\nX,K1,2025-01-01,1\n")
    with pytest.raises(CxlensError, match=r"orders is read live from shop\.sales"):
        ws.import_file("orders", tmp_path / "o2.csv")


def test_the_database_is_read_again_after_the_refresh_interval(live_ws):
    import psycopg

    root, url = live_ws
    toml = root / "cxlens.toml"
    toml.write_text(
        toml.read_text().replace("[warehouse]\n", "[warehouse]\nsource_refresh_seconds = 0\n")
    )
    ws = cxlens.open(root)
    assert ws.table("orders").count().execute() == 6
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("INSERT INTO shop.sales VALUES ('A-7', 'K4', '2025-03-20 10:00', 9.99, 'web')")
    assert ws.table("orders").count().execute() == 7


def test_check_reports_problems_with_counts_and_examples(live_ws):
    import psycopg

    root, url = live_ws
    with psycopg.connect(url, autocommit=True) as con:
        # a key twice, a score out of range, an unknown kind, a required value missing
        con.execute("INSERT INTO shop.sales VALUES ('A-1', 'K1', '2025-03-20 10:00', 5, 'web')")
        con.execute("INSERT INTO shop.sales VALUES ('A-9', 'K1', NULL, 5, 'web')")
        con.execute(
            "INSERT INTO public.survey_answers VALUES ('S7', 'K4', '2025-03-20', 'nps', 11)"
        )
        con.execute("INSERT INTO public.survey_answers VALUES ('S8', 'K4', '2025-03-20', 'nsp', 8)")
        # a column of the wrong type
        con.execute("ALTER TABLE shop.clients ADD COLUMN joined text")
        con.execute("UPDATE shop.clients SET joined = 'soon' WHERE client_no = 'K2'")
    toml = root / "cxlens.toml"
    toml.write_text(toml.read_text().replace('created_at = "signed_up"', 'created_at = "joined"'))
    result = CliRunner().invoke(app, ["check", "--json", "-w", str(root)])
    assert result.exit_code == 1, (result.output, result.exception)
    found = {r["table"]: r for r in json.loads(result.output)}
    kinds = {r: {p["kind"]: p for p in found[r]["problems"]} for r in found}
    assert found["orders"]["rows"] == 8
    dup = kinds["orders"]["duplicate keys"]
    assert dup["count"] == 1 and "order_id='A-1' (2 times)" in dup["message"]
    empty = kinds["orders"]["missing required values"]
    assert empty["column"] == "ts" and "1 row(s) (for example 'A-9')" in empty["message"]
    score = kinds["responses"]["scores out of range"]
    assert "from 0 to 10: 1 row(s) (for example '11')" in score["message"]
    assert "'nsp'" in kinds["responses"]["unknown response kinds"]["message"]
    bad = kinds["customers"]["bad types"]
    assert bad["column"] == "created_at (joined)" and "'soon'" in bad["message"]
    # the human form names the table, the source and the counts
    text = CliRunner().invoke(app, ["check", "-w", str(root)]).output
    assert "orders (shop.sales at postgres" in text and "8 rows, 2 problem(s)" in text
