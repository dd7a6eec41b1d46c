"""Commands for the workspace and its data: init, import, tables, demo."""

from __future__ import annotations

import re
import shlex
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from cxlens.cli.common import (
    WorkspaceOption,
    console,
    err_console,
    open_ws,
    print_json,
    user_errors,
)
from cxlens.cli.tables import print_table
from cxlens.errors import CxlensError, ImportRejected
from cxlens.schema import TABLE_NAMES

if TYPE_CHECKING:
    from collections.abc import Callable

#: the demo's fictional shop, named in its survey questions and reports
DEMO_COMPANY = "Lumo Home"


def _parse_pairs(values: list[str], option: str, sep: str = "=") -> dict[str, str]:
    pairs = {}
    for item in values:
        if sep not in item:
            raise CxlensError(f"{option} {item!r}: expected NAME{sep}VALUE.")
        key, value = item.split(sep, 1)
        if not key.strip() or not value.strip():
            raise CxlensError(f"{option} {item!r}: expected NAME{sep}VALUE.")
        pairs[key.strip()] = value.strip()
    return pairs


def _parse_rates(values: list[str]) -> dict[str, float]:
    rates = {}
    for code, text in _parse_pairs(values, "--rate").items():
        if not re.fullmatch(r"[A-Za-z]{3}", code):
            raise CxlensError(
                f"--rate {code}={text}: '{code}' is not a three-letter currency code."
            )
        try:
            rate = float(text)
        except ValueError:
            raise CxlensError(f"--rate {code}={text}: '{text}' is not a number.") from None
        if not rate > 0:
            raise CxlensError(f"--rate {code}={text}: the rate must be positive.")
        rates[code.upper()] = rate
    return rates


class _Bar:
    """A Rich progress bar fed by (step, percent) callbacks; silent when output is not a terminal."""

    def __init__(self, enabled: bool):
        self.progress = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not enabled,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Callable[[str, float], None]:
        self.progress.__enter__()
        return self.update

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def update(self, step: str, percent: float) -> None:
        if step not in self.tasks:
            self.tasks[step] = self.progress.add_task(step, total=100)
        self.progress.update(self.tasks[step], completed=percent)


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(
        directory: Path = typer.Argument(Path("."), help="Folder to create the workspace in."),
        currency: str = typer.Option("EUR", help="ISO 4217 code all amounts are kept in."),
        language: str = typer.Option("en", help="Default output language: en, et, bg, de, hr, fi."),
        timezone: str = typer.Option(
            "UTC", help="Time zone periods are cut in, e.g. Europe/Tallinn."
        ),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing cxlens.toml."),
    ) -> None:
        """Create a workspace: a folder with cxlens.toml (settings, a new secret key) and its data."""
        import cxlens

        with user_errors():
            config = cxlens.init(
                directory, currency=currency, language=language, timezone=timezone, force=force
            )
        console.print(f"Created workspace {config.root}")
        console.print(f"  settings: {config.root / 'cxlens.toml'}")
        console.print(f"  tables:   {config.data_dir}")
        console.print(f"Next: cxlens import customers FILE --workspace {config.root}")

    @app.command("import")
    def import_(
        args: list[str] = typer.Argument(
            None,
            metavar="[TABLE] FILE...",
            help=f"TABLE FILE imports a file into a canonical table ({', '.join(TABLE_NAMES)}); "
            "FILE... alone imports known exports (Shopify, Zendesk, Google Ads, ...), "
            "recognised from their header.",
        ),
        preset: str | None = typer.Option(
            None, "--preset", help="Read the files as this export (see --presets)."
        ),
        list_presets: bool = typer.Option(
            False, "--presets", help="List the import presets and the columns each reads."
        ),
        map_: list[str] = typer.Option(
            [],
            "--map",
            "-m",
            help="Map a source column onto a canonical one: CANONICAL=SOURCE (repeatable).",
        ),
        date_format: str | None = typer.Option(
            None,
            "--date-format",
            help="strftime layout of dates in the file, e.g. '%d.%m.%Y %H:%M'.",
        ),
        timezone: str | None = typer.Option(
            None,
            "--timezone",
            help="Time zone of times without an offset (default: the workspace's).",
        ),
        encoding: str = typer.Option(
            "auto", help="Text encoding: auto (UTF-8, else Latin-1), utf-8, latin-1, utf-16."
        ),
        delimiter: str | None = typer.Option(None, help="CSV field separator (default: detected)."),
        decimal_comma: bool = typer.Option(
            False, "--decimal-comma", help="Numbers use a decimal comma (3,50)."
        ),
        rate: list[str] = typer.Option(
            [],
            "--rate",
            help="Convert a currency into the workspace's: CODE=RATE, 1 CODE = RATE units (repeatable).",
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Reject rows whose customer_id is not in customers."
        ),
        fmt: str | None = typer.Option(
            None, "--format", help="csv, parquet or jsonl (default: from the file name)."
        ),
        as_text: list[str] = typer.Option(
            [],
            "--as-text",
            help="Read a source column as text even where a JSON file mixes text and numbers (repeatable).",
        ),
        dst: str = typer.Option(
            "reject",
            "--dst",
            help="Local times that occur twice or not at all at a daylight-saving change: "
            "reject, or read with the offset in force before or after the change.",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Validate a file and merge it into a canonical table by key, or import known exports.

        The whole file is checked first; a file with problems is rejected with a list
        of them (file, row, column) and the tables are left exactly as they were. Rows
        whose key already exists are updated; identical rows are left alone.
        Rows are counted from 1 after the header line.
        """
        args = list(args or [])
        with user_errors():
            ws = open_ws(workspace)
            if list_presets:
                _print_presets(ws, as_json)
                return
            if not args:
                raise CxlensError(
                    "Give TABLE FILE, or one or more export files (cxlens import --presets "
                    "lists the exports cxlens knows)."
                )
            rates = _parse_rates(rate)
            # TABLE FILE: a table's name (or a misspelt one: no such file, no extension)
            names_table = args[0] in TABLE_NAMES or not (
                Path(args[0]).exists() or Path(args[0]).suffix
            )
            if preset is None and len(args) == 2 and names_table:
                _import_table(
                    ws, args[0], Path(args[1]), as_json,
                    mapping=_parse_pairs(map_, "--map"), timezone=timezone,
                    date_format=date_format, encoding=encoding, delimiter=delimiter,
                    decimal_comma=decimal_comma, rates=rates, strict=strict, fmt=fmt,
                    as_text=as_text, dst=dst,
                )  # fmt: skip
                return
            if args[0] in TABLE_NAMES:
                raise CxlensError(
                    f"cxlens import {args[0]} takes one file; to import several exports, "
                    "leave out the table name."
                )
            if map_ or date_format or delimiter or decimal_comma or strict or fmt:
                raise CxlensError(
                    "--map, --date-format, --delimiter, --decimal-comma, --strict and --format "
                    "apply to TABLE FILE imports; a preset says how its export is read."
                )
            results = []
            for file in args:
                try:
                    with _Bar(enabled=err_console.is_terminal and not as_json) as progress:
                        result = ws.import_export(
                            Path(file), preset=preset, timezone=timezone, encoding=encoding,
                            rates=rates, as_text=as_text, dst=dst, progress=progress,
                        )  # fmt: skip
                except ImportRejected as exc:
                    err_console.print(str(exc), markup=False, soft_wrap=True)
                    raise typer.Exit(1) from None
                for warning in result.warnings:
                    err_console.print(f"Warning: {file}: {warning}", markup=False, soft_wrap=True)
                results.append(result)
                if not as_json:
                    console.print(result.summary(), markup=False, soft_wrap=True)
        if as_json:
            print_json([_preset_result_json(r) for r in results])

    @app.command("tables")
    def tables(
        as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """List the canonical tables with row counts, date ranges and columns."""
        with user_errors():
            ws = open_ws(workspace)
            infos = ws.tables()
        if as_json:
            print_json(
                [
                    {
                        "table": i.name,
                        "rows": i.rows,
                        "first": i.first.isoformat() if i.first is not None else None,
                        "last": i.last.isoformat() if i.last is not None else None,
                        "columns": list(i.columns),
                        "source": i.source,
                    }
                    for i in infos
                ]
            )
            return
        out = RichTable(title=f"Tables in {ws.root}")
        out.add_column("table")
        out.add_column("rows", justify="right")
        out.add_column("from")
        out.add_column("to")
        out.add_column("columns", overflow="fold")
        for i in infos:
            out.add_row(
                i.name,
                f"{i.rows:,}",
                _day(i.first),
                _day(i.last),
                (", ".join(i.columns) if i.imported else "(nothing imported yet)")
                + (f" [read live from {i.source}]" if i.source else ""),
            )
        print_table(out)

    @app.command("check")
    def check(
        as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Check the tables read live from databases ([sources.*] in cxlens.toml).

        The import rules run as queries in the database: missing columns, bad types,
        empty required values, duplicate keys, out-of-range scores, with counts and
        examples. Nothing is loaded. Exit code 1 when a problem is found.
        """
        with user_errors():
            ws = open_ws(workspace)
            # nothing to check is not a problem found: a script gets [] and exit code 0
            reports = ws.check_sources() if ws.warehouse.live.sources else []
        if not reports:
            err_console.print(
                "No table is read from a database ([sources.TABLE] in cxlens.toml); "
                "imported files were checked when they were imported.",
                markup=False,
                soft_wrap=True,
            )
        if as_json:
            print_json(
                [
                    {
                        "table": r.table,
                        "source": r.source,
                        "rows": r.rows,
                        "problems": [
                            {"kind": kind, "count": r.report.counts.get(kind, len(items)),
                             "column": p.column, "message": p.message}
                            for kind, items in r.report.problems.items() for p in items
                        ],
                    }
                    for r in reports
                ]
            )  # fmt: skip
        else:
            for r in reports:
                console.print(r.render(), markup=False, soft_wrap=True)
        if not all(r.ok for r in reports):
            raise typer.Exit(1)

    @app.command("demo")
    def demo(
        directory: Path = typer.Argument(
            Path("demo-workspace"), help="Folder for the demo workspace."
        ),
        customers: int = typer.Option(20_000, help="Number of customers to generate."),
        seed: int = typer.Option(42, help="Random seed (same seed, same data)."),
        start: str | None = typer.Option(
            None,
            help="First day of the generated history; default: the start of the quarter two "
            "years before --end.",
        ),
        end: str | None = typer.Option(
            None,
            help="Last day of the generated history; default: today in the workspace's time zone "
            "(the history then stops now).",
        ),
        force: bool = typer.Option(
            False, "--force", help="Replace an existing demo workspace's data."
        ),
    ) -> None:
        """Generate a realistic demo workspace (six countries and languages, two years) and load it."""
        with user_errors():
            run_demo(directory, customers=customers, seed=seed, start=start, end=end, force=force)


def _import_table(ws: Any, table: str, file: Path, as_json: bool, **options: Any) -> None:
    try:
        with _Bar(enabled=err_console.is_terminal and not as_json) as progress:
            result = ws.import_file(table, file, progress=progress, **options)
    except ImportRejected as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    for warning in result.warnings:
        err_console.print("Warning: " + warning, markup=False, soft_wrap=True)
    if as_json:
        print_json(_result_json(result))
    else:
        console.print(result.summary(), markup=False)


def _result_json(result: Any) -> dict[str, Any]:
    return {
        "table": result.table,
        "file": result.file,
        "rows": result.rows,
        "added": result.added,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "warnings": result.warnings,
    }


def _preset_result_json(result: Any) -> dict[str, Any]:
    identity = result.identity
    return {
        "file": result.file,
        "preset": result.preset,
        "recognised": result.detected,
        "tables": [_result_json(r) for r in result.tables],
        "identity": None
        if identity is None or identity.mode is None
        else {
            "by": identity.mode,
            "matched": identity.matched,
            "new_customers": identity.new,
            "unmatched": identity.unmatched,
            "unmatched_rows": identity.unmatched_rows,
            "left_out": identity.left_out,
        },
        "warnings": result.warnings,
    }


def _print_presets(ws: Any, as_json: bool) -> None:
    presets = ws.presets()
    if as_json:
        print_json(
            [
                {
                    "name": p.name,
                    "title": p.title,
                    "formats": list(p.formats),
                    "tables": list(p.tables),
                    "identified_by": [list(g) for g in p.detect],
                    "columns": p.columns_read(),
                    "source": list(p.sources),
                    "file": str(p.path) if p.path else None,
                }
                for p in presets
            ]
        )
        return
    out = RichTable(title="Import presets (cxlens import --preset NAME FILE...)")
    out.add_column("preset")
    out.add_column("export")
    out.add_column("tables")
    out.add_column("columns read", overflow="fold")
    for p in presets:
        out.add_row(p.name, f"{p.title} ({', '.join(p.formats)})", ", ".join(p.tables),
                    ", ".join(p.columns_read()))  # fmt: skip
    console.print(out)


def _day(value: object) -> str:
    if value is None:
        return "-"
    iso = getattr(value, "isoformat", None)
    return str(iso())[:10] if iso else str(value)[:10]


def demo_range(start: str | None, end: str | None, timezone: str) -> tuple[date, date]:
    """The demo's first and last local day: by default about two years, ending today.

    The start is the first day of the quarter two years before the day after the
    end (2024-10-01 for an end on 2026-09-30 or on 2026-12-02), so every month and
    quarter of the history is whole but the one running on its last day.
    """
    from cxlens.periods import floor_date, local_today, parse_date

    last = parse_date(end, "--end") or local_today(timezone)
    month = floor_date(last + timedelta(days=1), "month")
    first = parse_date(start, "--start") or floor_date(
        month.replace(year=month.year - 2), "quarter"
    )
    if last <= first:
        raise CxlensError("--end must be after --start.")
    return first, last


def run_demo(
    directory: Path,
    *,
    customers: int,
    seed: int,
    start: str | None = None,
    end: str | None = None,
    force: bool = False,
) -> Path:
    """Create (or refresh) a demo workspace in ``directory`` and import generated data.

    The data is generated in the workspace's time zone (Europe/Tallinn for a new
    demo workspace) and ends on ``end`` (default: today there).
    """
    import shutil
    import tempfile

    import cxlens
    from cxlens.config import CONFIG_FILE
    from cxlens.demo import generate

    if customers < 10:
        raise CxlensError("--customers must be at least 10.")
    typed = directory  # as the user wrote it, for the commands suggested at the end
    directory = directory.expanduser().resolve()
    if (directory / CONFIG_FILE).exists():
        ws = cxlens.open(directory)
        first, last = demo_range(start, end, ws.config.timezone)  # before anything changes
        if any(ws.warehouse.exists(t) for t in TABLE_NAMES) and not force:
            raise CxlensError(
                f"{directory} already holds a workspace with data; use --force to regenerate it, "
                "or give another folder."
            )
        if force:
            for t in TABLE_NAMES:
                ws.warehouse.path(t).unlink(missing_ok=True)
    else:
        first, last = demo_range(start, end, "Europe/Tallinn")
        # the demo shop (a fictional home-goods retailer, named in its surveys and reports)
        # keeps 40 % of revenue as gross margin: payback takes months
        cxlens.init(
            directory, timezone="Europe/Tallinn", name=DEMO_COMPANY,
            settings={"value": {"margin": 0.4}},
        )  # fmt: skip
        ws = cxlens.open(directory)
    _demo_settings(directory / CONFIG_FILE)
    ws = cxlens.open(directory)
    timezone = ws.config.timezone
    console.print(
        f"Generating {customers:,} customers from {first} to {last} ({timezone}, seed {seed})..."
    )
    with (
        tempfile.TemporaryDirectory(dir=directory, prefix=".demo-") as tmp,
        _Bar(err_console.is_terminal) as bar,
    ):
        files = generate(
            Path(tmp), customers=customers, seed=seed, start=first, end=last,
            timezone=timezone, progress=bar,
        )  # fmt: skip
        for table in TABLE_NAMES:
            result = ws.import_file(table, files[table], progress=bar)
            console.print("  " + result.summary().replace(f" in {files[table]}", ""), markup=False)
        shutil.rmtree(tmp, ignore_errors=True)
    hint = "" if Path.cwd() == directory else f" --workspace {shlex.quote(str(typed))}"
    password = _demo_collection(ws)
    console.print(f"\nDemo workspace ready in {directory}. Try:")
    for cmd in (
        f"cxlens tables{hint}",
        f"cxlens kpi nps csat ces --by country --period quarter --compare previous{hint}",
        f"cxlens kpi cac ctr conversion_rate --by channel{hint}",
        f"cxlens metrics explain nps --lang et{hint}",
        f"cxlens rfm --lang de{hint}",
        f"cxlens attribution{hint}",
        f"cxlens text analyse{hint}  (sentiment and themes of the comments, for the Feedback "
        "page; `make demo` runs it)",
        f"cxlens survey invite nps-relational --customer C0000001 --lang et{hint}",
        f"cxlens serve{hint}",
        f"cxlens survey activate nps-relational{hint}  (the demo's surveys invite nobody "
        "until you turn them on)",
    ):
        console.print(f"  {cmd}", markup=False, soft_wrap=True)
    if password:
        console.print(
            f"The web app's demo user is 'admin' with the password {password} (shown once).",
            markup=False,
        )
    else:
        console.print(
            "The web app's user 'admin' exists already; a new password: "
            f"cxlens user add admin --role admin{hint}",
            markup=False,
        )
    return directory


def _demo_settings(path: Path) -> None:
    """The demo's journey settings: its delivery survey measures the online order (checkout)."""
    import tomllib

    settings = tomllib.loads(path.read_text(encoding="utf-8"))
    if "survey_touchpoints" in settings.get("journeys", {}):
        return
    with path.open("a", encoding="utf-8") as out:
        out.write(
            "\n[journeys.survey_touchpoints]\n"
            "# answers about a survey touchpoint measure this event touchpoint\n"
            'delivery = "checkout"\n'
        )


def _demo_collection(ws: object) -> str | None:
    """Template surveys for the demo, and an admin user when there is none yet."""
    import secrets

    from cxlens.cli.collect import demo_surveys
    from cxlens.collect.service import Collector

    collector = Collector(ws.config)  # type: ignore[attr-defined]
    demo_surveys(collector)
    if collector.accounts.user("admin") is not None:
        return None
    password = secrets.token_urlsafe(12)
    collector.accounts.add_user("admin", password, "admin")
    return password
