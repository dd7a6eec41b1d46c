"""Commands that put a price on experience and marketing: value, acquisition, mmm."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from cxlens.i18n import format_currency, format_date, format_number, labels_for
from cxlens.i18n.keyed import text

if TYPE_CHECKING:
    from cxlens.i18n.labels import Labels

RISK_DIMENSIONS = ("segment", "touchpoint", "theme", "country")


def whole_days(value: str, option: str) -> int:
    from cxlens.errors import CxlensError
    from cxlens.periods import parse_duration

    days = parse_duration(value, option).total_seconds() / 86_400
    if days < 1 or days != int(days):
        raise CxlensError(f"{option} is a whole number of days (90d, 12w, 3m ...), got {value!r}.")
    return int(days)


def _show(title: str, headers: list[str], rows: list[list[str]], keys: int = 1) -> None:
    table = RichTable(title=title)
    for i, header in enumerate(headers):
        table.add_column(header, justify="left" if i < keys else "right")
    for row in rows:
        table.add_row(*row)
    print_table(table, keys=keys)


def _note(message: str) -> None:
    console.print(message, markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command("value")
    def value_command(
        kind: str = typer.Argument("nps", help="nps, csat or ces: whose groups to compare."),
        follow_up: str = typer.Option(
            "90d", "--follow-up", help="What customers did in this long after answering."
        ),
        horizon: str = typer.Option("12m", help="CLV horizon: 12m, 24m, 2y ..."),
        by: list[str] = typer.Option(
            [], "--by", help="Revenue at risk by segment, touchpoint, theme or country (repeat)."
        ),
        overdue: str | None = typer.Option(
            None,
            help="An open case is overdue after this long (default [value] case_overdue, else 3d).",
        ),
        model: str = typer.Option("bgnbd", help="CLV purchase model: bgnbd or pareto."),
        as_of: str | None = typer.Option(None, "--as-of", help="Analyse as of this day."),
        out: Path | None = typer.Option(
            None,
            "--out",
            help="Write the customers at risk (CSV), detractors with the highest CLV first.",
        ),
        hashed: bool = typer.Option(
            False,
            "--hash",
            help="Write e-mail addresses in --out as SHA-256 (what ad platforms match).",
        ),
        top: int = typer.Option(10, help="Customers shown to call first."),
        as_json: bool = JsonOption,
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """What a promoter is worth against a detractor like them, and the revenue at risk."""
        from cxlens.customers.segments import segment_map
        from cxlens.customers.value import parse_months
        from cxlens.errors import CxlensError
        from cxlens.reports import value_tables as vt
        from cxlens.value.report import ValueReport, value_report

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            days = whole_days(follow_up, "--follow-up")
            months = parse_months(horizon)
            unknown = [d for d in by if d not in RISK_DIMENSIONS]
            if unknown:
                raise CxlensError(
                    f"--by {unknown[0]!r}: revenue at risk is split by {', '.join(RISK_DIMENSIONS)}."
                )
            if out is not None and out.suffix.lower() != ".csv":
                raise CxlensError("--out writes CSV; give a file name ending in .csv.")
            report = remembered(
                ws, "value", [kind.lower(), days, months, model, as_of, overdue], ValueReport,
                lambda: value_report(ws, kind.lower(), days, months, model, as_of=as_of, overdue=overdue),
            )  # fmt: skip
        currency = ws.config.currency
        if out is not None:
            _write_audience(report.risk_customers, out, hashed)
        if as_json:
            print_json(
                {
                    "kind": report.kind, "as_of": report.as_of.isoformat(),
                    "answered_until": report.answered_until.isoformat(),
                    "follow_up_days": report.follow_up_days, "horizon_months": report.horizon_months,
                    "model": report.model, "respondents": report.respondents,
                    "clv_converged": report.clv_converged, "total_clv": report.total_clv,
                    "groups": records(report.groups), "comparisons": records(report.comparisons),
                    "revenue_at_risk": records(report.risk_summary),
                    "at_risk_by": records(report.risk_breakdowns),
                    "customers_at_risk": len(report.risk_customers),
                }
            )  # fmt: skip
            return
        title = text(
            "value_title", language, kind=report.kind.upper(),
            respondents=format_number(report.respondents, language, 0),
            until=format_date(report.answered_until, language), days=report.follow_up_days,
        )  # fmt: skip
        _show(title, *vt.worth_table(report.groups, language, currency))
        _show(
            text("value_matched_title", language),
            *vt.comparison_table(report.comparisons, language, currency),
            keys=2,
        )
        _note(text("value_matched_note", language))
        risk_title = text(
            "risk_title", language, months=report.horizon_months,
            date=format_date(report.as_of, language),
            total=format_currency(report.total_clv, currency, language),
        )  # fmt: skip
        _show(risk_title, *vt.risk_summary_table(report.risk_summary, language, currency))
        if not report.clv_converged:
            _note(text("risk_no_interval", language))
        names = segment_map(ws.config.section("rfm"))
        for dim in by or RISK_DIMENSIONS:
            part = report.breakdown(dim)
            if part.empty:
                if dim == "theme":
                    _note(text("risk_no_theme", language))
                continue
            _show(
                text("risk_by", language, dimension=text(dim, language)),
                *vt.risk_breakdown_table(
                    part, dim, language, currency, None if by else 8, names, labels_for(ws.config)
                ),
            )
        _show(
            text(
                "risk_call_first",
                language,
                count=format_number(len(report.risk_customers), language, 0),
            ),
            *vt.risk_customer_table(report.risk_customers, names, language, currency, top),
        )
        if out is not None:
            _note(
                text(
                    "risk_written",
                    language,
                    count=format_number(len(report.risk_customers), language, 0),
                    path=str(out),
                )
            )

    @app.command("acquisition")
    def acquisition_command(
        by: str = typer.Option("channel", "--by", help="channel or campaign."),
        horizon: str = typer.Option("12m", help="LTV horizon: 12m, 24m, 2y ..."),
        margin: float | None = typer.Option(
            None, help="Gross margin on revenue, 0…1 (default [value] margin, else 1)."
        ),
        as_json: bool = JsonOption,
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """CAC, cumulative revenue per acquired customer by month, payback, LTV:CAC and CLV-based ROAS."""
        from cxlens.customers.value import parse_months
        from cxlens.marketing.acquisition import Acquisition, acquisition
        from cxlens.reports import value_tables as vt

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            months = parse_months(horizon)
            result = remembered(
                ws, "acquisition", [by, months, margin], Acquisition,
                lambda: acquisition(ws, by, months, margin),
            )  # fmt: skip
        if as_json:
            print_json(
                {
                    "by": result.by, "as_of": result.as_of.isoformat(),
                    "first_month": result.first_month, "horizon_months": result.horizon_months,
                    "margin": result.margin, "model": result.model,
                    "summary": records(result.summary), "curves": records(result.curves),
                }
            )  # fmt: skip
            return
        currency, labels = ws.config.currency, labels_for(ws.config)
        title = text(
            "acquisition_title", language, by=text(by, language), first=result.first_month,
            date=format_date(result.as_of, language),
            margin=format_number(100 * result.margin, language, 0),
        )  # fmt: skip
        _show(
            title,
            *vt.acquisition_table(
                result.summary, by, result.horizon_months, language, currency, labels
            ),
        )
        _note(text("acquisition_note", language, months=result.horizon_months))
        _show(
            text("acquisition_curves_title", language),
            *vt.curve_table(result.curves, by, language, currency, labels),
        )

    @app.command("mmm")
    def mmm_command(
        outcome: str = typer.Option("revenue", help="revenue, customers or conversions."),
        channels: list[str] = typer.Option([], "--channels", help="Only these channels (repeat)."),
        change: float = typer.Option(
            0.3, help="How far each channel's spend may move (0.3 = ±30 %)."
        ),
        limit: list[str] = typer.Option(
            [],
            "--limit",
            help="Limits as factors of today's spend: CH=LO:HI, e.g. video=0:1 (repeat).",
        ),
        budget: float | None = typer.Option(
            None, help="Weekly budget to split (default: today's)."
        ),
        bootstrap: int = typer.Option(100, help="Bootstrap resamples for the intervals."),
        min_weeks_per_parameter: float = typer.Option(
            4.0, "--min-weeks-per-parameter", help="Refuse to fit with fewer weeks per parameter."
        ),
        export: Path | None = typer.Option(
            None,
            "--export",
            help="Write the weekly table (CSV) for PyMC-Marketing or Meridian, without fitting.",
        ),
        as_json: bool = JsonOption,
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Marketing mix: adstock and saturation per channel, response curves and a budget split."""
        from cxlens.marketing.mix import MixReport, marketing_mix
        from cxlens.marketing.weekly import weekly_table

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            if export is not None:
                weekly = weekly_table(ws, outcome, channels or None)
                export.parent.mkdir(parents=True, exist_ok=True)
                weekly.to_csv(export, index=False)
                _note(text("mmm_exported", language, weeks=len(weekly), path=str(export)))
                return
            report = remembered(
                ws, "mmm", [outcome, channels, change, limit, budget, bootstrap, min_weeks_per_parameter],
                MixReport,
                lambda: marketing_mix(
                    ws, outcome, channels or None, bootstrap=bootstrap, change=change, limits=limit,
                    budget=budget, min_weeks_per_parameter=min_weeks_per_parameter,
                ),
            )  # fmt: skip
        if as_json:
            print_json(
                {
                    "outcome": report.outcome, "weeks": report.weeks, "parameters": report.parameters,
                    "r2": report.r2, "mape": report.mape, "seasonal": report.seasonal,
                    "bootstrap": report.bootstrap, "channels": records(report.channels),
                    "curves": records(report.curves), "budget": records(report.budget),
                    "weekly_budget": report.weekly_budget, "budget_change": report.budget_change,
                    "budget_change_low": report.budget_change_low,
                    "budget_change_high": report.budget_change_high,
                }
            )  # fmt: skip
            return
        _print_mix(report, language, ws.config.currency, labels_for(ws.config))


def _write_audience(customers: Any, out: Path, hashed: bool) -> None:
    from cxlens.cli.customers import write_frame
    from cxlens.customers.rfm import hashed_emails

    frame = customers.copy()
    if hashed:
        frame["email"] = hashed_emails(frame["email"])
    write_frame(frame, out)


def _print_mix(report: Any, lang: str, currency: str, labels: Labels) -> None:
    from cxlens.reports.value_tables import figure, with_interval

    money = report.outcome == "revenue"
    form = "money" if money else "count"
    title = text(
        "mmm_title", lang, outcome=text(f"mmm_outcome_{report.outcome}", lang),
        weeks=report.weeks, parameters=report.parameters,
        r2=format_number(report.r2, lang, 2), mape=format_number(100 * report.mape, lang, 1),
    )  # fmt: skip
    headers = [text(k, lang) for k in ("channel", "carry_over", "half_saturation", "shape",
                                       "contribution", "return_per_spend", "marginal_return")]  # fmt: skip
    rows = []
    columns = (("carry_over", "ratio"), ("half_saturation", "money"), ("shape", "ratio"),
               ("contribution", form), ("return_per_spend", "ratio"), ("marginal_return", "ratio"))  # fmt: skip
    for r in report.channels.to_dict(orient="records"):
        rows.append([
            labels.name("channel", r["channel"], lang),
            *(with_interval(r[k], r[f"{k}_low"], r[f"{k}_high"], f, lang, currency) for k, f in columns),
        ])  # fmt: skip
    _show(title, headers, rows)
    b = report.budget
    headers = [text(k, lang) for k in ("channel", "current_weekly", "suggested_weekly", "limits")]
    rows = [
        [
            labels.name("channel", r["channel"], lang), figure(r["current"], "money", lang, currency),
            figure(r["suggested"], "money", lang, currency),
            f"{figure(r['low_limit'], 'money', lang, currency)} … {figure(r['high_limit'], 'money', lang, currency)}",
        ]
        for r in b.to_dict(orient="records")
    ]  # fmt: skip
    gain = with_interval(
        report.budget_change, report.budget_change_low, report.budget_change_high, form, lang,
        currency,
    )  # fmt: skip
    _show(
        text("mmm_budget_title", lang, budget=format_currency(report.weekly_budget, currency, lang), change=gain),
        headers, rows,
    )  # fmt: skip
    if not math.isfinite(report.r2) or report.r2 < 0.5:
        _note(text("mmm_poor_fit", lang, r2=format_number(report.r2, lang, 2)))
