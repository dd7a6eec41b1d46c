"""One chart configuration for the dashboard and the reports.

Every chart of cxlens goes through :func:`finish`: the same colour-blind-safe
palette (Okabe and Ito's eight colours, "Color Universal Design", 2008), the legend
attached to the top of its chart, axis titles that say the unit, and the reader's
number symbols (``layout.separators``). Month and day names come from
:func:`plotly_locale`, a Plotly locale module built from Babel's CLDR data, which
the page registers before drawing (the reports embed it, the dashboard serves it).

Tooltips name the value with its 95 % interval and its n; a point computed from
fewer than :data:`SMALL_N` answers is drawn hollow, so that it does not look as
solid as the others.

>>> separators("de"), separators("en"), separators("fi")
(',.', '.,', ',\\xa0')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from cxlens.i18n import LOCALES, locale

#: Okabe & Ito's colour-blind-safe palette, most distinct first (yellow, weak on white, last)
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#000000",  # black
    "#F0E442",  # yellow
)
#: light to dark blue for counts and shares in heatmap cells (one hue reads in every vision)
SEQUENTIAL = ((0.0, "#F2F6FA"), (0.5, "#6BAED6"), (1.0, "#08306B"))
#: poor → good for scores (vermillion → grey → blue, distinct in red-green colour blindness)
DIVERGING = ((0.0, "#D55E00"), (0.5, "#EEEEEE"), (1.0, "#0072B2"))
#: fewer answers than this and a point is drawn hollow (the engine's small-sample mark)
SMALL_N = 30
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def rgba(hex_colour: str, alpha: float) -> str:
    """``#RRGGBB`` with transparency, for interval bands."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def separators(lang: str) -> str:
    """Plotly's ``separators``: the decimal sign, then the thousands separator, of ``lang``."""
    symbols = locale(lang).number_symbols["latn"]
    return f"{symbols['decimal']}{symbols['group']}"


def plotly_locale(lang: str) -> dict[str, Any]:
    """A Plotly locale module: month and day names and number symbols of ``lang`` (CLDR)."""
    loc = locale(lang)
    sunday_first = (6, 0, 1, 2, 3, 4, 5)  # Babel counts from Monday, d3 from Sunday
    symbols = loc.number_symbols["latn"]
    return {
        "moduleType": "locale",
        "name": lang,
        "dictionary": {},
        "format": {
            "days": [loc.days["stand-alone"]["wide"][d] for d in sunday_first],
            "shortDays": [loc.days["stand-alone"]["abbreviated"][d] for d in sunday_first],
            "months": [loc.months["stand-alone"]["wide"][m] for m in range(1, 13)],
            "shortMonths": [
                loc.months["stand-alone"]["abbreviated"][m].rstrip(".") for m in range(1, 13)
            ],
            "periods": [loc.day_periods["format"]["abbreviated"][p] for p in ("am", "pm")],
            "date": _d3_date(str(loc.date_formats["short"].pattern)),
            "time": "%H:%M:%S",
            "dateTime": "%x %X",
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": ["", ""],
        },
    }


def _d3_date(pattern: str) -> str:
    """A CLDR date pattern ('dd.MM.yy', 'd.M.y') as a d3 time format ('%d.%m.%y', '%-d.%-m.%Y')."""
    import re

    tokens = {"dd": "%d", "d": "%-d", "MM": "%m", "M": "%-m", "yy": "%y", "y": "%Y", "yyyy": "%Y"}
    return re.sub(r"d+|M+|y+", lambda m: tokens.get(m[0], m[0]), pattern.replace("'", ""))


def unit_symbol(unit: str, lang: str, currency: str, scale: tuple[Any, Any] | None) -> str:
    """What an axis title adds in brackets for a metric's unit: '%', '€', 'h', '−100…100'."""
    from babel.numbers import get_currency_symbol
    from babel.units import get_unit_name

    if unit == "percent":
        return "%"
    if unit == "currency":
        return str(get_currency_symbol(currency, locale=LOCALES[lang]))
    if unit == "hours":
        return str(get_unit_name("duration-hour", length="narrow", locale=LOCALES[lang]))
    if unit == "years":
        return str(get_unit_name("duration-year", length="short", locale=LOCALES[lang]))
    if unit == "ratio":
        return "×"
    if unit in ("points", "score") and scale and None not in scale:
        from cxlens.i18n import format_number

        low, high = (format_number(float(v), lang, 0) for v in scale)
        return f"{low}…{high}"
    return ""


def axis_title(name: str, unit: str = "") -> str:
    return f"{name} ({unit})" if unit else name


def finish(
    fig: Any,
    lang: str,
    *,
    height: int = 340,
    x_title: str | None = None,
    y_title: str | None = None,
    legend: bool = True,
    y_format: str | None = None,
) -> Any:
    """Give ``fig`` the look every chart shares (see the module's help); returns ``fig``."""
    fig.update_layout(
        height=height,
        colorway=list(PALETTE),
        separators=separators(lang),
        font={"family": FONT, "size": 13, "color": "#1B1F24"},
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        showlegend=legend,
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.02,
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0)",
        },
        hoverlabel={"font": {"family": FONT}, "align": "left"},
    )
    grid = {"gridcolor": "#E3E7EC", "zerolinecolor": "#B8C0CA", "automargin": True}
    fig.update_xaxes(title={"text": x_title or "", "standoff": 8}, **grid)
    fig.update_yaxes(title={"text": y_title or "", "standoff": 8}, **grid)
    if y_format:
        fig.update_yaxes(tickformat=y_format)
    return fig


def chart_json(figure: Any) -> str:
    """Chart JSON safe to place inside a <script> element (data cannot close the element)."""
    return str(figure.to_json()).replace("</", "<\\/").replace("<!--", "<\\!--")


def period_start(label: str, period: str) -> date:
    """The first day of a period label of the KPI engine ('2026-03', '2026-Q1', '2026',
    '2026-W49', '2026-12-01')."""
    year = int(label[:4])
    if period == "quarter":
        return date(year, 3 * int(label[-1]) - 2, 1)
    if period == "month":
        return date(year, int(label[5:7]), 1)
    if period == "year":
        return date(year, 1, 1)
    if period == "week":  # '2026-W49': its Monday
        return date.fromisocalendar(year, int(label[6:8]), 1)
    return date.fromisoformat(label)


def period_axis(labels: Sequence[str], period: str, lang: str) -> dict[str, Any]:
    """A date axis for the periods: months named by Plotly's locale; quarters, weeks and days
    by Babel."""
    if period in ("day", "week"):
        from cxlens.i18n import format_period_tick

        return {
            "type": "date",
            "tickvals": [period_start(x, period) for x in labels],
            "ticktext": [format_period_tick(x, period, lang) for x in labels],
        }
    if period == "month":
        return {"type": "date", "tickformat": "%b %Y", "hoverformat": "%b %Y"}
    if period == "quarter":
        starts = [period_start(x, period) for x in labels]
        texts = period_axis_texts(labels, period, lang)
        if len(starts) > 8:  # every other quarter, or they collide on a phone
            starts, texts = starts[::2], texts[::2]
        return {"type": "date", "tickvals": starts, "ticktext": texts}
    return {"type": "date", "tickformat": "%Y", "dtick": "M12"}


def interval_traces(
    go: Any,
    x: Sequence[Any],
    frame: pd.DataFrame,
    name: str,
    colour_: str,
    describe: Callable[[Mapping[str, Any]], list[str]],
    group: str | None = None,
    band_alpha: float = 0.16,
) -> list[Any]:
    """A band for the 95 % interval and a line of values; hollow markers where n is small.

    ``describe(row)`` gives the tooltip's lines (value, interval, n) for one row.
    """
    rows = [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]
    small = [bool(r.get("small_sample")) or int(r.get("n") or 0) < SMALL_N for r in rows]
    has_band = frame["ci_low"].notna().any() if "ci_low" in frame else False
    traces = []
    if has_band:
        traces.append(
            go.Scatter(
                x=list(x), y=list(frame["ci_high"]), mode="lines", line={"width": 0},
                showlegend=False, hoverinfo="skip", legendgroup=group or name,
            )
        )  # fmt: skip
        traces.append(
            go.Scatter(
                x=list(x), y=list(frame["ci_low"]), mode="lines", line={"width": 0},
                fill="tonexty", fillcolor=rgba(colour_, band_alpha), showlegend=False,
                hoverinfo="skip", legendgroup=group or name,
            )
        )  # fmt: skip
    traces.append(
        go.Scatter(
            x=list(x),
            y=list(frame["value"]),
            mode="lines+markers",
            name=name,
            legendgroup=group or name,
            line={"color": colour_, "width": 2},
            marker={
                "color": ["#FFFFFF" if s else colour_ for s in small],
                "line": {"color": colour_, "width": 2},
                "size": [9 if s else 7 for s in small],
                "symbol": "circle",
            },
            customdata=[describe(r) for r in rows],
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}"
            "<br>%{customdata[3]}<extra></extra>",
        )
    )
    return traces


def finite(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def trend_figure(
    frame: pd.DataFrame,
    lang: str,
    currency: str,
    *,
    period: str,
    series: str,
    series_name: Callable[[Any], str],
    y_title: str,
    height: int = 340,
) -> Any:
    """Lines over periods, one per value of the column ``series`` (a metric, a country…),
    each with its interval band, tooltips with value, interval and n, small n hollow."""
    import plotly.graph_objects as go

    from cxlens.i18n import format_number, format_value, gettext

    fig = go.Figure()
    labels = sorted({str(p) for p in frame["period"]})
    period_text = dict(zip(labels, period_axis_texts(labels, period, lang), strict=True))
    shown = frame.dropna(subset=["value"])
    # several bands over each other turn grey: the more lines, the lighter each band
    band_alpha = 0.16 if shown[series].nunique() <= 2 else 0.07
    for i, (key, part) in enumerate(shown.groupby(series, sort=True)):
        part = part.sort_values("period")
        name = series_name(key)
        x = [period_start(str(p), period) for p in part["period"]]

        def describe(r: Mapping[str, Any], name: str = name) -> list[str]:
            unit = str(r.get("unit") or "")
            interval = (
                f"{format_value(r['ci_low'], unit, lang, currency)} … "
                f"{format_value(r['ci_high'], unit, lang, currency)}"
                if finite(r.get("ci_low")) and finite(r.get("ci_high"))
                else "–"
            )
            return [
                f"{name} · {period_text[str(r['period'])]}",
                gettext("Value", lang) + ": " + format_value(r["value"], unit, lang, currency),
                gettext("95%% interval", lang) + ": " + interval,
                f"n = {format_number(r['n'], lang, 0)}",
            ]

        for trace in interval_traces(go, x, part, name, colour(i), describe, band_alpha=band_alpha):
            fig.add_trace(trace)
    finish(fig, lang, height=height, x_title=gettext("Period", lang), y_title=y_title)
    fig.update_xaxes(**period_axis(labels, period, lang))
    return fig


def period_axis_texts(labels: Sequence[str], period: str, lang: str) -> list[str]:
    """How the reader's language writes each period label ('Mar 2026', 'Q1 2026', '2026')."""
    from cxlens.i18n import format_period

    return [format_period(x, period, lang) for x in labels]
