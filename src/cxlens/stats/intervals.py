"""95% (or other) confidence intervals for scores, proportions, means and medians.

All functions take sufficient statistics (counts, sums), so the warehouse does the
heavy lifting and only a handful of numbers per group reach Python. ``n = 0`` gives
an undefined interval (NaN), never an exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# scipy.special holds the distribution functions themselves; scipy.stats wraps the
# same ones but takes a second or so to import, which every command would pay
from scipy.special import bdtr, ndtri, stdtrit

NAN = float("nan")
#: below this many answers an NPS interval uses the adjusted Wald method
SMALL_NPS_SAMPLE = 100


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float

    @classmethod
    def undefined(cls) -> Interval:
        return cls(NAN, NAN, NAN)


def _z(confidence: float) -> float:
    return float(ndtri(0.5 + confidence / 2))


def nps_interval(
    promoters: float, detractors: float, n: float, confidence: float = 0.95
) -> Interval:
    """NPS in points (−100…100) with a Wald interval; adjusted Wald below 100 answers
    or when every answer falls in one group.

    Each answer scores +1 (promoter, 9–10), 0 (passive) or −1 (detractor, 0–6), so
    NPS = p − d with variance [p + d − (p − d)²] / n. For small samples, Rocks (2016,
    "Interval estimation for the Net Promoter Score", The American Statistician 70(4))
    adds 3/4 of a promoter and of a detractor and 3 answers in all before applying
    the same formula; that keeps coverage near 95% where the plain Wald falls short.
    It is used at any sample size when all answers are promoters, all passives or all
    detractors, where the plain Wald interval has no width at all.

    >>> i = nps_interval(250, 75, 1000)
    >>> round(i.value, 1), round(i.low, 1), round(i.high, 1)
    (17.5, 14.1, 20.9)
    """
    if n <= 0:
        return Interval.undefined()
    p, d = promoters / n, detractors / n
    value = 100 * (p - d)
    if n < SMALL_NPS_SAMPLE or max(promoters, detractors, n - promoters - detractors) == n:
        n_adj = n + 3
        p, d = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
        centre, var = p - d, (p + d - (p - d) ** 2) / n_adj
    else:
        centre, var = p - d, (p + d - (p - d) ** 2) / n
    half = _z(confidence) * math.sqrt(max(var, 0.0))
    return Interval(value, 100 * max(centre - half, -1.0), 100 * min(centre + half, 1.0))


def wilson_interval(successes: float, n: float, confidence: float = 0.95) -> Interval:
    """A proportion with Wilson's score interval (Wilson 1927), as a share 0…1.

    >>> i = wilson_interval(8, 10)
    >>> round(i.low, 3), round(i.high, 3)
    (0.49, 0.943)
    """
    if n <= 0:
        return Interval.undefined()
    z = _z(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(p, max(centre - half, 0.0), min(centre + half, 1.0))


def t_interval(total: float, total_sq: float, n: float, confidence: float = 0.95) -> Interval:
    """A mean with Student's t interval, from the sum and the sum of squares."""
    if n <= 0:
        return Interval.undefined()
    mean = total / n
    if n < 2:
        return Interval(mean, NAN, NAN)
    var = max((total_sq - n * mean * mean) / (n - 1), 0.0)
    half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * math.sqrt(var / n)
    return Interval(mean, mean - half, mean + half)


def median_ranks(n: int, confidence: float = 0.95) -> tuple[int, int]:
    """1-based ranks (j, k) of the order statistics bounding a distribution-free median interval.

    The interval [x(j), x(k)] covers the median with probability at least
    ``confidence``: j is the largest rank with P(Binomial(n, ½) < j) ≤ α/2 and
    k = n + 1 − j (Conover, Practical Nonparametric Statistics, §3.2).
    """
    if n <= 0:
        return (0, 0)
    alpha = 1 - confidence
    j = max(_binomial_quantile(alpha / 2, n), 1)
    while j > 1 and bdtr(j - 1, n, 0.5) > alpha / 2:
        j -= 1
    return j, n + 1 - j


def _binomial_quantile(q: float, n: int) -> int:
    """The smallest k with P(Binomial(n, ½) ≤ k) ≥ q, by bisection on the distribution function."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if bdtr(mid, n, 0.5) >= q:
            hi = mid
        else:
            lo = mid + 1
    return lo


def median_interval(values: list[float], confidence: float = 0.95) -> Interval:
    """The median of ``values`` with its order-statistic interval (for small inputs and tests)."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        return Interval.undefined()
    mid = (xs[(n - 1) // 2] + xs[n // 2]) / 2
    j, k = median_ranks(n, confidence)
    return Interval(mid, xs[j - 1], xs[k - 1])
