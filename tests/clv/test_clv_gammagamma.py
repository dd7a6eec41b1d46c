"""Gamma-Gamma spend model: published CDNOW estimates and the conditional expectation by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlens.clv import ClvDataError, GammaGammaModel

CDNOW = Path(__file__).parent.parent / "fixtures" / "cdnow_summary.csv"
PUBLISHED = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(CDNOW)


def test_reproduces_published_cdnow_estimates(cdnow: pd.DataFrame) -> None:
    # FHL (2005b) / Fader & Hardie (2013): p = 6.25, q = 3.74, gamma = 15.44 on the
    # 946 customers with repeat purchases; customers with x = 0 are skipped
    model = GammaGammaModel().fit(cdnow["x"], cdnow["zbar"])
    for name, value in PUBLISHED.items():
        # published to 2 decimals; gamma comes out 15.448: the likelihood is flat along
        # gamma (SE about 4), and 15.448 beats the published point (checked below)
        assert model.params_[name] == pytest.approx(value, abs=0.01), name
    published_ll = GammaGammaModel.from_params(**PUBLISHED).log_likelihood(
        cdnow["x"], cdnow["zbar"]
    )
    assert model.log_likelihood_ >= np.nansum(published_ll)
    assert model.log_likelihood_ == pytest.approx(np.nansum(published_ll), abs=0.01)
    assert model.n_customers_ == 946
    assert model.converged_
    assert (model.summary()["std_error"] > 0).all()


def test_conditional_expected_spend_by_hand() -> None:
    model = GammaGammaModel.from_params(**PUBLISHED)
    # customer 1 of CDNOW: x = 2 repeat purchases averaging $22.35
    # p (gamma + x m) / (p x + q - 1) = 6.25 * (15.44 + 44.70) / (12.5 + 2.74) = 24.66
    spend = model.conditional_expected_spend([2, 0, 200], [22.35, 0.0, 22.35])
    assert spend[0] == pytest.approx(6.25 * 60.14 / 15.24, rel=1e-12)
    assert spend[0] == pytest.approx(24.66, abs=0.005)
    # without repeat purchases: the population mean p gamma / (q - 1) = 35.22
    assert spend[1] == pytest.approx(model.mean_spend()) and spend[1] == pytest.approx(
        35.22, abs=0.005
    )
    # with many purchases the customer's own mean dominates
    assert spend[2] == pytest.approx(22.35, rel=0.01)


def test_weights_fit_like_repeated_rows(cdnow: pd.DataFrame) -> None:
    doubled = GammaGammaModel().fit(cdnow["x"], cdnow["zbar"], weights=np.full(len(cdnow), 2.0))
    once = GammaGammaModel().fit(cdnow["x"], cdnow["zbar"])
    np.testing.assert_allclose(doubled.params_, once.params_, rtol=1e-5)
    assert doubled.log_likelihood_ == pytest.approx(2 * once.log_likelihood_, rel=1e-9)
    # twice the data: standard errors shrink by sqrt(2)
    np.testing.assert_allclose(
        doubled.standard_errors_ * np.sqrt(2), once.standard_errors_, rtol=1e-3
    )


def test_spend_data_problems_are_named() -> None:
    with pytest.raises(
        ClvDataError, match=r"none of the 3 customer row\(s\) has a repeat purchase"
    ):
        GammaGammaModel().fit([0, 0, 0], [0, 0, 0])
    with pytest.raises(
        ClvDataError,
        match=r"'monetary_value' is 0 although 'frequency' is above 0 in 1 row\(s\) \(row 2\)",
    ):
        GammaGammaModel().fit([1, 2, 3], [10.0, 0.0, 12.0])
    with pytest.raises(ClvDataError, match=r"q = 0\.5 <= 1"):
        GammaGammaModel.from_params(p=2, q=0.5, gamma=3).conditional_expected_spend([1], [10])
