"""Alert rules fire on significant changes and on intervals beyond a threshold, never on noise."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from typer.testing import CliRunner

import cxlens
from cxlens.alerts import check_alerts, load_rules
from cxlens.cli import app
from cxlens.errors import CxlensError

RULES = """
[[alerts]]
name = "NPS drops in a country"
metric = "nps"
when = "drops"
by = ["country"]

[[alerts]]
name = "CSAT under 70"
metric = "csat"
when = "below"
threshold = 70
by = ["touchpoint"]
"""


def answers(
    kind: str, country_scores: dict[tuple[str, str], list[int]], touchpoint: str = "x"
) -> list[dict]:
    rows = []
    for (country, month), scores in country_scores.items():
        for i, s in enumerate(scores):
            rows.append(
                {
                    "response_id": f"{kind}-{country}-{month}-{i}",
                    "customer_id": f"{country}{i % 20}",
                    # spread over the month, to its last day: the data covers the whole month
                    "ts": pd.Timestamp(f"2026-{month}-01T12:00:00Z")
                    + pd.Timedelta(days=i % pd.Timestamp(f"2026-{month}-01").days_in_month),
                    "kind": kind,
                    "score": float(s),
                    "touchpoint": touchpoint if isinstance(touchpoint, str) else touchpoint[i % 2],
                }
            )
    return rows


@pytest.fixture
def ws(tmp_path):
    cxlens.init(tmp_path / "ws")
    (tmp_path / "ws" / "cxlens.toml").write_text(
        (tmp_path / "ws" / "cxlens.toml").read_text() + RULES
    )
    ws = cxlens.open(tmp_path / "ws")
    ws.append_rows(
        "customers",
        pd.DataFrame(
            {
                "customer_id": [f"{c}{i}" for c in ("DE", "EE") for i in range(20)],
                "created_at": pd.Timestamp("2025-01-01", tz="UTC"),
                "country": [c for c in ("DE", "EE") for _ in range(20)],
            }
        ),
    )
    nps = answers(
        "nps",
        {
            # DE: 60 % promoters, 10 % detractors in February; 20 % / 50 % in March: a real drop
            ("DE", "02"): [10] * 60 + [8] * 30 + [3] * 10,
            ("DE", "03"): [10] * 20 + [8] * 30 + [3] * 50,
            # EE: a small dip on 10 answers is noise
            ("EE", "02"): [10] * 5 + [8] * 3 + [3] * 2,
            ("EE", "03"): [10] * 4 + [8] * 3 + [3] * 3,
        },
    )
    csat = answers("csat", {("DE", "03"): [5] * 30 + [2] * 70}, touchpoint="delivery")
    csat += answers("csat", {("EE", "03"): [5] * 6 + [2] * 4}, touchpoint="store")
    ws.append_rows("responses", pd.DataFrame(nps + csat))
    return ws


def test_only_the_significant_drop_and_the_clear_threshold_fire(ws):
    alerts = check_alerts(ws, today=date(2026, 4, 5))
    fired = {(a.rule.metric, tuple(a.dims.values())) for a in alerts}
    # DE NPS: 60 - 10 = 50 in February -> 20 - 50 = -30 in March: -80 points, p far below 0.05
    # EE NPS: 30 -> 10 on 10 answers each: not significant, no alert
    # CSAT delivery 30 % (interval about 22 % ... 40 %) is below 70; store 60 % on 10 answers
    # has an interval reaching above 70: no alert
    assert fired == {("nps", ("DE",)), ("csat", ("delivery",))}
    drop = next(a for a in alerts if a.rule.metric == "nps")
    assert drop.change == pytest.approx(-80.0) and drop.p_value < 0.001
    assert "/dashboard/trends?" in drop.link and "f_country=DE" in drop.link


def test_nothing_fires_in_a_quiet_month(ws):
    assert check_alerts(ws, today=date(2026, 3, 5)) == []


def test_bad_rules_are_reported_together(tmp_path):
    cxlens.init(tmp_path / "w")
    toml = tmp_path / "w" / "cxlens.toml"
    toml.write_text(
        toml.read_text()
        + '\n[[alerts]]\nmetric = "nsp"\nwhen = "falls"\n\n[[alerts]]\nmetric = "csat"\nwhen = "below"\n'
    )
    with pytest.raises(CxlensError) as info:
        load_rules(cxlens.open(tmp_path / "w"))
    message = str(info.value)
    assert (
        "metric 'nsp'" in message
        and "when must be one of" in message
        and "need a numeric threshold" in message
    )


def test_cli(ws):
    result = CliRunner().invoke(
        app, ["alerts", "check", "--today", "2026-04-05", "--json", "-w", str(ws.root)]
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) == 2


def test_check_says_when_there_is_no_rule_rather_than_that_none_fired(ws, tmp_path):
    def check(root):
        done = CliRunner().invoke(
            app, ["alerts", "check", "--today", "2026-03-05", "-w", str(root)]
        )
        assert done.exit_code == 0, done.output
        return " ".join(done.output.split())

    assert "No alert fired" in check(ws.root)
    bare = tmp_path / "bare"
    cxlens.init(bare)
    assert "No alert rule is set" in check(bare) and "cxlens alerts add" in check(bare)
    toml = bare / "cxlens.toml"
    toml.write_text(toml.read_text().replace('language = "en"', 'language = "de"', 1))
    assert "Es ist keine Warnregel festgelegt" in check(bare)
