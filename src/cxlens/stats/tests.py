"""Tests of change between two periods or groups: is a difference more than noise?"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import bdtr, bdtrc, chdtrc, gammaln, ndtr, stdtr

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


def poisson_rate_test(cost_a: float, count_a: float, cost_b: float, count_b: float) -> TestResult:
    """Exact test that two periods have the same cost per count (CPC, CAC, ...), spend held fixed.

    Under equal rates of counts per unit of spend, the later period's count given
    both periods' total is Binomial(k_a + k_b, S_b / (S_a + S_b)) (Przyborowski &
    Wilenski 1940); the two-sided p-value is the binomial test's. ``difference`` is
    the change in cost per count.
    """
    method = "exact Poisson rate test (conditional binomial)"
    if count_a <= 0 or count_b <= 0 or cost_a + cost_b <= 0:
        return TestResult(NAN, NAN, NAN, method)
    diff = cost_b / count_b - cost_a / count_a
    total = round(count_a + count_b)
    share = cost_b / (cost_a + cost_b)
    if share in (0.0, 1.0):
        return TestResult(diff, NAN, 0.0, method)
    return TestResult(diff, NAN, binomial_two_sided(round(count_b), total, share), method)


def _log_pmf(k: int, n: int, p: float) -> float:
    return float(
        gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
        + k * math.log(p) + (n - k) * math.log1p(-p)
    )  # fmt: skip


def binomial_two_sided(k: int, n: int, p: float) -> float:
    """Exact two-sided binomial p-value: the probability of outcomes no likelier than ``k``.

    The pmf is unimodal, so the outcomes on the other side of the mode that are
    at most as likely as ``k`` form a tail, found by bisection (as R's binom.test
    and SciPy's binomtest do, with the same relative tolerance 1e-7).
    """
    mode = math.floor((n + 1) * p)
    observed = _log_pmf(k, n, p) + math.log1p(1e-7)
    if k == mode or abs(k - n * p) < 1e-12:
        return 1.0
    if k < mode:
        lo, hi = mode, n  # first j >= mode with pmf(j) <= pmf(k)
        if _log_pmf(n, n, p) > observed:
            return float(bdtr(k, n, p))
        while lo < hi:
            mid = (lo + hi) // 2
            if _log_pmf(mid, n, p) <= observed:
                hi = mid
            else:
                lo = mid + 1
        return float(min(1.0, bdtr(k, n, p) + bdtrc(lo - 1, n, p)))
    lo, hi = 0, mode  # last j <= mode with pmf(j) <= pmf(k)
    if _log_pmf(0, n, p) > observed:
        return float(bdtrc(k - 1, n, p))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _log_pmf(mid, n, p) <= observed:
            lo = mid
        else:
            hi = mid - 1
    return float(min(1.0, bdtr(lo, n, p) + bdtrc(k - 1, n, p)))


def log_ratio_test(value_a: float, se_log_a: float, value_b: float, se_log_b: float) -> TestResult:
    """z test of log(b) − log(a) for two positive estimates with delta-method standard errors."""
    method = "z test on the log scale (delta method)"
    bad = [v for v in (value_a, se_log_a, value_b, se_log_b) if math.isnan(v)]
    if bad or value_a <= 0 or value_b <= 0:
        return TestResult(NAN, NAN, NAN, method)
    se = math.sqrt(se_log_a**2 + se_log_b**2)
    diff = value_b - value_a
    if se <= 0:
        return TestResult(diff, NAN, NAN if diff == 0 else 0.0, method)
    z = (math.log(value_b) - math.log(value_a)) / se
    return TestResult(diff, z, _two_sided(z), method)


def median_test(values_a: list[float], values_b: list[float]) -> TestResult:
    """Mood's median test: do the two samples share a median? (chi-squared on the 2×2 table)."""
    method = "Mood's median test"
    if len(values_a) < 2 or len(values_b) < 2:
        return TestResult(NAN, NAN, NAN, method)
    diff = _median(values_b) - _median(values_a)
    grand = _median([*values_a, *values_b])
    above_a = sum(1 for v in values_a if v > grand)
    above_b = sum(1 for v in values_b if v > grand)
    n_a, n_b = len(values_a), len(values_b)
    above, below = above_a + above_b, n_a + n_b - above_a - above_b
    if above == 0 or below == 0:  # every value on one side of the grand median
        return TestResult(diff, NAN, NAN, method)
    # chi-squared with Yates' correction on the table [[above_a, above_b], [below_a, below_b]]
    n = n_a + n_b
    det = abs(above_a * (n_b - above_b) - above_b * (n_a - above_a))
    statistic = n * max(det - n / 2, 0.0) ** 2 / (above * below * n_a * n_b)
    return TestResult(diff, statistic, float(chdtrc(1, statistic)), method)


def _median(values: list[float]) -> float:
    xs = sorted(values)
    return (xs[(len(xs) - 1) // 2] + xs[len(xs) // 2]) / 2
