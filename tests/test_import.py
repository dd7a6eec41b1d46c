"""Import happy paths: formats, merge by key, idempotence, extra columns."""

from __future__ import annotations

import json

import pandas as pd

from tests.conftest import CUSTOMERS_CSV, snapshot


def test_import_then_reimport_changes_nothing(ws, write):
    path = write("c.csv", CUSTOMERS_CSV)
    first = ws.import_file("customers", path)
    assert (first.rows, first.added, first.updated, first.unchanged) == (3, 3, 0, 0)
    before = snapshot(ws)
    again = ws.import_file("customers", path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert snapshot(ws) == before


def test_newer_version_of_a_row_updates_it(ws, write):
    ws.import_file("customers", write("c.csv", CUSTOMERS_CSV))
    moved = write("c2.csv", "customer_id,created_at,country\nC2,2025-01-05,AT\nC4,2025-03-01,HR\n")
    result = ws.import_file("customers", moved)
    assert (result.added, result.updated, result.unchanged) == (1, 1, 0)
    df = ws.table("customers").execute().set_index("customer_id")
    assert df.loc["C2", "country"] == "AT"
    assert df.loc["C2", "email"] == "c2@example.com"  # columns the file lacks keep their value
    assert len(df) == 4


def test_ticket_resolved_later(ws, write):
    ws.import_file(
        "tickets", write("t.csv", "ticket_id,customer_id,opened_at\nT1,C1,2025-03-01 09:00\n")
    )
    result = ws.import_file(
        "tickets",
        write(
            "t2.csv",
            "ticket_id,customer_id,opened_at,resolved_at\nT1,C1,2025-03-01 09:00,2025-03-02 10:00\n",
        ),
    )
    assert result.updated == 1
    assert ws.table("tickets").resolved_at.execute()[0].isoformat() == "2025-03-02T10:00:00+00:00"


def test_typed_columns_and_extras(ws, write):
    ws.import_file(
        "customers",
        write(
            "c.csv",
            "customer_id,created_at,consent,Loyalty Tier,age\nC1,2025-01-01,yes,gold,34\nC2,2025-01-01,N,silver,51\n",
        ),
    )
    t = ws.table("customers")
    schema = t.schema()
    assert schema["created_at"].is_timestamp() and schema["created_at"].timezone == "UTC"
    assert schema["consent"].is_boolean()
    assert schema["loyalty_tier"].is_string()  # names are normalised
    assert schema["age"].is_integer()  # numeric extras stay numbers
    assert list(t.order_by("customer_id").consent.execute()) == [True, False]


def test_parquet_and_jsonl(ws, tmp_path):
    df = pd.DataFrame(
        {
            "order_id": ["A", "B"],
            "customer_id": ["C1", "C2"],
            "ts": pd.to_datetime(["2025-01-01T10:00:00Z", "2025-01-02T11:00:00Z"]),
            "amount": [1.5, 2.5],
        }
    )
    df.to_parquet(tmp_path / "o.parquet")
    assert ws.import_file("orders", tmp_path / "o.parquet").added == 2
    lines = [
        {"order_id": "B", "customer_id": "C2", "ts": "2025-01-02T11:00:00Z", "amount": 3.0},
        {"order_id": "C", "customer_id": "C3", "ts": "2025-01-03T12:00:00+02:00", "amount": 4.0},
    ]
    (tmp_path / "o.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    result = ws.import_file("orders", tmp_path / "o.jsonl")
    assert (result.added, result.updated) == (1, 1)
    out = ws.table("orders").order_by("order_id").execute()
    assert list(out.amount) == [1.5, 3.0, 4.0]
    assert out.ts.iloc[2].isoformat() == "2025-01-03T10:00:00+00:00"


def test_naive_times_use_the_workspace_time_zone(tmp_path, write):
    import cxlens

    cxlens.init(tmp_path / "tz", timezone="Europe/Helsinki")
    ws = cxlens.open(tmp_path / "tz")
    ws.import_file(
        "orders", write("o.csv", "order_id,customer_id,ts,amount\nA,C1,2025-01-15 12:00,1\n")
    )
    assert ws.table("orders").ts.execute()[0].isoformat() == "2025-01-15T10:00:00+00:00"


def test_marketing_key_with_empty_parts(ws, write):
    path = write(
        "m.csv",
        "date,channel,campaign,ad_group,spend,impressions\n2025-03-01,search,,,10,1000\n2025-03-01,search,brand,,5,500\n",
    )
    assert ws.import_file("marketing", path).added == 2
    assert ws.import_file("marketing", path).unchanged == 2


def test_tables_lists_counts_and_ranges(ws, write):
    ws.import_file("customers", write("c.csv", CUSTOMERS_CSV))
    infos = {i.name: i for i in ws.tables()}
    assert infos["customers"].rows == 3
    assert infos["customers"].first.isoformat().startswith("2025-01-02")
    assert infos["customers"].last.isoformat().startswith("2025-02-01")
    assert infos["orders"].rows == 0 and not infos["orders"].imported


def test_update_rows_sets_columns_of_existing_rows_only(ws, write):
    ws.import_file("customers", write("c.csv", CUSTOMERS_CSV))
    result = ws.update_rows(
        "customers", pd.DataFrame({"customer_id": ["C1", "C3"], "tier": ["gold", "silver"]})
    )
    assert (result.added, result.updated) == (0, 2)
    df = ws.table("customers").order_by("customer_id").execute()
    assert list(df.tier) == ["gold", None, "silver"]
    assert list(df.country) == ["EE", "DE", "FI"]


def test_update_rows_rejects_unknown_keys(ws, write):
    from cxlens.errors import ImportRejected

    ws.import_file("customers", write("c.csv", CUSTOMERS_CSV))
    before = snapshot(ws)
    try:
        ws.update_rows("customers", pd.DataFrame({"customer_id": ["C1", "C9"], "tier": ["a", "b"]}))
    except ImportRejected as exc:
        assert "unknown keys (1)" in str(exc) and "'C9'" in str(exc)
    else:
        raise AssertionError("expected a rejection")
    assert snapshot(ws) == before


def test_append_rows(ws):
    frame = pd.DataFrame(
        {"customer_id": ["C7"], "created_at": [pd.Timestamp("2025-05-01", tz="UTC")]}
    )
    assert ws.append_rows("customers", frame).added == 1
