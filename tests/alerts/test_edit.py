"""Alert rules added and removed from the command line and the dashboard, the file kept intact."""

from __future__ import annotations

import json
import threading

import pytest
from typer.testing import CliRunner

from cxlens.alerts import load_rules
from cxlens.alerts.edit import add_rule, remove_rule, rule_entry
from cxlens.cli import app
from cxlens.errors import CxlensError
from tests.alerts.test_alerts import ws  # noqa: F401 - the fixture

runner = CliRunner()


def toml_text(ws) -> str:  # noqa: F811
    return (ws.root / "cxlens.toml").read_text()


def test_rule_entry_from_loose_values():
    assert rule_entry(
        {"name": " CSAT low ", "metric": "csat", "when": "below", "threshold": "3,5",
         "by": "country, touchpoint", "period": "", "older_than": "1h", "where": ""}
    ) == {"name": "CSAT low", "metric": "csat", "when": "below", "by": ["country", "touchpoint"],
          "period": "month", "threshold": 3.5}  # fmt: skip
    assert rule_entry({"name": "waiting", "when": "open_cases", "threshold": "10", "metric": "nps"}) == {
        "name": "waiting", "when": "open_cases", "threshold": 10, "older_than": "48h",
    }  # fmt: skip
    with pytest.raises(CxlensError, match="needs a name"):
        rule_entry({"when": "drops"})
    with pytest.raises(CxlensError, match="threshold must be a number"):
        rule_entry({"name": "x", "when": "below", "threshold": "seventy"})


def test_add_and_remove_keep_the_rest_of_the_file(ws):  # noqa: F811
    path = ws.root / "cxlens.toml"
    path.write_text("# our settings, keep me\n" + toml_text(ws))
    before = toml_text(ws)
    rule = add_rule(ws, {"name": "CES high", "metric": "ces", "when": "above", "threshold": 6})
    assert rule.when == "above" and rule.threshold == 6
    after = toml_text(ws)
    assert after.startswith(before) and after[len(before) :].count("[[alerts]]") == 1
    assert [r.name for r in load_rules(ws)][-1] == "CES high"
    remove_rule(ws, "CES high")
    assert toml_text(ws) == before
    remove_rule(ws, "NPS drops in a country")
    assert [r.name for r in load_rules(ws)] == ["CSAT under 70"]
    assert toml_text(ws).startswith("# our settings, keep me\n")


def test_a_bad_rule_is_refused_and_the_file_left_as_it_was(ws):  # noqa: F811
    before = toml_text(ws)
    cases = [
        ({"name": "x", "metric": "nsp", "when": "drops"}, "metric 'nsp' is not in the catalog"),
        ({"name": "x", "metric": "csat", "when": "below"}, "need a numeric threshold"),
        ({"name": "x", "metric": "nps", "when": "drops", "period": "fortnight"}, "period must be"),
        ({"name": "x", "metric": "nps", "when": "drops", "by": "colour"}, "no table has a column 'colour'"),
        ({"name": "x", "metric": "nps", "when": "drops", "where": "colour = 'x'"}, "colour"),
        ({"name": "x", "when": "open_cases", "threshold": 1, "older_than": "soon"}, "older_than"),
        ({"name": "CSAT under 70", "metric": "csat", "when": "below", "threshold": 1}, "already"),
        ({"name": "x", "metric": "csat", "when": "below", "threshold": 4},
         "csat is in percent .* 4 means 4 % and would never fire"),
        ({"name": "x", "metric": "ces_agree", "when": "above", "threshold": 6}, "1–7 answer scale"),
        ({"name": "x", "metric": "nps", "when": "above", "threshold": 120}, "from −100 to 100"),
        ({"name": "x", "metric": "ces", "when": "below", "threshold": 1}, "never below 1"),
        ({"name": "x", "metric": "cac", "when": "above", "threshold": -5}, "outside"),
    ]  # fmt: skip
    for values, message in cases:
        with pytest.raises(CxlensError, match=message):
            add_rule(ws, values)
    with pytest.raises(CxlensError, match="no alert rule named"):
        remove_rule(ws, "nothing")
    assert toml_text(ws) == before


def test_a_single_alerts_table_and_unnamed_rules(tmp_path):
    import cxlens

    cxlens.init(tmp_path / "w")
    path = tmp_path / "w" / "cxlens.toml"
    path.write_text(path.read_text() + '\n[alerts]\nmetric = "nps"\nwhen = "drops"\n')
    w = cxlens.open(tmp_path / "w")
    add_rule(
        w,
        {"name": "CSAT low", "metric": "csat", "when": "below", "threshold": 60},
        try_on_data=False,
    )
    assert [r.name for r in load_rules(w)] == ["alert 1", "CSAT low"]
    remove_rule(w, "alert 1")
    remove_rule(w, "CSAT low")
    assert load_rules(w) == [] and "alerts" not in path.read_text()


def test_simultaneous_additions_all_land(ws):  # noqa: F811
    errors: list[Exception] = []

    def add(i: int) -> None:
        try:
            add_rule(ws, {"name": f"rule {i}", "metric": "nps", "when": "rises"}, try_on_data=False)
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    names = [r.name for r in load_rules(ws)]
    assert sorted(n for n in names if n.startswith("rule ")) == [f"rule {i}" for i in range(8)]


def test_cli_add_list_remove(ws):  # noqa: F811
    root = str(ws.root)
    r = runner.invoke(app, ["alerts", "add", "--name", "Waiting", "--when", "open_cases",
                            "--threshold", "5", "--older-than", "24h", "-w", root])  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app, ["alerts", "add", "--name", "Bad", "--metric", "nps", "--when", "below", "-w", root]
    )
    assert r.exit_code == 1 and "need a numeric threshold" in r.output
    listed = json.loads(runner.invoke(app, ["alerts", "list", "--json", "-w", root]).output)
    assert [x["name"] for x in listed] == ["NPS drops in a country", "CSAT under 70", "Waiting"]
    assert listed[2]["older_than"] == "24h" and listed[2]["threshold"] == "5"
    assert runner.invoke(app, ["alerts", "remove", "Waiting", "-w", root]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["alerts", "list", "--json", "-w", root]).output)
    assert "Waiting" not in [x["name"] for x in listed]
    assert "Alert rules" in runner.invoke(app, ["alerts", "list", "-w", root]).output
