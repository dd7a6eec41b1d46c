"""The dashboard's value page: what a promoter is worth, revenue at risk, and acquisition payback.

The figures are those of ``cxlens value`` and ``cxlens acquisition`` (the same
engine functions, tables from :mod:`cxlens.reports.value_tables`), cached per
warehouse version like every dashboard result. Charts use the dashboard's chart
helpers, and each has its data as a table. Analysts and admins can download the
customers at risk as CSV (it holds e-mail addresses where customers consented).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from cxlens.errors import CxlensError
from cxlens.i18n import Labels, format_currency, format_date, format_number, labels_for
from cxlens.i18n.keyed import text
from cxlens.reports import value_tables as vt
from cxlens.reports.build import chart_json
from cxlens.value.answers import GROUPINGS

EXPORTER = "analyst"
#: revenue at risk is charted by this dimension; the others are tables
CHARTED = "segment"
#: months since acquisition are charted where this many cohorts and customers reach them
MIN_COHORTS, MIN_CUSTOMERS = 3, 30


def register(
    app: FastAPI,
    ws: Any,
    page: Callable[..., HTMLResponse],
    need: Callable[..., Any],
    cached: Callable[..., Any],
) -> None:
    """Add ``/dashboard/value`` and its CSV export of the customers at risk."""
    currency = ws.config.currency

    def report(kind: str, user: dict[str, Any]) -> Any:
        from cxlens.value.report import value_report

        return cached("value", (kind,), lambda: value_report(ws, kind), user)

    def acquired(user: dict[str, Any]) -> Any:
        from cxlens.marketing.acquisition import acquisition

        return cached("acquisition", ("channel",), lambda: acquisition(ws, "channel"), user)

    @app.get("/dashboard/value", response_class=HTMLResponse, include_in_schema=False)
    def value_page(
        request: Request, kind: str = "nps", user: dict[str, Any] = Depends(need("viewer"))
    ) -> HTMLResponse:
        lang = user["language"]
        kind = kind if kind in GROUPINGS else "nps"
        view: dict[str, Any] = {
            "kind": kind, "kinds": list(GROUPINGS), "can_export": _may_export(user),
            "value_problem": None, "acquisition_problem": None,
        }  # fmt: skip
        try:
            view.update(value_view(report(kind, user), ws, lang, currency))
        except CxlensError as exc:
            view["value_problem"] = str(exc)
        try:
            view.update(acquisition_view(acquired(user), lang, currency, labels_for(ws.config)))
        except CxlensError as exc:
            view["acquisition_problem"] = str(exc)
        return page("dashboard_value.html", user, request, **view)

    @app.get("/dashboard/value/at-risk.csv", include_in_schema=False)
    def at_risk_csv(
        kind: str = "nps", hash: bool = False, user: dict[str, Any] = Depends(need(EXPORTER))
    ) -> Response:
        from cxlens.customers.rfm import hashed_emails
        from cxlens.spreadsheets import frame_csv

        if kind not in GROUPINGS:
            raise HTTPException(404, f"Unknown kind of answer {kind!r}.")
        try:
            customers = report(kind, user).risk_customers.copy()
        except CxlensError as exc:
            raise HTTPException(422, str(exc)) from None
        if hash:
            customers["email"] = hashed_emails(customers["email"])
        return Response(
            frame_csv(customers),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename=at-risk-{kind}.csv"},
        )


def _may_export(user: dict[str, Any]) -> bool:
    from cxlens.collect.accounts import ROLES

    return ROLES.index(user["role"]) >= ROLES.index(EXPORTER)


def value_view(report: Any, ws: Any, lang: str, currency: str) -> dict[str, Any]:
    """Worth per group, the matched comparison, and revenue at risk with its customers."""
    import plotly.graph_objects as go

    from cxlens.customers.segments import segment_map
    from cxlens.reports.charts import axis_title, finish, unit_symbol

    groups = report.groups
    names = [vt.group_name(g, lang) for g in groups["group"]]
    fig = go.Figure()
    for outcome in ("revenue_after", "clv"):
        fig.add_trace(
            go.Bar(
                name=text(f"outcome_{outcome}", lang), x=names, y=list(groups[outcome]),
                error_y={
                    "type": "data", "symmetric": False,
                    "array": list(groups[f"{outcome}_high"] - groups[outcome]),
                    "arrayminus": list(groups[outcome] - groups[f"{outcome}_low"]),
                },
            )
        )  # fmt: skip
    fig.update_layout(barmode="group")
    money = unit_symbol("currency", lang, currency, None)
    finish(fig, lang, height=320, y_title=axis_title(text("revenue_per_customer", lang), money))
    worth_headers, worth_rows = vt.worth_table(groups, lang, currency)
    comparison_headers, comparison_rows = vt.comparison_table(report.comparisons, lang, currency)
    seg_names = segment_map(ws.config.section("rfm"))
    by_segment = report.breakdown(CHARTED)
    by_segment = by_segment[by_segment["clv"] > 0]
    labels = [vt.segment_label(seg_names, v, lang) for v in by_segment["value"]]
    risk_fig = go.Figure(
        go.Bar(
            x=list(by_segment["clv"]), y=labels, orientation="h",
            error_x={
                "type": "data", "symmetric": False,
                "array": list((by_segment["clv_high"] - by_segment["clv"]).fillna(0)),
                "arrayminus": list((by_segment["clv"] - by_segment["clv_low"]).fillna(0)),
            },
        )
    )  # fmt: skip
    risk_fig.update_layout(yaxis={"autorange": "reversed"})
    finish(
        risk_fig, lang, height=60 + 28 * max(len(labels), 1), legend=False,
        x_title=axis_title(text("clv", lang), money),
    )  # fmt: skip
    segment_headers, segment_rows = vt.risk_breakdown_table(
        by_segment, CHARTED, lang, currency, names=seg_names
    )
    breakdowns = []
    for dim in ("touchpoint", "theme", "country"):
        part = report.breakdown(dim)
        if not part.empty:
            headers, rows = vt.risk_breakdown_table(
                part, dim, lang, currency, top=10, labels=labels_for(ws.config)
            )
            breakdowns.append({"title": text("risk_by", lang, dimension=text(dim, lang)),
                               "headers": headers, "rows": rows})  # fmt: skip
    summary_headers, summary_rows = vt.risk_summary_table(report.risk_summary, lang, currency)
    customer_headers, customer_rows = vt.risk_customer_table(
        report.risk_customers, seg_names, lang, currency, top=10
    )
    count = format_number(len(report.risk_customers), lang, 0)
    return {
        "worth_title": text(
            "value_title", lang, kind=report.kind.upper(),
            respondents=format_number(report.respondents, lang, 0),
            until=format_date(report.answered_until, lang), days=report.follow_up_days,
        ),
        "worth_figure": chart_json(fig),
        "worth_headers": worth_headers, "worth_rows": worth_rows,
        "comparison_headers": comparison_headers, "comparison_rows": comparison_rows,
        "risk_title": text(
            "risk_title", lang, months=report.horizon_months, date=format_date(report.as_of, lang),
            total=format_currency(report.total_clv, currency, lang),
        ),
        "risk_summary_headers": summary_headers, "risk_summary_rows": summary_rows,
        "risk_no_interval": not report.clv_converged,
        "risk_segment_title": text("risk_by", lang, dimension=text(CHARTED, lang)),
        "risk_figure": chart_json(risk_fig),
        "risk_segment_headers": segment_headers, "risk_segment_rows": segment_rows,
        "risk_breakdowns": breakdowns,
        "call_first_title": text("risk_call_first", lang, count=count),
        "customer_headers": customer_headers, "customer_rows": customer_rows,
    }  # fmt: skip


def acquisition_view(
    result: Any, lang: str, currency: str, labels: Labels = vt.BUILTIN_LABELS
) -> dict[str, Any]:
    """Cumulative revenue per acquired customer against each channel's CAC, and the summary."""
    import plotly.graph_objects as go

    from cxlens.i18n import gettext
    from cxlens.reports.charts import PALETTE, axis_title, finish, unit_symbol

    fig = go.Figure()
    curves = result.curves
    palette = PALETTE
    paid = [k for k in result.summary["key"] if k in set(curves["key"])]
    # a month a few cohorts reach is one cohort's luck: the chart leaves it to the table
    steady = curves[(curves["cohorts"] >= MIN_COHORTS) & (curves["customers"] >= MIN_CUSTOMERS)]
    for i, key in enumerate(paid):
        part = steady[steady["key"] == key]
        colour = palette[i % len(palette)]
        revenue = result.margin * part["revenue_per_customer"]
        fig.add_trace(
            go.Scatter(x=list(part["month"]), y=list(revenue), mode="lines+markers",
                       name=labels.name(result.by, key, lang), line={"color": colour},
                       legendgroup=str(key))
        )  # fmt: skip
        cac = part["cac"].dropna()
        if not cac.empty:
            fig.add_trace(
                go.Scatter(
                    x=list(part["month"]), y=list(part["cac"]), mode="lines",
                    name=text("cac_line", lang, channel=labels.name(result.by, key, lang)), legendgroup=str(key), showlegend=False,
                    line={"color": colour, "dash": "dot", "width": 1},
                )
            )  # fmt: skip
    fig.update_layout(xaxis={"dtick": 3})
    per_customer = text(
        "revenue_per_customer" if result.margin == 1 else "margin_per_customer", lang
    )
    finish(
        fig, lang, height=420, x_title=gettext("Months since the first order", lang),
        y_title=axis_title(per_customer, unit_symbol("currency", lang, currency, None)),
    )  # fmt: skip
    summary_headers, summary_rows = vt.acquisition_table(
        result.summary, result.by, result.horizon_months, lang, currency, labels
    )
    curve_headers, curve_rows = vt.curve_table(curves, result.by, lang, currency, labels)
    return {
        "acquisition_title": text(
            "acquisition_title", lang, by=text(result.by, lang), first=result.first_month,
            date=format_date(result.as_of, lang), margin=format_number(100 * result.margin, lang, 0),
        ),
        "acquisition_note": text("acquisition_note", lang, months=result.horizon_months),
        "acquisition_headers": summary_headers, "acquisition_rows": summary_rows,
        "curves_title": text(
            "acquisition_curves_title" if result.margin == 1 else "acquisition_margin_title", lang
        ),
        "curves_figure": chart_json(fig),
        "curve_headers": curve_headers, "curve_rows": curve_rows,
    }  # fmt: skip
