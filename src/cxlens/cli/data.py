"""Commands for the workspace and its data: init, import, tables, demo."""

from __future__ import annotations

import re
import shlex
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

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
        table: str = typer.Argument(..., help=f"Canonical table: {', '.join(TABLE_NAMES)}."),
        file: Path = typer.Argument(..., help="CSV, TSV, Parquet or JSON Lines file."),
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
        """Validate a file and merge it into a canonical table by key.

        The whole file is checked first; a file with problems is rejected with a list
        of them (file, row, column) and the table is left exactly as it was. Rows
        whose key already exists are updated; identical rows are left alone.
        Rows are counted from 1 after the header line.
        """
        with user_errors():
            ws = open_ws(workspace)
            mapping = _parse_pairs(map_, "--map")
            rates = _parse_rates(rate)
            try:
                with _Bar(enabled=err_console.is_terminal and not as_json) as progress:
                    result = ws.import_file(
                        table,
                        file,
                        mapping=mapping,
                        timezone=timezone,
                        date_format=date_format,
                        encoding=encoding,
                        delimiter=delimiter,
                        decimal_comma=decimal_comma,
                        rates=rates,
                        strict=strict,
                        fmt=fmt,
                        progress=progress,
                        as_text=as_text,
                        dst=dst,
                    )
            except ImportRejected as exc:
                err_console.print(str(exc), markup=False, soft_wrap=True)
                raise typer.Exit(1) from None
        for warning in result.warnings:
            err_console.print("Warning: " + warning, markup=False, soft_wrap=True)
        if as_json:
            print_json(
                {
                    "table": result.table,
                    "file": result.file,
                    "rows": result.rows,
                    "added": result.added,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "warnings": result.warnings,
                }
            )
        else:
            console.print(result.summary(), markup=False)

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
                ", ".join(i.columns) if i.imported else "(nothing imported yet)",
            )
        print_table(out)

    @app.command("demo")
    def demo(
        directory: Path = typer.Argument(
            Path("demo-workspace"), help="Folder for the demo workspace."
        ),
        customers: int = typer.Option(20_000, help="Number of customers to generate."),
        seed: int = typer.Option(42, help="Random seed (same seed, same data)."),
        start: str = typer.Option("2024-10-01", help="First day of the generated history."),
        end: str = typer.Option("2026-09-30", help="Last day of the generated history."),
        force: bool = typer.Option(
            False, "--force", help="Replace an existing demo workspace's data."
        ),
    ) -> None:
        """Generate a realistic demo workspace (six countries and languages, two years) and load it."""
        with user_errors():
            run_demo(directory, customers=customers, seed=seed, start=start, end=end, force=force)


def _day(value: object) -> str:
    if value is None:
        return "-"
    iso = getattr(value, "isoformat", None)
    return str(iso())[:10] if iso else str(value)[:10]


def run_demo(
    directory: Path, *, customers: int, seed: int, start: str, end: str, force: bool
) -> Path:
    """Create (or refresh) a demo workspace in ``directory`` and import generated data."""
    import shutil
    import tempfile

    import cxlens
    from cxlens.config import CONFIG_FILE
    from cxlens.demo import generate

    if customers < 10:
        raise CxlensError("--customers must be at least 10.")
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise CxlensError(f"--start/--end: {exc}; use YYYY-MM-DD.") from None
    if last <= first:
        raise CxlensError("--end must be after --start.")
    typed = directory  # as the user wrote it, for the commands suggested at the end
    directory = directory.expanduser().resolve()
    if (directory / CONFIG_FILE).exists():
        ws = cxlens.open(directory)
        if any(ws.warehouse.exists(t) for t in TABLE_NAMES) and not force:
            raise CxlensError(
                f"{directory} already holds a workspace with data; use --force to regenerate it, "
                "or give another folder."
            )
        if force:
            for t in TABLE_NAMES:
                ws.warehouse.path(t).unlink(missing_ok=True)
    else:
        cxlens.init(directory, timezone="Europe/Tallinn")
        ws = cxlens.open(directory)
    console.print(f"Generating {customers:,} customers from {first} to {last} (seed {seed})...")
    with (
        tempfile.TemporaryDirectory(dir=directory, prefix=".demo-") as tmp,
        _Bar(err_console.is_terminal) as bar,
    ):
        files = generate(
            Path(tmp), customers=customers, seed=seed, start=first, end=last, progress=bar
        )
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
        f"cxlens survey invite nps-relational --customer C0000001 --lang et{hint}",
        f"cxlens serve{hint}",
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


def _demo_collection(ws: object) -> str | None:
    """Template surveys for the demo, and an admin user when there is none yet."""
    import secrets

    from cxlens.cli.collect import demo_surveys
    from cxlens.collect.service import Collector

    collector = Collector(ws.config)  # type: ignore[attr-defined]
    demo_surveys(collector)
    if collector.user("admin") is not None:
        return None
    password = secrets.token_urlsafe(12)
    collector.add_user("admin", password, "admin")
    return password
