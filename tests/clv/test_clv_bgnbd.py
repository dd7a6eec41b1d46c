"""BG/NBD: the published CDNOW estimates (Fader, Hardie & Lee 2005a) and hand-checkable numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from cxlens.clv import BGNBDModel, ModelNotFittedError
from cxlens.clv.bgnbd import bgnbd_log_likelihood
from cxlens.errors import CxlensError

CDNOW = Path(__file__).parent.parent / "fixtures" / "cdnow_summary.csv"
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(CDNOW)


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> BGNBDModel:
    return BGNBDModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])


def test_reproduces_published_cdnow_estimates(fitted: BGNBDModel) -> None:
    # FHL (2005a): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4,
    # published to 3 decimals: agree to within half a unit in the last place
    for name, value in PUBLISHED.items():
        assert fitted.params_[name] == pytest.approx(value, abs=6e-4), name
    assert fitted.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert fitted.converged_
    assert fitted.n_customers_ == 2357


def test_summary_has_standard_errors_and_intervals(fitted: BGNBDModel) -> None:
    table = fitted.summary()
    assert list(table.columns) == ["estimate", "std_error", "ci_lower", "ci_upper"]
    assert list(table.index) == ["r", "alpha", "a", "b"]
    assert (table["std_error"] > 0).all()
    assert (table["ci_lower"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci_upper"]).all()
    # r is tightly estimated on 2357 customers; b much less so
    assert table.loc["r", "std_error"] == pytest.approx(0.0126, rel=0.05)
    assert table.loc["b", "std_error"] / table.loc["b", "estimate"] > 0.2


def test_paper_example_conditional_expectation() -> None:
    # FHL (2005a): a customer with x = 2, t_x = 30.43, T = 38.86 is expected to make
    # 1.226 purchases in the next 39 weeks
    model = BGNBDModel.from_params(**PUBLISHED)
    value = model.conditional_expected_purchases(39, 2, 30.43, 38.86)
    assert value[0] == pytest.approx(1.226, abs=5e-4)


def test_probability_alive_by_hand() -> None:
    model = BGNBDModel.from_params(**PUBLISHED)
    # 1 / (1 + a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x))
    #   = 1 / (1 + 0.793/3.426 * (43.274/34.844)^2.243) = 1 / (1 + 0.23147 * 1.62580)
    by_hand = 1 / (1 + 0.793 / 3.426 * (43.274 / 34.844) ** 2.243)
    assert by_hand == pytest.approx(0.7266, abs=1e-4)
    p_alive = model.probability_alive([2, 0, 2, 2], [30.43, 0, 38.86, 5.0], [38.86, 38.86] * 2)
    assert p_alive[0] == pytest.approx(by_hand, rel=1e-9)
    assert p_alive[1] == 1.0  # no repeat purchase: no chance to have dropped out
    assert p_alive[2] > p_alive[0] > p_alive[3]  # recent buyers are more likely alive


def closed_form_eq10(params: dict[str, float], t: float, x: float, tx: float, T: float) -> float:
    """FHL (2005a) eq. (10) with scipy's hyp2f1, usable for moderate x and t."""
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    numerator = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    odds = a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x) if x > 0 else 0.0
    return float(numerator / (1 + odds))


@pytest.mark.parametrize(
    "params",
    [
        PUBLISHED,
        {"r": 1.7, "alpha": 12.0, "a": 2.5, "b": 6.0},
        {"r": 0.4, "alpha": 0.8, "a": 0.3, "b": 0.9},
    ],
)
def test_quadrature_matches_equation_10_where_hyp2f1_is_reliable(params: dict[str, float]) -> None:
    model = BGNBDModel.from_params(**params)
    for x, tx, T in [(0, 0, 38.86), (1, 10.0, 38.86), (4, 30.0, 35.0), (9, 20.0, 21.0)]:
        for t in (1.0, 39.0, 104.0):
            expected = closed_form_eq10(params, t, x, tx, T)
            got = model.conditional_expected_purchases(t, x, tx, T)[0]
            assert got == pytest.approx(expected, rel=1e-7), (x, tx, T, t)


def test_unconditional_expectation_matches_closed_form() -> None:
    r, alpha, a, b = PUBLISHED.values()
    model = BGNBDModel.from_params(**PUBLISHED)
    t = np.array([1.0, 39.0, 78.0])
    closed = (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    )
    np.testing.assert_allclose(model.expected_purchases(t), closed, rtol=1e-8)
    assert model.expected_purchases(0.0)[0] == 0.0


def test_a_equal_to_one_is_not_singular() -> None:
    # eq. (10) divides by a - 1; the quadrature form has no such singularity
    values = [
        BGNBDModel.from_params(r=0.5, alpha=5, a=a, b=2).conditional_expected_purchases(
            39, 3, 20, 38
        )[0]
        for a in (1 - 1e-6, 1.0, 1 + 1e-6)
    ]
    assert np.all(np.isfinite(values))
    assert values[0] == pytest.approx(values[1], rel=1e-5)
    assert values[2] == pytest.approx(values[1], rel=1e-5)


def test_extreme_customers_give_finite_numbers(cdnow: pd.DataFrame) -> None:
    extreme_x = np.array([500.0, 500.0, 0.0, 0.0, 300.0, 1.0])
    extreme_tx = np.array([38.86, 1.0, 0.0, 0.0, 38.0, 1e-9])
    extreme_T = np.array([38.86, 38.86, 0.0, 1e4, 38.86, 38.86])
    model = BGNBDModel.from_params(**PUBLISHED)
    ll = bgnbd_log_likelihood(model._p, extreme_x, extreme_tx, extreme_T)
    assert np.all(np.isfinite(ll))
    assert ll[2] == pytest.approx(0.0)  # x = 0 observed over no time: probability 1
    p_alive = model.probability_alive(extreme_x, extreme_tx, extreme_T)
    assert np.all((p_alive >= 0) & (p_alive <= 1))
    assert p_alive[0] > 0.99 and p_alive[1] < 1e-100
    expected = model.conditional_expected_purchases(52.0, extreme_x, extreme_tx, extreme_T)
    assert np.all(np.isfinite(expected)) and np.all(expected >= 0)
    # a customer with 500 purchases in 38.86 weeks who bought just now keeps buying at that pace
    assert 400 < expected[0] < 700
    fitted = BGNBDModel().fit(
        np.concatenate([cdnow["x"], extreme_x]),
        np.concatenate([cdnow["t_x"], extreme_tx]),
        np.concatenate([cdnow["T"], extreme_T]),
    )
    assert np.all(np.isfinite(fitted.params_)) and np.isfinite(fitted.log_likelihood_)


def test_weights_fit_like_repeated_rows(cdnow: pd.DataFrame, fitted: BGNBDModel) -> None:
    grouped = cdnow.groupby(["x", "t_x", "T"]).size().reset_index(name="n")
    assert len(grouped) < len(cdnow)
    by_weight = BGNBDModel().fit(grouped["x"], grouped["t_x"], grouped["T"], weights=grouped["n"])
    np.testing.assert_allclose(by_weight.params_, fitted.params_, rtol=1e-6)
    assert by_weight.log_likelihood_ == pytest.approx(fitted.log_likelihood_, abs=1e-6)
    assert by_weight.n_customers_ == 2357


def test_log_likelihood_sums_to_the_fit(cdnow: pd.DataFrame, fitted: BGNBDModel) -> None:
    per_customer = fitted.log_likelihood(cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert per_customer.sum() == pytest.approx(fitted.log_likelihood_, abs=1e-6)


def test_unfitted_model_and_bad_parameters_raise() -> None:
    with pytest.raises(ModelNotFittedError, match=r"call fit\(\)"):
        BGNBDModel().probability_alive(1, 1, 2)
    with pytest.raises(CxlensError, match="missing"):
        BGNBDModel.from_params(r=1, alpha=1, a=1)
    with pytest.raises(CxlensError, match="positive"):
        BGNBDModel.from_params(r=1, alpha=-1, a=1, b=1)


def _integrated_eq10(r: float, alpha: float, a: float, b: float, t: float, x: float, T: float):
    """E_p[(1 - (1 + p t/(alpha+T))^-(r+x)) / p] over p ~ Beta(a, b+x) by adaptive quadrature,
    split at the posterior mean so that a narrow peak is not missed."""
    from scipy import integrate
    from scipy.special import betaln

    kappa = t / (alpha + T)

    def f(y: float) -> float:
        density = np.exp((a - 1) * np.log(y) + (b + x - 1) * np.log1p(-y) - betaln(a, b + x))
        return float(density * (1 - (1 + kappa * y) ** (-(r + x))) / y)

    mean = a / (a + b + x)
    sd = np.sqrt(mean * (1 - mean) / (a + b + x))
    lo, hi = max(mean - 12 * sd, 1e-300), min(mean + 12 * sd, 1 - 1e-16)
    left = integrate.quad(f, lo, mean, epsabs=0, epsrel=1e-11, limit=200)[0]
    return left + integrate.quad(f, mean, hi, epsabs=0, epsrel=1e-11, limit=200)[0]


@pytest.mark.parametrize(
    "a, b", [(20.0, 300.0), (200.0, 3000.0), (1e3, 1e5), (8.4e5, 1.4e7), (25.0, 25.0)]
)
def test_narrow_dropout_posteriors_are_integrated_where_their_mass_is(a: float, b: float) -> None:
    """A population whose dropout chances barely differ (large a and b) has a posterior far
    narrower than the tanh-sinh nodes; it used to give 18 % too little at a = 1000 and zero
    purchases at a = 8.4e5."""
    from cxlens.clv.bgnbd import bgnbd_probability_alive

    model = BGNBDModel.from_params(r=0.6, alpha=5.8, a=a, b=b)
    x, tx, T = np.array([3.0]), np.array([20.0]), np.array([40.0])
    got = model.expected_purchases_grid(np.array([52.0]), x, tx, T)[0, 0]
    alive = bgnbd_probability_alive(model._p, x, tx, T)[0]
    assert got / alive == pytest.approx(_integrated_eq10(0.6, 5.8, a, b, 52.0, 3.0, 40.0), rel=1e-8)


def test_no_jump_where_the_narrow_rule_takes_over() -> None:
    from cxlens.clv.bgnbd import CONCENTRATED

    values = [
        BGNBDModel.from_params(r=0.6, alpha=5.8, a=a, b=400.0).conditional_expected_purchases(
            52, 3, 20, 40
        )[0]
        for a in (CONCENTRATED * (1 - 1e-9), CONCENTRATED)
    ]
    assert values[0] == pytest.approx(values[1], rel=1e-8)
