"""Input that once slipped through or read wrongly: each is refused with what and where, or read right."""

from __future__ import annotations

import fcntl
import os

import pytest

import cxlens
from tests.conftest import CUSTOMERS_CSV
from tests.test_import_rules import refused, rejected


@pytest.fixture
def loaded(ws, write):
    ws.import_file("customers", write("customers.csv", CUSTOMERS_CSV))
    return ws


def test_json_lines_mixing_text_and_numbers_names_rows_and_column(loaded, write):
    path = write(
        "r.jsonl",
        '{"response_id": "R1", "ts": "2025-03-01", "kind": "nps", "score": 9, "season": 1}\n'
        '{"response_id": "R2", "ts": "2025-03-01", "kind": "nps", "score": 7, "season": "spring"}\n'
        '{"response_id": "R3", "ts": "2025-03-01", "kind": "nps", "score": 3, "season": 2}\n',
    )
    msg = rejected(loaded, "responses", path)
    assert "columns mixing types (1)" in msg
    assert "row 2, column 'season'" in msg
    assert "number in 2 row(s) (1, 3)" in msg and "text in 1 row(s) (2)" in msg
    assert "--as-text season" in msg


def test_as_text_reads_mixed_json_without_literal_quotes(loaded, write):
    path = write(
        "c.jsonl",
        '{"customer_id": 17, "created_at": "2025-03-01"}\n'
        '{"customer_id": "C9", "created_at": "2025-03-01"}\n',
    )
    assert "customer_id" in rejected(loaded, "customers", path)
    loaded.import_file("customers", path, as_text=["customer_id"])
    ids = set(loaded.table("customers").customer_id.execute())
    assert {"17", "C9"} <= ids
    assert not any('"' in i for i in ids)


def test_csv_whose_first_quoted_field_comes_after_25000_rows(loaded, write):
    rows = "".join(f"C{i},2025-01-01,plain\n" for i in range(10, 25_010))
    path = write("c.csv", "customer_id,created_at,note\n" + rows + 'C99999,2025-01-01,"a, b"\n')
    result = loaded.import_file("customers", path)
    assert result.added == 25_001
    notes = loaded.table("customers").filter(lambda t: t.customer_id == "C99999").note.execute()
    assert list(notes) == ["a, b"]


def test_a_row_starting_with_hash_is_data_not_a_comment(loaded, write):
    path = write("c.csv", "customer_id,created_at\n#7,2025-01-01\nC8,2025-01-01\n")
    assert loaded.import_file("customers", path).added == 2


def test_file_mixing_utf8_and_latin1_is_refused_with_lines(loaded, write):
    content = (
        b"customer_id,created_at,city\n"
        + "C10,2025-01-01,Jõgeva\n".encode()
        + "C11,2025-01-01,München\n".encode("latin-1")
        + "C12,2025-01-01,Pärnu\n".encode()
    )
    msg = refused(loaded, "customers", write("c.csv", content))
    assert "mixes text encodings" in msg
    assert "line(s) 2, 4 are UTF-8" in msg and "line(s) 3 are not" in msg


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("customer_id,created_at,Email,email", "columns 3 ('Email') and 4 ('email')"),
        ("customer_id,created_at,note, Note", "columns 3 ('note') and 4 (' Note')"),
    ],
)
def test_two_headers_that_normalise_to_one_name(loaded, write, header, expected):
    path = write("c.csv", header + "\nC10,2025-01-01,a,b\n")
    msg = rejected(loaded, "customers", path)
    assert "column names used twice (1)" in msg and expected in msg


def test_reserved_column_name(loaded, write):
    msg = rejected(
        loaded, "customers", write("c.csv", "customer_id,created_at,__row\nC10,2025-01-01,5\n")
    )
    assert "reserved column names (1)" in msg and "column '__row'" in msg


def test_nul_bytes_in_csv_are_refused_with_lines(loaded, write):
    path = write(
        "c.csv", b"customer_id,created_at,note\nC10,2025-01-01,ok\nC11,2025-01-01,a\x00b\n"
    )
    msg = refused(loaded, "customers", path)
    assert "NUL bytes (0x00) on line(s) 3" in msg


def test_nul_character_in_json_is_rejected_with_row_and_column(loaded, write):
    path = write(
        "c.jsonl",
        '{"customer_id": "C10", "created_at": "2025-01-01", "country": "EE"}\n'
        '{"customer_id": "C11", "created_at": "2025-01-01", "country": "D\\u0000E"}\n',
    )
    msg = rejected(loaded, "customers", path)
    assert "NUL characters (1)" in msg and "row 2, column 'country'" in msg


def test_unterminated_quote_names_the_line(loaded, write):
    path = write(
        "c.csv",
        'customer_id,created_at,note\nC10,2025-01-01,fine\nC11,2025-01-01,"open\nC12,2025-01-01,x\n',
    )
    msg = refused(loaded, "customers", path)
    assert "line 3" in msg and "unterminated quote" in msg


def test_absurd_amounts_are_rejected(loaded, write):
    path = write(
        "o.csv", "order_id,customer_id,ts,amount\nO1,C1,2025-03-01,5\nO2,C1,2025-03-01,1e300\n"
    )
    msg = rejected(loaded, "orders", path)
    assert "implausibly large numbers (1)" in msg and "row 2, column 'amount'" in msg
    assert "'1e300'" in msg


def test_local_times_that_do_not_exist_or_occur_twice(loaded, write):
    # Tallinn: 30 March 2025 03:00 -> 04:00 (03:30 never happens); 26 October 2025
    # 04:00 -> 03:00 (03:30 happens twice: 00:30 and 01:30 UTC)
    path = write(
        "o.csv",
        "order_id,customer_id,ts,amount\nO1,C1,2025-03-30 03:30,5\nO2,C1,2025-10-26 03:30,5\n"
        "O3,C1,2025-06-01 12:00,5\nO4,C1,2025-10-26 03:30:00+02:00,5\n",
    )
    msg = rejected(loaded, "orders", path, timezone="Europe/Tallinn")
    assert "local times that do not exist (1)" in msg and "row 1, column 'ts'" in msg
    assert "local times that occur twice (1)" in msg and "row 2, column 'ts'" in msg
    assert "--dst before|after" in msg
    loaded.import_file("orders", path, timezone="Europe/Tallinn", dst="before")
    got = {
        r.order_id: r.ts.isoformat()
        for r in loaded.table("orders").order_by("order_id").execute().itertuples()
    }
    # "before": the offset in force before the change (+02:00 in spring, +03:00 in autumn)
    assert got == {
        "O1": "2025-03-30T01:30:00+00:00",
        "O2": "2025-10-26T00:30:00+00:00",
        "O3": "2025-06-01T09:00:00+00:00",
        "O4": "2025-10-26T01:30:00+00:00",
    }


def test_dst_after_takes_the_later_offset(loaded, write):
    path = write("o.csv", "order_id,customer_id,ts,amount\nO2,C1,2025-10-26 03:30,5\n")
    loaded.import_file("orders", path, timezone="Europe/Tallinn", dst="after")
    ts = loaded.table("orders").ts.execute()[0]
    assert ts.isoformat() == "2025-10-26T01:30:00+00:00"


def test_utf16_without_bom_gets_a_clear_message(loaded, write):
    path = write("c.csv", "customer_id,created_at\nC10,2025-01-01\n".encode("utf-16-le"))
    msg = refused(loaded, "customers", path)
    assert "UTF-16 (little-endian) without a byte-order mark" in msg


def test_huge_field_gets_a_clear_message(loaded, write):
    path = write("c.csv", 'customer_id,created_at,note\nC10,2025-01-01,"' + "x" * 3_000_000 + '"\n')
    msg = refused(loaded, "customers", path)
    assert "line 2" in msg and "longer than 2 MB" in msg
    assert "-1 field(s)" not in msg


def test_leftovers_of_a_killed_import_go_when_the_workspace_opens(ws, write):
    data = ws.warehouse.data_dir
    (data / ".tmp-stage-orders.duckdb").write_bytes(b"x" * 100)
    (data / ".tmp-stage-orders.spill").mkdir()
    (data / ".tmp-stage-orders.spill" / "a.tmp").write_bytes(b"x")
    (data / ".tmp-orders-0123.parquet").write_bytes(b"PAR1")
    # while an import holds the write lock, its files are left alone
    fd = os.open(data / ".write.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        cxlens.open(ws.root).close()
        assert len(list(data.glob(".tmp-*"))) == 3
    finally:
        os.close(fd)
    cxlens.open(ws.root).close()
    assert not list(data.glob(".tmp-*"))


def test_a_bare_date_is_local_midnight_not_utc(loaded, write):
    # "2025-03-01" ends in "-01", which once passed for a UTC offset
    path = write(
        "o.csv", "order_id,customer_id,ts,amount\nO1,C1,2025-03-01,5\nO2,C1,2025-07-01,5\n"
    )
    loaded.import_file("orders", path, timezone="Europe/Tallinn")
    got = [t.isoformat() for t in loaded.table("orders").order_by("order_id").ts.execute()]
    # midnight in Tallinn: UTC+2 in winter, UTC+3 in summer
    assert got == ["2025-02-28T22:00:00+00:00", "2025-06-30T21:00:00+00:00"]


def test_a_day_whose_midnight_the_clocks_skip_is_not_rejected(loaded, write):
    # Santiago de Chile moved its clocks from 00:00 to 01:00 on 7 September 2025
    path = write("o.csv", "order_id,customer_id,ts,amount\nO1,C1,2025-09-07,5\n")
    loaded.import_file("orders", path, timezone="America/Santiago")
    assert loaded.table("orders").count().execute() == 1


def test_days_around_a_change_of_offset_are_listed():
    from cxlens.ingest.checks import _change_days

    days = set(_change_days("Europe/Tallinn"))
    # 2025: clocks forward on 30 March, back on 26 October; an ordinary day is not listed
    assert {"2025-03-30", "2025-10-26"} <= days and "2025-06-01" not in days
    assert _change_days("UTC") == ()
