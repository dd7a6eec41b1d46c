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


def test_compilers_load_on_demand_and_stay_complete():
    """A fresh process opening DuckDB loads DuckDB's compiler and dialect only; every other
    compiler, and SQL for another dialect, still works when asked for."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from cxlens.warehouse.engines import connect\n"
        "con = connect('duckdb://')\n"
        "assert con.sql('select 41 + 1 as x').execute()['x'][0] == 42\n"
        "print(sorted(m for m in sys.modules if m.startswith('sqlglot.dialects.')))\n"
        "import ibis, ibis.backends.sql.compilers as sc\n"
        "assert sc.PostgresCompiler.__name__ == 'PostgresCompiler' and sc.trino.compiler\n"
        "assert 'PySparkCompiler' in sc.__all__ and 'DuckDBCompiler' in sc.__all__\n"
        "t = ibis.table({'a': 'int64'}, name='t')\n"
        "assert 'SELECT' in ibis.to_sql(t.a.sum(), dialect='postgres')\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded, ok = out.stdout.strip().splitlines()
    assert loaded == "['sqlglot.dialects.dialect', 'sqlglot.dialects.duckdb']"
    assert ok == "ok"
