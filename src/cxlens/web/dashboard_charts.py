"""The dashboard's charts, each a Plotly figure in the one look of :mod:`cxlens.reports.charts`.

Every function takes the engine's result and the reader's language and returns
the figure as JSON for the page. Names of ids (touchpoints, channels, models…)
come from ``name(dimension, value)``, the one function that names ids for a reader.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from cxlens.i18n import format_currency, format_number, format_percent, gettext
from cxlens.journeys.paths import EXIT
from cxlens.reports.charts import (
    PALETTE,
    SEQUENTIAL,
    axis_title,
    chart_json,
    colour,
    finish,
    trend_figure,
    unit_symbol,
)

#: a Sankey node with less than this share of the first step's sessions has no label
LABEL_SHARE = 0.04
#: names an id of a dimension for the reader: name("touchpoint", "cart") -> "Cart"
Namer = Callable[[str, Any], str]


def as_is(_dimension: str, value: Any) -> str:
    return str(value)


def breakdown_trend(
    frame: pd.DataFrame, dim: str, lang: str, currency: str, *, period: str, y_title: str,
    name: Namer = as_is,
) -> str:  # fmt: skip
    """One line per value of ``dim`` with its own interval band; small n drawn hollow."""
    fig = trend_figure(
        frame, lang, currency, period=period, series=dim,
        series_name=lambda v: name(dim, v), y_title=y_title,
    )  # fmt: skip
    return chart_json(fig)


def cell_heatmap(
    z: Sequence[Sequence[float | None]],
    cells: Sequence[Sequence[str]],
    x: Sequence[str],
    y: Sequence[str],
    lang: str,
    *,
    x_title: str,
    y_title: str,
    hover: str,
    height: int,
    zmax: float | None = None,
) -> Any:
    """A grid of cells, each with its value written in it; no colour bar (the numbers say it)."""
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Heatmap(
            z=[list(row) for row in z], x=list(x), y=list(y),
            text=[list(row) for row in cells], texttemplate="%{text}", textfont={"size": 12},
            colorscale=[list(stop) for stop in SEQUENTIAL], zmin=0, zmax=zmax,
            showscale=False, xgap=2, ygap=2, hoverongaps=False, hovertemplate=hover,
        )
    )  # fmt: skip
    finish(fig, lang, height=height, x_title=x_title, y_title=y_title, legend=False)
    fig.update_xaxes(type="category", side="top", showgrid=False, ticks="")
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False, ticks="")
    return fig


def rfm_grid(grid: pd.DataFrame, lang: str) -> str:
    """Customers per recency (rows, R5 on top) and frequency (columns) score."""
    values = grid.to_numpy().tolist()
    cells = [[format_number(v, lang, 0) for v in row] for row in values]
    fig = cell_heatmap(
        values, cells, [f"F{c}" for c in grid.columns], [f"R{r}" for r in grid.index], lang,
        x_title=gettext("Frequency score", lang), y_title=gettext("Recency score", lang),
        hover="%{y} · %{x}: %{text}<extra></extra>", height=330,
    )  # fmt: skip
    return chart_json(fig)


def cohort_heatmap(matrix: pd.DataFrame, cohort_names: Sequence[str], lang: str) -> str:
    """Share of each cohort active N months after its first order, one cell per month."""
    shares = (100 * matrix).round(1)
    z = [[None if pd.isna(v) else float(v) for v in row] for row in shares.to_numpy()]
    cells = [["" if v is None else format_percent(v, lang, 0) for v in row] for row in z]
    fig = cell_heatmap(
        z, cells, [f"+{c}" for c in matrix.columns], list(cohort_names), lang,
        x_title=gettext("Months since the first order", lang), y_title=gettext("Cohort", lang),
        hover="%{y} · %{x}: %{text}<extra></extra>", height=max(300, 26 * len(matrix) + 90),
        zmax=60,
    )  # fmt: skip
    return chart_json(fig)


def clv_bars(clv: pd.DataFrame, lang: str, currency: str) -> str:
    """Predicted CLV per decile of customers (1 = the most valuable tenth)."""
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Bar(
            x=[str(d) for d in clv["decile"]], y=list(clv["clv_total"]),
            marker={"color": PALETTE[0]},
            customdata=[[format_currency(v, currency, lang), format_percent(100 * s, lang, 1)]
                        for v, s in zip(clv["clv_total"], clv["share"], strict=True)],
            hovertemplate="%{x}: %{customdata[0]} (%{customdata[1]})<extra></extra>",
        )
    )  # fmt: skip
    y_title = axis_title(gettext("Total CLV", lang), unit_symbol("currency", lang, currency, None))
    finish(
        fig, lang, x_title=gettext("Decile", lang), y_title=y_title, legend=False, y_format=",.0f"
    )
    fig.update_xaxes(type="category")
    return chart_json(fig)


def funnel_chart(f: pd.DataFrame, lang: str, name: Namer = as_is) -> str:
    """Customers reaching each step, labelled with the whole count and the share of the first."""
    import plotly.graph_objects as go

    labels = [
        f"{format_number(c, lang, 0)} · {format_percent(100 * s, lang, 1)}"
        for c, s in zip(f["customers"], f["from_start"], strict=True)
    ]
    fig = go.Figure(
        go.Funnel(
            y=[name("touchpoint", t) for t in f["touchpoint"]], x=list(f["customers"]),
            text=labels, textinfo="text", textposition="inside", marker={"color": PALETTE[0]},
            connector={"fillcolor": "#DCE6F0"},
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )  # fmt: skip
    # the x axis of a funnel is hidden (each bar says its count): the steps carry the title
    finish(fig, lang, y_title=gettext("Step", lang), legend=False)
    return chart_json(fig)


def paths_sankey(
    nodes: pd.DataFrame, links: pd.DataFrame, exit_label: str, lang: str, name: Namer = as_is
) -> str:
    """Sessions flowing from one touchpoint to the next.

    A touchpoint keeps its colour in every step; nodes holding less than
    :data:`LABEL_SHARE` of the sessions are left unlabelled (their name shows on
    hover), so that the labels of small neighbouring nodes do not overlap.
    """
    import plotly.graph_objects as go

    ids = [*nodes["id"], EXIT]
    touchpoints = [*nodes["touchpoint"], EXIT]
    sessions = [*nodes["sessions"], 0]
    index = {n: i for i, n in enumerate(ids)}
    links = links[links["source"].isin(index) & links["target"].isin(index)]
    first_step = float(nodes.loc[nodes["step"] == nodes["step"].min(), "sessions"].sum()) or 1.0
    names = [exit_label if t == EXIT else name("touchpoint", t) for t in touchpoints]
    order = {t: i for i, t in enumerate(dict.fromkeys(touchpoints))}
    colours = ["#8C959F" if t == EXIT else colour(order[t]) for t in touchpoints]
    labels = [
        n if t == EXIT or s / first_step >= LABEL_SHARE else ""
        for n, t, s in zip(names, touchpoints, sessions, strict=True)
    ]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels, "customdata": names, "pad": 18, "thickness": 14,
                "color": colours, "line": {"width": 0},
                "hovertemplate": "%{customdata}: %{value:,.0f}<extra></extra>",
            },
            link={
                "source": [index[s] for s in links["source"]],
                "target": [index[t] for t in links["target"]],
                "value": list(links["sessions"]), "color": "rgba(0,114,178,0.16)",
                "customdata": [
                    f"{names[index[s]]} → {names[index[t]]}"
                    for s, t in zip(links["source"], links["target"], strict=True)
                ],
                "hovertemplate": "%{customdata}: %{value:,.0f}<extra></extra>",
            },
            textfont={"size": 12, "color": "#1B1F24"},
        )
    )  # fmt: skip
    finish(fig, lang, height=max(420, 14 * len(ids)), legend=False)
    return chart_json(fig)


def attribution_bars(wide: pd.DataFrame, lang: str, name: Namer = as_is) -> str:
    """Conversions credited to each channel, one bar per attribution model, with a legend."""
    import plotly.graph_objects as go

    fig = go.Figure(
        [
            go.Bar(
                name=name("model", model), x=[name("channel", c) for c in wide.index],
                y=list(wide[model]), marker={"color": colour(i)},
                hovertemplate="%{x} · " + name("model", model) + ": %{y:,.0f}<extra></extra>",
            )
            for i, model in enumerate(wide.columns)
        ]
    )  # fmt: skip
    fig.update_layout(barmode="group", bargap=0.25)
    finish(
        fig,
        lang,
        height=380,
        x_title=gettext("Channel", lang),
        y_title=gettext("Conversions", lang),
    )
    return chart_json(fig)


def drivers_bars(table: pd.DataFrame, names: Sequence[str], lang: str) -> str:
    """Each driver's share of the explained variance with its bootstrap interval."""
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Bar(
            x=list(table["importance"]), y=list(names), orientation="h",
            marker={"color": PALETTE[0]},
            error_x={
                "type": "data", "symmetric": False, "color": "#1B1F24",
                "array": list(table["importance_high"] - table["importance"]),
                "arrayminus": list(table["importance"] - table["importance_low"]),
            },
            customdata=[
                [format_percent(v, lang, 1), format_percent(lo, lang, 1), format_percent(hi, lang, 1)]
                for v, lo, hi in zip(table["importance"], table["importance_low"],
                                     table["importance_high"], strict=True)
            ],
            hovertemplate="%{y}: %{customdata[0]} (%{customdata[1]} … %{customdata[2]})"
            "<extra></extra>",
        )
    )  # fmt: skip
    finish(
        fig, lang, height=max(320, 30 * len(names) + 80),
        x_title=axis_title(gettext("Share of explained", lang), "%"), legend=False,
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    return chart_json(fig)
