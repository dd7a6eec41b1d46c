"""Canonical tables read live from the team's own database, through Ibis.

A table declared in cxlens.toml as a source is not imported: each session reads it
from the database when an analysis first asks for it (only the mapped columns, in
one query), converts the columns to the canonical types and hands the analytics an
in-memory table, so every metric, segment and model works on it unchanged and sees
what the database holds now. The web server reads it again after
``[warehouse] source_refresh_seconds`` (300 by default).

```toml
[sources.orders]
url = "postgres://reader@db.internal/shop"   # any URL ibis.connect() takes
table = "public.orders"                      # [schema.]table
map = { ts = "created_at", amount = "total_gross" }
timezone = "UTC"                             # of timestamps stored without a zone
```

Tested against PostgreSQL. Ibis reaches other engines with the same kind of URL
(``bigquery://``, ``snowflake://``, ``clickhouse://``, ``mysql://``, ``mssql://``,
``trino://``, ...) once their Ibis extra is installed; those are untested options.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cxlens.errors import CxlensError
from cxlens.schema import TABLE_NAMES, Column, Table, get_table

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa
    from ibis.backends import BaseBackend

#: logical column type -> Arrow type of the canonical table
ARROW_TYPES = {
    "string": "string",
    "timestamp": "timestamp[us, tz=UTC]",
    "date": "date32",
    "float": "float64",
    "integer": "int64",
    "boolean": "bool",
}
DEFAULT_REFRESH_SECONDS = 300.0


def normalised(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip()).lower()


def redact(url: str) -> str:
    """``url`` without a password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


@dataclass(frozen=True)
class SourceSpec:
    """One canonical table read from a database table."""

    table: str
    url: str
    source_table: str
    mapping: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    timezone: str = "UTC"

    @property
    def spec(self) -> Table:
        return get_table(self.table)

    @property
    def location(self) -> tuple[str | None, str]:
        """(schema or None, table name) of ``source_table``."""
        schema, _, name = self.source_table.rpartition(".")
        return (schema or None), name

    def describe(self) -> str:
        return f"{self.source_table} at {redact(self.url)}"


def parse_sources(section: dict[str, Any], where: str = "cxlens.toml") -> dict[str, SourceSpec]:
    """The ``[sources.<table>]`` entries of the settings, checked."""
    sources: dict[str, SourceSpec] = {}
    for table, entry in section.items():
        if table not in TABLE_NAMES:
            raise CxlensError(
                f"{where}: [sources.{table}]: '{table}' is not a canonical table "
                f"({', '.join(TABLE_NAMES)})."
            )
        if not isinstance(entry, dict) or not entry.get("url") or not entry.get("table"):
            raise CxlensError(f"{where}: [sources.{table}] needs url and table.")
        mapping = {str(k): str(v) for k, v in dict(entry.get("map") or {}).items()}
        spec = get_table(table)
        unknown = [k for k in mapping if k not in spec.column_names]
        if unknown:
            raise CxlensError(
                f"{where}: [sources.{table}] map names {', '.join(unknown)}, not columns of "
                f"{table} (its columns: {', '.join(spec.column_names)})."
            )
        sources[table] = SourceSpec(
            table,
            str(entry["url"]),
            str(entry["table"]),
            mapping,
            str(entry.get("timezone", "UTC")),
        )
    return sources


def connect_source(url: str) -> BaseBackend:
    """An Ibis connection to a source database."""
    import ibis

    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://") :]
    try:
        return ibis.connect(url)
    except ImportError as exc:
        raise CxlensError(
            f"Reading {redact(url)} needs a driver that is not installed ({exc}); install the "
            "Ibis extra for that engine, e.g. pip install 'ibis-framework[snowflake]'."
        ) from None
    except Exception as exc:  # the driver's own error: unreachable host, bad password, ...
        raise CxlensError(f"Cannot connect to {redact(url)}: {exc}") from None


def raw_table(con: BaseBackend, source: SourceSpec) -> ir.Table:
    """The database table as it is (no column picked, nothing loaded)."""
    schema, name = source.location
    try:
        return con.table(name, database=schema) if schema else con.table(name)
    except Exception as exc:
        raise CxlensError(
            f"[sources.{source.table}]: no table {source.describe()}: {exc}"
        ) from None


@dataclass(frozen=True)
class ColumnPlan:
    """Where each canonical column comes from, and which source columns are kept as extras."""

    canonical: dict[str, str | None]  # canonical column -> source column (None: absent)
    extras: dict[str, str]  # extra name -> source column

    def missing_required(self, spec: Table) -> list[str]:
        return [c for c in spec.required if self.canonical.get(c) is None]


def plan_columns(source: SourceSpec, columns: list[str]) -> ColumnPlan:
    """Match the database table's columns to the canonical ones (``map`` first, then names)."""
    by_norm = {normalised(c): c for c in columns}
    canonical: dict[str, str | None] = {}
    for col in source.spec.columns:
        wanted = source.mapping.get(col.name)
        if wanted is not None:
            canonical[col.name] = wanted if wanted in columns else by_norm.get(normalised(wanted))
        else:
            canonical[col.name] = by_norm.get(col.name)
    used = {c for c in canonical.values() if c}
    extras = {}
    for c in columns:
        name = normalised(c)
        if c not in used and name not in canonical and not name.startswith("__"):
            extras[name] = c
    return ColumnPlan(canonical, extras)


def _convert(array: pa.ChunkedArray, col: Column, timezone: str) -> pa.ChunkedArray:
    import pyarrow as pa
    import pyarrow.compute as pc

    target = pa.type_for_alias(ARROW_TYPES[col.type]) if col.type != "timestamp" else None
    if col.type == "timestamp":
        if pa.types.is_timestamp(array.type):
            if array.type.tz is None:
                array = pc.assume_timezone(
                    array, timezone, ambiguous="earliest", nonexistent="earliest"
                )
        elif pa.types.is_date(array.type):
            array = pc.assume_timezone(pc.cast(array, pa.timestamp("us")), timezone)
        else:
            array = pc.cast(array, pa.timestamp("us", tz="UTC"))
        return pc.cast(array, pa.timestamp("us", tz="UTC"))
    assert target is not None
    if col.type == "date" and pa.types.is_timestamp(array.type):
        return pc.cast(pc.cast(array, pa.timestamp("us")), target)
    return pc.cast(array, target)


def read_live(con: BaseBackend, source: SourceSpec) -> pa.Table:
    """The source's rows with the canonical columns (and the extras), as an Arrow table."""
    import pyarrow as pa

    raw = raw_table(con, source)
    plan = plan_columns(source, list(raw.columns))
    missing = plan.missing_required(source.spec)
    if missing:
        raise CxlensError(
            f"[sources.{source.table}]: {source.describe()} has no column for "
            f'{", ".join(missing)}; name one with map = {{ {missing[0]} = "COLUMN" }} '
            "(cxlens check lists every problem)."
        )
    picked = {c: s for c, s in plan.canonical.items() if s is not None}
    expr = raw.select(
        **{c: raw[s] for c, s in picked.items()}, **{e: raw[s] for e, s in plan.extras.items()}
    )
    try:
        fetched = expr.to_pyarrow()
    except Exception as exc:
        raise CxlensError(
            f"[sources.{source.table}]: reading {source.describe()} failed: {exc}"
        ) from None
    arrays: dict[str, pa.ChunkedArray] = {}
    for col in source.spec.columns:
        if col.name in picked:
            try:
                arrays[col.name] = _convert(fetched[col.name], col, source.timezone)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise CxlensError(
                    f"[sources.{source.table}]: column {picked[col.name]} of {source.describe()} "
                    f"cannot be read as {col.type} ({exc}); cxlens check shows the rows."
                ) from None
        else:
            arrays[col.name] = pa.nulls(
                fetched.num_rows,
                pa.type_for_alias(ARROW_TYPES[col.type])
                if col.type != "timestamp"
                else pa.timestamp("us", tz="UTC"),
            )
    for extra in plan.extras:
        arrays[extra] = fetched[extra]
    return pa.table(arrays)


class LiveSources:
    """The configured sources of one workspace: connections, and reads kept for a while."""

    def __init__(
        self, sources: dict[str, SourceSpec], refresh_seconds: float = DEFAULT_REFRESH_SECONDS
    ):
        self.sources = sources
        self.refresh_seconds = refresh_seconds
        self._connections: dict[str, BaseBackend] = {}
        self._read: dict[str, tuple[float, ir.Table]] = {}

    def __contains__(self, table: str) -> bool:
        return table in self.sources

    def connection(self, table: str) -> BaseBackend:
        url = self.sources[table].url
        if url not in self._connections:
            self._connections[url] = connect_source(url)
        return self._connections[url]

    def raw(self, table: str) -> ir.Table:
        return raw_table(self.connection(table), self.sources[table])

    def table(self, table: str) -> ir.Table:
        import ibis

        now = time.monotonic()
        cached = self._read.get(table)
        if cached is not None and now - cached[0] < self.refresh_seconds:
            return cached[1]
        expr = ibis.memtable(read_live(self.connection(table), self.sources[table]))
        self._read[table] = (now, expr)
        return expr

    def stamp(self, table: str) -> str:
        """Changes once per refresh interval, so cached results of ``table`` expire with it."""
        if self.refresh_seconds <= 0:
            return f"live@{time.time()}"
        return f"live@{int(time.time() // self.refresh_seconds)}"

    def close(self) -> None:
        for con in self._connections.values():
            with contextlib.suppress(Exception):
                con.disconnect()
        self._connections.clear()
        self._read.clear()
