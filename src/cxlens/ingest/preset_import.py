"""Importing a known export through its preset: one file, several tables, all or nothing.

The export is read once into a staging database (header found past any preamble,
footer rows dropped), the person of each row is resolved (:mod:`identity`), and each
table the preset fills is written as a plain text file of canonical columns. Those
go through the ordinary importer: every table is checked before any is written, and
only when all pass are they merged, customers first.
"""

# SQL here is built from quoted identifiers and literals only.
# ruff: noqa: S608

from __future__ import annotations

import csv
import uuid
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

from cxlens.errors import CxlensError, ImportRejected, ProblemReport
from cxlens.ingest.files import detect_encoding, detect_format
from cxlens.ingest.identity import IdentityStats, resolve_identities
from cxlens.ingest.importer import Importer, ImportOptions, ImportResult
from cxlens.ingest.json_types import text_expressions
from cxlens.ingest.presets import Preset, all_presets, detect_preset, matching_group
from cxlens.ingest.presets.compile import ROW, Context, choose_numbers, table_sql
from cxlens.warehouse import TMP_PREFIX, Warehouse
from cxlens.warehouse.staging import (
    ProgressCallback,
    StagingDB,
    StagingError,
    copy_to_parquet_sql,
    quote_literal,
    source_sql,
)
from cxlens.warehouse.staging import quote_ident as q

#: the order tables are merged in: customers first, so every other row finds its person
MERGE_ORDER = ("customers", "orders", "tickets", "responses", "events", "marketing")
DELIMITERS = (",", ";", "\t", "|")
SOURCE_ROW = "cx_source_row"


@dataclass
class PresetImportResult:
    preset: str
    file: str
    tables: list[ImportResult] = field(default_factory=list)
    identity: IdentityStats | None = None
    warnings: list[str] = field(default_factory=list)
    detected: bool = False

    def summary(self) -> str:
        how = "recognised as" if self.detected else "read with preset"
        lines = [f"{self.file}: {how} {self.preset}"]
        lines += ["  " + r.summary().split(" (", 1)[0] for r in self.tables]
        if self.identity is not None:
            lines.append("  " + self.identity.summary())
        return "\n".join(lines)


@dataclass(frozen=True)
class Header:
    names: list[str]
    line: int  # 0-based index of the header line
    delimiter: str


def read_header(path: Path, encoding: str, search: int) -> list[Header]:
    """Candidate headers among the first ``search`` + 1 lines, with each likely separator."""
    found: list[Header] = []
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        lines = [f.readline() for _ in range(search + 1)]
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        for delim in DELIMITERS:
            if delim in line:
                try:
                    names = next(csv.reader([line], delimiter=delim))
                except csv.Error:
                    continue
                found.append(Header([n.strip().lstrip("\ufeff") for n in names], number, delim))
    return found


def file_header(path: Path, fmt: str, search: int) -> list[Header]:
    if fmt == "csv":
        encoding = detect_encoding(path, "auto")
        return read_header(path, encoding, max(search, 0)) or [Header([], 0, ",")]
    with StagingDB(path.parent / f".cx-peek-{uuid.uuid4().hex}.duckdb") as db:
        try:
            names = [n for n, _ in db.columns(f"SELECT * FROM {source_sql(path, fmt)} LIMIT 1")]
        except StagingError as exc:
            raise CxlensError(f"{path}: cannot read this {fmt.upper()} file: {exc}") from None
    return [Header(names, 0, ",")]


def recognise(path: Path, presets: dict[str, Preset]) -> tuple[Preset, Header]:
    """The one preset ``path`` is an export of; refuses with what was expected otherwise."""
    fmt = detect_format(path)
    search = max((p.header_search for p in presets.values()), default=0)
    headers = file_header(path, fmt, search)
    matches: dict[str, tuple[Preset, Header]] = {}
    for header in headers:
        for preset in detect_preset(presets, header.names):
            if fmt in preset.formats and header.line <= preset.header_search:
                matches.setdefault(preset.name, (preset, header))
    if len(matches) == 1:
        return next(iter(matches.values()))
    if len(matches) > 1:
        names = ", ".join(sorted(matches))
        raise CxlensError(
            f"{path} looks like more than one known export ({names}); say which with --preset NAME."
        )
    expected = "\n".join(
        f"  {p.name}: " + " | ".join(", ".join(g) for g in p.detect)
        for p in sorted(presets.values(), key=lambda p: p.name)
    )
    columns = ", ".join(headers[0].names[:30]) if headers and headers[0].names else "none found"
    raise CxlensError(
        f"{path} is not an export cxlens knows (its columns: {columns}).\n"
        f"Known exports and the columns that identify them:\n{expected}\n"
        "Import it into a table instead (cxlens import TABLE FILE --map ...), or add a preset "
        "for it in the workspace's presets/ folder."
    )


class PresetImport:
    """One export file imported through one preset."""

    def __init__(
        self,
        warehouse: Warehouse,
        path: Path,
        preset: Preset,
        *,
        currency: str,
        options: ImportOptions,
        hash_emails: bool = False,
        detected: bool = False,
        progress: ProgressCallback | None = None,
    ):
        self.warehouse = warehouse
        self.path = Path(path)
        self.preset = preset
        self.currency = currency
        self.options = options
        self.hash_emails = hash_emails
        self.progress = progress
        self.result = PresetImportResult(preset.name, str(self.path), detected=detected)
        self.tag = uuid.uuid4().hex[:12]

    def _temp(self, name: str, suffix: str) -> Path:
        return self.warehouse.data_dir / f"{TMP_PREFIX}preset-{name}-{self.tag}{suffix}"

    def run(self) -> PresetImportResult:
        if not self.path.is_file():
            raise CxlensError(f"{self.path}: no such file.")
        fmt = detect_format(self.path)
        if fmt not in self.preset.formats:
            raise CxlensError(
                f"{self.path}: the {self.preset.name} preset reads {', '.join(self.preset.formats)} "
                f"files, not {fmt}."
            )
        with self.warehouse.write_lock(), ExitStack() as stack:
            files = self._prepare(stack, fmt)
            importers = self._check_all(stack, files)
            for table in MERGE_ORDER:
                if table in importers:
                    importer, db = importers[table]
                    importer.merge(db)
                    self.result.tables.append(importer.result)
        return self.result

    # -- reading the export and writing one text file per table ---------------------

    def _prepare(self, stack: ExitStack, fmt: str) -> dict[str, tuple[Path, dict[str, str]]]:
        db = stack.enter_context(StagingDB(self._temp("export", ".duckdb")))
        header = self._header(fmt)
        encoding = detect_encoding(self.path, self.options.encoding) if fmt == "csv" else "utf-8"
        src = source_sql(self.path, fmt, encoding, header.delimiter)
        if fmt == "csv" and header.line:  # a preamble before the header (Google Ads)
            src = src.replace("skip = 0", f"skip = {int(header.line)}")
        try:
            db.execute(f"CREATE TABLE raw AS SELECT *, row_number() OVER () AS {q(ROW)} FROM {src}")
        except StagingError as exc:
            first = str(exc).splitlines()[0]
            raise CxlensError(
                f"{self.path}: cannot read this {fmt.upper()} file: {first}"
            ) from None
        described = [(n, t) for n, t in db.columns("raw") if n != ROW]
        report = ProblemReport(file=str(self.path), limit=self.options.problem_limit)
        texts = text_expressions(db, described, self.options.as_text, report, relation="raw")
        if report:
            raise ImportRejected(report)
        nulls = self.preset.null_values
        if nulls:
            listed = ", ".join(quote_literal(n) for n in nulls)
            texts = {
                n: f"CASE WHEN TRIM({t}) IN ({listed}) THEN NULL ELSE {t} END"
                for n, t in texts.items()
            }
        decimal, thousands = choose_numbers(self.preset, header.names)
        ctx = Context(self.preset, texts)
        ctx.decimal, ctx.thousands = decimal, thousands
        self._drop_footer(db, ctx)
        stats = resolve_identities(
            db, self.preset, ctx, self.warehouse, self.hash_emails, self.result.warnings
        )
        self.result.identity = stats
        files: dict[str, tuple[Path, dict[str, str]]] = {}
        for table, spec in self.preset.tables.items():
            ctx.labels = {}
            try:
                sql, filled = table_sql(ctx, table, spec)
            except CxlensError as exc:
                raise CxlensError(f"{self.path} ({self.preset.name}, {table}): {exc}.") from None
            sql = stats.filter_sql(db, table, sql, filled)
            out = self._temp(table, ".parquet")
            db.execute(copy_to_parquet_sql(sql, out))
            self._rename_row_column(db, out)
            if not int(
                db.fetchone(f"SELECT count(*) FROM read_parquet({quote_literal(str(out))})")[0]
            ):
                out.unlink(missing_ok=True)
                continue
            labels = {k: f"{v} ({k})" for k, v in ctx.labels.items() if v != k}
            files[table] = (out, labels)
        new_customers = stats.new_customers_sql(self.preset, files)
        if new_customers is not None:
            out = self._temp("customers", ".parquet")
            db.execute(copy_to_parquet_sql(new_customers, out))
            self._rename_row_column(db, out)
            if int(db.fetchone(f"SELECT count(*) FROM read_parquet({quote_literal(str(out))})")[0]):
                files["customers"] = (out, {})
            else:
                out.unlink(missing_ok=True)
        for out, _ in files.values():
            stack.callback(out.unlink, missing_ok=True)
        return files

    def _rename_row_column(self, db: StagingDB, path: Path) -> None:
        """The row number travels as ``cx_source_row`` (``__row`` is reserved in a file)."""
        lit = quote_literal(str(path))
        tmp = path.with_suffix(".renamed.parquet")
        db.execute(
            copy_to_parquet_sql(
                f"SELECT * EXCLUDE ({q(ROW)}), {q(ROW)} AS {q(SOURCE_ROW)} FROM read_parquet({lit})",
                tmp,
            )
        )
        tmp.replace(path)

    def _header(self, fmt: str) -> Header:
        for header in file_header(self.path, fmt, self.preset.header_search):
            if matching_group(self.preset, header.names) is not None:
                return header
        expected = " | ".join(", ".join(g) for g in self.preset.detect)
        raise CxlensError(
            f"{self.path} does not look like a {self.preset.title} export: none of these sets "
            f"of columns is in its header: {expected}."
        )

    def _drop_footer(self, db: StagingDB, ctx: Context) -> None:
        """Rows such as Google Ads' 'Total: ...' lines are summaries, not data."""
        rule = self.preset.drop_rows
        cond = "FALSE"
        if rule:
            names = rule.get("col") or []
            cols = [n for n in ([names] if isinstance(names, str) else list(names)) if ctx.has(n)]
            pattern = quote_literal(str(rule["matches"]))
            tests = [f"regexp_matches(COALESCE(TRIM({ctx.text(c)}), ''), {pattern})" for c in cols]
            cond = " OR ".join(tests) or "FALSE"
        db.execute(f"CREATE VIEW vf AS SELECT * FROM raw WHERE NOT ({cond})")
        dropped = int(db.fetchone(f"SELECT count(*) FROM raw WHERE {cond}")[0])
        if dropped:
            self.result.warnings.append(f"left out {dropped} summary row(s) (totals) of the export")

    # -- checking every table, then merging ------------------------------------------

    def _check_all(
        self, stack: ExitStack, files: dict[str, tuple[Path, dict[str, str]]]
    ) -> dict[str, tuple[Importer, StagingDB]]:
        combined = ProblemReport(file=str(self.path), limit=self.options.problem_limit)
        importers: dict[str, tuple[Importer, StagingDB]] = {}
        for table, (path, labels) in files.items():
            options = replace(
                self.options,
                update_only=bool(self.preset.tables.get(table, {}).get("update_only")),
                mapping={},
                row_column=SOURCE_ROW,
                labels=labels,
                check_references=False,
                decimal_comma=False,
                date_format=None,
                as_text=(),
            )
            importer = Importer(
                self.warehouse,
                table,
                path,
                currency=self.currency,
                options=options,
                progress=self.progress,
            )
            importer.result.file = str(self.path)
            db = stack.enter_context(StagingDB(self._temp(f"check-{table}", ".duckdb")))
            with suppress(ImportRejected):
                importer.check(db)
            _add_all(combined, importer.report, table)
            self.result.warnings += importer.result.warnings
            importers[table] = (importer, db)
        if combined:
            raise ImportRejected(combined)
        return importers


def _add_all(into: ProblemReport, report: ProblemReport, table: str) -> None:
    for kind, items in report.problems.items():
        label = f"{table}: {kind}"
        for problem in items:
            into.add(replace(problem, kind=label), count=0)
        into.counts[label] = into.counts.get(label, 0) + report.counts.get(kind, len(items))


def import_with_preset(
    warehouse: Warehouse,
    path: str | Path,
    *,
    preset: str | None,
    currency: str,
    options: ImportOptions,
    workspace_root: Path | None = None,
    hash_emails: bool = False,
    progress: ProgressCallback | None = None,
) -> PresetImportResult:
    """Import an export through the named preset, or the one its header shows."""
    path = Path(path)
    if not path.is_file():
        raise CxlensError(f"{path}: no such file.")
    presets = all_presets(workspace_root)
    if preset is None:
        chosen, _ = recognise(path, presets)
        detected = True
    else:
        if preset not in presets:
            raise CxlensError(
                f"Unknown preset '{preset}'; the presets are: {', '.join(sorted(presets))}."
            )
        chosen, detected = presets[preset], False
    return PresetImport(
        warehouse,
        path,
        chosen,
        currency=currency,
        options=options,
        hash_emails=hash_emails,
        detected=detected,
        progress=progress,
    ).run()


__all__ = ["PresetImportResult", "import_with_preset", "recognise"]
