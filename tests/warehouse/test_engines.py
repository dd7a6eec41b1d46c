"""The DuckDB connection: epoch seconds of timestamps computed directly, with the same values."""

from __future__ import annotations

from datetime import UTC, datetime

import ibis
import pandas as pd

from cxlens.warehouse.engines import connect


def test_epoch_seconds_of_a_timestamp_need_no_cast_and_agree():
    con = connect("duckdb://")
    stamps = [
        datetime(2026, 3, 29, 0, 59, 59, 250_000, tzinfo=UTC),  # around a DST change in Europe
        datetime(2026, 3, 29, 1, 0, 1, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
    ]
    t = ibis.memtable(pd.DataFrame({"ts": pd.to_datetime(stamps, utc=True)}))
    expr = t.select(s=t.ts.epoch_seconds())
    sql = str(ibis.to_sql(expr, dialect="duckdb"))
    assert "EPOCH(" in sql and "CAST" not in sql
    got = con.execute(expr)["s"].tolist()
    assert got == [int(s.timestamp()) for s in stamps]
    dates = ibis.memtable({"d": [datetime(2026, 1, 2).date()]})
    assert "CAST" in str(ibis.to_sql(dates.select(s=dates.d.epoch_seconds()), dialect="duckdb"))
