"""Building the report: the figures from the KPI engine, charts with Plotly, HTML with Jinja2.

The HTML carries its own copy of Plotly's JavaScript, so it opens offline; every
chart also stands as a table, so the report reads without JavaScript and on paper.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxlens import periods
from cxlens.errors import CxlensError
from cxlens.i18n import (
    DEFAULT_LABELS,
    Labels,
    check_language,
    format_change,
    format_date,
    format_number,
    format_percent,
    format_period,
    format_value,
    gettext,
    install_jinja,
    labels_for,
    pgettext,
    untested_reason,
)
from cxlens.metrics.catalog import load_catalog
from cxlens.metrics.engine import kpi
from cxlens.periods import next_start
from cxlens.reports.charts import (
    PALETTE,
    axis_title,
    chart_json,
    finish,
    plotly_locale,
    trend_figure,
    unit_symbol,
)

if TYPE_CHECKING:
    from cxlens.data import WorkspaceData

TILES = (
    "nps",
    "csat",
    "ces",
    "time_to_resolution",
    "churn_rate",
    "historical_clv",
    "cac",
    "conversion_rate",
)
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # exclusive
    unit: str


def parse_period(text_: str) -> Period:
    """'2026-Q3', '2026-05' or '2026' as a local date range."""
    m = re.fullmatch(r"(\d{4})-[Qq]([1-4])", text_)
    if m:
        start = date(int(m[1]), 3 * int(m[2]) - 2, 1)
        return Period(f"{m[1]}-Q{m[2]}", start, next_start(start, "quarter"), "quarter")
    m = re.fullmatch(r"(\d{4})-(\d{2})", text_)
    if m and 1 <= int(m[2]) <= 12:
        start = date(int(m[1]), int(m[2]), 1)
        return Period(text_, start, next_start(start, "month"), "month")
    m = re.fullmatch(r"(\d{4})", text_)
    if m:
        start = date(int(m[1]), 1, 1)
        return Period(text_, start, date(start.year + 1, 1, 1), "year")
    raise CxlensError(
        f"--period {text_!r}: use a quarter (2026-Q3), a month (2026-05) or a year (2026)."
    )


def latest_quarter(ws: WorkspaceData, today: date | None = None) -> Period:
    """The latest complete quarter the answers cover with enough of them (never one still running)."""
    from cxlens.metrics.headline import headline_period

    start, _ = headline_period(ws, "quarter", today, metrics=TILES)
    return parse_period(f"{start.year}-Q{(start.month - 1) // 3 + 1}")


def _fmt(row: Mapping[Any, Any], key: str, lang: str, currency: str) -> str:
    return format_value(row.get(key), row["unit"], lang, currency)


def _undefined(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def interval_text(row: Mapping[Any, Any], lang: str, currency: str) -> str:
    """'low … high' in the metric's unit, with the exact coverage where it is not 95 %."""
    if _undefined(row.get("ci_low")) or _undefined(row.get("ci_high")):
        return ""
    shown = f"{_fmt(row, 'ci_low', lang, currency)} … {_fmt(row, 'ci_high', lang, currency)}"
    level = row.get("ci_level")
    if level is not None and not _undefined(level) and abs(float(level) - 0.95) > 1e-9:
        coverage = format_percent(100 * float(level), lang, 1)
        shown += " (" + gettext("exact coverage %(level)s", lang, level=coverage) + ")"
    return shown


def change_status(row: Mapping[Any, Any], lang: str) -> str:
    """Why a change has no arrow: not significant by its test, or not tested (n < 30)."""
    if row.get("significant"):
        return ""
    if row.get("test"):
        test = pgettext("test method", str(row["test"]), lang)
        not_significant = gettext("not significant", lang)
        return f"{not_significant} · {test}"
    reason = row.get("untested")
    return untested_reason(reason, lang) if reason else gettext("no test", lang)


def tile(row: Mapping[Any, Any], lang: str, currency: str) -> dict[str, Any]:
    """One overview tile: value, interval, n and the change with an arrow only when significant."""
    catalog = load_catalog()
    metric = catalog[row["metric"]]
    raw = row.get("change")
    has_change = not _undefined(raw)
    change = float(raw) if raw is not None and has_change else 0.0
    arrow = ""
    if has_change and row.get("significant"):
        arrow = "▲" if change > 0 else "▼"
    good = None
    if arrow:
        good = (change > 0) == metric.higher_is_better
    return {
        "id": metric.id,
        "name": metric.name(lang),
        "definition": metric.definition(lang),
        "value": _fmt(row, "value", lang, currency),
        "interval": interval_text(row, lang, currency),
        "n": format_number(row["n"], lang, 0),
        "change": format_change(change, row["unit"], lang, currency) if has_change else "",
        "status": change_status(row, lang) if has_change else "",
        "arrow": arrow,
        "good": good,
        "small": bool(row.get("small_sample")),
    }


def trend_chart(frame: pd.DataFrame, lang: str, currency: str = "EUR") -> str:
    """Monthly lines of several metrics, each with its interval band."""
    catalog = load_catalog()
    fig = trend_figure(
        frame, lang, currency, period="month", series="metric",
        series_name=lambda m: catalog[str(m)].name(lang), y_title=gettext("Value", lang), height=320,
    )  # fmt: skip
    return chart_json(fig)


def bar_chart(
    frame: pd.DataFrame, dim: str, lang: str, labels: Labels = DEFAULT_LABELS, currency: str = "EUR"
) -> str:
    """One metric per value of ``dim`` as bars with their intervals."""
    import plotly.graph_objects as go

    rows = frame.dropna(subset=["value"])
    metric = load_catalog()[str(rows["metric"].iloc[0])] if len(rows) else None
    fig = go.Figure(
        go.Bar(
            x=[labels.name(dim, v, lang) for v in rows[dim]],
            y=rows.value,
            marker={"color": PALETTE[0]},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": rows.ci_high - rows.value,
                "arrayminus": rows.value - rows.ci_low,
                "color": "#1B1F24",
            },
            customdata=[
                [format_value(r["value"], r["unit"], lang, currency), interval_text(r, lang, currency), format_number(r["n"], lang, 0)]
                for r in rows.to_dict(orient="records")
            ],
            hovertemplate="<b>%{x}</b><br>%{customdata[0]}<br>"
            + gettext("95%% interval", lang) + ": %{customdata[1]}<br>n = %{customdata[2]}<extra></extra>",
        )
    )  # fmt: skip
    y_title = (
        axis_title(metric.name(lang), unit_symbol(metric.unit, lang, currency, metric.range))
        if metric
        else gettext("Value", lang)
    )
    finish(
        fig, lang, height=300, x_title=labels.dimension(dim, lang), y_title=y_title, legend=False
    )
    return chart_json(fig)


def kpi_rows(
    frame: pd.DataFrame, dims: list[str], lang: str, currency: str,
    labels: Labels = DEFAULT_LABELS, period: str | None = None,
) -> list[dict[str, str]]:  # fmt: skip
    """Rows of KPI tables: the dimensions named (``period`` as a period of that unit)."""
    catalog = load_catalog()
    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {
                **{
                    d: format_period(row.get(d), period, lang)
                    if d == "period"
                    else labels.name(d, row.get(d), lang)
                    for d in dims
                },
                "metric": catalog[row["metric"]].name(lang),
                "value": _fmt(row, "value", lang, currency),
                "interval": interval_text(row, lang, currency),
                "n": format_number(row["n"], lang, 0) + (" *" if row.get("small_sample") else ""),
            }
        )
    return out


def _comments(
    ws: WorkspaceData, period: Period, detractors: bool, lang: str, labels: Labels, limit: int = 8
) -> list[dict[str, Any]]:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(ws.config.timezone)
    start = datetime(period.start.year, period.start.month, period.start.day, tzinfo=tz)
    end = datetime(period.end.year, period.end.month, period.end.day, tzinfo=tz)
    t = ws.table("responses")
    score = t.score <= 6 if detractors else t.score >= 9
    rows = (
        t.filter((t.kind == "nps") & score & t.comment.notnull() & (t.ts >= start) & (t.ts < end))
        .order_by(t.ts.desc())
        .limit(limit)
        .select("ts", "score", "comment", "language", "touchpoint")
        .execute()
    )
    return [
        {
            "date": format_date(pd.Timestamp(r["ts"]).tz_convert(tz).date(), lang),
            "score": format_number(r["score"], lang, 0),
            "language": labels.name("language", r["language"], lang) if r["language"] else "",
            "comment": r["comment"],
            "lang": r["language"] or "",
        }
        for r in rows.to_dict(orient="records")
    ]


def build_report(ws: WorkspaceData, period: str | None = None, lang: str | None = None) -> str:
    """The report for ``period`` (default: the latest complete quarter with answers) as one HTML page."""
    from importlib import resources

    import jinja2

    language = check_language(lang, ws.config.language)
    per = parse_period(period) if period else latest_quarter(ws)
    currency = ws.config.currency
    last_day = per.end - timedelta(days=1)
    kpis = kpi(ws, list(TILES), period=per.unit, compare="previous", start=per.start, end=last_day)
    tiles = [tile(r, language, currency) for r in kpis.to_dict(orient="records")]
    trend_start = next_start(per.end.replace(day=1), "month").replace(year=per.end.year - 1)
    trends = kpi(ws, ["nps", "csat", "ces_agree"], period="month", start=trend_start, end=last_day)
    countries = kpi(ws, "nps", by="country", start=per.start, end=last_day)
    touchpoints = kpi(ws, ["csat", "ces"], by="touchpoint", start=per.start, end=last_day)
    channels = kpi(
        ws, ["cac", "ctr", "conversion_rate", "roas"], by="channel", start=per.start, end=last_day
    )
    channels = channels[channels["n"] > 0]
    labels = labels_for(ws.config)
    env = install_jinja(
        jinja2.Environment(
            loader=jinja2.FunctionLoader(
                lambda name: (
                    resources.files("cxlens.reports")
                    .joinpath("templates", name)
                    .read_text(encoding="utf-8")
                )
            ),
            autoescape=True,
        )
    )
    plotly_js = (
        resources.files("plotly")
        .joinpath("package_data", "plotly.min.js")
        .read_text(encoding="utf-8")
    )
    html = env.get_template("report.html.j2").render(
        lang=language,
        workspace=ws.config.get("workspace", "name"),
        period=format_period(per.label, per.unit, language),
        generated=format_date(periods.local_today(ws.config.timezone), language),
        tiles=tiles,
        trend_chart=trend_chart(trends, language, currency),
        trend_table=kpi_rows(trends, ["period"], language, currency, labels, "month"),
        country_chart=bar_chart(countries, "country", language, labels, currency),
        plotly_locale=json.dumps(plotly_locale(language), ensure_ascii=False).replace("</", "<\\/"),
        country_table=kpi_rows(countries, ["country"], language, currency, labels),
        touchpoint_table=kpi_rows(touchpoints, ["touchpoint"], language, currency, labels),
        channel_table=kpi_rows(channels, ["channel"], language, currency, labels),
        analytics=_analytics(ws, per, language, currency, labels),
        detractors=_comments(ws, per, True, language, labels),
        promoters=_comments(ws, per, False, language, labels),
        plotly_js=plotly_js,
    )
    return str(html)


def _analytics(
    ws: WorkspaceData, per: Period, lang: str, currency: str, labels: Labels
) -> list[dict[str, Any]]:
    """Segments, the journey map and the drivers of NPS for the period, each as a table.

    A part the data cannot support (no orders, too few NPS answers) is left out.
    """
    from cxlens.reports.tables import (
        DRIVERS_METHOD,
        driver_rows,
        drivers_title,
        journey_map_rows,
        segment_rows,
    )

    last_day = per.end - timedelta(days=1)
    blocks: list[dict[str, Any]] = []
    try:
        from cxlens.customers.rfm import rfm, segment_summary

        result = rfm(ws, min(last_day, _last_order_day(ws)))
        summary = segment_summary(ws, result)
        rows = [row[:5] for row in segment_rows(summary, labels, lang, currency)]
        as_of = format_date(result.as_of, lang)
        blocks.append({
            "title": gettext("RFM segments as of %(date)s", lang, date=as_of),
            "headers": [labels.dimension("segment", lang), gettext("Customers", lang), gettext("Share", lang), gettext("Revenue", lang), "NPS"],
            "rows": rows,
            "note": gettext("NPS and CSAT: answers of the segment's customers in the year up to %(date)s.", lang, date=as_of),
        })  # fmt: skip
    except CxlensError:
        pass
    try:
        from cxlens.journeys.journey_map import journey_map

        m = journey_map(ws, per.start, last_day)
        # the report leaves out the time to the next stage
        rows = [row[:4] + row[5:] for row in journey_map_rows(m, lang, labels)]
        blocks.append({
            "title": gettext("Customer journey map", lang),
            "headers": [labels.dimension("stage", lang), labels.dimension("touchpoint", lang), gettext("Customers", lang), gettext("Moved on", lang), "CX"],
            "rows": rows, "note": "",
        })  # fmt: skip
    except CxlensError:
        pass
    try:
        from cxlens.journeys.drivers import drivers

        d = drivers(ws, start=per.end.replace(year=per.end.year - 1), end=last_day, bootstrap=30)
        rows = driver_rows(d.table, lang, labels, mark_not_significant=True)
        blocks.append({
            "title": drivers_title(d.respondents, d.r2, lang),
            "headers": [gettext("Driver", lang), gettext("Share of explained", lang), gettext("Direction", lang), gettext("Affected", lang), gettext("NPS gap", lang)],
            "rows": rows, "note": gettext(DRIVERS_METHOD, lang),
        })  # fmt: skip
    except CxlensError:
        pass
    return blocks


def _last_order_day(ws: WorkspaceData) -> date:
    from cxlens.customers.base import order_range

    return order_range(ws)[1]


def find_chromium() -> str:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise CxlensError(
        "PDF reports need Chromium (Debian/Ubuntu: apt-get install chromium); "
        "or write HTML with --format html."
    )


def html_to_pdf(html: str, out: Path) -> None:
    """Print ``html`` to ``out`` with headless Chromium (charts are drawn before printing)."""
    chromium = find_chromium()
    with tempfile.TemporaryDirectory(prefix="cxlens-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        cmd = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            f"--user-data-dir={tmp}/profile",
            "--no-pdf-header-footer",
            "--virtual-time-budget=10000",
            f"--print-to-pdf={out.resolve()}",
            page.as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0 or not out.exists():
            raise CxlensError(f"Chromium could not print the report: {proc.stderr.strip()[-500:]}")


def write_report(
    ws: WorkspaceData,
    out: Path,
    fmt: str | None = None,
    period: str | None = None,
    lang: str | None = None,
) -> Path:
    fmt = (fmt or out.suffix.lstrip(".") or "html").lower()
    if fmt not in ("html", "pdf"):
        raise CxlensError(f"--format {fmt!r}: use html or pdf.")
    html = build_report(ws, period, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        out.write_text(html, encoding="utf-8")
    else:
        html_to_pdf(html, out)
    return out
