"""Customer lifetime value from a purchase model and a spend model.

``CLV_i = Σ_{k=1..H} E[purchases of customer i in month k] · E[spend per purchase of i] / (1+d)^k``

* Expected purchases in month ``k`` are ``E[Y(k·M)] − E[Y((k−1)·M)]``, differences
  of the purchase model's conditional expectation (BG/NBD eq. 10, or the Pareto/NBD
  equivalent) at month boundaries measured from the end of observation ``T``.
* Expected spend is the Gamma-Gamma conditional expectation (the population mean
  for customers without repeat purchases).
* Cash flows are discounted at the end of each month with the monthly rate ``d``.

Time units: ``recency`` and ``T`` must be in the unit the purchase model was
fitted in (its ``alpha`` and ``beta`` are rates per that unit).  ``time_unit``
names that unit, ``"D"`` (days) or ``"W"`` (weeks); a month is
``365.25 / 12 = 30.4375`` days, so ``M = 30.4375`` in days or ``4.348`` in weeks.
"""

from __future__ import annotations

import numpy as np

from cxlens.clv.base import ArrayLike, ClvDataError, FloatArray, PurchaseModel
from cxlens.clv.checks import check_rfm
from cxlens.clv.gammagamma import GammaGammaModel
from cxlens.clv.summaries import DAYS_PER_UNIT, Freq

DAYS_PER_MONTH = 365.25 / 12


def month_length(time_unit: Freq) -> float:
    """One average month in ``time_unit`` (30.4375 days or 4.348 weeks)."""
    if time_unit not in DAYS_PER_UNIT:
        raise ClvDataError(f"'time_unit' must be 'D' (days) or 'W' (weeks), got {time_unit!r}.")
    return DAYS_PER_MONTH / DAYS_PER_UNIT[time_unit]


def expected_monthly_purchases(
    purchase_model: PurchaseModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    time_unit: Freq = "W",
    horizon_months: int = 12,
) -> FloatArray:
    """Expected purchases of each customer in each of the next months: ``(customers, months)``."""
    if horizon_months < 1:
        raise ClvDataError(f"'horizon_months' must be at least 1, got {horizon_months}.")
    x, tx, age, _ = check_rfm("predict monthly purchases", frequency, recency, T)
    bounds = month_length(time_unit) * np.arange(horizon_months + 1, dtype=float)
    cumulative = purchase_model.expected_purchases_grid(bounds, x, tx, age)
    return np.asarray(np.diff(cumulative, axis=1), dtype=float)


def customer_lifetime_value(
    purchase_model: PurchaseModel,
    spend_model: GammaGammaModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    time_unit: Freq = "W",
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
) -> FloatArray:
    """Discounted expected value of each customer's purchases over the next ``horizon_months``.

    Parameters
    ----------
    purchase_model:
        A fitted :class:`~cxlens.clv.BGNBDModel` or :class:`~cxlens.clv.ParetoNBDModel`.
    spend_model:
        A fitted :class:`~cxlens.clv.GammaGammaModel`.
    frequency, recency, T, monetary_value:
        The customer summary, times in ``time_unit`` (the purchase model's unit).
    time_unit:
        ``"W"`` or ``"D"``: the unit of ``recency``, ``T`` and the model's rates.
    horizon_months:
        Number of months ahead.
    monthly_discount_rate:
        ``d`` in ``1/(1+d)^k`` for month ``k``; 0 for no discounting.
    """
    if not np.isfinite(monthly_discount_rate) or monthly_discount_rate <= -1:
        raise ClvDataError(
            f"'monthly_discount_rate' must be above -1, got {monthly_discount_rate}."
        )
    purchases = expected_monthly_purchases(
        purchase_model, frequency, recency, T, time_unit=time_unit, horizon_months=horizon_months
    )
    spend = spend_model.conditional_expected_spend(frequency, monetary_value)
    discount = (1.0 + monthly_discount_rate) ** -np.arange(1, horizon_months + 1, dtype=float)
    return np.asarray(spend * np.einsum("ij,j->i", purchases, discount), dtype=float)
