"""Changing rows of a table in place: what erasure and retention need.

A change rewrites the table's Parquet file in full (through a private staging
database, as imports do) and swaps the new file in atomically under the write
lock, so readers see the old rows or the new ones, never a mix, and a failure
leaves the table as it was. Nothing is written when no row matches.
"""

# SQL here is built from quoted identifiers and escaped literals; the values to match
# and set are passed as parameters or through a table of parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cxlens.warehouse import TMP_PREFIX, Warehouse
from cxlens.warehouse.staging import StagingDB, copy_to_parquet_sql, parquet_sql, quote_ident
from cxlens.warehouse.staging import quote_literal as lit


@dataclass(frozen=True)
class Rows:
    """Which rows to change: ``column`` is one of ``values`` (compared as text), and/or
    ``before_column`` is earlier than ``before``; with ``present``, only rows where that
    column is not null."""

    column: str | None = None
    values: Sequence[str] = ()
    before_column: str | None = None
    before: datetime | None = None
    present: str | None = None


def change_rows(
    warehouse: Warehouse,
    table: str,
    rows: Rows,
    set_values: Mapping[str, str | None],
    null_if_equal: Sequence[str] = (),
) -> int:
    """In the chosen rows of ``table``, set columns to values (None: null) and make null any
    other text cell equal (ignoring case) to one of ``null_if_equal``. Returns how many
    rows matched; the table is rewritten only if some did."""
    if not warehouse.exists(table):
        return 0
    with warehouse.write_lock():
        path = warehouse.path(table)
        staging = warehouse.data_dir / f"{TMP_PREFIX}change-{table}.duckdb"
        with StagingDB(staging) as db:
            db.execute(f"CREATE TEMP VIEW src AS SELECT * FROM {parquet_sql(path)}")
            columns = dict(db.columns("src"))
            conditions = []
            if rows.column is not None:
                if rows.column not in columns:
                    return 0
                db.execute("CREATE TEMP TABLE wanted (v VARCHAR)")
                if rows.values:
                    db.con.executemany("INSERT INTO wanted VALUES (?)", [[v] for v in rows.values])
                conditions.append(
                    f"CAST({quote_ident(rows.column)} AS VARCHAR) IN (SELECT v FROM wanted)"
                )
            if rows.before_column is not None and rows.before is not None:
                if rows.before_column not in columns:
                    return 0
                stamp = rows.before.isoformat()
                conditions.append(
                    f"{quote_ident(rows.before_column)} < CAST({lit(stamp)} AS TIMESTAMPTZ)"
                )
            if rows.present is not None:
                if rows.present not in columns:
                    return 0
                conditions.append(f"{quote_ident(rows.present)} IS NOT NULL")
            where = " AND ".join(conditions) or "TRUE"
            matched = int(db.fetchone(f"SELECT count(*) FROM src WHERE {where}")[0])
            if matched == 0:
                return 0
            replaced = []
            equal = [v.lower() for v in null_if_equal if v]
            for name, sql_type in columns.items():
                col = quote_ident(name)
                if name in set_values:
                    value = set_values[name]
                    new = "NULL" if value is None else lit(value)
                    replaced.append(
                        f"CASE WHEN {where} THEN CAST({new} AS {sql_type}) ELSE {col} END AS {col}"
                    )
                elif equal and sql_type == "VARCHAR":
                    same = " OR ".join(f"lower({col}) = {lit(v)}" for v in equal)
                    replaced.append(
                        f"CASE WHEN ({where}) AND ({same}) THEN NULL ELSE {col} END AS {col}"
                    )
            query = "SELECT * FROM src"
            if replaced:
                query = f"SELECT * REPLACE ({', '.join(replaced)}) FROM src"
            new_file = warehouse.temp_path(table)
            db.execute(copy_to_parquet_sql(query, new_file))
        warehouse.publish(table, new_file)
    return matched
