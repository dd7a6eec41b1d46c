"""One test per kind of bad input: the message says what and where, and nothing changes."""

from __future__ import annotations

import pytest

from cxlens.errors import CxlensError, ImportRejected
from tests.conftest import CUSTOMERS_CSV, snapshot


@pytest.fixture
def loaded(ws, write):
    ws.import_file("customers", write("customers.csv", CUSTOMERS_CSV))
    ws.import_file(
        "orders",
        write(
            "orders.csv",
            "order_id,customer_id,ts,amount,currency\nO1,C1,2025-03-01 12:00,10.50,EUR\n",
        ),
    )
    return ws


def rejected(ws, table, path, **kw) -> str:
    """Import ``path``, expect a rejection, check the warehouse is unchanged, return the message."""
    before = snapshot(ws)
    with pytest.raises(ImportRejected) as info:
        ws.import_file(table, path, **kw)
    assert snapshot(ws) == before
    return str(info.value)


def refused(ws, table, path, **kw) -> str:
    before = snapshot(ws)
    with pytest.raises(CxlensError) as info:
        ws.import_file(table, path, **kw)
    assert snapshot(ws) == before
    return str(info.value)


def test_missing_required_column_names_it_and_suggests_map(loaded, write):
    path = write("o.csv", "order_id,customer_id,created_on,amount\nO2,C1,2025-03-01,5\n")
    msg = rejected(loaded, "orders", path)
    assert "required column 'ts' is not in the file" in msg
    assert "--map ts=SOURCE_COLUMN" in msg
    assert str(path) in msg


def test_map_option_fixes_the_missing_column(loaded, write):
    path = write("o.csv", "order_id,customer_id,created_on,amount\nO2,C1,2025-03-01,5\n")
    result = loaded.import_file("orders", path, mapping={"ts": "created_on"})
    assert (result.added, result.updated, result.unchanged) == (1, 0, 0)


def test_unparsable_dates_give_row_column_and_value(loaded, write):
    path = write(
        "o.csv",
        "order_id,customer_id,ts,amount\nO2,C1,2025-03-01,5\nO3,C1,31/02/2025,5\nO4,C1,yesterday,5\n",
    )
    msg = rejected(loaded, "orders", path)
    assert "values that do not parse (2)" in msg
    assert "row 2, column 'ts'" in msg and "'31/02/2025'" in msg
    assert "row 3, column 'ts'" in msg and "'yesterday'" in msg


def test_date_format_option(loaded, write):
    path = write("o.csv", "order_id,customer_id,ts,amount\nO2,C1,31.03.2025 14:05,5\n")
    loaded.import_file("orders", path, date_format="%d.%m.%Y %H:%M", timezone="Europe/Tallinn")
    ts = loaded.table("orders").filter(lambda t: t.order_id == "O2").ts.execute()[0]
    # 14:05 in Tallinn (UTC+3 in summer time from 30 March 2025) is 11:05 UTC
    assert ts.isoformat() == "2025-03-31T11:05:00+00:00"


def test_unparsable_numbers(loaded, write):
    msg = rejected(
        loaded,
        "orders",
        write("o.csv", "order_id,customer_id,ts,amount\nO2,C1,2025-03-01,12 EUR\n"),
    )
    assert "row 1, column 'amount': is not a number" in msg


def test_duplicate_keys_within_file(loaded, write):
    path = write(
        "o.csv",
        "order_id,customer_id,ts,amount\nO2,C1,2025-03-01,5\nO3,C1,2025-03-01,5\nO2,C2,2025-03-02,6\n",
    )
    msg = rejected(loaded, "orders", path)
    assert "duplicate keys (1)" in msg
    assert "order_id='O2' appears 2 times (rows 1, 3)" in msg


@pytest.mark.parametrize(
    ("kind", "score", "expected"),
    [
        ("nps", "11", "from 0 to 10"),
        ("nps", "7.5", "from 0 to 10"),
        ("csat", "0", "from 1 to 5"),
        ("ces", "8", "from 1 to 7"),
    ],
)
def test_scores_out_of_range(loaded, write, kind, score, expected):
    path = write(
        "r.csv",
        f"response_id,customer_id,ts,kind,score\nR1,C1,2025-03-01,nps,9\nR2,C2,2025-03-01,{kind},{score}\n",
    )
    msg = rejected(loaded, "responses", path)
    assert "scores out of range (1)" in msg
    assert "row 2, column 'score'" in msg and expected in msg


def test_unknown_response_kind_and_missing_score(loaded, write):
    path = write(
        "r.csv",
        "response_id,customer_id,ts,kind,score\nR1,C1,2025-03-01,nsp,9\nR2,C1,2025-03-01,csat,\n",
    )
    msg = rejected(loaded, "responses", path)
    assert "unknown response kinds (1)" in msg and "'nsp'" in msg
    assert "missing scores (1)" in msg and "row 2" in msg


def test_foreign_currency_rejected_then_converted_with_rate(loaded, write):
    path = write("o.csv", "order_id,customer_id,ts,amount,currency\nO2,C1,2025-03-01,100,USD\n")
    msg = rejected(loaded, "orders", path)
    assert "differs from the workspace currency EUR" in msg and "--rate" in msg
    loaded.import_file("orders", path, rates={"usd": 0.9})
    row = loaded.table("orders").filter(lambda t: t.order_id == "O2").execute().iloc[0]
    assert row["amount"] == pytest.approx(90.0)
    assert row["currency"] == "EUR"


def test_unknown_customers_warn_by_default_and_reject_with_strict(loaded, write):
    path = write(
        "o.csv", "order_id,customer_id,ts,amount\nO2,C1,2025-03-01,5\nO3,C99,2025-03-01,5\n"
    )
    msg = rejected(loaded, "orders", path, strict=True)
    assert (
        "unknown customers (1)" in msg and "row 2, column 'customer_id'" in msg and "'C99'" in msg
    )
    result = loaded.import_file("orders", path)
    assert result.added == 2
    assert any(
        "1 row(s) refer to customers that are not in the customers table" in w
        for w in result.warnings
    )


def test_negative_spend_and_times_out_of_order(loaded, write):
    msg = rejected(
        loaded, "marketing", write("m.csv", "date,channel,spend\n2025-03-01,search,-5\n")
    )
    assert "row 1, column 'spend': must be at least 0" in msg
    msg = rejected(
        loaded,
        "tickets",
        write(
            "t.csv", "ticket_id,customer_id,opened_at,resolved_at\nT1,C1,2025-03-02,2025-03-01\n"
        ),
    )
    assert "row 1, column 'resolved_at': is before opened_at" in msg


def test_many_problems_are_listed_with_counts(loaded, write):
    rows = "".join(f"O{i},C1,not-a-date,5\n" for i in range(100))
    msg = rejected(loaded, "orders", write("o.csv", "order_id,customer_id,ts,amount\n" + rows))
    assert "values that do not parse (100)" in msg
    assert "... and 95 more" in msg


def test_empty_file(loaded, write):
    assert "is empty (0 bytes)" in refused(loaded, "orders", write("o.csv", ""))


def test_header_only_file(loaded, write):
    assert "has a header but no rows" in refused(
        loaded, "orders", write("o.csv", "order_id,customer_id,ts,amount\n")
    )


def test_unknown_table(loaded, write):
    msg = refused(loaded, "order", write("o.csv", "a\n1\n"))
    assert "Unknown table 'order'" in msg and "Did you mean 'orders'?" in msg


def test_missing_file_and_unknown_format(loaded, tmp_path, write):
    assert "no such file" in refused(loaded, "orders", tmp_path / "nope.csv")
    assert "cannot tell the format" in refused(loaded, "orders", write("o.xlsx", "x"))


def test_utf8_with_bom_is_read(ws, write):
    path = write("c.csv", "\ufeff" + "customer_id,created_at,country\nC1,2025-01-01,DE\n")
    assert ws.import_file("customers", path).added == 1
    assert list(ws.table("customers").customer_id.execute()) == ["C1"]


def test_latin1_is_detected_and_named(ws, write):
    path = write(
        "c.csv",
        "customer_id,created_at,city\nC1,2025-01-01,Jõgeva\nC2,2025-01-01,Müncheń\n".replace(
            "ń", "n"
        ),
        encoding="latin-1",
    )
    result = ws.import_file("customers", path)
    assert result.added == 2
    assert any("Latin-1" in w for w in result.warnings)
    assert set(ws.table("customers").city.execute()) == {"Jõgeva", "München"}


def test_wrong_encoding_is_named(ws, write):
    path = write("c.csv", "customer_id,created_at,city\nC1,2025-01-01,Jõgeva\n", encoding="latin-1")
    msg = refused(ws, "customers", path, encoding="utf-8")
    assert "not valid UTF-8" in msg and "--encoding latin-1" in msg


def test_malformed_csv_is_named(ws, write):
    path = write(
        "c.csv", "customer_id,created_at\nC1,2025-01-01\nC2,2025-01-01,x,y\nC3,2025-01-01\n"
    )
    msg = refused(ws, "customers", path)
    assert f"{path}, line 3: cannot read this CSV file" in msg
    assert "has 4 field(s) but the header has 2" in msg


def test_semicolon_separated_file(ws, write):
    path = write("c.csv", "customer_id;created_at;country\nC1;2025-01-01;EE\n")
    assert ws.import_file("customers", path).added == 1
    assert list(ws.table("customers").country.execute()) == ["EE"]
