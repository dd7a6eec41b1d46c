"""Intervals for what acquisition costs and returns: a cost per count, a return on spend."""

from __future__ import annotations

import math

from scipy.special import gammaincinv

from cxlens.stats.intervals import Interval

NAN = float("nan")
Z_95 = 1.959963984540054


def cost_per_count(cost: float, count: float, confidence: float = 0.95) -> Interval:
    """cost ÷ count with the exact Poisson (Garwood 1936) interval of the count, cost fixed.

    The count's bounds are Γ⁻¹(α/2; k) and Γ⁻¹(1 − α/2; k + 1) (for k = 10: 4.795 and
    18.39), so CAC = 1000 ÷ 10 = 100 has the interval 1000/18.39 … 1000/4.795.
    Undefined without a count or without cost.
    """
    if count <= 0 or not cost > 0:
        return Interval(NAN, NAN, NAN)
    alpha = 1 - confidence
    low = float(gammaincinv(count, alpha / 2))
    high = float(gammaincinv(count + 1, 1 - alpha / 2))
    return Interval(cost / count, cost / high, cost / low)


def positive_ratio(total: float, total_sq: float, spend: float) -> Interval:
    """Σv ÷ spend for values v of customers acquired as a Poisson count, spend fixed.

    The total of a Poisson number of independent values has the variance Σv², so
    SE(log ratio) = √Σv² ÷ Σv; the interval is ratio · exp(± 1.96 SE). Undefined
    without spend; zero when nothing was bought.
    """
    if not spend > 0:
        return Interval(NAN, NAN, NAN)
    ratio = total / spend
    if total <= 0:
        return Interval(ratio, ratio, ratio)
    factor = math.exp(Z_95 * math.sqrt(max(total_sq, 0.0)) / total)
    return Interval(ratio, ratio / factor, ratio * factor)
