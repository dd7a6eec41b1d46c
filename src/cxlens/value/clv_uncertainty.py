"""How sure the CLV models are of a sum of predicted CLVs: the delta method over their parameters.

A predicted CLV is an expectation computed from fitted parameters (BG/NBD or
Pareto/NBD for purchases, Gamma-Gamma for spend); what is uncertain about the
expected CLV of a given set of customers is those parameters. With ``θ`` the
parameters of both models, ``Σ`` their covariance (block-diagonal: the two models
are fitted separately, each from the inverse Hessian of its likelihood) and
``g = Σ_i ∂CLV_i/∂θ`` the gradient of the set's total, ``Var(total) ≈ gᵀ Σ g``.
The gradients come from forward differences (a relative step of 1e-5 per
parameter), once per customer, so any breakdown of the customers (by segment,
country, theme) gets its interval from sums of the same per-customer gradients.
Intervals are on the log scale, so they stay above zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from cxlens.clv import expected_monthly_purchases
from cxlens.customers.value import ClvResult, monthly_rate
from cxlens.stats import Interval

RELATIVE_STEP = 1e-5
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class ClvSensitivity:
    """Per-customer CLV and its gradient in the models' parameters, with their covariance."""

    clv: npt.NDArray[np.float64]
    gradient: npt.NDArray[np.float64]
    """``(customers, parameters)``: ∂CLV_i/∂θ_j."""
    covariance: npt.NDArray[np.float64]

    @property
    def converged(self) -> bool:
        """Whether both fits converged inside their parameter bounds, so intervals can use them."""
        return bool(np.isfinite(self.covariance).all())

    def parameter_variance(self, weights: npt.ArrayLike) -> float:
        """Variance of ``Σ w_i CLV_i`` from the parameters (NaN when the fit gave no covariance)."""
        g = np.asarray(weights, dtype=float) @ self.gradient
        return float(g @ self.covariance @ g)

    def total(self, mask: npt.ArrayLike) -> Interval:
        """The summed CLV of the customers in ``mask`` with a 95 % interval (log scale)."""
        rows = np.asarray(mask, dtype=bool)
        return total_interval(float(self.clv[rows].sum()), self.parameter_variance(rows))


def total_interval(total: float, variance: float) -> Interval:
    """A positive total with its variance as a 95 % interval on the log scale.

    A total of zero is exactly zero; an unknown or unbounded variance leaves the
    interval open (NaN bounds).
    """
    if total <= 0:
        return Interval(total, total, total)
    exponent = Z_95 * math.sqrt(max(variance, 0.0)) / total if math.isfinite(variance) else math.inf
    if exponent > 700:
        return Interval(total, float("nan"), float("nan"))
    factor = math.exp(exponent)
    return Interval(total, total / factor, total * factor)


def clv_sensitivity(result: ClvResult, rows: npt.ArrayLike | None = None) -> ClvSensitivity:
    """CLV, gradients and covariance for the customers of ``result`` (all, or ``rows``: a mask).

    ``CLV_i = S_i · P_i`` with ``S_i`` the expected spend per purchase (Gamma-Gamma) and
    ``P_i`` the discounted expected purchases (the purchase model), so the purchase
    parameters move only ``P_i`` and the spend parameters only ``S_i``: four
    evaluations of the purchase model and three of the spend model give every
    gradient (forward differences).
    """
    frame = result.customers
    mask = np.ones(len(frame), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    x, tx, age, m = (
        frame[c].to_numpy(float)[mask] for c in ("frequency", "recency", "T", "monetary_value")
    )
    clv = frame["clv"].to_numpy(float)[mask]
    spend0 = frame["expected_spend"].to_numpy(float)[mask]
    purchases0 = np.divide(clv, spend0, out=np.zeros_like(clv), where=spend0 > 0)
    purchases, spend = result.purchase_model, result.spend_model
    rate = monthly_rate(result.annual_discount)
    discount = (1.0 + rate) ** -np.arange(1, result.horizon_months + 1, dtype=float)

    def discounted_purchases(params: np.ndarray) -> np.ndarray:
        model = type(purchases).from_params(**dict(zip(purchases.param_names, params, strict=True)))
        monthly = expected_monthly_purchases(
            model, x, tx, age, time_unit="W", horizon_months=result.horizon_months
        )
        return np.asarray(monthly @ discount, dtype=float)

    def expected_spend(params: np.ndarray) -> np.ndarray:
        model = type(spend).from_params(**dict(zip(spend.param_names, params, strict=True)))
        return np.asarray(model.conditional_expected_spend(x, m), dtype=float)

    p0 = purchases.params_.to_numpy(float)
    s0 = spend.params_.to_numpy(float)
    k_p, k_s = p0.size, s0.size
    gradient = np.zeros((clv.size, k_p + k_s))
    with threadpool_limits(limits=1, user_api="blas"):
        for j in range(k_p):
            step = RELATIVE_STEP * p0[j]
            moved = p0.copy()
            moved[j] += step
            gradient[:, j] = spend0 * (discounted_purchases(moved) - purchases0) / step
    for j in range(k_s):
        step = RELATIVE_STEP * s0[j]
        moved = s0.copy()
        moved[j] += step
        gradient[:, k_p + j] = purchases0 * (expected_spend(moved) - spend0) / step
    covariance = np.full((k_p + k_s, k_p + k_s), np.nan)
    covariance[:k_p, k_p:] = covariance[k_p:, :k_p] = 0.0
    for model, block in ((purchases, slice(0, k_p)), (spend, slice(k_p, k_p + k_s))):
        # a fit stopped at a parameter bound has no usable covariance: its intervals stay open
        if getattr(model, "converged_", False) and hasattr(model, "covariance_"):
            covariance[block, block] = model.covariance_.to_numpy(float)
    return ClvSensitivity(clv, gradient, covariance)
