"""Tests of change between two periods or groups: is a difference more than noise?"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import ndtr, stdtr

NAN = float("nan")


@dataclass(frozen=True)
class TestResult:
    difference: float
    statistic: float
    p_value: float
    method: str

    def significant(self, alpha: float = 0.05) -> bool:
        return not math.isnan(self.p_value) and self.p_value < alpha


def _two_sided(z: float) -> float:
    return float(2 * ndtr(-abs(z)))


def nps_difference_test(
    promoters_a: float,
    detractors_a: float,
    n_a: float,
    promoters_b: float,
    detractors_b: float,
    n_b: float,
) -> TestResult:
    """z test of NPS(b) − NPS(a) on the ±1/0 answer scores (difference in points).

    The variance of each NPS is [p + d − (p − d)²] / n and the two samples are
    independent, so the difference has the sum of the two variances.
    """
    if n_a <= 0 or n_b <= 0:
        return TestResult(NAN, NAN, NAN, "two-sample z test on ±1/0 scores")
    pa, da, pb, db = promoters_a / n_a, detractors_a / n_a, promoters_b / n_b, detractors_b / n_b
    diff = (pb - db) - (pa - da)
    var = (pa + da - (pa - da) ** 2) / n_a + (pb + db - (pb - db) ** 2) / n_b
    if var <= 0:
        return TestResult(
            100 * diff, NAN, NAN if diff == 0 else 0.0, "two-sample z test on ±1/0 scores"
        )
    z = diff / math.sqrt(var)
    return TestResult(100 * diff, z, _two_sided(z), "two-sample z test on ±1/0 scores")


def two_proportion_test(k_a: float, n_a: float, k_b: float, n_b: float) -> TestResult:
    """Pooled two-proportion z test of p(b) − p(a)."""
    if n_a <= 0 or n_b <= 0:
        return TestResult(NAN, NAN, NAN, "two-proportion z test")
    pa, pb = k_a / n_a, k_b / n_b
    pooled = (k_a + k_b) / (n_a + n_b)
    var = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if var <= 0:
        return TestResult(pb - pa, NAN, NAN if pa == pb else 0.0, "two-proportion z test")
    z = (pb - pa) / math.sqrt(var)
    return TestResult(pb - pa, z, _two_sided(z), "two-proportion z test")


def welch_test(
    sum_a: float, sumsq_a: float, n_a: float, sum_b: float, sumsq_b: float, n_b: float
) -> TestResult:
    """Welch's t test of mean(b) − mean(a), from sums and sums of squares."""
    if n_a < 2 or n_b < 2:
        return TestResult(NAN, NAN, NAN, "Welch's t test")
    ma, mb = sum_a / n_a, sum_b / n_b
    va = max((sumsq_a - n_a * ma * ma) / (n_a - 1), 0.0)
    vb = max((sumsq_b - n_b * mb * mb) / (n_b - 1), 0.0)
    se2 = va / n_a + vb / n_b
    if se2 <= 0:
        return TestResult(mb - ma, NAN, NAN if ma == mb else 0.0, "Welch's t test")
    t = (mb - ma) / math.sqrt(se2)
    df = se2**2 / ((va / n_a) ** 2 / (n_a - 1) + (vb / n_b) ** 2 / (n_b - 1))
    return TestResult(mb - ma, t, float(2 * stdtr(df, -abs(t))), "Welch's t test")
