"""Commands for the metric catalog and KPIs: metrics list, metrics explain, kpi."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer
from rich.table import Table as RichTable

from cxlens.cli.common import (
    LangOption,
    WorkspaceOption,
    console,
    open_ws_with_language,
    print_json,
    remembered,
    user_errors,
)
from cxlens.cli.tables import print_table
from cxlens.errors import CxlensError
from cxlens.i18n import (
    check_language,
    format_change,
    format_number,
    format_percent,
    format_value,
    text,
)
from cxlens.metrics.catalog import Metric, load_catalog


def _metric_json(m: Metric, lang: str) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name(lang),
        "definition": m.definition(lang),
        "formula": m.formula,
        "kind": m.kind,
        "unit": m.unit,
        "higher_is_better": m.higher_is_better,
        "interval": m.interval_method,
        "test": m.test,
        "range": list(m.range),
        "needs": {t: list(c) for t, c in m.needs.items()},
    }


def _change_cell(row: dict[str, Any], lang: str, currency: str) -> str:
    """The change in the metric's unit (pp for percent); an arrow only when it is significant.

    A change that was not tested says why: n < 30, a period still running or one the
    data covers only in part.
    """
    change = row.get("change")
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return "–"
    shown = format_change(change, row["unit"], lang, currency)
    if row.get("significant"):
        return f"{'▲' if change > 0 else '▼'} {shown}"
    reason = row.get("untested")
    return f"{shown} ({text(f'untested_{reason}', lang)})" if reason else shown


def period_cell(row: dict[str, Any], lang: str) -> str:
    """The period's label, marked when it is still running or only partly covered."""
    label = str(row["period"])
    if row.get("to_date"):
        return f"{label} ({text('to_date', lang)})"
    if row.get("complete") is False and label != "all":
        return f"{label} ({text('partial_period', lang)})"
    return label


def interval_cell(row: dict[str, Any], lang: str, currency: str) -> str:
    """'low … high', with the exact coverage where it is not the nominal 95 %."""
    low, high = row.get("ci_low"), row.get("ci_high")
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "–"
    cell = f"{format_value(low, row['unit'], lang, currency)} … {format_value(high, row['unit'], lang, currency)}"
    level = row.get("ci_level")
    if level is not None and not math.isnan(level) and abs(level - 0.95) > 1e-9:
        cell += f" ({text('exact_coverage', lang, level=format_percent(100 * level, lang, 1))})"
    return cell


def register(app: typer.Typer) -> None:
    metrics_app = typer.Typer(
        help="The metric catalog: what each metric means and how it is computed.",
        no_args_is_help=True,
    )
    app.add_typer(metrics_app, name="metrics")

    @metrics_app.command("list")
    def list_(
        lang: str | None = LangOption,
        as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    ) -> None:
        """List every metric with its id, name and unit."""
        with user_errors():
            language = check_language(lang)
            catalog = load_catalog()
        if as_json:
            print_json([_metric_json(m, language) for m in catalog.values()])
            return
        out = RichTable(title=text("metrics_title", language))
        for key in ("id", "name", "unit", "better"):
            out.add_column(text(key, language))
        for m in catalog.values():
            out.add_row(m.id, m.name(language), m.unit, text(m.better, language))
        print_table(out)

    @metrics_app.command("explain")
    def explain(
        metric_id: str = typer.Argument(..., metavar="ID", help="Metric id, e.g. nps."),
        lang: str | None = LangOption,
        as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    ) -> None:
        """Explain one metric: definition, formula, unit, interval and the data it reads."""
        with user_errors():
            language = check_language(lang)
            m = load_catalog().get_metric(metric_id)
        if as_json:
            print_json(_metric_json(m, language))
            return
        console.print(f"[bold]{m.name(language)}[/] ({m.id})")
        console.print(m.definition(language), soft_wrap=True, markup=False)
        rows = [
            ("formula", m.formula),
            ("unit", m.unit),
            ("better", text(m.better, language)),
            ("interval_method", m.interval_method),
            ("test_method", m.test),
            ("tables", "; ".join(f"{t}: {', '.join(c)}" for t, c in m.needs.items())),
        ]
        for key, value in rows:
            console.print(f"  {text(key, language)}: {value}", markup=False, soft_wrap=True)

    @app.command("kpi")
    def kpi(
        metrics: list[str] = typer.Argument(
            ..., metavar="METRIC...", help="Metric ids (see `cxlens metrics list`)."
        ),
        by: list[str] = typer.Option(
            [], "--by", "-b", help="Break down by a column, e.g. country (repeatable)."
        ),
        period: str | None = typer.Option(None, help="day, week, month, quarter or year."),
        start: str | None = typer.Option(
            None, "--from", help="First day (YYYY-MM-DD); default: first day with data."
        ),
        end: str | None = typer.Option(
            None, "--to", help="Last day, included; default: last day with data."
        ),
        where: str | None = typer.Option(
            None, help="Filter, e.g. \"country = 'EE' and channel in ('search', 'email')\"."
        ),
        compare: str | None = typer.Option(
            None, help="previous: change against the period before, with a test."
        ),
        lang: str | None = LangOption,
        as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
        as_csv: bool = typer.Option(False, "--csv", help="Print as CSV."),
        out: Path | None = typer.Option(
            None, "--out", help="Write CSV or JSON (by extension) to a file."
        ),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Compute metrics with n and 95% intervals, by dimensions and period, optionally compared."""
        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            import pandas as pd

            frame = remembered(
                ws,
                "kpi",
                [metrics, by, period, start, end, where, compare],
                pd.DataFrame,
                lambda: ws.kpi(
                    metrics,
                    by=by,
                    period=period,
                    start=start,
                    end=end,
                    where=where,
                    compare=compare,
                ),
            )
        if out is not None:
            if out.suffix.lower() == ".json":
                out.write_text(
                    frame.to_json(orient="records", force_ascii=False, indent=2), encoding="utf-8"
                )
            else:
                from cxlens.spreadsheets import write_frame_csv

                write_frame_csv(frame, out)
            console.print(f"Wrote {len(frame)} rows to {out}")
            return
        if as_json:
            typer.echo(frame.to_json(orient="records", force_ascii=False, indent=2))
            return
        if as_csv:
            from cxlens.spreadsheets import frame_csv

            typer.echo(frame_csv(frame), nl=False)
            return
        labels = None
        if "segment" in by:
            from cxlens.customers.segments import segment_map

            try:
                names = segment_map(ws.config.section("rfm"))
                labels = {
                    "segment": lambda key: (
                        names.name(key, language) if key != "(no orders)" else key
                    )
                }
            except CxlensError:
                labels = None
        _print_kpis(frame, by, compare is not None, language, ws.config.currency, labels)


def _print_kpis(
    frame: Any,
    by: list[str],
    compared: bool,
    lang: str,
    currency: str,
    labels: dict[str, Any] | None = None,
) -> None:
    """One table per metric, titled with its name in ``lang``; ``labels`` name dimension values."""
    catalog = load_catalog()
    headers = [text(d, lang) if d in DIMENSION_WORDS else d for d in by]
    small = False
    for metric_id, rows in frame.groupby("metric", sort=False):
        metric = catalog[metric_id]
        table = RichTable(title=f"{metric.name(lang)} [dim]({metric.id})[/]", title_justify="left")
        for h in [*headers, text("period", lang)]:
            table.add_column(h)
        for h in (text("value", lang), text("interval", lang), text("n", lang)):
            table.add_column(h, justify="right")
        if compared:
            table.add_column(text("previous", lang), justify="right")
            table.add_column(text("change", lang), justify="right")
        for row in rows.to_dict(orient="records"):
            value = format_value(row["value"], row["unit"], lang, currency)
            undefined = str(row.get("note") or "").startswith("undefined")
            if undefined:
                value = text("undefined", lang)
            if row["small_sample"] and not undefined:  # no sample to call small
                value += " *"
                small = True
            interval = interval_cell(row, lang, currency)
            cells = [
                (
                    labels[d](row.get(d))
                    if labels and d in labels and row.get(d)
                    else _cell(row.get(d))
                )
                for d in by
            ] + [
                period_cell(row, lang),
                value,
                interval,
                format_number(row["n"], lang, 0),
            ]
            if compared:
                cells += [
                    format_value(row.get("previous"), row["unit"], lang, currency),
                    _change_cell(row, lang, currency),
                ]
            table.add_row(*cells)
        print_table(table)
        notes = {
            str(n).split("; ")[-1] for n in rows["note"] if n and not str(n).startswith("undefined")
        }
        for note in sorted(notes):
            console.print(f"  [dim]{note}[/]", soft_wrap=True)
        if compared:
            tests = sorted({str(t) for t in rows["test"] if t})
            if tests:
                console.print(f"  [dim]{text('tests_used', lang, tests='; '.join(tests))}[/]")
    if compared:
        console.print(text("significant_note", lang), markup=False, soft_wrap=True)
    if small:
        console.print(f"* {text('small_sample', lang)} (n < 30)", markup=False)


DIMENSION_WORDS = ("country", "language", "channel", "campaign", "touchpoint", "stage", "segment")


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return str(value)
