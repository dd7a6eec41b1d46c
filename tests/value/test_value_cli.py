"""``cxlens value``, ``cxlens acquisition``, ``cxlens mmm`` and ``drivers --target``: the
commands show the library's numbers, in the reader's language, and refuse bad options."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import cxlens
from cxlens.cli import app
from tests.value.conftest import AS_OF

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"CXLENS_NO_CACHE": "1", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_value_json_is_the_library_report(simulated_root):
    data = json.loads(run("value", "nps", "--json", "-w", str(simulated_root)))
    report = cxlens.open(simulated_root).value("nps")
    assert data["respondents"] == report.respondents == 4000
    assert data["as_of"] == AS_OF
    groups = pd.DataFrame(data["groups"]).set_index("group")
    assert groups.loc["promoter", "orders_after"] == pytest.approx(
        report.groups.set_index("group").loc["promoter", "orders_after"]
    )
    row = next(
        c for c in data["comparisons"]
        if (c["better"], c["worse"], c["outcome"]) == ("promoter", "detractor", "orders_after")
    )  # fmt: skip
    # the simulated promoters buy 1.5 times as often as detractors like them
    assert row["ratio_low"] <= 1.5 <= row["ratio_high"]
    assert data["customers_at_risk"] == len(report.risk_customers)


def test_value_tables_in_two_languages(simulated_root):
    out = run("value", "nps", "--by", "country", "-w", str(simulated_root))
    assert "Promoters (n=" in out and "Detractors (n=" in out
    assert "Orders per customer in the follow-up" in out
    assert "Revenue at risk by Country" in out and "Call first (" in out
    de = run("value", "nps", "--lang", "de", "-w", str(simulated_root))
    assert "Promotoren (n=" in de and "Kritiker (n=" in de
    assert "Umsatz in Gefahr" in de


def test_value_writes_the_audience_detractors_with_high_clv_first(simulated_root, tmp_path):
    out = tmp_path / "at-risk.csv"
    run("value", "nps", "--out", str(out), "--hash", "-w", str(simulated_root))
    frame = pd.read_csv(out)
    report = cxlens.open(simulated_root).value("nps")
    assert len(frame) == len(report.risk_customers)
    assert list(frame.customer_id[:20]) == list(report.risk_customers.customer_id[:20])
    worst = frame[frame.worst == 1]
    assert (worst.clv.diff().dropna() <= 1e-9).all()
    first = frame.iloc[0]
    expected = hashlib.sha256(first.customer_id.lower().encode() + b"@example.com").hexdigest()
    assert first.email == expected


@pytest.mark.parametrize(
    "args, message",
    [
        (["value", "nps", "--by", "weather"], "split by segment, touchpoint, theme, country"),
        (["value", "nps", "--out", "x.parquet"], "ending in .csv"),
        (["value", "nps", "--follow-up", "36h"], "whole number of days"),
        (["value", "nnps"], "Unknown kind of answer 'nnps'"),
        (["value", "nps", "--follow-up", "400d"], "at least 30 customers"),
    ],
)
def test_value_refuses_bad_options_with_the_reason(simulated_root, args, message):
    result = runner.invoke(app, [*args, "-w", str(simulated_root)], env={"CXLENS_NO_CACHE": "1"})
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())


def test_acquisition_command(demo_root):
    data = json.loads(run("acquisition", "--by", "channel", "--json", "-w", str(demo_root)))
    result = cxlens.open(demo_root).acquisition("channel")
    summary = pd.DataFrame(data["summary"]).set_index("key")
    expected = result.summary.set_index("key")
    paid = expected[expected.spend > 0].index
    assert len(paid) >= 3
    for key in paid:
        assert summary.loc[key, "cac"] == pytest.approx(expected.loc[key, "cac"])
        assert (
            summary.loc[key, "cac_low"] <= summary.loc[key, "cac"] <= summary.loc[key, "cac_high"]
        )
    out = run("acquisition", "--margin", "0.3", "--lang", "fi", "-w", str(demo_root))
    assert "Takaisinmaksukuukausi" in out and "kate 30 %" in out


def test_mmm_exports_the_weekly_table_and_fits_or_refuses(demo_root, tmp_path):
    weekly = tmp_path / "weekly.csv"
    out = run("mmm", "--outcome", "customers", "--export", str(weekly), "-w", str(demo_root))
    frame = pd.read_csv(weekly)
    assert f"{len(frame)} weeks written" in out
    assert list(frame.columns[:2]) == ["week", "outcome"] and frame.shape[1] >= 3
    result = runner.invoke(
        app, ["mmm", "--outcome", "customers", "--bootstrap", "10", "--json", "-w", str(demo_root)],
        env={"CXLENS_NO_CACHE": "1"},
    )  # fmt: skip
    if result.exit_code == 0:
        data = json.loads(result.output)
        for row in data["channels"]:
            assert row["carry_over_low"] <= row["carry_over"] <= row["carry_over_high"]
    else:  # the gate names what is missing
        assert "weeks" in result.output


def test_drivers_in_money(simulated_root):
    data = json.loads(
        run(
            "drivers",
            "--target",
            "repurchase",
            "--bootstrap",
            "20",
            "--json",
            "-w",
            str(simulated_root),
        )
    )
    assert data["target"] == "repurchase" and data["customers"] > 0
    for row in data["drivers"]:
        assert row["importance_low"] <= row["importance"] <= row["importance_high"]
    out = run("drivers", "--target", "revenue", "--bootstrap", "20", "-w", str(simulated_root))
    assert "What drives revenue in the 90 days after an experience" in out


def test_money_drivers_name_touchpoints_in_the_language_asked(demo_root):
    # touchpoints by name, as `cxlens drivers` names them, never by id
    from cxlens.i18n.labels import Labels

    data = json.loads(
        run(
            "drivers", "--target", "repurchase", "--bootstrap", "20", "--json", "-w", str(demo_root)
        )
    )
    de = run(
        "drivers", "--target", "repurchase", "--bootstrap", "20", "--lang", "de", "-w",
        str(demo_root),
    )  # fmt: skip
    touchpoints = {r["touchpoint"] for r in data["drivers"] if r.get("touchpoint")}
    assert touchpoints, data["drivers"]
    for touchpoint in touchpoints:
        assert f": {Labels().name('touchpoint', touchpoint, 'de')}" in de, de
        assert f": {touchpoint} " not in de and f": {touchpoint}\n" not in de, de


def _mix_report() -> object:
    from types import SimpleNamespace

    channels = pd.DataFrame(
        [
            {"channel": ch, **{f"{k}{s}": v for k in ("carry_over", "half_saturation", "shape",
                                                      "contribution", "return_per_spend",
                                                      "marginal_return")
                               for s, v in (("", 1.0), ("_low", 0.5), ("_high", 1.5))}}
            for ch in ("paid_social", "gift_card_partners")
        ]
    )  # fmt: skip
    budget = pd.DataFrame(
        [
            {"channel": ch, "current": 100.0, "suggested": 120.0, "low_limit": 70.0,
             "high_limit": 130.0}
            for ch in ("paid_social", "gift_card_partners")
        ]
    )  # fmt: skip
    return SimpleNamespace(
        outcome="revenue", weeks=104, parameters=12, r2=0.9, mape=0.05, channels=channels,
        budget=budget, budget_change=10.0, budget_change_low=5.0, budget_change_high=15.0,
        weekly_budget=200.0,
    )  # fmt: skip


def test_mmm_names_channels_in_the_language_asked(capsys, monkeypatch):
    from cxlens.cli.value import _print_mix
    from cxlens.i18n.labels import Labels

    monkeypatch.setenv("COLUMNS", "200")
    _print_mix(_mix_report(), "de", "EUR", Labels())
    out = capsys.readouterr().out
    # a built-in name in German, an unnamed id as words; never the raw ids
    assert "Bezahlte soziale Medien" in out, out
    assert "Gift card partners" in out, out
    assert "paid_social" not in out and "gift_card_partners" not in out, out
