"""Definitions that hold in every corner: undefined where nothing divides, windows that
use only their own data, one year fraction per period, complementary churn and
retention, intervals and tests named per metric (data in conftest.py)."""

from __future__ import annotations

import math
from datetime import date

import pytest

import cxlens
from cxlens.metrics.catalog import load_catalog
from cxlens.metrics.implementations import load_implementations
from tests.metrics.conftest import build

Q1 = {"start": "2025-01-01", "end": "2025-03-31"}


def test_cac_is_undefined_without_marketing_rows(hand_ws):
    # April: C4 was acquired (email) but there are no marketing rows at all -> undefined, not 0
    row = hand_ws.kpi("cac", start="2025-04-01", end="2025-04-30").iloc[0]
    assert math.isnan(row["value"]) and math.isnan(row["ci_low"])
    assert row["note"] == "undefined: no marketing spend recorded in the period"
    # a channel with customers but no spend rows: undefined; one with spend: 100 / 2 = 50
    by_channel = hand_ws.kpi("cac", by="channel", **Q1).set_index("channel")
    assert by_channel.loc["search", "value"] == pytest.approx(50.0)
    assert by_channel.loc["search", "ci_low"] < 50.0 < by_channel.loc["search", "ci_high"]


def test_cac_with_spend_rows_of_zero_is_zero(tmp_path):
    root = build(tmp_path / "w")
    ws = cxlens.open(root)
    # March: one marketing row with spend 0 and no new customers -> no customers to divide by
    row = ws.kpi("cac", start="2025-03-01", end="2025-03-31").iloc[0]
    assert math.isnan(row["value"]) and row["note"].startswith("undefined: no new customers")


def test_historical_clv_of_a_closed_quarter_ignores_later_orders(tmp_path):
    root = build(tmp_path / "w")
    ws = cxlens.open(root)
    before = ws.kpi("historical_clv", **Q1).iloc[0]["value"]
    later = tmp_path / "later.csv"
    later.write_text("order_id,customer_id,ts,amount\nO9,C2,2025-08-01,500\nO10,C3,2025-09-01,70\n")
    ws.import_file("orders", later)
    assert ws.kpi("historical_clv", **Q1).iloc[0]["value"] == pytest.approx(before, rel=1e-12)


def test_one_year_fraction_per_period(hand_ws):
    by_period = hand_ws.kpi("historical_clv", period="quarter", **Q1).iloc[0]["value"]
    by_dates = hand_ws.kpi("historical_clv", **Q1).iloc[0]["value"]
    assert by_period == pytest.approx(by_dates, rel=1e-12)
    # 90 days of 365.25: AOV 50 x (4/3 / (90/365.25)) x (59/365.25/3)
    assert by_dates == pytest.approx(50 * (4 / 3) / (90 / 365.25) * (59 / 365.25 / 3))


def test_retention_and_churn_are_complements(hand_ws):
    frame = hand_ws.kpi(
        ["churn_rate", "retention_rate"], period="month", start="2025-01-01", end="2025-06-30"
    )
    wide = frame.pivot(index="period", columns="metric", values="value").dropna()
    assert len(wide) >= 3
    assert (wide["churn_rate"] + wide["retention_rate"]).tolist() == pytest.approx(
        [100.0] * len(wide)
    )


def test_every_row_says_how_its_interval_and_test_are_made(hand_ws):
    catalog = load_catalog()
    impls = load_implementations()
    for metric in catalog.values():
        assert impls[metric.id]().form == metric.kind, metric.id
        assert metric.interval and metric.test
    row = hand_ws.kpi("time_to_resolution", **Q1).iloc[0]
    # three resolved tickets: [min, max] covers the median with 1 - 2/8 = 75 %
    assert (row["ci_low"], row["ci_high"], row["ci_level"]) == (4.0, 24.0, 0.75)
    assert hand_ws.kpi("nps", **Q1).iloc[0]["ci_level"] == 0.95


def test_no_test_on_small_samples(hand_ws):
    months = hand_ws.kpi("nps", period="month", compare="previous", start="2025-02-01",
                         end="2025-03-31")  # fmt: skip
    assert not months["significant"].any()
    assert months["test"].isna().all()  # 8 answers in February: below 30, nothing tested


def test_tests_named_by_the_catalog_run_on_large_samples(tmp_path):
    cxlens.init(tmp_path / "w")
    ws = cxlens.open(tmp_path / "w")
    rows = ["response_id,ts,kind,score"]
    for month, promoters in ((1, 20), (2, 45)):
        for i in range(60):
            score = 10 if i < promoters else 3
            rows.append(f"R{month}-{i},2025-0{month}-{1 + i % 28:02d},nps,{score}")
    path = tmp_path / "r.csv"
    path.write_text("\n".join(rows) + "\n")
    ws.import_file("responses", path)
    frame = ws.kpi("nps", period="month", compare="previous", start="2025-02-01", end="2025-02-28")
    row = frame.iloc[0]
    assert row["test"] == load_catalog()["nps"].test
    assert row["significant"] and row["change"] == pytest.approx(100 * (25 / 60) * 2)


def test_periods_still_running_are_marked_to_date(tmp_path, monkeypatch):
    from cxlens import periods

    cxlens.init(tmp_path / "w", timezone="Europe/Tallinn")
    ws = cxlens.open(tmp_path / "w")
    path = tmp_path / "r.csv"
    path.write_text("response_id,ts,kind,score\nA,2026-10-31T22:30:00Z,nps,10\n"
                    "B,2026-12-01T22:30:00Z,nps,0\n")  # fmt: skip
    ws.import_file("responses", path)
    monkeypatch.setattr(periods, "local_today", lambda tz: date(2026, 12, 2))
    frame = ws.kpi("nps", period="month").set_index("period")
    # 22:30 UTC on 1 Dec is 00:30 on 2 Dec in Tallinn: December is running, November is over
    assert frame.loc["2026-12", "to_date"] and not frame.loc["2026-12", "complete"]
    assert frame.loc["2026-11", "complete"] and not frame.loc["2026-11", "to_date"]


def test_a_survey_of_several_questions_is_one_response(tmp_path):
    cxlens.init(tmp_path / "w")
    ws = cxlens.open(tmp_path / "w")
    responses = tmp_path / "r.csv"
    # submission S1 answered an NPS and a CSAT question (as cxlens sync writes them), S2 one
    responses.write_text(
        "response_id,ts,kind,score\nS1:nps,2025-01-02,nps,9\nS1:sat,2025-01-02,csat,4\n"
        "S2:nps,2025-01-03,nps,3\n"
    )
    events = tmp_path / "e.csv"
    events.write_text(
        "event_id,customer_id,ts,touchpoint\n"
        + "".join(f"I{i},C{i},2025-01-01,survey_invitation\n" for i in range(4))
    )
    ws.import_file("responses", responses)
    ws.import_file("events", events)
    row = ws.kpi("response_rate", start="2025-01-01", end="2025-01-31").iloc[0]
    assert (row["value"], row["n"]) == (50.0, 4)  # 2 responses of 4 invitations


def test_metrics_explain_names_interval_test_and_range():
    import json

    from typer.testing import CliRunner

    from cxlens.cli import app

    out = CliRunner().invoke(app, ["metrics", "explain", "cac", "--json"])
    data = json.loads(out.output)
    assert data["interval"] == "exact Poisson (Garwood) for the count, spend held fixed"
    assert data["test"] == "exact Poisson rate test (conditional binomial)"
    assert data["range"] == [0.0, None]
    text = CliRunner().invoke(app, ["metrics", "explain", "nps", "--lang", "de"]).output
    assert "Tangos Score-Intervall" in text and "Zwei-Stichproben-z-Test" in text


def test_a_month_the_data_stops_in_is_partial_and_not_tested(tmp_path):
    cxlens.init(tmp_path / "w")
    ws = cxlens.open(tmp_path / "w")
    rows = ["response_id,ts,kind,score"]
    # 40 answers a day: all of January, then March up to the 12th only (the export stopped)
    for day in (
        [f"2025-01-{d:02d}" for d in range(1, 32)]
        + [f"2025-02-{d:02d}" for d in range(1, 29)]
        + [f"2025-03-{d:02d}" for d in range(1, 13)]
    ):
        rows += [f"{day}-{i},{day},csat,{5 if i % 3 else 1}" for i in range(40)]
    path = tmp_path / "r.csv"
    path.write_text("\n".join(rows) + "\n")
    ws.import_file("responses", path)
    frame = ws.kpi("csat", period="month", compare="previous").set_index("period")
    assert frame.loc["2025-02", "complete"] and frame.loc["2025-02", "test"] is not None
    march = frame.loc["2025-03"]
    assert not march["complete"] and not march["to_date"]
    assert march["test"] is None and march["untested"] == "partial" and not march["significant"]


def test_the_response_rate_counts_complete_and_partial_answers_apart(tmp_path):
    cxlens.init(tmp_path / "w")
    ws = cxlens.open(tmp_path / "w")
    responses = tmp_path / "r.csv"
    # S1 answered both questions, S2 only the e-mail's score (partial), S3 gave a comment
    # alone (no scored answer: no response), S4 complete; 8 invitations
    responses.write_text(
        "response_id,ts,kind,score,complete\n"
        "S1:nps,2025-01-02,nps,9,true\nS1:sat,2025-01-02,csat,4,true\n"
        "S2:nps,2025-01-03,nps,3,false\nS3:comment,2025-01-03,text,,true\n"
        "S4:nps,2025-01-04,nps,10,true\n"
    )
    events = tmp_path / "e.csv"
    events.write_text(
        "event_id,customer_id,ts,touchpoint\n"
        + "".join(f"I{i},C{i},2025-01-01,survey_invitation\n" for i in range(8))
    )
    ws.import_file("responses", responses)
    ws.import_file("events", events)
    rates = ws.kpi(
        ["response_rate", "complete_response_rate", "partial_response_rate"],
        start="2025-01-01", end="2025-01-31",
    ).set_index("metric")  # fmt: skip
    # 3 of 8 responded (37.5 %): 2 completely (25 %), 1 in part (12.5 %)
    assert rates.loc["response_rate", "value"] == 37.5
    assert rates.loc["complete_response_rate", "value"] == 25.0
    assert rates.loc["partial_response_rate", "value"] == 12.5
    assert (rates["n"] == 8).all()
    # the partial answer's score counts in NPS: 9, 3, 10 -> (2 - 1) / 3
    nps = ws.kpi("nps", start="2025-01-01", end="2025-01-31").iloc[0]
    assert (nps["n"], round(nps["value"], 6)) == (3, round(100 / 3, 6))
    for _, row in rates.iterrows():
        assert 0 <= row["ci_low"] <= row["value"] <= row["ci_high"] <= 100
