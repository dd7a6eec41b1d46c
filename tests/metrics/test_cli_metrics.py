"""cxlens metrics list / explain and cxlens kpi through the command line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.config import LANGUAGES
from cxlens.metrics.catalog import load_catalog

runner = CliRunner()


def test_metrics_list_json_has_every_metric():
    result = runner.invoke(app, ["metrics", "list", "--json"])
    assert result.exit_code == 0
    ids = [m["id"] for m in json.loads(result.output)]
    assert ids == list(load_catalog())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_explain_in_every_language(lang):
    result = runner.invoke(app, ["metrics", "explain", "nps", "--lang", lang])
    assert result.exit_code == 0
    assert load_catalog()["nps"].name(lang) in result.output


def test_explain_unknown_metric():
    result = runner.invoke(app, ["metrics", "explain", "cmp"])
    assert (
        result.exit_code == 1 and "Unknown metric 'cmp'" in result.output and "cpm" in result.output
    )


def test_kpi_table_in_estonian_and_json(hand_ws):
    args = [
        "kpi",
        "nps",
        "csat",
        "--period",
        "month",
        "--compare",
        "previous",
        "-w",
        str(hand_ws.root),
    ]
    result = runner.invoke(app, [*args, "--lang", "et"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for word in ("Periood", "Väärtus", "Soovitusindeks (NPS)", "Kliendirahulolu (CSAT)"):
        assert word in result.output
    data = json.loads(runner.invoke(app, [*args, "--json"]).output)
    assert {row["metric"] for row in data} == {"nps", "csat"}
    assert {"value", "ci_low", "ci_high", "n", "previous", "change", "significant"} <= set(data[0])


def test_kpi_csv(hand_ws):
    result = runner.invoke(app, ["kpi", "ctr", "--csv", "-w", str(hand_ws.root)])
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith("metric,period,value")


def test_a_dimension_no_table_has_is_an_error_and_one_some_lack_is_noted(demo_root):
    """--by colour names the columns one can use; cac by country says which table lacks it."""
    ws = ["-w", str(demo_root)]
    bad = runner.invoke(app, ["kpi", "nps", "--by", "colour", *ws])
    assert bad.exit_code == 1
    assert "--by colour" in bad.output and "country" in bad.output and "segment" in bad.output
    noted = runner.invoke(app, ["kpi", "cac", "--by", "country", "--json", *ws])
    assert noted.exit_code == 0
    notes = {row["note"] for row in json.loads(noted.output)}
    assert notes == {"not broken down by country: marketing has no country column"}


def test_a_mistyped_filter_column_lists_the_customer_columns_too(demo_root):
    bad = runner.invoke(app, ["kpi", "nps", "--where", "countryy = 'EE'", "-w", str(demo_root)])
    assert bad.exit_code == 1
    listed = bad.output.split("Columns there:")[1]
    for column in ("country", "language", "score", "segment"):
        assert column in listed


def test_changes_carry_the_same_minus_as_values():
    from cxlens.cli.metrics import _change_cell

    row = {"change": -93.0, "unit": "points", "significant": True}
    assert _change_cell(row, "en", "EUR") == "▼ -93.0"
    assert _change_cell({**row, "change": 4.25, "significant": False}, "de", "EUR") == "+4,2"
