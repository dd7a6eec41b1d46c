"""Commands for the metric catalog and KPIs: metrics list, metrics explain, kpi."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
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
from cxlens.i18n import (
    DEFAULT_LABELS,
    N_,
    Labels,
    check_language,
    format_change,
    format_number,
    format_percent,
    format_period,
    format_value,
    gettext,
    labels_for,
    ngettext,
    pgettext,
    untested_reason,
)
from cxlens.metrics import ALL
from cxlens.metrics.catalog import Metric, load_catalog


def _metric_json(m: Metric, lang: str) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name(lang),
        "definition": m.definition(lang),
        "formula": m.formula(lang),
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
    return f"{shown} ({untested_reason(reason, lang)})" if reason else shown


def period_cell(row: dict[str, Any], period: str | None, lang: str) -> str:
    """The period's name, marked when it is still running or only partly covered."""
    if row["period"] == "all":
        return pgettext("period", "all", lang)
    label = format_period(row["period"], period, lang)
    if row.get("to_date"):
        to_date = pgettext("period", "to date", lang)
        return f"{label} ({to_date})"
    if row.get("complete") is False:
        partial = gettext("partial period", lang)
        return f"{label} ({partial})"
    return label


def interval_cell(row: dict[str, Any], lang: str, currency: str) -> str:
    """'low … high', with the exact coverage where it is not the nominal 95 %."""
    low, high = row.get("ci_low"), row.get("ci_high")
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "–"
    cell = f"{format_value(low, row['unit'], lang, currency)} … {format_value(high, row['unit'], lang, currency)}"
    level = row.get("ci_level")
    if level is not None and not math.isnan(level) and abs(level - 0.95) > 1e-9:
        coverage = format_percent(100 * level, lang, 1)
        cell += " (" + gettext("exact coverage %(level)s", lang, level=coverage) + ")"
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
        out = RichTable(title=gettext("Metrics", language))
        for header in (N_("Id"), N_("Name"), N_("Unit"), N_("Better when")):
            out.add_column(gettext(header, language))
        for m in catalog.values():
            out.add_row(m.id, m.name(language), m.unit_name(language), m.better_name(language))
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
            (gettext("Formula", language), m.formula(language)),
            (gettext("Unit", language), m.unit_name(language)),
            (gettext("Better when", language), m.better_name(language)),
            (gettext("Interval", language), m.interval_name(language)),
            (gettext("Test of a change", language), m.test_name(language)),
            (
                gettext("Reads", language),
                "; ".join(f"{t}: {', '.join(c)}" for t, c in m.needs.items()),
            ),
        ]
        for header, value in rows:
            console.print(f"  {header}: {value}", markup=False, soft_wrap=True)

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
            console.print(
                ngettext("Wrote %(num)s row to %(path)s", "Wrote %(num)s rows to %(path)s",
                         len(frame), language, path=str(out)),
                markup=False,
            )  # fmt: skip
            return
        if as_json:
            typer.echo(frame.to_json(orient="records", force_ascii=False, indent=2))
            return
        if as_csv:
            from cxlens.spreadsheets import frame_csv

            typer.echo(frame_csv(frame), nl=False)
            return
        _print_kpis(
            frame, by, compare is not None, language, ws.config.currency, labels_for(ws.config),
            period,
        )  # fmt: skip


def _print_kpis(
    frame: Any,
    by: list[str],
    compared: bool,
    lang: str,
    currency: str,
    labels: Labels = DEFAULT_LABELS,
    period: str | None = None,
) -> None:
    """One table per metric, titled with its name in ``lang``; dimension values by their names."""
    catalog = load_catalog()
    headers = [labels.dimension(d, lang) for d in by]
    small = False
    for metric_id, rows in frame.groupby("metric", sort=False):
        metric = catalog[metric_id]
        table = RichTable(title=f"{metric.name(lang)} [dim]({metric.id})[/]", title_justify="left")
        for h in [*headers, gettext("Period", lang)]:
            table.add_column(h)
        for h in (gettext("Value", lang), gettext("95%% interval", lang), "n"):
            table.add_column(h, justify="right")
        if compared:
            table.add_column(gettext("Previous", lang), justify="right")
            table.add_column(gettext("Change", lang), justify="right")
        for row in rows.to_dict(orient="records"):
            value = format_value(row["value"], row["unit"], lang, currency)
            undefined = str(row.get("note") or "").startswith("undefined")
            if undefined:
                value = gettext("undefined", lang)
            if row["small_sample"] and not undefined:  # no sample to call small
                value += " *"
                small = True
            interval = interval_cell(row, lang, currency)
            cells = [_dimension_cell(labels, d, row.get(d), lang) for d in by] + [
                period_cell(row, period, lang),
                value,
                interval,
                format_number(row["n"], lang, 0),
            ]  # fmt: skip
            if compared:
                cells += [
                    format_value(row.get("previous"), row["unit"], lang, currency),
                    _change_cell(row, lang, currency),
                ]
            table.add_row(*cells)
        print_table(table)
        for d in by:
            if rows[d].eq(ALL).all():
                note = gettext(
                    "Not broken down by %(dimension)s: the tables of this metric have no such column.",
                    lang, dimension=labels.dimension(d, lang),
                )  # fmt: skip
                console.print(f"  [dim]{escape(note)}[/]", soft_wrap=True)
        if compared:
            tests = sorted({pgettext("test method", str(t), lang) for t in rows["test"] if t})
            if tests:
                note = gettext("Tests: %(tests)s", lang, tests="; ".join(tests))
                console.print(f"  [dim]{escape(note)}[/]", soft_wrap=True)
    if compared:
        console.print(
            gettext(
                "▲/▼ marks a change that is statistically significant (p < 0.05) by the metric's "
                "test; a change is tested only when both periods have at least 30 in n. Percent "
                "metrics change in percentage points (pp).",
                lang,
            ),
            markup=False,
            soft_wrap=True,
        )
    if small:
        note = gettext("small sample", lang)
        console.print(f"* {note} (n < 30)", markup=False)


def _dimension_cell(labels: Labels, dimension: str, value: Any, lang: str) -> str:
    if value == ALL:
        return pgettext("dimension value", "(all)", lang)
    return labels.name(dimension, value, lang)
