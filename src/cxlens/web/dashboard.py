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
from importlib import resources
from typing import Any, cast

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from cxlens import periods
from cxlens.errors import CxlensError
from cxlens.i18n import (
    format_currency,
    format_date,
    format_number,
    format_percent,
    format_value,
    text,
)
from cxlens.i18n.messages import MESSAGES
from cxlens.journeys.base import ORDER
from cxlens.metrics.catalog import load_catalog
from cxlens.periods import parse_date
from cxlens.reports.build import TILES, chart_json, tile, trend_chart
from cxlens.reports.tables import driver_rows, journey_map_rows, segment_rows
from cxlens.web.compute import Busy, ResultCache

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
#: the warm-up's turn in the compute queue
WARM_UP = "(warm-up)"


def _layout(fig: Any, height: int = 340) -> Any:
    fig.update_layout(
        margin={"l": 40, "r": 10, "t": 10, "b": 40}, height=height, legend={"orientation": "h"}
    )
    return fig


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
                cache.get(("journeys", (), version), partial(_journey_data, ws), WARM_UP)
                cache.get(("funnel", steps, version), partial(_funnel_data, ws, steps), WARM_UP)
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
    cache = ResultCache()
    if warm:
        stop = threading.Event()
        app.state.dashboard_stop = stop
        threading.Thread(target=warm_up, args=(ws, cache, stop), daemon=True).start()
    catalog = load_catalog()
    currency = ws.config.currency

    def cached(
        name: str, params: tuple[Any, ...], compute: Callable[[], Any], viewer: dict[str, Any]
    ) -> Any:
        """The result of ``compute`` for the current warehouse, computed in ``viewer``'s turn."""
        try:
            return cache.get((name, params, ws.warehouse.version()), compute, viewer["username"])
        except Busy:
            raise HTTPException(
                429, text("too_many", viewer["language"]), headers={"Retry-After": "5"}
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

    def running_note(period: str, today: date, viewer: dict[str, Any]) -> str:
        """One line on the period still running: its NPS so far, marked as to date."""
        lang = viewer["language"]
        start = periods.floor_date(today, period)
        frame = cached(
            "running",
            (period, start, today),
            lambda: ws.kpi("nps", start=start, end=today),
            viewer,
        )
        row = frame.iloc[0].to_dict()
        if not row["n"]:
            return ""
        label = f"{periods.label(start, period)} ({text('to_date', lang)})"
        value = format_value(row["value"], row["unit"], lang, currency)
        return text("running_period_note", lang, period=label, value=f"NPS {value}",
                    n=format_number(row["n"], lang, 0))  # fmt: skip

    def funnel_steps(asked: str | None, viewer: dict[str, Any]) -> tuple[str, ...]:
        """The funnel's steps from ``?steps=``: at most MAX_STEPS touchpoints that occur in events
        (or ``order``, an order from the orders table)."""
        if not asked:
            return DEFAULT_FUNNEL
        steps = tuple(asked.split())
        if len(steps) > MAX_STEPS:
            raise HTTPException(
                422, f"A funnel has at most {MAX_STEPS} steps; steps= gives {len(steps)}."
            )

        def compute() -> frozenset[str]:
            t = ws.table("events")
            seen = t.select("touchpoint").distinct().execute()["touchpoint"].dropna()
            return frozenset([*seen, ORDER])

        known = cached("touchpoints", (), compute, viewer)
        unknown = [s for s in steps if s not in known]
        if unknown:
            shown = ", ".join(repr(s[:64]) for s in unknown[:3])
            raise HTTPException(422, f"steps=: no event has the touchpoint {shown}.")
        return steps

    @app.get("/assets/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        body = resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()
        return Response(
            body, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
        )

    @app.get("/assets/plotly.css", include_in_schema=False)
    def plotly_styles() -> Response:
        from cxlens.web.plotly_css import plotly_css

        return Response(
            plotly_css(), media_type="text/css", headers={"Cache-Control": "public, max-age=86400"}
        )

    @app.get("/assets/plotly-maps.css", include_in_schema=False)
    def plotly_map_styles() -> Response:
        from cxlens.web.plotly_css import map_css

        return Response(
            map_css(), media_type="text/css", headers={"Cache-Control": "public, max-age=86400"}
        )

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
            running=running_note(period, today, user),
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
        figure, headers, rows = _trend(frame, metric, by, lang, currency, catalog)
        return page(
            "dashboard_trends.html", user, request, metric=metric, metric_name=catalog[metric].name(lang),
            metrics=[(m.id, m.name(lang)) for m in catalog.values()], dimensions=DIMENSIONS,
            by=by[0] if by else "", period=period, periods=PERIODS, start=start, end=end,
            filters=filters, figure=figure, headers=headers, rows=rows, has_text=lambda k: k in MESSAGES,
        )  # fmt: skip

    @app.get("/dashboard/customers", response_class=HTMLResponse, include_in_schema=False)
    def customers(request: Request, user: dict[str, Any] = Depends(need("viewer"))) -> HTMLResponse:
        lang = user["language"]
        try:
            data = cached("customers", (), lambda: _customer_data(ws), user)
        except CxlensError as exc:
            raise HTTPException(422, str(exc)) from None
        return page(
            "dashboard_customers.html", user, request, **_customer_view(data, lang, currency)
        )

    @app.get("/dashboard/journeys", response_class=HTMLResponse, include_in_schema=False)
    def journeys(request: Request, user: dict[str, Any] = Depends(need("viewer"))) -> HTMLResponse:
        lang = user["language"]
        steps = funnel_steps(request.query_params.get("steps"), user)
        try:
            data = {
                **cached("journeys", (), partial(_journey_data, ws), user),
                "funnel": cached("funnel", steps, partial(_funnel_data, ws, steps), user),
            }
        except CxlensError as exc:  # a table the page needs is not there yet
            raise HTTPException(422, str(exc)) from None
        return page(
            "dashboard_journeys.html", user, request, **_journey_view(data, steps, lang, currency)
        )

    @app.get("/dashboard/feedback", response_class=HTMLResponse, include_in_schema=False)
    def feedback(request: Request, user: dict[str, Any] = Depends(need("viewer"))) -> HTMLResponse:
        lang = user["language"]

        def latest() -> list[dict[str, Any]]:
            t = ws.table("responses")
            # sentiment and theme are there once `cxlens text analyse` has run
            extra = [
                c
                for c in ("comment_language", "sentiment", "theme", "theme_sentiment")
                if c in t.columns
            ]
            rows = (
                t.filter(t.comment.notnull()).order_by(t.ts.desc()).limit(50)
                .select("ts", "kind", "score", "language", "touchpoint", "comment", *extra).execute()
            )  # fmt: skip
            return rows.to_dict(orient="records")

        comments = []
        for c in cached("comments", (), latest, user):
            stamp = pd.Timestamp(c["ts"])
            comments.append(
                {
                    "when": format_date(stamp.tz_convert(ws.config.timezone).date() if stamp.tzinfo else stamp.date(), lang),
                    "kind": c["kind"], "score": "" if _nan(c["score"]) else format_number(c["score"], lang, 0),
                    "language": c.get("comment_language") or c["language"] or "",
                    "touchpoint": c["touchpoint"] or "", "comment": c["comment"],
                    "sentiment": text(f"sentiment_{c['sentiment']}", lang) if isinstance(c.get("sentiment"), str) else "",
                    "theme": c.get("theme") if isinstance(c.get("theme"), str) else "",
                    "themes": _theme_moods(c.get("theme_sentiment"), lang),
                }
            )  # fmt: skip
        cases = collector.cases(limit=50)
        for c in cases:
            c["opened"] = format_date(c["opened_at"].date(), lang) if c["opened_at"] else "–"
        themes = [
            {
                "theme": r["theme"],
                "comments": format_number(r["comments"], lang, 0),
                "negative": "–" if _nan(r["negative"]) else format_percent(100 * r["negative"], lang, 0),
                "positive": "–" if _nan(r["positive"]) else format_percent(100 * r["positive"], lang, 0),
                "impact": "–" if _nan(r["nps_impact"]) else format_number(r["nps_impact"], lang, 1),
                "significant": not _nan(r["p_value"]) and r["p_value"] < 0.05,
            }
            for r in cached("themes", (), lambda: _theme_rows(ws), user)
        ]  # fmt: skip
        return page(
            "dashboard_feedback.html", user, request, comments=comments, cases=cases, themes=themes
        )

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
            formula=m.formula, unit=m.unit, better=m.better, interval=m.interval, test=m.test,
        )  # fmt: skip

    return cached


def _trend(
    frame: pd.DataFrame, metric: str, by: list[str], lang: str, currency: str, catalog: Any
) -> tuple[str, list[str], list[list[str]]]:
    import plotly.graph_objects as go

    from cxlens.i18n import format_value

    m = catalog[metric]
    if by:
        fig = go.Figure()
        dim = by[0]
        for value, part in frame.dropna(subset=["value"]).groupby(dim, sort=True):
            fig.add_trace(
                go.Scatter(x=part["period"], y=part["value"], mode="lines+markers", name=str(value))
            )
        figure = chart_json(_layout(fig))
    else:
        figure = trend_chart(frame, lang)
    headers = [
        *(text(d, lang) if d in MESSAGES else d for d in by),
        text("period", lang),
        text("value", lang),
        text("interval", lang),
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
                *(str(r[d]) for d in by),
                str(r["period"]),
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


def _customer_view(data: dict[str, Any], lang: str, currency: str) -> dict[str, Any]:
    import plotly.graph_objects as go

    names = data["names"]
    grid = data["grid"].pivot_table(
        index="r_score", columns="f_score", values="customers", fill_value=0
    )
    grid = grid.reindex(index=range(5, 0, -1), columns=range(1, 6), fill_value=0)
    grid_fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[f"F{c}" for c in grid.columns],
            y=[f"R{r}" for r in grid.index],
            colorscale="Blues",
            text=grid.to_numpy(),
            texttemplate="%{text}",
        )
    )
    seg = data["segments"]
    rows_by_segment = segment_rows(seg, names, lang, currency)
    cohorts = data["cohorts"].matrix()
    cohort_fig = go.Figure(
        go.Heatmap(
            z=(100 * cohorts).round(1).to_numpy(),
            x=[f"+{c}" for c in cohorts.columns],
            y=list(cohorts.index),
            colorscale="Greens",
            zmin=0,
            zmax=60,
        )
    )
    cohort_rows = [
        [str(i), *("" if math.isnan(v) else format_percent(100 * v, lang, 0) for v in row)]
        for i, row in cohorts.iterrows()
    ]
    clv = data["clv"]
    clv_fig = go.Figure(go.Bar(x=[str(d) for d in clv["decile"]], y=clv["clv_total"]))
    clv_rows = [
        [str(r["decile"]), format_number(r["customers"], lang, 0), f"{format_currency(r['clv_min'], currency, lang)} … {format_currency(r['clv_max'], currency, lang)}", format_currency(r["clv_total"], currency, lang), format_percent(100 * r["share"], lang, 1)]
        for r in clv.to_dict(orient="records")
    ]  # fmt: skip
    totals = data["clv_totals"]
    clv_title = f"{text('clv_total', lang)}: {format_currency(totals['clv_total'], currency, lang)} · {text('clv_mean', lang)}: {format_currency(totals['clv_mean'], currency, lang)}"
    return {
        "as_of": data["as_of"].isoformat(),
        "grid_figure": chart_json(_layout(grid_fig, 360)),
        "grid_headers": [text("recency_score", lang), *(f"F{c}" for c in grid.columns)],
        "grid_rows": [
            [f"R{r}", *(format_number(v, lang, 0) for v in row)] for r, row in grid.iterrows()
        ],
        "segment_headers": [
            text(k, lang)
            for k in ("segment", "customers", "share", "revenue", "nps_short", "csat_short")
        ],
        "segment_rows": rows_by_segment,
        "cohort_figure": chart_json(_layout(cohort_fig, 420)),
        "cohort_headers": [text("cohort", lang), *(f"+{c}" for c in cohorts.columns)],
        "cohort_rows": cohort_rows,
        "clv_title": clv_title,
        "clv_figure": chart_json(_layout(clv_fig)),
        "clv_headers": [
            text(k, lang) for k in ("decile", "customers", "range", "clv_total", "share")
        ],
        "clv_rows": clv_rows,
    }


def _funnel_data(ws: Any, steps: tuple[str, ...]) -> pd.DataFrame | None:
    from cxlens.journeys.funnel import funnel

    try:
        return funnel(ws, list(steps)).table
    except CxlensError:
        return None


def _journey_data(ws: Any) -> dict[str, Any]:
    """The journey page's results that do not depend on the funnel's steps."""
    from cxlens.journeys.attribution import attribute
    from cxlens.journeys.drivers import drivers
    from cxlens.journeys.journey_map import journey_map
    from cxlens.journeys.paths import paths

    out: dict[str, Any] = {"map": journey_map(ws), "paths": paths(ws, steps=4, top=10)}
    out["attribution"] = attribute(ws).table
    out["drivers"] = drivers(ws, bootstrap=20)
    return out


def _journey_view(
    data: dict[str, Any], steps: tuple[str, ...], lang: str, currency: str
) -> dict[str, Any]:
    import plotly.graph_objects as go

    m = data["map"]
    map_rows = journey_map_rows(m, lang)
    view: dict[str, Any] = {
        "map_headers": [
            text(k, lang) for k in ("stage", "touchpoint", "customers", "moved_on", "to_next_stage")
        ]
        + ["CX"],
        "map_rows": map_rows,
        "funnel_figure": None,
    }
    f = data["funnel"]
    if f is not None:
        fig = go.Figure(
            go.Funnel(y=f["touchpoint"], x=f["customers"], textinfo="value+percent initial")
        )
        view.update(
            funnel_title=text("funnel_title", lang, order="ordered", window="14d"),
            funnel_figure=chart_json(_layout(fig)),
            funnel_headers=[text(k, lang) for k in ("step", "touchpoint", "customers", "from_start", "from_previous")],
            funnel_rows=[[str(r["step"]), r["touchpoint"], format_number(r["customers"], lang, 0), format_percent(100 * r["from_start"], lang, 1), format_percent(100 * r["from_previous"], lang, 1)] for r in f.to_dict(orient="records")],
        )  # fmt: skip
    p = data["paths"]
    ids = [*list(p.nodes["id"]), "(exit)"]
    index = {n: i for i, n in enumerate(ids)}
    links = p.links[p.links["target"].isin(index)]
    sankey = go.Figure(
        go.Sankey(
            node={"label": ids, "pad": 12},
            link={
                "source": [index[s] for s in links["source"]],
                "target": [index[t] for t in links["target"]],
                "value": list(links["sessions"]),
            },
        )
    )
    view.update(
        paths_title=text("paths_title", lang, sessions=format_number(p.sessions, lang, 0)),
        paths_figure=chart_json(_layout(sankey, 460)),
        paths_headers=[text(k, lang) for k in ("path", "sessions", "share")],
        paths_rows=[[r["sequence"], format_number(r["sessions"], lang, 0), format_percent(100 * r["share"], lang, 1)] for r in p.sequences.to_dict(orient="records")],
    )  # fmt: skip
    a = data["attribution"]
    wide = a.pivot_table(
        index="channel", columns="model", values="conversions", aggfunc="sum"
    ).fillna(0)
    fig = go.Figure(
        [go.Bar(name=str(model), x=list(wide.index), y=list(wide[model])) for model in wide.columns]
    )
    fig.update_layout(barmode="group")
    view.update(
        attribution_title=text("attribution_title", lang, dimension="channel", conversions=format_number(a[a["model"] == "last"]["conversions"].sum(), lang, 0), lookback="30d"),
        attribution_figure=chart_json(_layout(fig)),
        attribution_headers=["channel", *map(str, wide.columns)],
        attribution_rows=[[str(ch), *(format_number(v, lang, 0) for v in row)] for ch, row in wide.iterrows()],
    )  # fmt: skip
    d = data["drivers"]
    names = [
        text(r["key"], lang, touchpoint=r["touchpoint"]) for r in d.table.to_dict(orient="records")
    ]
    fig = go.Figure(
        go.Bar(
            x=list(d.table["importance"]),
            y=names,
            orientation="h",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": list(d.table["importance_high"] - d.table["importance"]),
                "arrayminus": list(d.table["importance"] - d.table["importance_low"]),
            },
        )
    )
    fig.update_layout(yaxis={"autorange": "reversed"})
    view.update(
        drivers_title=text("drivers_title", lang, respondents=format_number(d.respondents, lang, 0), r2=format_number(d.r2, lang, 3)),
        drivers_figure=chart_json(_layout(fig, 420)),
        drivers_headers=[text(k, lang) for k in ("driver", "importance", "direction", "affected", "nps_gap")],
        drivers_rows=driver_rows(d.table, lang, mark_not_significant=False),
    )  # fmt: skip
    return view


def _theme_moods(encoded: Any, lang: str) -> list[dict[str, str]]:
    """A comment's themes, each with the sentiment of the clauses that mention it."""
    import json

    if not isinstance(encoded, str) or not encoded:
        return []
    out = []
    for theme, mood in json.loads(encoded).items():
        out.append(
            {
                "theme": str(theme),
                "sentiment": text(f"sentiment_{mood}", lang) if mood else "",
                "mood": str(mood or ""),
            }
        )
    return out


def _theme_rows(ws: Any) -> list[dict[str, Any]]:
    """Per theme: mentions, share of negative and positive mentions, NPS impact (empty before `text analyse`)."""
    from cxlens.text.pipeline import themes_frame
    from cxlens.text.themes import theme_report

    try:
        report = theme_report(themes_frame(ws))
    except CxlensError:
        return []
    keep = ["theme", "comments", "negative", "positive", "net_sentiment", "nps_impact", "p_value"]
    return (
        []
        if report.empty
        else [{str(k): v for k, v in r.items()} for r in report[keep].to_dict(orient="records")]
    )
