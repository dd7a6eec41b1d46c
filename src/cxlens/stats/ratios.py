"""Intervals for ratios of sums: costs per count, returns on spend, historical lifetime value.

* **Cost per count** (CAC, CPA, CPC, CPM, CPL, …): the spend is what the business
  decided and the count (clicks, leads, new customers) is the outcome, so the count
  is treated as Poisson and its exact (Garwood 1936) interval is turned into one for
  spend ÷ count.
* **Ratio of two sums over the same rows** (ROAS = conversion value ÷ spend): the
  ratio estimator's delta-method variance with the rows (day × campaign × ad
  group) as units (Cochran 1977, *Sampling Techniques*, §6.3), on the log scale so
  the interval stays above zero.
* **Product of two means per customer** (historical CLV = mean revenue × mean
  lifespan ÷ years): the delta method on the log scale, with the covariance of the
  two per-customer quantities.

Each returns a :class:`LogEstimate` (the value and the standard error of its
logarithm) where a test of two periods needs it, and an
:class:`~cxlens.stats.intervals.Interval`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import gammaincinv

from cxlens.stats.intervals import CONFIDENCE, NAN, Interval, z_value


@dataclass(frozen=True)
class LogEstimate:
    """A positive estimate and the standard error of its natural logarithm (NaN: unknown)."""

    value: float
    se_log: float

    def interval(self, confidence: float = CONFIDENCE) -> Interval:
        if math.isnan(self.value):
            return Interval.undefined()
        if self.value <= 0:
            return Interval(self.value, self.value, self.value, confidence)
        if math.isnan(self.se_log):
            return Interval.undefined(self.value)
        factor = math.exp(z_value(confidence) * self.se_log)
        return Interval(self.value, self.value / factor, self.value * factor, confidence)


def poisson_count_interval(count: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Garwood's exact interval for a Poisson mean after observing ``count`` events.

    Lower bound Γ⁻¹(α/2; k), upper Γ⁻¹(1 − α/2; k + 1) (the χ² form halved):
    for k = 10, 4.795 to 18.39.
    """
    alpha = 1 - confidence
    low = 0.0 if count <= 0 else float(gammaincinv(count, alpha / 2))
    high = float(gammaincinv(count + 1, 1 - alpha / 2))
    return low, high


def cost_per_count_interval(
    cost: float, count: float, scale: float = 1.0, confidence: float = CONFIDENCE
) -> Interval:
    """cost ÷ count × scale with the exact Poisson interval of the count (spend held fixed).

    Undefined without a count (nothing to divide by). A cost of zero gives [0, 0].
    """
    if count <= 0:
        return Interval.undefined()
    value = cost / count * scale
    low_count, high_count = poisson_count_interval(count, confidence)
    return Interval(value, cost / high_count * scale, cost / low_count * scale, confidence)


def ratio_of_sums(
    sum_y: float,
    sum_x: float,
    sum_yy: float,
    sum_xx: float,
    sum_xy: float,
    n: float,
) -> LogEstimate:
    """Σy ÷ Σx over n rows with the delta-method standard error of its logarithm.

    Var(R) ≈ n / (n − 1) · Σ(yᵢ − R·xᵢ)² / (Σx)², the residuals expanded into the
    sums Σy² − 2RΣxy + R²Σx²; SE(log R) = SE(R) / R. Undefined when Σx = 0; no
    standard error from fewer than two rows.
    """
    if sum_x <= 0:
        return LogEstimate(NAN, NAN)
    ratio = sum_y / sum_x
    if n < 2 or ratio <= 0:
        return LogEstimate(ratio, NAN if n < 2 else 0.0)
    residual_sq = max(sum_yy - 2 * ratio * sum_xy + ratio * ratio * sum_xx, 0.0)
    var = n / (n - 1) * residual_sq / (sum_x * sum_x)
    return LogEstimate(ratio, math.sqrt(var) / ratio)


def product_of_means(
    sum_a: float,
    sum_aa: float,
    sum_b: float,
    sum_bb: float,
    sum_ab: float,
    n: float,
    divisor: float = 1.0,
) -> LogEstimate:
    """mean(a) × mean(b) ÷ divisor over n units, with the delta-method SE of its logarithm.

    Var(log(āb̄)) ≈ [s²_a / ā² + s²_b / b̄² + 2·s_ab / (ā·b̄)] / n with the sample
    variances and covariance (n − 1 in the denominator).
    """
    if n <= 0 or divisor <= 0:
        return LogEstimate(NAN, NAN)
    mean_a, mean_b = sum_a / n, sum_b / n
    value = mean_a * mean_b / divisor
    if n < 2 or mean_a <= 0 or mean_b <= 0:
        return LogEstimate(value, NAN if n < 2 else 0.0)
    if mean_a * mean_a == 0 or mean_b * mean_b == 0:  # below what a float can square
        return LogEstimate(value, NAN)
    var_a = max((sum_aa - n * mean_a * mean_a) / (n - 1), 0.0)
    var_b = max((sum_bb - n * mean_b * mean_b) / (n - 1), 0.0)
    cov = (sum_ab - n * mean_a * mean_b) / (n - 1)
    var_log = (var_a / mean_a**2 + var_b / mean_b**2 + 2 * cov / (mean_a * mean_b)) / n
    return LogEstimate(value, math.sqrt(max(var_log, 0.0)))
