"""Importing a CSV, Parquet or JSON Lines file into a canonical table.

The whole file is checked before anything is written. A file that passes is
merged with the table by its key (new keys are added, changed rows updated,
identical rows left alone) into a new Parquet file that replaces the old one in a
single atomic rename. A rejected file, an error or a killed process leaves the
table exactly as it was.
"""

# SQL here is built from quoted identifiers (quote_ident) and escaped literals only;
# values from files never enter SQL text.
# ruff: noqa: S608

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cxlens.errors import CxlensError, ImportRejected, Problem, ProblemReport
from cxlens.ingest.checks import (
    DST_CHOICES,
    RAW_PREFIX,
    ROW,
    Check,
    ParseOptions,
    checks_for,
    cleaned,
    raw,
    typed_expr,
)
from cxlens.ingest.files import (
    csv_header,
    detect_delimiter,
    detect_encoding,
    detect_format,
    first_ragged_line,
    normalise_name,
)
from cxlens.ingest.json_types import text_expressions
from cxlens.schema import Table, get_table
from cxlens.warehouse import TMP_PREFIX, Warehouse
from cxlens.warehouse.staging import (
    ProgressCallback,
    StagingDB,
    StagingError,
    copy_to_parquet_sql,
    parquet_sql,
    quote_literal,
    source_sql,
)
from cxlens.warehouse.staging import quote_ident as q

SQL_TYPES = {
    "string": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
    "float": "DOUBLE",
    "integer": "BIGINT",
    "boolean": "BOOLEAN",
}
#: value normalisation applied after parsing
NORMALISE = {"kind": "lower", "currency": "upper", "language": "lower", "country": "upper"}


@dataclass
class ImportResult:
    table: str
    file: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.table}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged ({self.rows} rows in {self.file})"
        )


@dataclass
class ImportOptions:
    mapping: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    timezone: str = "UTC"
    date_format: str | None = None
    encoding: str = "auto"
    delimiter: str | None = None
    decimal_comma: bool = False
    rates: dict[str, float] = field(default_factory=dict)
    strict: bool = False
    #: only update rows whose key exists; the file needs the key and the columns to set
    update_only: bool = False
    problem_limit: int = 5
    #: source columns read as text even when a JSON file mixes text and numbers in them
    as_text: tuple[str, ...] = ()
    #: local times that occur twice or not at all at a daylight-saving change: "reject",
    #: or read with the UTC offset in force "before" or "after" the change
    dst: str = "reject"
    #: a source column holding each row's number in the original file (not imported)
    row_column: str | None = None
    #: how messages name a canonical column (e.g. "Total (amount)" for a preset's source)
    labels: dict[str, str] = field(default_factory=dict)
    #: warn about customer ids not in customers (off where identities were resolved)
    check_references: bool = True


class Importer:
    """One import of one file into one table."""

    def __init__(
        self,
        warehouse: Warehouse,
        table: str,
        path: str | Path,
        *,
        currency: str,
        options: ImportOptions | None = None,
        fmt: str | None = None,
        progress: ProgressCallback | None = None,
    ):
        self.warehouse = warehouse
        self.spec: Table = get_table(table)
        self.path = Path(path)
        self.currency = currency.upper()
        self.options = options or ImportOptions()
        self.fmt_requested = fmt
        self.progress = progress
        self.result = ImportResult(table=self.spec.name, file=str(self.path))
        self.report = ProblemReport(file=str(self.path), limit=self.options.problem_limit)

    # -- steps ---------------------------------------------------------------------

    def run(self) -> ImportResult:
        with self.warehouse.write_lock(on_wait=self._say_waiting):
            stage_path = self.warehouse.data_dir / f"{TMP_PREFIX}stage-{self.spec.name}.duckdb"
            with StagingDB(stage_path) as db:
                self.check(db)
                if self.report:
                    raise ImportRejected(self.report)
                self.merge(db)
        return self.result

    def check(self, db: StagingDB) -> None:
        """Read the file into ``db`` and check it; problems go to ``self.report``.

        Raises :class:`ImportRejected` at once when the file cannot be checked further
        (a missing required column, a bad header), :class:`CxlensError` when it cannot
        be read. The caller holds the write lock.
        """
        if self.options.dst not in DST_CHOICES:
            raise CxlensError(f"--dst {self.options.dst}: choose one of {', '.join(DST_CHOICES)}.")
        if self.warehouse.is_live(self.spec.name):
            raise CxlensError(
                f"{self.spec.name} is read live from {self.warehouse.live.sources[self.spec.name].describe()} "
                f"([sources.{self.spec.name}] in cxlens.toml); nothing can be imported into it."
            )
        self._check_file()
        fmt = detect_format(self.path, self.fmt_requested)
        encoding = detect_encoding(self.path, self.options.encoding) if fmt == "csv" else "utf-8"
        if encoding == "latin-1" and self.options.encoding == "auto":
            self.result.warnings.append(
                f"{self.path} is not UTF-8; read it as Latin-1 (ISO-8859-1)."
            )
        self._stage(db, fmt, encoding)
        self._validate(db)
        if self.options.update_only:
            self._check_keys_exist(db)
        elif self.options.check_references:
            self._check_references(db)

    def merge(self, db: StagingDB) -> None:
        """Merge the checked rows into the table (after :meth:`check` found no problem)."""
        self._merge(db)

    def label(self, column: str) -> str:
        return self.options.labels.get(column, column)

    def _say_waiting(self) -> None:
        if self.progress:
            self.progress("waiting for another import to finish", 0.0)

    def _check_file(self) -> None:
        if not self.path.exists():
            raise CxlensError(f"{self.path}: no such file.")
        if self.path.is_dir():
            raise CxlensError(f"{self.path} is a folder; give a file.")
        if self.path.stat().st_size == 0:
            raise CxlensError(f"{self.path} is empty (0 bytes); nothing to import.")

    def _stage(self, db: StagingDB, fmt: str, encoding: str) -> None:
        if fmt == "csv" and not self.options.delimiter:
            self.delimiter = detect_delimiter(self.path, encoding)
        else:
            self.delimiter = self.options.delimiter or ","
        try:
            db.execute(
                f"CREATE VIEW src AS SELECT * FROM {source_sql(self.path, fmt, encoding, self.delimiter)}"
            )
            described = db.columns("src")
        except StagingError as exc:
            raise self._read_error(exc, fmt, encoding) from None
        source_columns = [name for name, _ in described]
        header = csv_header(self.path, encoding, self.delimiter) if fmt == "csv" else []
        self._check_header(header or source_columns)
        texts = text_expressions(db, described, self.options.as_text, self.report)
        if self.report:
            raise ImportRejected(self.report)
        mapping = self._resolve_mapping(source_columns)
        canonical = {c.name: c for c in self.spec.columns}
        row_column = self.options.row_column
        if row_column:
            mapping = {s: t for s, t in mapping.items() if s != row_column}
            select = [f"CAST({q(row_column)} AS BIGINT) AS {ROW}"]
        else:
            select = [f"row_number() OVER () AS {ROW}"]
        self.present: set[str] = set()
        self.extras: list[str] = []
        for src, target in mapping.items():
            text = texts[src]
            if target in canonical:
                expr = typed_expr(canonical[target], text, self._parse_options())
                if target in NORMALISE:
                    expr = f"{NORMALISE[target]}({expr})"
                select.append(f"{expr} AS {q(target)}")
                select.append(f"{text} AS {raw(target)}")
                self.present.add(target)
            else:
                select.append(f"{cleaned(text)} AS {q(target)}")
                self.extras.append(target)
        needed = self.spec.key if self.options.update_only else self.spec.required
        missing = [c for c in needed if c not in self.present]
        if missing:
            for name in missing:
                self.report.add(
                    Problem(
                        "missing columns",
                        f"required column '{name}' is not in the file (its columns: "
                        f"{', '.join(source_columns) or 'none'}); map one onto it with --map {name}=SOURCE_COLUMN",
                        column=name,
                    )
                )
            raise ImportRejected(self.report)
        try:
            db.run(
                f"CREATE TABLE typed AS SELECT {', '.join(select)} FROM src",
                "reading",
                self.progress,
            )
        except StagingError as exc:
            raise self._read_error(exc, fmt, encoding) from None
        self.result.rows = int(db.fetchone("SELECT count(*) FROM typed")[0])
        if self.result.rows == 0:
            raise CxlensError(f"{self.path} has a header but no rows; nothing to import.")

    def _check_header(self, names: list[str]) -> None:
        """Every column name must be unique once normalised, and none may be reserved."""
        seen: dict[str, tuple[int, str]] = {}
        for position, name in enumerate(names, start=1):
            norm = normalise_name(name)
            if norm.startswith("__"):
                self.report.add(
                    Problem(
                        "reserved column names",
                        f"header, column {position}: names starting with '__' are reserved for "
                        f"cxlens' own bookkeeping; rename it or leave it out",
                        column=name,
                    )
                )
            if norm in seen:
                first, other = seen[norm]
                self.report.add(
                    Problem(
                        "column names used twice",
                        f"header, columns {first} ({other!r}) and {position} ({name!r}) are both "
                        f"read as '{norm}'; rename one of them",
                        column=name,
                    )
                )
            else:
                seen[norm] = (position, name)
        if self.report:
            raise ImportRejected(self.report)

    def _parse_options(self) -> ParseOptions:
        return ParseOptions(
            self.options.timezone,
            self.options.date_format,
            self.options.decimal_comma,
            self.options.dst,
        )

    def _resolve_mapping(self, source_columns: list[str]) -> dict[str, str]:
        """source column -> target column name."""
        by_norm = {normalise_name(c): c for c in source_columns}
        mapping: dict[str, str] = {}
        mapped_sources = set()
        for target, source in self.options.mapping.items():
            if target not in self.spec.column_names:
                raise CxlensError(
                    f"--map {target}={source}: '{target}' is not a column of {self.spec.name} "
                    f"(its columns: {', '.join(self.spec.column_names)})."
                )
            actual = source if source in source_columns else by_norm.get(normalise_name(source))
            if actual is None:
                raise CxlensError(
                    f"--map {target}={source}: {self.path} has no column '{source}' "
                    f"(its columns: {', '.join(source_columns)})."
                )
            mapping[actual] = target
            mapped_sources.add(actual)
        taken = set(mapping.values())
        for col in source_columns:
            if col in mapped_sources:
                continue
            target = normalise_name(col)
            if target in taken:
                if target in self.spec.column_names:
                    continue  # replaced by an explicit --map
                raise CxlensError(f"{self.path}: two columns are both named '{target}'.")
            mapping[col] = target
            taken.add(target)
        return mapping

    def _read_error(self, exc: StagingError, fmt: str, encoding: str) -> CxlensError:
        text = str(exc)
        first = text.splitlines()[0] if text else "unreadable"
        if "not utf-8" in text.lower() or "invalid unicode" in text.lower():
            return CxlensError(
                f"{self.path}: not valid UTF-8 ({first}). Re-run with --encoding latin-1 "
                "(or the file's encoding), or save the file as UTF-8."
            )
        line = re.search(r"Line: (\d+)", text)
        where = f", line {line.group(1)}" if line else ""
        if fmt == "csv":
            bad = first_ragged_line(self.path, encoding, self.delimiter)
            if bad is not None:
                number, reason = bad
                return CxlensError(
                    f"{self.path}, line {number}: cannot read this CSV file: {reason} (separator "
                    f"{self.delimiter!r}; set another with --delimiter, and check the quoting)."
                )
        return CxlensError(f"{self.path}{where}: cannot read this {fmt.upper()} file: {first}")

    def _validate(self, db: StagingDB) -> None:
        checks = checks_for(
            self.spec, self.present, self.currency, self.options.rates, self._parse_options()
        )
        if checks:
            counts = db.fetchone(
                "SELECT "
                + ", ".join(f"count(*) FILTER (WHERE {c.condition})" for c in checks)
                + " FROM typed"
            )
            for check, count in zip(checks, counts, strict=True):
                if count:
                    self._add_examples(db, check, int(count))
        self._check_duplicates(db)

    def _add_examples(self, db: StagingDB, check: Check, count: int) -> None:
        rows = db.fetchall(
            f"SELECT {ROW}, CAST({check.value} AS VARCHAR) FROM typed t WHERE {check.condition} "
            f"ORDER BY {ROW} LIMIT {self.report.limit}"
        )
        for row, value in rows:
            self.report.add(
                Problem(
                    check.kind,
                    check.message,
                    row=int(row),
                    column=self.label(check.column),
                    value=value,
                )
            )
        self.report.add_count(check.kind, count - len(rows))

    def _check_duplicates(self, db: StagingDB) -> None:
        key = [k for k in self.spec.key if k in self.present]
        if not key:
            return
        keys = ", ".join(q(k) for k in key)
        dup = db.fetchall(
            f"SELECT {', '.join(f'CAST({q(k)} AS VARCHAR)' for k in key)}, count(*) AS n, "
            f"list({ROW} ORDER BY {ROW})[1:5] AS rows FROM typed GROUP BY {keys} "
            f"HAVING count(*) > 1 ORDER BY min({ROW}) LIMIT {self.report.limit}"
        )
        if not dup:
            return
        total = db.fetchone(
            f"SELECT count(*) FROM (SELECT 1 FROM typed GROUP BY {keys} HAVING count(*) > 1)"
        )[0]
        for rec in dup:
            values = ", ".join(f"{k}={v!r}" for k, v in zip(key, rec[: len(key)], strict=True))
            rows = [int(r) for r in rec[len(key) + 1]]
            self.report.add(
                Problem(
                    "duplicate keys",
                    f"key {values} appears {rec[len(key)]} times (rows {', '.join(map(str, rows))}); "
                    "each key may appear once per file",
                    row=rows[0],
                    column=", ".join(key),
                )
            )
        self.report.add_count("duplicate keys", int(total) - len(dup))

    def _check_keys_exist(self, db: StagingDB) -> None:
        """For updates: every key of the file must already be in the table."""
        key_match = " AND ".join(f"t.{q(k)} IS NOT DISTINCT FROM c.{q(k)}" for k in self.spec.key)
        if self.warehouse.has_file(self.spec.name):
            current = parquet_sql(self.warehouse.path(self.spec.name))
            condition = f"NOT EXISTS (SELECT 1 FROM {current} c WHERE {key_match})"
        else:
            condition = "TRUE"
        key = self.spec.key[0]
        check = Check(
            "unknown keys",
            key,
            condition,
            f"is not in {self.spec.name}; updates only change existing rows",
            q(key),
        )
        count = int(db.fetchone(f"SELECT count(*) FROM typed t WHERE {condition}")[0])
        if count:
            self._add_examples(db, check, count)

    def _check_references(self, db: StagingDB) -> None:
        if not self.spec.references_customers or "customer_id" not in self.present:
            return
        if self.warehouse.has_file("customers"):
            customers = parquet_sql(self.warehouse.path("customers"))
            unresolved, examples = db.fetchone(
                f"SELECT count(*), list(customer_id ORDER BY {ROW})[1:5] FROM typed t WHERE customer_id IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {customers} c WHERE c.customer_id = t.customer_id)"
            )
        else:
            unresolved, examples = db.fetchone(
                f"SELECT count(*), list(customer_id ORDER BY {ROW})[1:5] FROM typed WHERE customer_id IS NOT NULL"
            )
        if not unresolved:
            return
        message = (
            f"{unresolved} row(s) refer to customers that are not in the customers table "
            f"(for example {', '.join(map(repr, examples))})"
        )
        if self.options.strict:
            rows = db.fetchall(
                f"SELECT {ROW}, customer_id FROM typed t WHERE customer_id IS NOT NULL AND customer_id IN "
                f"(SELECT unnest(?::VARCHAR[])) ORDER BY {ROW} LIMIT {self.report.limit}",
                [examples],
            )
            for row, value in rows:
                self.report.add(
                    Problem(
                        "unknown customers",
                        "is not in the customers table (--strict)",
                        row=int(row),
                        column="customer_id",
                        value=value,
                    )
                )
            self.report.add_count("unknown customers", int(unresolved) - len(rows))
        else:
            self.result.warnings.append(
                message + "; import customers first, or use --strict to reject such files."
            )

    # -- merge ---------------------------------------------------------------------

    def _final_select(self, db: StagingDB) -> str:
        """The staged rows with every canonical column, converted and typed."""
        parts = []
        for col in self.spec.columns:
            sql_type = SQL_TYPES[col.type]
            if col.name not in self.present:
                parts.append(f"CAST(NULL AS {sql_type}) AS {q(col.name)}")
                continue
            expr = q(col.name)
            if (
                col.name in ("amount", "spend", "conversion_value")
                and self.options.rates
                and "currency" in self.present
            ):
                cases = " ".join(
                    f"WHEN currency = {quote_literal(c)} THEN {expr} * {float(r)!r}"
                    for c, r in self.options.rates.items()
                )
                expr = f"CASE {cases} ELSE {expr} END"
            if col.name == "currency":
                expr = (
                    f"CASE WHEN currency IS NULL THEN NULL ELSE {quote_literal(self.currency)} END"
                )
            parts.append(f"CAST({expr} AS {sql_type}) AS {q(col.name)}")
        for extra in self.extras:
            parts.append(f"{self._extra_type_expr(db, extra)} AS {q(extra)}")
        return ", ".join(parts)

    def _extra_type_expr(self, db: StagingDB, name: str) -> str:
        """Extra columns keep numbers as numbers and true/false as booleans; the rest stays text."""
        c = q(name)
        non_null, numeric, integral, logical = db.fetchone(
            f"SELECT count({c}), count(TRY_CAST({c} AS DOUBLE)), "
            f"count(*) FILTER (WHERE TRY_CAST({c} AS DOUBLE) = floor(TRY_CAST({c} AS DOUBLE))), "
            f"count(*) FILTER (WHERE lower({c}) IN ('true', 'false')) FROM typed"
        )
        if non_null and logical == non_null:
            return f"CAST(lower({c}) = 'true' AS BOOLEAN)"
        if non_null and numeric == non_null:
            return (
                f"TRY_CAST({c} AS BIGINT)" if integral == non_null else f"TRY_CAST({c} AS DOUBLE)"
            )
        return c

    def _merge(self, db: StagingDB) -> None:
        db.run(
            f"CREATE TABLE incoming AS SELECT {self._final_select(db)} FROM typed",
            "checking",
            self.progress,
        )
        target = self.warehouse.path(self.spec.name)
        new_cols = dict(db.columns("incoming"))
        key_match = " AND ".join(f"n.{q(k)} IS NOT DISTINCT FROM o.{q(k)}" for k in self.spec.key)
        if not target.exists():
            self.result.added = self.result.rows
            result_sql = "SELECT * FROM incoming"
        else:
            db.execute(f"CREATE VIEW current AS SELECT * FROM {parquet_sql(target)}")
            old_cols = dict(db.columns("current"))
            present_new = [c for c in new_cols if c in self.present or c in self.extras]
            all_cols = list(new_cols) + [c for c in old_cols if c not in new_cols]

            def common(col: str, alias: str) -> str:
                expr = f"{alias}.{q(col)}"
                if col in new_cols and col in old_cols and new_cols[col] != old_cols[col]:
                    return f"CAST({expr} AS VARCHAR)"
                return expr

            same = (
                " AND ".join(
                    f"{common(c, 'n')} IS NOT DISTINCT FROM {common(c, 'o')}"
                    if c in old_cols
                    else f"n.{q(c)} IS NULL"
                    for c in present_new
                )
                or "TRUE"
            )
            matched, unchanged = db.fetchone(
                f"SELECT count(*), count(*) FILTER (WHERE {same}) FROM incoming n JOIN current o ON {key_match}"
            )
            self.result.added = self.result.rows - int(matched)
            self.result.unchanged = int(unchanged)
            self.result.updated = int(matched) - int(unchanged)
            if self.result.added == 0 and self.result.updated == 0:
                return  # nothing changes: leave the file untouched
            picked = []
            for c in all_cols:
                if c in present_new:
                    picked.append(f"{common(c, 'n')} AS {q(c)}")
                elif c in new_cols:  # canonical column absent from this file: keep the old value
                    picked.append(
                        f"COALESCE(o.{q(c)}, n.{q(c)}) AS {q(c)}"
                        if c in old_cols
                        else f"n.{q(c)} AS {q(c)}"
                    )
                else:
                    picked.append(f"o.{q(c)} AS {q(c)}")
            kept = ", ".join(
                (
                    f"{common(c, 'o')} AS {q(c)}"
                    if c in old_cols
                    else f"CAST(NULL AS {new_cols[c]}) AS {q(c)}"
                )
                for c in all_cols
            )
            result_sql = (
                f"SELECT {', '.join(picked)} FROM incoming n LEFT JOIN current o ON {key_match} "
                f"UNION ALL SELECT {kept} FROM current o WHERE NOT EXISTS "
                f"(SELECT 1 FROM incoming n WHERE {key_match})"
            )
        new_file = self.warehouse.temp_path(self.spec.name)
        try:
            # in time order, then by key: a reader of one period skips the other row groups
            written = {name for name, _ in db.columns(result_sql)}
            order = [c for c in (self.spec.time_column, *self.spec.key) if c in written]
            db.run(
                copy_to_parquet_sql(result_sql, new_file, order),
                "writing",
                self.progress,
            )
            self.warehouse.publish(self.spec.name, new_file)
        finally:
            new_file.unlink(missing_ok=True)


def import_file(
    warehouse: Warehouse,
    table: str,
    path: str | Path,
    *,
    currency: str,
    options: ImportOptions | None = None,
    fmt: str | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Validate ``path`` and merge it into ``table``; raises :class:`ImportRejected` on bad input."""
    return Importer(
        warehouse, table, path, currency=currency, options=options, fmt=fmt, progress=progress
    ).run()


__all__ = ["RAW_PREFIX", "ImportOptions", "ImportResult", "import_file"]
