"""Pareto/NBD: published CDNOW estimates and the hypergeometric term checked by quadrature."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.special import hyp2f1

from cxlens.clv import ParetoNBDModel
from cxlens.clv.paretonbd import log_tail_integral, paretonbd_log_likelihood

CDNOW = Path(__file__).parent.parent / "fixtures" / "cdnow_summary.csv"
PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(CDNOW)


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> ParetoNBDModel:
    return ParetoNBDModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])


def test_reproduces_published_cdnow_estimates(fitted: ParetoNBDModel) -> None:
    # FHL (2005a), table 1: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0
    for name, value in PUBLISHED.items():
        # beta is weakly identified (SE about 6), so allow a few units in the last place
        assert fitted.params_[name] == pytest.approx(value, abs=3e-3), name
    assert fitted.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)
    table = fitted.summary()
    assert (table["std_error"] > 0).all()
    assert table.loc["beta", "std_error"] > table.loc["alpha", "std_error"]


def test_published_parameters_give_published_log_likelihood(cdnow: pd.DataFrame) -> None:
    model = ParetoNBDModel.from_params(**PUBLISHED)
    total = model.log_likelihood(cdnow["x"], cdnow["t_x"], cdnow["T"]).sum()
    assert total == pytest.approx(-9595.0, abs=0.1)


def tail_by_quad(t: float, x: float, r: float, alpha: float, s: float, beta: float) -> float:
    """log ∫_t^∞ (α+τ)^-(r+x) (β+τ)^-(s+1) dτ by adaptive quadrature, scaled to avoid underflow."""

    def log_integrand(tau: float) -> float:
        return float(-(r + x) * np.log(alpha + tau) - (s + 1) * np.log(beta + tau))

    shift = log_integrand(t)

    def scaled(tau: float) -> float:
        return float(np.exp(log_integrand(tau) - shift))

    width = min(alpha, beta) + t  # the integrand's decay scale near t is at least width/(r+s+x)
    head, _ = integrate.quad(scaled, t, t + width, epsabs=0, epsrel=1e-12, limit=200)
    tail, _ = integrate.quad(scaled, t + width, np.inf, epsabs=0, epsrel=1e-12, limit=200)
    return float(np.log(head + tail) + shift)


@pytest.mark.parametrize(
    ("alpha", "beta"), [(10.578, 11.669), (11.669, 10.578), (100.0, 0.5), (0.5, 100.0), (3.0, 3.0)]
)
@pytest.mark.parametrize("x", [0, 1, 7, 60, 500])
def test_tail_integral_against_adaptive_quadrature(alpha: float, beta: float, x: int) -> None:
    r, s = 0.553, 0.606
    t = np.array([0.0, 1.5, 38.86, 400.0])
    got = log_tail_integral(t, np.full(t.size, float(x)), r, alpha, s, beta)
    expected = [tail_by_quad(ti, x, r, alpha, s, beta) for ti in t]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-8)


def test_tail_integral_against_the_hypergeometric_form() -> None:
    # FH (2005) note, A0 term: c·I(t)·(α+t)^c = 2F1(c, s+1; c+1; (α-β)/(α+t)) for α >= β
    r, alpha, s, beta, x = 0.553, 11.669, 0.606, 10.578, 3.0
    c = r + s + x
    for t in (0.0, 20.0, 38.86):
        hyp = hyp2f1(c, s + 1, c + 1, (alpha - beta) / (alpha + t))
        expected = np.log(hyp) - c * np.log(alpha + t) - np.log(c)
        got = log_tail_integral(np.array([t]), np.array([x]), r, alpha, s, beta)[0]
        assert got == pytest.approx(expected, abs=1e-10)


def test_probability_alive_and_expectation() -> None:
    model = ParetoNBDModel.from_params(**PUBLISHED)
    x = np.array([0.0, 2.0, 2.0, 2.0])
    tx = np.array([0.0, 30.43, 38.86, 5.0])
    T = np.full(4, 38.86)
    p_alive = model.probability_alive(x, tx, T)
    assert np.all((p_alive > 0) & (p_alive <= 1))
    assert p_alive[2] == pytest.approx(1.0)  # bought at the very end: certainly alive
    assert p_alive[2] > p_alive[1] > p_alive[3]
    expected = model.conditional_expected_purchases(39, x, tx, T)
    # given alive, (r+x)(β+T)/((α+T)(s-1)) [1 - ((β+T)/(β+T+t))^(s-1)]
    r, alpha, s, beta = PUBLISHED.values()
    given_alive = (
        (r + 2)
        * (beta + 38.86)
        / ((alpha + 38.86) * (s - 1))
        * (1 - ((beta + 38.86) / (beta + 38.86 + 39)) ** (s - 1))
    )
    assert expected[2] == pytest.approx(given_alive, rel=1e-9)
    assert expected[1] == pytest.approx(p_alive[1] * given_alive, rel=1e-9)


def test_s_equal_to_one_is_continuous() -> None:
    values = [
        ParetoNBDModel.from_params(r=0.5, alpha=10, s=s, beta=12).conditional_expected_purchases(
            39, 2, 30, 38
        )[0]
        for s in (1 - 1e-7, 1.0, 1 + 1e-7)
    ]
    assert values[0] == pytest.approx(values[1], rel=1e-5)
    assert values[2] == pytest.approx(values[1], rel=1e-5)
    unconditional = ParetoNBDModel.from_params(r=0.5, alpha=10, s=1.0, beta=12).expected_purchases(
        39
    )
    # s = 1: E[X(t)] = rβ/α · ln(1 + t/β)
    assert unconditional[0] == pytest.approx(0.5 * 12 / 10 * np.log1p(39 / 12), rel=1e-12)


def test_extreme_customers_give_finite_numbers() -> None:
    x = np.array([500.0, 500.0, 0.0, 0.0, 300.0])
    tx = np.array([38.86, 1.0, 0.0, 0.0, 38.0])
    T = np.array([38.86, 38.86, 0.0, 1e4, 38.86])
    for params in (PUBLISHED, {"r": 0.5, "alpha": 100.0, "s": 2.0, "beta": 0.1}):
        model = ParetoNBDModel.from_params(**params)
        ll = paretonbd_log_likelihood(model._p, x, tx, T)
        assert np.all(np.isfinite(ll))
        assert ll[2] == pytest.approx(0.0)
        p_alive = model.probability_alive(x, tx, T)
        assert np.all((p_alive >= 0) & (p_alive <= 1))
        assert np.all(np.isfinite(model.conditional_expected_purchases(52, x, tx, T)))


def test_fit_with_extreme_customers_stays_finite(cdnow: pd.DataFrame) -> None:
    model = ParetoNBDModel().fit(
        np.concatenate([cdnow["x"], [500, 500, 0, 300]]),
        np.concatenate([cdnow["t_x"], [38.86, 1.0, 0.0, 38.0]]),
        np.concatenate([cdnow["T"], [38.86, 38.86, 0.0, 38.86]]),
    )
    assert np.all(np.isfinite(model.params_)) and np.isfinite(model.log_likelihood_)
    assert np.all(np.isfinite(model.standard_errors_))
