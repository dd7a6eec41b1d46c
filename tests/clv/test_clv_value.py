"""Customer lifetime value: month steps, discounting and time units."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlens.clv import (
    BGNBDModel,
    ClvDataError,
    GammaGammaModel,
    ParetoNBDModel,
    customer_lifetime_value,
    expected_monthly_purchases,
    month_length,
)

CDNOW = Path(__file__).parent.parent / "fixtures" / "cdnow_summary.csv"
BG = BGNBDModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
PARETO = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
GG = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(CDNOW)


def test_month_length() -> None:
    assert month_length("D") == pytest.approx(30.4375)
    assert month_length("W") == pytest.approx(30.4375 / 7)
    with pytest.raises(ClvDataError):
        month_length("Y")  # type: ignore[arg-type]


@pytest.mark.parametrize("model", [BG, PARETO])
def test_undiscounted_clv_is_spend_times_expected_purchases(
    model: BGNBDModel, cdnow: pd.DataFrame
) -> None:
    x, tx, T, m = cdnow["x"], cdnow["t_x"], cdnow["T"], cdnow["zbar"]
    clv = customer_lifetime_value(
        model, GG, x, tx, T, m, horizon_months=12, monthly_discount_rate=0
    )
    purchases = model.conditional_expected_purchases(12 * month_length("W"), x, tx, T)
    np.testing.assert_allclose(clv, purchases * GG.conditional_expected_spend(x, m), rtol=1e-9)
    monthly = expected_monthly_purchases(model, x, tx, T, horizon_months=12)
    assert monthly.shape == (len(cdnow), 12)
    assert np.all(monthly >= 0)
    assert np.all(np.diff(monthly, axis=1) <= 1e-12)  # expected purchases per month decline


def test_discounting_by_hand() -> None:
    # customer 1 of CDNOW; month k is discounted by 1.01^-k
    x, tx, T, m = [2], [30.43], [38.86], [22.35]
    monthly = expected_monthly_purchases(BG, x, tx, T, horizon_months=3)[0]
    spend = GG.conditional_expected_spend(x, m)[0]
    by_hand = spend * (monthly[0] / 1.01 + monthly[1] / 1.01**2 + monthly[2] / 1.01**3)
    clv = customer_lifetime_value(BG, GG, x, tx, T, m, horizon_months=3, monthly_discount_rate=0.01)
    assert clv[0] == pytest.approx(by_hand, rel=1e-12)
    assert clv[0] < spend * monthly.sum()


def test_days_and_weeks_agree_when_the_model_is_rescaled() -> None:
    # alpha is a rate per time unit: the same model in days has alpha * 7
    in_days = BGNBDModel.from_params(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426)
    weeks = customer_lifetime_value(BG, GG, [2], [30.43], [38.86], [22.35], time_unit="W")
    days = customer_lifetime_value(
        in_days, GG, [2], [30.43 * 7], [38.86 * 7], [22.35], time_unit="D"
    )
    assert days[0] == pytest.approx(weeks[0], rel=1e-9)


def test_horizon_and_rate_are_checked() -> None:
    with pytest.raises(ClvDataError, match="at least 1"):
        customer_lifetime_value(BG, GG, [1], [1], [2], [10], horizon_months=0)
    with pytest.raises(ClvDataError, match="above -1"):
        customer_lifetime_value(BG, GG, [1], [1], [2], [10], monthly_discount_rate=-1)
