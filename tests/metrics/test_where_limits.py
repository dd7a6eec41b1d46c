"""A filter cannot exhaust the parser: deep nesting and endless comparisons are clear errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cxlens.alerts.edit import add_rule
from cxlens.cli import app
from cxlens.errors import CxlensError
from cxlens.metrics.where import MAX_COMPARISONS, MAX_DEPTH, MAX_LENGTH
from tests.metrics.conftest import hand_ws  # noqa: F401 - the fixture

NESTED_600 = "(" * 600 + "country = 'EE'" + ")" * 600
NOTS_600 = "not " * 600 + "country = 'EE'"


def nested(depth: int) -> str:
    return "(" * depth + "country = 'EE'" + ")" * depth


def test_deep_nesting_is_refused_with_a_message(hand_ws):  # noqa: F811
    for where in (NESTED_600, NOTS_600, nested(MAX_DEPTH + 1)):
        with pytest.raises(CxlensError, match=f"more than {MAX_DEPTH} deep"):
            hand_ws.kpi("nps", where=where)
    plain = hand_ws.kpi("nps", where="country = 'EE'")
    deep = hand_ws.kpi("nps", where=nested(MAX_DEPTH))
    assert deep["value"].tolist() == plain["value"].tolist() and int(plain["n"].iloc[0]) > 0


def test_comparisons_and_length_are_bounded(hand_ws):  # noqa: F811
    many = " or ".join(f"score = {i % 11}" for i in range(MAX_COMPARISONS))
    everyone = hand_ws.kpi("nps")
    assert hand_ws.kpi("nps", where=many)["n"].tolist() == everyone["n"].tolist()
    with pytest.raises(CxlensError, match=f"more than {MAX_COMPARISONS} comparisons"):
        hand_ws.kpi("nps", where=many + " or score = 1")
    with pytest.raises(CxlensError, match="characters long"):
        hand_ws.kpi("nps", where="country = '" + "x" * MAX_LENGTH + "'")


def test_the_command_prints_a_message_not_a_traceback(hand_ws):  # noqa: F811
    result = CliRunner().invoke(app, ["kpi", "nps", "--where", NESTED_600, "-w", str(hand_ws.root)])
    assert result.exit_code == 1
    assert "more than 20 deep" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, RecursionError)


def test_an_alert_rule_with_deep_nesting_is_refused(tmp_path):
    import cxlens

    cxlens.init(tmp_path / "ws")
    ws = cxlens.open(tmp_path / "ws")
    rule = {"name": "deep", "metric": "nps", "when": "below", "threshold": 0, "where": NESTED_600}
    with pytest.raises(CxlensError, match="deep"):
        add_rule(ws, rule)
