"""summary_from_transactions and the calibration/holdout split, checked on CDNOW and by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlens.clv import (
    BGNBDModel,
    ClvDataError,
    calibration_holdout_split,
    holdout_report,
    summary_from_transactions,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    """CDNOW sample: one row per transaction (a customer may buy more than once a day)."""
    raw = pd.read_csv(
        FIXTURES / "cdnow_sample_transactions.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"date": str},
    )
    return raw.assign(ts=pd.to_datetime(raw["date"], format="%Y%m%d"))


def test_reproduces_the_published_cdnow_summary(transactions: pd.DataFrame) -> None:
    # FHL (2005a): purchases counted per day, time measured in weeks, calibration
    # period 1997-01-01 to 1997-09-30 (39 weeks)
    summary = summary_from_transactions(
        transactions, observation_end="1997-09-30", freq="D", time_unit="W"
    )
    published = pd.read_csv(FIXTURES / "cdnow_summary.csv", index_col="ID")
    assert len(summary) == len(published) == 2357
    published = published.reindex(summary.index)
    assert (summary["frequency"] == published["x"]).all()
    # the published file rounds to 2 decimals
    np.testing.assert_allclose(summary["recency"], published["t_x"], atol=0.005)
    np.testing.assert_allclose(summary["T"], published["T"], atol=0.005)
    np.testing.assert_allclose(summary["monetary_value"], published["zbar"], atol=0.005)


def test_definitions_by_hand() -> None:
    tx = pd.DataFrame(
        {
            "cid": ["a", "a", "a", "a", "b", "c"],
            "when": [
                "2025-03-03 09:00",  # Monday
                "2025-03-03 18:00",  # same day: one purchase of 15
                "2025-03-09 23:00",  # Sunday, same ISO week as the 3rd
                "2025-03-12 10:00",
                "2025-03-05 12:00",
                "2025-03-20 12:00",  # after the end: ignored
            ],
            "value": [10.0, 5.0, 20.0, 30.0, 7.0, 99.0],
        }
    )
    daily = summary_from_transactions(tx, "cid", "when", "value", observation_end="2025-03-16")
    assert daily.loc["a"].tolist() == [2.0, 9.0, 13.0, 25.0]  # periods 3rd, 9th, 12th
    assert daily.loc["b"].tolist() == [0.0, 0.0, 11.0, 0.0]
    assert "c" not in daily.index
    weekly = summary_from_transactions(
        tx, "cid", "when", "value", observation_end="2025-03-16", freq="W"
    )
    # weeks of 3 and 10 March: one repeat purchase (30), one week of recency, T = 1 week
    assert weekly.loc["a"].tolist() == [1.0, 1.0, 1.0, 30.0]
    in_weeks = summary_from_transactions(
        tx, "cid", "when", "value", observation_end="2025-03-16", time_unit="W"
    )
    assert in_weeks.loc["a", "recency"] == pytest.approx(9 / 7)


def test_time_zones_are_respected() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1],
            "ts": pd.to_datetime(["2025-03-01 23:30", "2025-03-02 00:30"]).tz_localize("UTC"),
            "amount": [1.0, 2.0],
        }
    )
    assert summary_from_transactions(tx).loc[1, "frequency"] == 1.0
    in_tallinn = tx.assign(ts=tx["ts"].dt.tz_convert("Europe/Tallinn"))  # both on 2 March
    assert summary_from_transactions(in_tallinn).loc[1, "frequency"] == 0.0


def test_bad_transactions_are_named() -> None:
    with pytest.raises(ClvDataError, match="no column"):
        summary_from_transactions(pd.DataFrame({"customer_id": [1], "ts": ["2025-01-01"]}))
    bad = pd.DataFrame(
        {"customer_id": [1, 2], "ts": ["2025-01-01", "yesterday"], "amount": [1, "x"]}
    )
    with pytest.raises(ClvDataError) as info:
        summary_from_transactions(bad)
    assert "'ts' is missing or not a timestamp in 1 row(s) (row 2)" in str(info.value)
    assert "'amount' is missing or not a finite number in 1 row(s) (row 2)" in str(info.value)
    ok = pd.DataFrame({"customer_id": [1], "ts": ["2025-02-01"], "amount": [1.0]})
    with pytest.raises(ClvDataError, match="after observation_end"):
        summary_from_transactions(ok, observation_end="2025-01-01")
    with pytest.raises(ClvDataError, match="'freq' must be 'D'"):
        summary_from_transactions(ok, freq="M")  # type: ignore[arg-type]


def test_cdnow_holdout(transactions: pd.DataFrame) -> None:
    split = calibration_holdout_split(
        transactions, "1997-09-30", "1998-06-30", freq="D", time_unit="W"
    )
    assert split.holdout_length == 39.0
    assert len(split.calibration) == 2357
    # distinct customer-days with a purchase from 1 October 1997 to 30 June 1998
    assert split.holdout_purchases.sum() == 1882
    assert split.calibration["frequency"].sum() == 2457
    model = BGNBDModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    report = holdout_report(model, split)
    assert list(report.index) == ["0", "1", "2", "3", "4", "5", "6", "7+", "all"]
    assert report.loc["all", "customers"] == 2357
    assert report.loc["all", "actual_total"] == 1882
    assert report.iloc[:-1]["customers"].sum() == 2357
    assert report.iloc[:-1]["predicted_total"].sum() == pytest.approx(
        report.loc["all", "predicted_total"]
    )
    assert report.loc["0", "customers"] == 1411
    # the model's forecast follows the data across frequency groups
    assert report.loc["7+", "predicted_mean"] > 5 * report.loc["0", "predicted_mean"]
    assert abs(report.loc["all", "error_pct"]) < 15


def test_split_dates_must_be_in_order(transactions: pd.DataFrame) -> None:
    with pytest.raises(ClvDataError, match="must fall in a later period"):
        calibration_holdout_split(transactions, "1997-09-30", "1997-09-30")
    with pytest.raises(ClvDataError, match="No customer made a purchase up to calibration_end"):
        calibration_holdout_split(transactions, "1990-01-01", "1998-06-30")
