"""Commands for journeys: journey-map, funnel, paths, attribution, drivers."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer
from rich.table import Table as RichTable

from cxlens.cli.common import (
    JsonOption,
    LangOption,
    WorkspaceOption,
    console,
    open_ws_with_language,
    print_json,
    records,
    remembered,
    user_errors,
)
from cxlens.cli.tables import print_table
from cxlens.i18n import (
    format_currency,
    format_hours,
    format_number,
    format_percent,
    gettext,
    labels_for,
    ngettext,
    pgettext,
)
from cxlens.i18n.keyed import text

FromOption = typer.Option(None, "--from", help="First day (default: all data).")
ToOption = typer.Option(None, "--to", help="Last day (default: all data).")


def _pct(value: float, lang: str) -> str:
    return (
        "–"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else format_percent(100 * value, lang, 1)
    )


def _ci(
    low: float, high: float, lang: str, scale: float = 100, decimals: int = 1, unit: str = "%"
) -> str:
    if low is None or (isinstance(low, float) and math.isnan(low)):
        return ""
    if unit == "%":
        return f"{format_percent(scale * low, lang, decimals)} … {format_percent(scale * high, lang, decimals)}"
    return f"{format_number(scale * low, lang, decimals)} … {format_number(scale * high, lang, decimals)}"


def _hours(value: float | None, lang: str) -> str:
    from cxlens.reports.tables import DAYS_FROM_HOURS

    return format_hours(value, lang, DAYS_FROM_HOURS)


def register(app: typer.Typer) -> None:
    @app.command("journey-map")
    def journey_map_command(
        start: str | None = FromOption,
        end: str | None = ToOption,
        as_json: bool = JsonOption,
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Journey map: per stage and touchpoint, customers, moving on, time to next stage, CX scores."""
        import pandas as pd

        def compute() -> pd.DataFrame:
            from cxlens.journeys.journey_map import journey_map

            return journey_map(ws, start, end)

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            frame = remembered(ws, "journey-map", [start, end], pd.DataFrame, compute)
        if as_json:
            print_json(records(frame))
            return
        labels = labels_for(ws.config)
        table = RichTable(title=gettext("Customer journey map", language))
        table.add_column(labels.dimension("stage", language))
        table.add_column(labels.dimension("touchpoint", language))
        for header in (
            gettext("Customers", language), gettext("Moved on", language),
            gettext("Median time to next stage", language), "CSAT", "CES", "NPS",
        ):  # fmt: skip
            table.add_column(header, justify="right")
        last_stage = None
        for row in frame.to_dict(orient="records"):
            stage = labels.name("stage", row["stage"], language)
            table.add_row(
                stage if stage != last_stage else "",
                labels.name("touchpoint", row["touchpoint"], language),
                format_number(row["customers"], language, 0) if row["customers"] else "–",
                _pct(row["moved_on"], language),
                _hours(row["median_hours_to_next"], language),
                _score(row, "csat", language, percent=True),
                _score(row, "ces", language),
                _score(row, "nps", language),
            )
            last_stage = stage
        print_table(table, keys=2)

    @app.command("funnel")
    def funnel_command(
        steps: list[str] = typer.Argument(
            ..., help="Touchpoints in order; 'order' means an order."
        ),
        window: str = typer.Option(
            "14d", help="Time allowed from the first step: 30m, 12h, 14d, 2w."
        ),
        order: str = typer.Option("ordered", help="ordered, strict or unordered."),
        by: str | None = typer.Option(
            None, "--by", help="Break down by a column of the events or customers."
        ),
        start: str | None = FromOption,
        end: str | None = ToOption,
        as_json: bool = JsonOption,
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Funnel: customers at each step, conversion with intervals, time between steps, drop-off."""
        from cxlens.journeys.results import Funnel
        from cxlens.periods import parse_duration
        from cxlens.reports.tables import funnel_title

        def compute() -> Funnel:
            from cxlens.journeys.funnel import funnel

            return funnel(ws, steps, window, order, by, start, end)

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            result = remembered(
                ws,
                "funnel",
                [steps, window, order, by, start, end],
                Funnel,
                compute,
            )
            span = parse_duration(window, "--window")
        if as_json:
            print_json(
                {
                    "steps": steps,
                    "order": order,
                    "window": window,
                    "by": by,
                    "rows": records(result.table),
                }
            )
            return
        labels = labels_for(ws.config)
        for group, part in result.table.groupby("group", sort=True):
            title = funnel_title(order, span, language)
            if by:
                title += f" · {labels.dimension(by, language)} = {labels.name(by, group, language)}"
            table = RichTable(title=title)
            for header in (
                gettext("Step", language), labels.dimension("touchpoint", language),
                gettext("Customers", language), gettext("From first step", language),
                gettext("95%% interval", language), gettext("From previous step", language),
                gettext("Drop-off", language), gettext("Median time", language),
            ):  # fmt: skip
                table.add_column(header, justify="right")
            for row in part.to_dict(orient="records"):
                table.add_row(
                    str(row["step"]),
                    labels.name("touchpoint", row["touchpoint"], language),
                    format_number(row["customers"], language, 0),
                    _pct(row["from_start"], language),
                    _ci(row["from_start_low"], row["from_start_high"], language)
                    if row["step"] > 1
                    else "",
                    _pct(row["from_previous"], language),
                    format_number(row["drop_off"], language, 0),
                    _hours(row["median_hours"], language) if row["step"] > 1 else "",
                )
            print_table(table)

    @app.command("paths")
    def paths_command(
        start_at: str | None = typer.Option(None, "--start", help="Paths from this touchpoint on."),
        end_at: str | None = typer.Option(
            None, "--end", help="Paths leading up to this touchpoint."
        ),
        steps: int = typer.Option(5, help="Touchpoints per path."),
        session_gap: str = typer.Option("30m", help="A longer pause starts a new session."),
        collapse: bool = typer.Option(
            True, "--collapse/--no-collapse", help="Count repeats of a touchpoint in a row once."
        ),
        top: int = typer.Option(15, help="How many paths to show."),
        start: str | None = FromOption,
        end: str | None = ToOption,
        as_json: bool = typer.Option(
            False, "--json", help="Print paths and Sankey nodes and links as JSON."
        ),
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Most common touchpoint sequences per session, and the transitions for a Sankey diagram."""
        from cxlens.journeys.results import PathReport

        def compute() -> PathReport:
            from cxlens.journeys.paths import paths

            return paths(ws, start_at, end_at, steps, session_gap, collapse, top, start, end)

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            report = remembered(
                ws,
                "paths",
                [start_at, end_at, steps, session_gap, collapse, top, start, end],
                PathReport,
                compute,
            )
        if as_json:
            print_json({"paths": records(report.sequences), **report.sankey()})
            return
        from cxlens.reports.tables import paths_title

        labels = labels_for(ws.config)
        table = RichTable(title=paths_title(report.sessions, language))
        table.add_column(gettext("Path", language))
        table.add_column(gettext("Sessions", language), justify="right")
        table.add_column(gettext("Share", language), justify="right")
        for row in report.sequences.to_dict(orient="records"):
            table.add_row(
                labels.path(row["sequence"], language),
                format_number(row["sessions"], language, 0),
                _pct(row["share"], language),
            )
        print_table(table)
        links = RichTable(title=gettext("Strongest transitions", language))
        links.add_column(pgettext("transition", "From", language))
        links.add_column(pgettext("transition", "To", language))
        links.add_column(gettext("Sessions", language), justify="right")
        for row in report.links.head(10).to_dict(orient="records"):
            links.add_row(
                _node_name(labels, row["source"], language),
                _node_name(labels, row["target"], language),
                format_number(row["sessions"], language, 0),
            )
        print_table(links)

    @app.command("attribution")
    def attribution_command(
        model: str = typer.Option(
            "all", help="first, last, linear, time-decay, position, markov, shapley or all."
        ),
        bootstrap: int = typer.Option(
            200, help="Bootstrap resamples for the credits' 95% intervals (0: none)."
        ),
        lookback: str | None = typer.Option(
            None, help="How far back a touch counts (default 30d)."
        ),
        dimension: str = typer.Option(
            "channel",
            "--dimension",
            help="Credit this column of the events (channel, campaign, touchpoint).",
        ),
        start: str | None = FromOption,
        end: str | None = ToOption,
        as_json: bool = JsonOption,
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Conversions and value credited to channels: heuristic, Markov and Shapley models, with intervals."""
        from cxlens.journeys import MODELS
        from cxlens.journeys.results import Attribution

        def compute() -> Attribution:
            from cxlens.journeys.attribution import attribute

            return attribute(ws, models, dimension, lookback, start, end, bootstrap)

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            models = list(MODELS) if model == "all" else [m.strip() for m in model.split(",")]
            result = remembered(
                ws,
                "attribution",
                [models, dimension, lookback, start, end, bootstrap],
                Attribution,
                compute,
            )
        frame = result.table
        if as_json:
            print_json(
                {
                    "conversions": result.conversions,
                    "value": result.value,
                    "touched_conversions": result.touched_conversions,
                    "null_paths": result.null_paths,
                    "conversion_probability": result.conversion_probability,
                    "rows": records(frame),
                }
            )
            return
        from cxlens.periods import parse_duration
        from cxlens.reports.tables import attribution_title

        labels = labels_for(ws.config)
        lookback_text = lookback or str(ws.config.section("journeys").get("lookback", "30d"))
        dimension_name = labels.dimension(dimension, language)
        title = attribution_title(
            dimension_name, result.conversions, parse_duration(lookback_text, "--lookback"),
            language,
        )  # fmt: skip
        wide = frame.pivot_table(
            index="channel", columns="model", values="conversions", aggfunc="sum"
        )
        wide = wide[[m for m in MODELS if m in wide.columns]]
        wide = wide.sort_values(wide.columns[-1], ascending=False)
        table = RichTable(title=title)
        table.add_column(dimension_name)
        for m in wide.columns:
            table.add_column(labels.name("model", m, language), justify="right")
        if "markov" in wide.columns:
            table.add_column(gettext("Removal effect", language), justify="right")
        effects = frame[frame["model"] == "markov"].set_index("channel")["removal_effect"]
        credited = frame.set_index(["channel", "model"])
        for channel, row in wide.iterrows():
            cells = [_credit(credited, channel, str(m), v, language) for m, v in row.items()]
            if "markov" in wide.columns:
                effect = effects.get(channel, float("nan"))
                cells.append(_pct(effect, language))
            table.add_row(labels.name(dimension, channel, language), *cells)
        print_table(table)
        currency = ws.config.currency
        if result.value:
            values = frame.pivot_table(
                index="channel", columns="model", values="value", aggfunc="sum"
            )
            values = values[[m for m in MODELS if m in values.columns]].reindex(wide.index)
            vtable = RichTable(title=gettext("Revenue", language))
            vtable.add_column(dimension_name)
            for m in values.columns:
                vtable.add_column(labels.name("model", m, language), justify="right")
            for channel, row in values.iterrows():
                vtable.add_row(
                    labels.name(dimension, channel, language),
                    *(format_currency(v, currency, language) for v in row),
                )
            print_table(vtable)
        console.print(
            ngettext(
                "%(num)s customer with touches that led to no conversion (null path).",
                "%(num)s customers with touches that led to no conversion (null paths).",
                result.null_paths, language,
            ),
            markup=False,
        )  # fmt: skip
        if bootstrap:
            console.print(
                gettext(
                    "In brackets: the 95%% bootstrap interval (%(samples)s resamples) and the "
                    "rank, which counts only channels whose interval lies wholly above; "
                    "overlapping channels share a rank.",
                    language, samples=format_number(bootstrap, language, 0),
                ),
                markup=False,
                soft_wrap=True,
            )  # fmt: skip

    @app.command("drivers")
    def drivers_command(
        target: str = typer.Option(
            "nps",
            help="What to explain: nps (the relational NPS score), repurchase or revenue (in the follow-up).",
        ),
        follow_up: str = typer.Option(
            "90d", "--follow-up", help="repurchase, revenue: what customers did this long after."
        ),
        by: str | None = typer.Option(
            None, "--by", help="touchpoint (experiences and tickets) or attribute; default both."
        ),
        bootstrap: int = typer.Option(50, help="Bootstrap samples for the importance intervals."),
        start: str | None = FromOption,
        end: str | None = ToOption,
        as_json: bool = JsonOption,
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Key drivers of NPS, repurchase or revenue: importance (Shapley R²), direction, what poor experiences cost."""
        from cxlens.journeys.results import DriverReport

        if target != "nps":
            _money_drivers(target, follow_up, bootstrap, as_json, lang, workspace)
            return

        def compute() -> DriverReport:
            from cxlens.journeys.drivers import drivers

            return drivers(ws, by, start, end, bootstrap)

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            report = remembered(
                ws,
                "drivers",
                [by, start, end, bootstrap],
                DriverReport,
                compute,
            )
        if as_json:
            print_json(
                {
                    "method": report.method,
                    "r2": report.r2,
                    "respondents": report.respondents,
                    "drivers": records(report.table),
                }
            )
            return
        from cxlens.reports.tables import (
            DRIVERS_METHOD,
            driver_name,
            drivers_title,
            not_significant_mark,
        )

        labels = labels_for(ws.config)
        table = RichTable(title=drivers_title(report.respondents, report.r2, language))
        table.add_column(gettext("Driver", language))
        for header in (
            gettext("Share of explained", language), gettext("95%% interval", language),
            gettext("Direction", language), gettext("Affected", language),
            gettext("Poor experience", language), gettext("NPS gap", language),
        ):  # fmt: skip
            table.add_column(header, justify="right")
        for row in report.table.to_dict(orient="records"):
            mark = "" if row["significant"] else f" ({not_significant_mark(language)})"
            gap = "–"
            if not math.isnan(row["nps_gap"]):
                gap = f"{format_number(row['nps_gap'], language, 0)} ({format_number(row['nps_gap_low'], language, 0)} … {format_number(row['nps_gap_high'], language, 0)})"
            name = driver_name(row, language, labels)
            table.add_row(
                name + mark,
                format_percent(row["importance"], language, 1),
                _ci(row["importance_low"], row["importance_high"], language, scale=1),
                row["sign"],
                _pct(row["affected"], language),
                _pct(row["poor"], language),
                gap,
            )
        print_table(table)
        console.print(
            gettext("Method", language) + ": " + gettext(DRIVERS_METHOD, language),
            markup=False,
            soft_wrap=True,
        )


def _credit(credited: Any, channel: Any, model: str, value: float, lang: str) -> str:
    """A model's credit to a channel, with its interval and honest rank when there are any."""
    shown = format_number(value, lang, 0)
    try:
        row = credited.loc[(channel, model)]
    except KeyError:
        return shown
    if math.isnan(row["conversions_low"]):
        return shown
    shown += f" ({format_number(row['conversions_low'], lang, 0)} … {format_number(row['conversions_high'], lang, 0)})"
    return shown + ("" if math.isnan(row["rank"]) else f" #{int(row['rank'])}")


def _money_drivers(
    target: str,
    follow_up: str,
    bootstrap: int,
    as_json: bool,
    lang: str | None,
    workspace: Path | None,
) -> None:
    """``cxlens drivers --target repurchase|revenue``: key drivers in money."""
    from cxlens.cli.value import whole_days
    from cxlens.reports.tables import driver_name, not_significant_mark
    from cxlens.reports.value_tables import with_interval
    from cxlens.value.money import MoneyDrivers, money_drivers

    with user_errors():
        ws, language = open_ws_with_language(workspace, lang)
        days = whole_days(follow_up, "--follow-up")
        report = remembered(
            ws, "money-drivers", [target, days, bootstrap], MoneyDrivers,
            lambda: money_drivers(ws, target, days, bootstrap=bootstrap),
        )  # fmt: skip
    if as_json:
        print_json(
            {
                "target": report.target, "customers": report.customers, "r2": report.r2,
                "window_start": report.window_start.isoformat(),
                "window_end": report.window_end.isoformat(),
                "follow_up_days": report.follow_up_days,
                "revenue_per_repurchase": report.revenue_per_repurchase,
                "drivers": records(report.table),
            }
        )  # fmt: skip
        return
    currency = ws.config.currency
    title = text(
        "money_drivers_title", language, target=text(f"money_target_{target}", language),
        days=report.follow_up_days, customers=format_number(report.customers, language, 0),
        r2=format_number(report.r2, language, 3),
    )  # fmt: skip
    table = RichTable(title=title)
    keys = ("driver", "importance", "direction", "poor_customers", "loss_per_quarter",
            "revenue_loss_per_quarter")  # fmt: skip
    for key in keys:
        table.add_column(text(key, language), justify="left" if key == "driver" else "right")
    form = "count" if target == "repurchase" else "money"
    labels = labels_for(ws.config)
    for row in report.table.to_dict(orient="records"):
        mark = "" if row["significant"] else f" ({not_significant_mark(language)})"
        poor = row["poor_customers"] and not math.isnan(row["loss_per_quarter"])
        table.add_row(
            driver_name(row, language, labels) + mark,
            format_percent(row["importance"], language, 1)
            + f" ({_ci(row['importance_low'], row['importance_high'], language, scale=1)})",
            row["sign"],
            format_number(row["poor_customers"], language, 0) if poor else "–",
            with_interval(row["loss_per_quarter"], row["loss_per_quarter_low"], row["loss_per_quarter_high"], form, language, currency) if poor else "–",
            with_interval(row["revenue_loss_per_quarter"], row["revenue_loss_per_quarter_low"], row["revenue_loss_per_quarter_high"], "money", language, currency) if poor else "–",
        )  # fmt: skip
    print_table(table)
    console.print(text("money_drivers_note", language), markup=False, soft_wrap=True)


def _score(row: Any, key: str, lang: str, percent: bool = False) -> str:
    value = row.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    shown = format_percent(value, lang, 0) if percent else format_number(value, lang, 1)
    return f"{shown} (n={format_number(row[f'{key}_n'], lang, 0)})"


def _node_name(labels: Any, node: str, lang: str) -> str:
    """A Sankey node ("2:cart", or the exit) by its touchpoint's name."""
    _, _, touchpoint = str(node).rpartition(":")
    return labels.name("touchpoint", touchpoint, lang)
