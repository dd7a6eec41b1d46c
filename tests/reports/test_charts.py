"""The one chart configuration: what Plotly needs under the pages' policy, locale, the shared look."""

from __future__ import annotations

import json

import pandas as pd
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxlens.reports.charts import (
    PALETTE,
    SMALL_N,
    _d3_date,
    plotly_locale,
    separators,
    trend_figure,
    unit_symbol,
)
from cxlens.web.chart_assets import (
    STYLE_CLASS,
    STYLE_ID,
    injected_styles,
    plotly_bundle,
    plotly_css,
    register_assets,
    style_rules,
)
from cxlens.web.dashboard_charts import cohort_heatmap, paths_sankey, rfm_grid


def test_plotly_style_rules_are_read_from_the_bundle_as_plotly_writes_them():
    rules = dict(style_rules(plotly_bundle().decode()))
    # the rule that lays the SVG layers over each other (legends drift off without it)
    assert "position:absolute" in rules[".js-plotly-plot .plotly .main-svg"]
    assert rules[".plotly-notifier p"] == "margin:0;"
    assert ".js-plotly-plot .plotly [data-title]:after" in rules
    assert not any("X" in sel.replace(".plotly-notifier", "") for sel in rules)  # all replaced
    css = plotly_css()
    assert css.count("{") == len(rules) and ".js-plotly-plot .plotly .modebar{" in css


def test_plotly_skips_its_own_style_element_for_the_marked_stylesheet():
    bundle = plotly_bundle().decode()
    # the bundle's check that the page's link element relies on
    assert '"plotly.js-style-"+e' in bundle and f'.matches(".{STYLE_CLASS}")' in bundle
    assert STYLE_ID == "plotly.js-style-global"
    styles = injected_styles()
    assert len(styles) == bundle.count('createElement("style")') - 1  # all but the global one
    assert all(f'getElementById("{i}")' in bundle for i in styles)
    assert any(".maplibregl-map" in css for css in styles.values())


def test_assets_are_served_with_their_types():
    app = FastAPI()
    register_assets(app)
    client = TestClient(app)
    css = client.get("/assets/plotly.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    locale = client.get("/assets/plotly-locale-de.js")
    assert locale.headers["content-type"].startswith("text/javascript")
    assert '"März"' in locale.text and "Plotly.register(" in locale.text
    assert client.get("/assets/plotly-locale-xx.js").status_code == 404
    style_id = next(iter(injected_styles()))
    assert client.get(f"/assets/plotly-style-{style_id}.css").status_code == 200
    assert client.get("/assets/plotly-style-nothing.css").status_code == 404


def test_locale_months_days_and_number_symbols_come_from_cldr():
    de = plotly_locale("de")["format"]
    assert de["months"][2] == "März" and de["days"][0] == "Sonntag"  # d3 starts on Sunday
    assert (de["decimal"], de["thousands"]) == (",", ".")
    fi = plotly_locale("fi")["format"]
    assert fi["months"][0] == "tammikuu" and fi["shortMonths"][0] == "tammi"
    assert plotly_locale("bg")["format"]["months"][0] == "януари"
    assert separators("en") == ".," and separators("hr") == ",." and separators("et") == ",\xa0"
    assert _d3_date("dd.MM.yy") == "%d.%m.%y"
    assert _d3_date("d.MM.yy 'г'.") == "%-d.%m.%y г."


def test_axis_units():
    assert unit_symbol("percent", "de", "EUR", None) == "%"
    assert unit_symbol("currency", "de", "EUR", None) == "€"
    assert unit_symbol("points", "en", "EUR", (-100, 100)) == "-100…100"
    assert unit_symbol("score", "fi", "EUR", (1, 5)) == "1…5"
    assert unit_symbol("count", "en", "EUR", None) == ""


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": "nps",
            "country": ["EE", "EE", "FI", "FI"],
            "period": ["2026-01", "2026-02", "2026-01", "2026-02"],
            "value": [10.0, 20.0, -5.0, 100.0],
            "ci_low": [2.0, 12.0, -20.0, float("nan")],
            "ci_high": [18.0, 28.0, 10.0, float("nan")],
            "n": [150, 140, 40, 1],
            "unit": "points",
            "small_sample": [False, False, False, True],
        }
    )


def test_a_breakdown_trend_has_bands_tooltips_with_n_and_hollow_small_points():
    fig = trend_figure(
        _frame(), "de", "EUR", period="month", series="country",
        series_name={"EE": "Estland", "FI": "Finnland"}.get, y_title="NPS (-100…100)",
    )  # fmt: skip
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == ["Estland", "Finnland"]
    assert len(fig.data) == 6  # a band (two traces) under each line
    assert fig.data[1].fill == "tonexty" and fig.data[0].line.color is None
    finland = lines[1]
    assert list(finland.marker.color) == [PALETTE[1], "#FFFFFF"]  # n = 1 drawn hollow
    assert finland.customdata[1] == [
        "Finnland · Feb. 2026",
        "Wert: 100,0",
        "95-%-Intervall: –",
        "n = 1",
    ]
    assert lines[0].customdata[0][2] == "95-%-Intervall: 2,0 … 18,0"
    layout = fig.layout
    assert layout.yaxis.title.text == "NPS (-100…100)" and layout.xaxis.title.text == "Zeitraum"
    assert layout.separators == ",." and layout.xaxis.type == "date"
    assert layout.showlegend and layout.legend.orientation == "h"
    assert 1 < SMALL_N <= 140


def test_heatmaps_are_cells_with_their_numbers_and_no_colour_bar():
    grid = pd.DataFrame([[3, 1200], [0, 7]], index=[5, 4], columns=[1, 2])
    fig = json.loads(rfm_grid(grid, "de"))
    heat = fig["data"][0]
    assert heat["showscale"] is False and heat["xgap"] == 2
    assert heat["text"] == [["3", "1.200"], ["0", "7"]] and heat["y"] == ["R5", "R4"]
    assert fig["layout"]["yaxis"]["autorange"] == "reversed"  # R5 on top
    assert fig["layout"]["xaxis"]["title"]["text"] and fig["layout"]["yaxis"]["title"]["text"]
    matrix = pd.DataFrame([[1.0, 0.25], [1.0, float("nan")]], index=["2026-01", "2026-02"])
    cohorts = json.loads(cohort_heatmap(matrix, ["Jan 2026", "Feb 2026"], "en"))["data"][0]
    assert cohorts["text"] == [["100%", "25%"], ["100%", ""]] and cohorts["showscale"] is False


def test_sankey_names_touchpoints_keeps_their_colour_and_leaves_small_nodes_unlabelled():
    nodes = pd.DataFrame(
        {
            "id": ["1:cart", "1:faq", "2:cart"],
            "step": [1, 1, 2],
            "touchpoint": ["cart", "faq", "cart"],
            "sessions": [980, 20, 500],
        }
    )
    links = pd.DataFrame(
        {"source": ["1:cart", "1:faq", "2:cart"], "target": ["2:cart", "(exit)", "(exit)"],
         "sessions": [500, 20, 500]}
    )  # fmt: skip
    fig = json.loads(paths_sankey(nodes, links, "(Ausstieg)", "de", lambda _d, v: v.upper()))
    node = fig["data"][0]["node"]
    assert node["label"] == ["CART", "", "CART", "(Ausstieg)"]  # FAQ: 2 % of the first step
    assert node["customdata"] == ["CART", "FAQ", "CART", "(Ausstieg)"]
    assert node["color"][0] == node["color"][2] != node["color"][1]
