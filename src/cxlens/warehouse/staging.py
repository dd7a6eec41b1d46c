"""A private, disk-backed DuckDB database used to read, check and merge import files.

Imports always stage locally, whatever engine reads the warehouse: the file is read
once into a staging database on disk (so memory stays bounded for files of
several GB), checked there, merged with the current version of the table and
written out as a new Parquet file, which the warehouse then swaps in atomically.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from cxlens.errors import CxlensError

ProgressCallback = Callable[[str, float], None]

#: what DuckDB may use before spilling to disk
DEFAULT_MEMORY_LIMIT = os.environ.get("CXLENS_STAGING_MEMORY", "2GB")


def quote_ident(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """Quote an SQL string literal (for the few places DuckDB takes no parameters, such as COPY)."""
    return "'" + text.replace("'", "''") + "'"


class StagingError(CxlensError):
    pass


class StagingDB:
    """A throw-away DuckDB database file; removed on close."""

    def __init__(self, path: Path, memory_limit: str = DEFAULT_MEMORY_LIMIT):
        self.path = path
        tmp_dir = path.with_suffix(".spill")
        self.con = duckdb.connect(
            str(path),
            config={
                "memory_limit": memory_limit,
                "temp_directory": str(tmp_dir),
                "preserve_insertion_order": True,
            },
        )
        self.con.execute("LOAD icu")  # built into the wheel: time zones, no network
        self.con.execute("SET TimeZone = 'UTC'")

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> duckdb.DuckDBPyConnection:
        try:
            return self.con.execute(sql, params or [])
        except duckdb.Error as exc:
            raise StagingError(str(exc).strip()) from exc

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.execute(sql, params).fetchall()

    def fetchone(self, sql: str, params: Sequence[Any] | None = None) -> tuple[Any, ...]:
        row = self.execute(sql, params).fetchone()
        assert row is not None
        return row

    def columns(self, relation: str) -> list[tuple[str, str]]:
        """(name, type) of each column of a table, view or query."""
        rows = self.fetchall(f"DESCRIBE {relation}")
        return [(r[0], r[1]) for r in rows]

    def run(self, sql: str, label: str, progress: ProgressCallback | None = None) -> None:
        """Run a long statement, reporting DuckDB's progress through ``progress``."""
        if progress is None:
            self.execute(sql)
            return
        error: list[BaseException] = []

        def work() -> None:
            try:
                self.execute(sql)
            except BaseException as exc:  # re-raised in the calling thread
                error.append(exc)

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        while thread.is_alive():
            thread.join(0.2)
            try:
                pct = float(self.con.query_progress())
            except duckdb.Error:
                pct = -1.0
            if pct >= 0:
                progress(label, min(pct, 100.0))
        progress(label, 100.0)
        if error:
            raise error[0]

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            for p in (self.path, self.path.with_suffix(self.path.suffix + ".wal")):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
            spill = self.path.with_suffix(".spill")
            if spill.is_dir():
                for f in spill.iterdir():
                    f.unlink(missing_ok=True)
                spill.rmdir()

    def __enter__(self) -> StagingDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def source_sql(path: Path, fmt: str, encoding: str = "utf-8", delimiter: str | None = None) -> str:
    """A DuckDB table function call reading ``path`` with every column as text."""
    lit = quote_literal(str(path))
    if fmt == "csv":
        # The dialect is stated, not sniffed from the first rows: RFC 4180 quoting, no
        # comment lines, no rows skipped, strict mode. A sniffer that sees no quote in
        # its sample would reject a valid file whose first quoted field comes later,
        # and one that guesses '#' as a comment marker would drop rows silently.
        opts = [
            "all_varchar = true",
            "header = true",
            "skip = 0",
            "strict_mode = true",
            "quote = '\"'",
            "escape = '\"'",
            "comment = ''",
        ]
        if encoding != "utf-8":
            opts.append(f"encoding = {quote_literal(encoding)}")
        if delimiter:
            opts.append(f"delim = {quote_literal(delimiter)}")
        return f"read_csv({lit}, {', '.join(opts)})"
    if fmt == "parquet":
        return f"read_parquet({lit})"
    if fmt == "jsonl":
        # types are judged on every row, so a column with text in one row and numbers in
        # another is seen as mixed (JSON) wherever the odd row is
        return f"read_json({lit}, format = 'newline_delimited', sample_size = -1)"
    raise StagingError(f"unknown file format {fmt!r}")


def parquet_sql(path: Path) -> str:
    return f"read_parquet({quote_literal(str(path))})"


def copy_to_parquet_sql(query: str, path: Path, order_by: Sequence[str] = ()) -> str:
    """``query`` written to ``path``; with ``order_by``, its rows sorted by those columns.

    A table kept in time order lets a reader skip what a date range leaves out: each
    row group of 122,880 rows records its smallest and largest value, so a query for
    one quarter of two years' events reads about an eighth of the file.
    """
    if order_by:
        keys = ", ".join(f"{quote_ident(c)} NULLS LAST" for c in order_by)
        query = f"SELECT * FROM ({query}) ORDER BY {keys}"  # noqa: S608 (quoted names)
    return (
        f"COPY ({query}) TO {quote_literal(str(path))} "
        "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
    )
