"""Cohorts, lifecycle, churn and CLV on the warehouse against hand-worked numbers and the pandas models."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

import cxlens
from cxlens.clv import (
    BGNBDModel,
    GammaGammaModel,
    customer_lifetime_value,
    summary_from_transactions,
)
from cxlens.customers.churn import likely_churned, period_ends, period_start
from cxlens.customers.cohorts import cohort_retention, lifecycle
from cxlens.customers.summary import holdout_split, purchase_summary
from cxlens.customers.value import monthly_rate, parse_months, predict_clv
from cxlens.errors import CxlensError


@pytest.fixture(scope="module")
def cohort_ws(cohort_root):
    return cxlens.open(cohort_root)


def test_first_time_cohorts_by_hand(cohort_ws):
    m = cohort_retention(cohort_ws, "first", "month", 3).matrix()
    # January: X and Y; X buys in Feb and Apr, Y in Mar. February: Z, who buys in Mar.
    assert m.loc["2025-01"].tolist() == [1.0, 0.5, 0.5, 0.5]
    assert m.loc["2025-02"].tolist()[:3] == [1.0, 1.0, 0.0]
    assert np.isnan(m.loc["2025-02", 3])  # May is not observed yet
    assert list(m.index) == ["2025-01", "2025-02"]


def test_recurring_cohorts_by_hand(cohort_ws):
    result = cohort_retention(cohort_ws, "recurring", "month", 3)
    m = result.matrix()
    assert m.loc["2025-02"].tolist()[:3] == [1.0, 0.5, 0.5]  # X and Z active; Z in Mar, X in Apr
    assert m.loc["2025-03"].tolist()[:2] == [1.0, 0.0]
    assert m.loc["2025-04"].tolist()[0] == 1.0
    cells = result.cells.set_index(["cohort", "offset"])
    assert cells.loc[("2025-02", 1), "cohort_size"] == 2
    assert cells.loc[("2025-02", 1), "share_low"] < 0.5 < cells.loc[("2025-02", 1), "share_high"]
    heat = result.heatmap()
    assert heat["cohorts"] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert heat["values"][3][1] is None


def test_partial_last_period_is_left_out(cohort_ws):
    m = cohort_retention(cohort_ws, "first", "month", 3, as_of="2025-04-15").matrix()
    assert list(m.columns) == [0, 1, 2]  # April is cut short by the as-of date
    life = lifecycle(cohort_ws, "month", as_of="2025-04-15").set_index("period")
    assert not life.loc["2025-04", "complete"] and life.loc["2025-03", "complete"]


def test_lifecycle_by_hand(cohort_ws):
    life = lifecycle(cohort_ws, "month").set_index("period")
    cols = ["active", "new", "returning", "resurrecting", "dormant"]
    assert life.loc["2025-01", cols].tolist() == [2, 2, 0, 0, 0]
    assert life.loc["2025-02", cols].tolist() == [2, 1, 1, 0, 1]
    assert life.loc["2025-03", cols].tolist() == [2, 0, 1, 1, 1]
    assert life.loc["2025-04", cols].tolist() == [1, 0, 0, 1, 2]
    assert life["retention"].tolist()[1:] == [0.5, 0.5, 0.0]
    assert life["quick_ratio"].tolist()[1:] == [1.0, 1.0, 0.5]
    quarters = lifecycle(cohort_ws, "quarter").set_index("period")
    assert quarters.loc["2025-Q1", cols].tolist() == [3, 3, 0, 0, 0]
    assert quarters.loc["2025-Q2", cols].tolist() == [1, 0, 1, 0, 2]


def test_cohort_errors(cohort_ws):
    with pytest.raises(CxlensError, match="first or recurring"):
        cohort_retention(cohort_ws, "weekly")
    with pytest.raises(CxlensError, match="Unknown period"):
        lifecycle(cohort_ws, "fortnight")


def test_period_ends():
    assert period_ends(date(2024, 11, 5), date(2025, 8, 10), "quarter", 8) == [
        date(2024, 12, 31),
        date(2025, 3, 31),
        date(2025, 6, 30),
    ]
    assert period_ends(date(2025, 1, 1), date(2025, 3, 31), "month", 2) == [
        date(2025, 2, 28),
        date(2025, 3, 31),
    ]
    assert period_start(date(2025, 8, 10), "quarter") == date(2025, 7, 1)


def test_parse_horizon_and_rates():
    assert parse_months("12m") == 12 and parse_months("2y") == 24 and parse_months("6") == 6
    with pytest.raises(CxlensError, match="months"):
        parse_months("soon")
    assert (1 + monthly_rate(0.1)) ** 12 == pytest.approx(1.1)


@pytest.fixture(scope="module")
def demo_ws(demo_root):
    return cxlens.open(demo_root)


def _local_orders(ws) -> pd.DataFrame:
    orders = ws.table("orders").execute()
    local = pd.to_datetime(orders["ts"], utc=True).dt.tz_convert(ws.config.timezone)
    orders["ts"] = local.dt.tz_localize(
        None
    )  # wall-clock time: calendar days, as the warehouse counts
    return orders


def test_warehouse_summary_matches_the_pandas_contract(demo_ws):
    summary = purchase_summary(demo_ws, "2026-06-30")
    got = summary.table.order_by("customer_id").execute().set_index("customer_id")
    want = summary_from_transactions(
        _local_orders(demo_ws),
        observation_end=pd.Timestamp("2026-06-30 23:59:59"),
        freq="D",
        time_unit="W",
    )
    pd.testing.assert_frame_equal(got, want, check_names=False, rtol=1e-9)


def test_holdout_split_counts_later_purchase_days(demo_ws):
    cal, holdout, weeks = holdout_split(demo_ws, "2026-03-31")
    # the demo's last local day is 30 September (it is generated in the workspace's time zone)
    assert weeks == pytest.approx((date(2026, 9, 30) - date(2026, 3, 31)).days / 7)
    orders = _local_orders(demo_ws)
    later = orders[orders["ts"].dt.date > date(2026, 3, 31)]
    days = later.assign(day=later["ts"].dt.date).groupby("customer_id")["day"].nunique()
    expected = days.reindex(cal.index, fill_value=0)
    assert (holdout.to_numpy() == expected.to_numpy()).all()


def test_clv_equals_the_models_on_the_same_summary(demo_ws):
    result = predict_clv(demo_ws, "bgnbd", 12, 0.1)
    c = result.customers
    x, tx, age, m = (c[k].to_numpy() for k in ("frequency", "recency", "T", "monetary_value"))
    bg = BGNBDModel().fit(x, tx, age)
    gg = GammaGammaModel().fit(x, m)
    np.testing.assert_allclose(bg.params_, result.purchase_model.params_, rtol=1e-6)
    expected = customer_lifetime_value(
        bg,
        gg,
        x,
        tx,
        age,
        m,
        time_unit="W",
        horizon_months=12,
        monthly_discount_rate=monthly_rate(0.1),
    )
    np.testing.assert_allclose(c["clv"].to_numpy(), expected, rtol=1e-5)
    assert ((c["p_alive"] > 0) & (c["p_alive"] <= 1)).all()
    assert result.totals()["clv_total"] == pytest.approx(expected.sum(), rel=1e-5)
    deciles = result.distribution()
    assert deciles["customers"].sum() == len(c) and deciles["share"].sum() == pytest.approx(1)


def test_pareto_and_holdout(demo_ws):
    result = predict_clv(demo_ws, "pareto", 6, 0.0, holdout_months=6)
    report = result.holdout.set_index("frequency")
    # the model forecasts the held-out half year's purchases within 25 % overall
    assert abs(report.loc["all", "error_pct"]) < 25
    assert report.loc["all", "customers"] == report.drop("all")["customers"].sum()


def test_likely_churned_grows_as_customers_age(demo_ws):
    frame = likely_churned(demo_ws, "quarter", 4)
    assert len(frame) == 4
    assert (frame["likely_churned"] <= frame["customers"]).all()
    assert ((frame["share_low"] <= frame["share"]) & (frame["share"] <= frame["share_high"])).all()
    assert frame["mean_p_alive"].between(0, 1).all()
    with pytest.raises(CxlensError, match="between 0 and 1"):
        likely_churned(demo_ws, threshold=1.5)


def test_no_repeat_purchases_is_a_clear_error(tmp_path):
    from tests.customers.conftest import make_workspace

    orders = "order_id,customer_id,ts,amount\n" + "".join(
        f"O{i},C{i},2025-0{1 + i % 6}-10,10\n" for i in range(30)
    )
    ws = cxlens.open(make_workspace(tmp_path / "ws", {"orders": orders}))
    with pytest.raises(CxlensError, match="repeat purchase"):
        predict_clv(ws)
    with pytest.raises(CxlensError, match="Not enough purchase history"):
        likely_churned(ws)


def test_no_orders_is_a_clear_error(ws):
    with pytest.raises(CxlensError, match="no orders yet"):
        predict_clv(ws)
