"""The dashboard: overview tiles, trends, customers, journeys and feedback, in six languages.

Every figure comes from the same engine functions as the commands (``ws.kpi``,
``cxlens.customers``, ``cxlens.journeys``). Results are cached per query and
warehouse version, so an import or ``cxlens sync`` (which changes the version)
shows new numbers at once and nothing stale is served. Charts are Plotly figures
drawn by ``/static/plotly.min.js`` (served by the app, no CDN) and each has its
data as a table, which is what shows without JavaScript.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any, cast

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse

from cxlens import periods
from cxlens.errors import CxlensError
from cxlens.i18n import (
    Labels,
    format_currency,
    format_date,
    format_number,
    format_percent,
    format_period,
    format_value,
    gettext,
    labels_for,
    pgettext,
)
from cxlens.journeys.base import ORDER
from cxlens.journeys.paths import EXIT
from cxlens.metrics.catalog import load_catalog
from cxlens.periods import parse_date
from cxlens.reports.build import TILES, tile
from cxlens.reports.charts import axis_title, chart_json, trend_figure, unit_symbol
from cxlens.reports.journey_cards import journey_stages
from cxlens.reports.tables import (
    attribution_title,
    cohorts_title,
    driver_rows,
    drivers_title,
    funnel_title,
    journey_map_rows,
    paths_title,
    segment_rows,
)
from cxlens.web import feedback_page
from cxlens.web.chart_assets import register_assets
from cxlens.web.compute import Busy, ResultCache
from cxlens.web.dashboard_charts import (
    attribution_bars,
    breakdown_trend,
    clv_bars,
    cohort_heatmap,
    drivers_bars,
    funnel_chart,
    paths_sankey,
    rfm_grid,
)

PERIODS = ("month", "quarter", "year")
DIMENSIONS = (
    "country",
    "language",
    "channel",
    "touchpoint",
    "campaign",
    "stage",
    "segment",
    "theme",
    "sentiment",
)
DEFAULT_FUNNEL = ("website_visit", "product_page", "cart", "checkout", "order")
#: at most this many funnel steps (``?steps=``), each a touchpoint of the events table
MAX_STEPS = 10
#: the journeys page shows the latest complete quarter unless ?period= says otherwise
JOURNEY_PERIOD = "quarter"
#: the warm-up's turn in the compute queue
WARM_UP = "(warm-up)"


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def warm_up(ws: Any, cache: ResultCache, stop: threading.Event, every: float = 30.0) -> None:
    """Compute the heavy pages' data ahead of the first visitor, again whenever the warehouse changes."""
    seen = None
    while not stop.is_set():
        try:
            version = ws.warehouse.version()
            if version != seen:
                steps = tuple(DEFAULT_FUNNEL)
                cache.get(("customers", (), version), lambda: _customer_data(ws), WARM_UP)
                span = cache.get(
                    ("journey_period", (JOURNEY_PERIOD,), version),
                    partial(journey_period, ws, JOURNEY_PERIOD), WARM_UP,
                )  # fmt: skip
                cache.get(("journeys", span, version), partial(_journey_data, ws, *span), WARM_UP)
                cache.get(
                    ("funnel", (steps, *span), version),
                    partial(_funnel_data, ws, steps, *span), WARM_UP,
                )  # fmt: skip
                seen = version
        except Exception:  # a visitor's request computes it then (and shows the error)
            seen = None
        stop.wait(every)


def register(
    app: FastAPI,
    ws: Any,
    collector: Any,
    page: Callable[..., HTMLResponse],
    need: Callable[..., Any],
    warm: bool = True,
) -> Callable[..., Any]:
    """Add the dashboard's pages; return the function that caches results per warehouse version."""
    register_assets(app)
    cache = ResultCache()
    if warm:
        stop = threading.Event()
        app.state.dashboard_stop = stop
        threading.Thread(target=warm_up, args=(ws, cache, stop), daemon=True).start()
    catalog = load_catalog()
    currency = ws.config.currency
    labels = labels_for(ws.config)

    def cached(
        name: str, params: tuple[Any, ...], compute: Callable[[], Any], viewer: dict[str, Any]
    ) -> Any:
        """The result of ``compute`` for the current warehouse, computed in ``viewer``'s turn."""
        try:
            return cache.get((name, params, ws.warehouse.version()), compute, viewer["username"])
        except Busy:
            raise HTTPException(
                429,
                gettext("Too many requests; please wait a moment.", viewer["language"]),
                headers={"Retry-After": "5"},
            ) from None

    def last_day(viewer: dict[str, Any]) -> date:
        def compute() -> date:
            t = ws.table("responses")
            last = t.ts.max().execute()
            if last is None or pd.isna(last):
                return date.today()
            stamp = pd.Timestamp(last)
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
            return stamp.tz_convert(ws.config.timezone).date()

        return cached("last_day", (), compute, viewer)

    def overview_period(period: str, today: date, viewer: dict[str, Any]) -> tuple[date, date]:
        """The latest complete period the data covers with enough answers (never one still running)."""
        from cxlens.metrics.headline import headline_period

        return cast(
            tuple[date, date],
            cached(
                "overview_period",
                (period, today),
                lambda: headline_period(ws, period, today, metrics=TILES),
                viewer,
            ),
        )

    def later_notes(period: str, shown_end: date, today: date, viewer: dict[str, Any]) -> list[str]:
        """One line on each period after the one shown that has answers: the period still
        running (its NPS to date), and any period the overview passed over because the data
        stops before its end or it has too few answers (its NPS so far), so a manager sees
        where the newer answers are."""
        from cxlens.metrics.engine import covered_days

        lang = viewer["language"]
        _, covered_to = cached("covered", (), lambda: covered_days(ws, TILES), viewer)
        notes: list[str] = []
        after = shown_end + timedelta(days=1)
        if after > today:
            return notes
        frame = cached(
            "later", (period, after, today),
            lambda: ws.kpi("nps", period=period, start=after, end=today), viewer,
        )  # fmt: skip
        starts = {}  # each period's label -> its first day
        first = periods.floor_date(after, period)
        while first <= today:
            starts[periods.label(first, period)] = first
            first = periods.next_start(first, period)
        for row in frame.to_dict(orient="records"):
            if not row["n"] or str(row["period"]) not in starts:
                continue
            first = starts[str(row["period"])]
            end = min(periods.next_start(first, period) - timedelta(days=1), today)
            value = "NPS " + format_value(row["value"], row["unit"], lang, currency)
            n = format_number(row["n"], lang, 0)
            shown = format_period(periods.label(first, period), period, lang)
            if end == today:
                to_date = pgettext("period", "to date", lang)
                label = f"{shown} ({to_date})"
                notes.append(gettext("%(period)s is still running: %(value)s so far (n = %(n)s).",
                                     lang, period=label, value=value, n=n))  # fmt: skip
            elif covered_to < end:
                notes.append(gettext(
                    "%(period)s is not shown: the data ends on %(day)s. Its answers so far: "
                    "%(value)s (n = %(n)s).",
                    lang, period=shown, day=format_date(covered_to, lang), value=value, n=n,
                ))  # fmt: skip
            else:
                notes.append(gettext(
                    "%(period)s is not shown: too few answers to judge it, %(value)s (n = %(n)s).",
                    lang, period=shown, value=value, n=n,
                ))  # fmt: skip
        return notes

    def funnel_steps(asked: str | None, viewer: dict[str, Any]) -> tuple[str, ...]:
        """The funnel's steps from ``?steps=``: at most MAX_STEPS touchpoints that occur in events
        (or ``order``, an order from the orders table)."""
        if not asked:
            return DEFAULT_FUNNEL
        steps = tuple(asked.split())
        lang = viewer["language"]
        if len(steps) > MAX_STEPS:
            too_many = gettext(
                "A funnel has at most %(most)s steps; steps= gives %(given)s.",
                lang, most=MAX_STEPS, given=len(steps),
            )  # fmt: skip
            raise HTTPException(422, too_many)

        def compute() -> frozenset[str]:
            t = ws.table("events")
            seen = t.select("touchpoint").distinct().execute()["touchpoint"].dropna()
            return frozenset([*seen, ORDER])

        known = cached("touchpoints", (), compute, viewer)
        unknown = [s for s in steps if s not in known]
        if unknown:
            shown = ", ".join(repr(s[:64]) for s in unknown[:3])
            raise HTTPException(
                422, gettext("steps=: no event has the touchpoint %(names)s.", lang, names=shown)
            )
        return steps

    @app.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
    def overview(
        request: Request, period: str = "month", user: dict[str, Any] = Depends(need("viewer"))
    ) -> HTMLResponse:
        period = period if period in PERIODS else "month"
        lang = user["language"]
        today = periods.local_today(ws.config.timezone)
        start, end = overview_period(period, today, user)
        frame = cached(
            "tiles",
            (period, start, end),
            lambda: ws.kpi(list(TILES), period=period, start=start, end=end, compare="previous"),
            user,
        )
        rows = frame.drop_duplicates("metric", keep="last")  # one tile per metric: the period shown
        tiles = [tile(r, lang, currency) for r in rows.to_dict(orient="records")]
        label = f"{format_date(start, lang)} – {format_date(end, lang)}"
        return page(
            "dashboard_overview.html",
            user,
            request,
            tiles=tiles,
            period=period,
            periods=PERIODS,
            period_label=label,
            notes=later_notes(period, end, today, user),
        )

    @app.get("/dashboard/trends", response_class=HTMLResponse, include_in_schema=False)
    def trends(request: Request, user: dict[str, Any] = Depends(need("viewer"))) -> HTMLResponse:
        lang = user["language"]
        q = request.query_params
        metric = q.get("metric", "nps")
        if metric not in catalog:
            raise HTTPException(404, f"Unknown metric {metric!r}.")
        period = q.get("period", "month")
        period = period if period in PERIODS else "month"
        by = [b for b in (q.get("by") or "").split(",") if b]
        filters = [(k[2:], v) for k, v in q.items() if k.startswith("f_") and v]
        for dim, _value in filters:
            if not dim.isidentifier():
                raise HTTPException(422, f"Bad filter name {dim!r}.")
        where = (
            " and ".join(
                f"{dim} = '{value.replace(chr(39), chr(39) * 2)}'" for dim, value in filters
            )
            or None
        )
        try:
            last = parse_date(q.get("to"), "to") or last_day(user)
            first = parse_date(q.get("from"), "from") or last - timedelta(days=730)
            start, end = first.isoformat(), last.isoformat()
            frame = cached(
                "trend", (metric, period, tuple(by), where, start, end),
                lambda: ws.kpi(metric, by=by, period=period, start=start, end=end, where=where), user,
            )  # fmt: skip
        except CxlensError as exc:
            raise HTTPException(422, str(exc)) from None
        figure, headers, rows = _trend(frame, metric, by, period, lang, currency, catalog, labels)
        return page(
            "dashboard_trends.html", user, request, metric=metric, metric_name=catalog[metric].name(lang),
            page_title=f"{gettext('Trends', lang)}: {catalog[metric].name(lang)}",
            metrics=[(m.id, m.name(lang)) for m in catalog.values()], dimensions=DIMENSIONS,
            by=by[0] if by else "", period=period, periods=PERIODS, start=start, end=end,
            filters=filters, figure=figure, headers=headers, rows=rows,
        )  # fmt: skip

    @app.get("/dashboard/customers", response_class=HTMLResponse, include_in_schema=False)
    def customers(request: Request, user: dict[str, Any] = Depends(need("viewer"))) -> HTMLResponse:
        lang = user["language"]
        try:
            data = cached("customers", (), lambda: _customer_data(ws), user)
        except CxlensError as exc:
            raise HTTPException(422, str(exc)) from None
        return page(
            "dashboard_customers.html",
            user,
            request,
            **_customer_view(data, lang, currency, labels),
        )

    @app.get("/dashboard/journeys", response_class=HTMLResponse, include_in_schema=False)
    def journeys(request: Request, user: dict[str, Any] = Depends(need("viewer"))) -> HTMLResponse:
        lang = user["language"]
        steps = funnel_steps(request.query_params.get("steps"), user)
        period = request.query_params.get("period", JOURNEY_PERIOD)
        period = period if period in PERIODS else JOURNEY_PERIOD
        try:
            start, end = cached(
                "journey_period", (period,), partial(journey_period, ws, period), user
            )
            data = {
                **cached("journeys", (start, end), partial(_journey_data, ws, start, end), user),
                "funnel": cached(
                    "funnel",
                    (steps, start, end),
                    partial(_funnel_data, ws, steps, start, end),
                    user,
                ),
            }
        except CxlensError as exc:  # a table the page needs is not there yet
            raise HTTPException(422, str(exc)) from None
        return page(
            "dashboard_journeys.html", user, request, period=period, periods=PERIODS,
            period_label=format_period(periods.label(start, period), period, lang),
            steps=" ".join(steps) if steps != DEFAULT_FUNNEL else "",
            **_journey_view(data, steps, lang, currency, labels),
        )  # fmt: skip

    @app.get("/metrics/{metric_id}", response_class=HTMLResponse, include_in_schema=False)
    def metric_page(
        metric_id: str, request: Request, user: dict[str, Any] = Depends(need("viewer"))
    ) -> HTMLResponse:
        if metric_id not in catalog:
            raise HTTPException(404, "No such metric.")
        m = catalog[metric_id]
        lang = user["language"]
        return page(
            "metric.html", user, request, metric_id=m.id, metric_name=m.name(lang), definition=m.definition(lang),
            page_title=m.name(lang),
            formula=m.formula(lang), unit=m.unit_name(lang), better=m.better_name(lang),
            interval=m.interval_name(lang), test=m.test_name(lang),
        )  # fmt: skip

    feedback_page.register(app, ws, collector, page, need, cached, labels)
    return cached


def _trend(
    frame: pd.DataFrame, metric: str, by: list[str], period: str, lang: str, currency: str,
    catalog: Any, labels: Labels,
) -> tuple[str, list[str], list[list[str]]]:  # fmt: skip
    m = catalog[metric]
    y_title = axis_title(m.name(lang), unit_symbol(m.unit, lang, currency, m.range))
    if by:
        figure = breakdown_trend(
            frame, by[0], lang, currency, period=period, y_title=y_title,
            name=lambda dim, v: labels.name(dim, v, lang),
        )  # fmt: skip
    else:
        figure = chart_json(
            trend_figure(
                frame, lang, currency, period=period, series="metric",
                series_name=lambda _: m.name(lang), y_title=y_title,
            )
        )  # fmt: skip
    headers = [
        *(labels.dimension(d, lang) for d in by),
        gettext("Period", lang),
        gettext("Value", lang),
        gettext("95%% interval", lang),
        "n",
    ]
    rows: list[list[str]] = []
    for r in frame.to_dict(orient="records"):
        interval = (
            ""
            if _nan(r.get("ci_low"))
            else f"{format_value(r['ci_low'], m.unit, lang, currency)} … {format_value(r['ci_high'], m.unit, lang, currency)}"
        )
        rows.append(
            [
                *(labels.name(d, r[d], lang) for d in by),
                format_period(r["period"], period, lang),
                format_value(r["value"], m.unit, lang, currency),
                interval,
                format_number(r["n"], lang, 0),
            ]
        )
    return figure, headers, rows


def _customer_data(ws: Any) -> dict[str, Any]:
    from cxlens.customers.cohorts import cohort_retention
    from cxlens.customers.rfm import rfm, segment_summary
    from cxlens.customers.value import predict_clv

    result = rfm(ws)
    table = result.table
    grid = table.group_by(["r_score", "f_score"]).aggregate(customers=table.count()).execute()
    clv = predict_clv(ws)
    return {
        "as_of": result.as_of,
        "segments": segment_summary(ws, result),
        "names": result.segments,
        "grid": grid,
        "cohorts": cohort_retention(ws, "first", "month", 12),
        "clv": clv.distribution(),
        "clv_totals": clv.totals(),
    }


def _customer_view(
    data: dict[str, Any], lang: str, currency: str, labels: Labels
) -> dict[str, Any]:
    grid = data["grid"].pivot_table(
        index="r_score", columns="f_score", values="customers", fill_value=0
    )
    grid = grid.reindex(index=range(5, 0, -1), columns=range(1, 6), fill_value=0)
    seg = data["segments"]
    rows_by_segment = segment_rows(seg, labels, lang, currency)
    cohorts = data["cohorts"].matrix()
    cohort_names = [format_period(c, "month", lang) for c in cohorts.index]
    cohort_rows = [
        [name, *("" if math.isnan(v) else format_percent(100 * v, lang, 0) for v in row)]
        for name, (_, row) in zip(cohort_names, cohorts.iterrows(), strict=True)
    ]
    clv = data["clv"]
    clv_rows = [
        [str(r["decile"]), format_number(r["customers"], lang, 0), f"{format_currency(r['clv_min'], currency, lang)} … {format_currency(r['clv_max'], currency, lang)}", format_currency(r["clv_total"], currency, lang), format_percent(100 * r["share"], lang, 1)]
        for r in clv.to_dict(orient="records")
    ]  # fmt: skip
    totals = data["clv_totals"]
    total, mean = gettext("Total CLV", lang), gettext("Mean CLV", lang)
    clv_title = f"{total}: {format_currency(totals['clv_total'], currency, lang)} · {mean}: {format_currency(totals['clv_mean'], currency, lang)}"
    return {
        "as_of": format_date(data["as_of"], lang),
        "grid_figure": rfm_grid(grid, lang),
        "grid_headers": [gettext("Recency score", lang), *(f"F{c}" for c in grid.columns)],
        "grid_rows": [
            [f"R{r}", *(format_number(v, lang, 0) for v in row)] for r, row in grid.iterrows()
        ],
        "segment_headers": [
            labels.dimension("segment", lang),
            gettext("Customers", lang),
            gettext("Share", lang),
            gettext("Revenue", lang),
            "NPS",
            "CSAT",
        ],
        "segment_rows": rows_by_segment,
        "cohorts_title": cohorts_title("first", "month", lang),
        "cohort_figure": cohort_heatmap(cohorts, cohort_names, lang),
        "cohort_headers": [gettext("Cohort", lang), *(f"+{c}" for c in cohorts.columns)],
        "cohort_rows": cohort_rows,
        "clv_title": clv_title,
        "clv_figure": clv_bars(clv, lang, currency),
        "clv_headers": [
            gettext("Decile", lang),
            gettext("Customers", lang),
            gettext("Range", lang),
            total,
            gettext("Share", lang),
        ],
        "clv_rows": clv_rows,
    }


def journey_period(ws: Any, period: str) -> tuple[date, date]:
    """The latest complete ``period`` the events cover (local days): the journeys page's range."""
    t = ws.table("events")
    last = t.ts.max().execute()
    if last is None or pd.isna(last):
        return periods.last_complete_period(period, periods.local_today(ws.config.timezone))
    stamp = pd.Timestamp(last)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    last_day = stamp.tz_convert(ws.config.timezone).date()
    return periods.last_complete_period(period, last_day + timedelta(days=1))


def _funnel_data(
    ws: Any, steps: tuple[str, ...], start: date | None = None, end: date | None = None
) -> pd.DataFrame | None:
    from cxlens.journeys.funnel import funnel

    try:
        return funnel(ws, list(steps), start=start, end=end).table
    except CxlensError:
        return None


def _journey_data(ws: Any, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    """The journey page's results for local days ``start`` to ``end`` (not the funnel's)."""
    from cxlens.journeys.attribution import attribute
    from cxlens.journeys.drivers import drivers
    from cxlens.journeys.journey_map import journey_map
    from cxlens.journeys.paths import paths

    out: dict[str, Any] = {
        "map": journey_map(ws, start, end),
        "paths": paths(ws, steps=4, top=10, start=start, end=end),
    }
    out["attribution"] = attribute(ws, start=start, end=end).table
    try:
        out["drivers"] = drivers(ws, start=start, end=end, bootstrap=20)
    except CxlensError:  # too few answers in the period: the page says so in its place
        out["drivers"] = None
    return out


def _journey_view(
    data: dict[str, Any], steps: tuple[str, ...], lang: str, currency: str, labels: Labels
) -> dict[str, Any]:
    def namer(dimension: str, value: Any) -> str:
        return labels.name(dimension, value, lang)

    m = data["map"]
    map_rows = journey_map_rows(m, lang, labels)
    view: dict[str, Any] = {
        "map_headers": [
            labels.dimension("stage", lang),
            labels.dimension("touchpoint", lang),
            gettext("Customers", lang),
            gettext("Moved on", lang),
            gettext("Median time to next stage", lang),
            "CX",
        ],
        "map_rows": map_rows,
        "stages": journey_stages(m, lang, labels),
        "funnel_figure": None,
    }
    f = data["funnel"]
    if f is not None:
        names = [labels.name("touchpoint", t, lang) for t in f["touchpoint"]]
        view.update(
            funnel_title=funnel_title("ordered", timedelta(days=14), lang),
            funnel_figure=funnel_chart(f, lang, namer),
            funnel_headers=[gettext("Step", lang), labels.dimension("touchpoint", lang), gettext("Customers", lang), gettext("From first step", lang), gettext("From previous step", lang)],
            funnel_rows=[[str(r["step"]), name, format_number(r["customers"], lang, 0), format_percent(100 * r["from_start"], lang, 1), format_percent(100 * r["from_previous"], lang, 1)] for name, r in zip(names, f.to_dict(orient="records"), strict=True)],
        )  # fmt: skip
    p = data["paths"]
    view.update(
        paths_title=paths_title(p.sessions, lang),
        paths_figure=paths_sankey(p.nodes, p.links, namer("touchpoint", EXIT), lang, namer),
        paths_headers=[gettext("Path", lang), gettext("Sessions", lang), gettext("Share", lang)],
        paths_rows=[[labels.path(r["sequence"], lang), format_number(r["sessions"], lang, 0), format_percent(100 * r["share"], lang, 1)] for r in p.sequences.to_dict(orient="records")],
    )  # fmt: skip
    a = data["attribution"]
    wide = a.pivot_table(
        index="channel", columns="model", values="conversions", aggfunc="sum"
    ).fillna(0)
    channel_names = [labels.name("channel", ch, lang) for ch in wide.index]
    model_names = [labels.name("model", model, lang) for model in wide.columns]
    conversions = int(a[a["model"] == "last"]["conversions"].sum())
    view.update(
        attribution_title=attribution_title(labels.dimension("channel", lang), conversions, timedelta(days=30), lang),
        attribution_figure=attribution_bars(wide, lang, namer),
        attribution_headers=[labels.dimension("channel", lang), *model_names],
        attribution_rows=[[name, *(format_number(v, lang, 0) for v in row)] for name, (_, row) in zip(channel_names, wide.iterrows(), strict=True)],
    )  # fmt: skip
    d = data["drivers"]
    if d is None:
        from cxlens.journeys.drivers import MIN_RESPONDENTS

        view.update(
            drivers_title=gettext("What drives NPS", lang), drivers_figure=None,
            drivers_note=gettext(
                "Key drivers need at least %(count)s customers with an NPS answer in the period;"
                " this period has fewer.", lang, count=format_number(MIN_RESPONDENTS, lang, 0),
            ),
        )  # fmt: skip
        return view
    rows = driver_rows(d.table, lang, labels, mark_not_significant=False)
    view.update(
        drivers_title=drivers_title(d.respondents, d.r2, lang),
        drivers_figure=drivers_bars(d.table, [row[0] for row in rows], lang),
        drivers_headers=[gettext("Driver", lang), gettext("Share of explained", lang), gettext("Direction", lang), gettext("Affected", lang), gettext("NPS gap", lang)],
        drivers_rows=rows,
    )  # fmt: skip
    return view
