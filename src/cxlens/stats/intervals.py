"""95% (or other) confidence intervals for scores, proportions, means and medians.

All functions take sufficient statistics (counts, sums), so the warehouse does the
heavy lifting and only a handful of numbers per group reach Python. ``n = 0`` gives
an undefined interval (NaN), never an exception.

Every interval here stays inside the range its quantity can take and contains its
point estimate: NPS within −100…100, shares within 0…1, means on a bounded answer
scale within that scale, positive quantities above zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

# scipy.special holds the distribution functions themselves; scipy.stats wraps the
# same ones but takes a second or so to import, which every command would pay
from scipy.special import bdtr, ndtri, stdtrit

NAN = float("nan")
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A point estimate with its interval and the interval's confidence level.

    ``level`` is the nominal level, except for order-statistic intervals, whose
    exact coverage it states (at small n it cannot reach the nominal level).
    """

    value: float
    low: float
    high: float
    level: float = CONFIDENCE

    @classmethod
    def undefined(cls, value: float = NAN) -> Interval:
        return cls(value, NAN, NAN, NAN)

    @property
    def defined(self) -> bool:
        return not (math.isnan(self.low) or math.isnan(self.high))


def z_value(confidence: float = CONFIDENCE) -> float:
    """The two-sided standard normal quantile: 1.959964 for 95%."""
    return float(ndtri(0.5 + confidence / 2))


def bisect(f: Callable[[float], float], lo: float, hi: float, tol: float = 1e-12) -> float:
    """A root of ``f`` between ``lo`` and ``hi``, where ``f`` changes sign, by bisection."""
    f_lo = f(lo)
    for _ in range(200):
        mid = (lo + hi) / 2
        f_mid = f(mid)
        if f_mid == 0 or hi - lo < tol:
            return mid
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return (lo + hi) / 2


def _constrained_detractors(promoters: float, detractors: float, n: float, delta: float) -> float:
    """The maximum-likelihood detractor share when NPS/100 is held at ``delta`` (Tango 1998, eq. 4).

    With p = d + delta, the trinomial likelihood is maximal at the positive root of
    2n·d² + [−b − c + (2n − b + c)·delta]·d − c·delta·(1 − delta) = 0, where b are
    the promoters and c the detractors.
    """
    a = 2.0 * n
    b = -promoters - detractors + (2.0 * n - promoters + detractors) * delta
    c = -detractors * delta * (1.0 - delta)
    root = (-b + math.sqrt(max(b * b - 4.0 * a * c, 0.0))) / (2.0 * a)
    return min(max(root, max(0.0, -delta)), (1.0 - delta) / 2.0)


def _nps_score(promoters: float, detractors: float, n: float, delta: float) -> float:
    """Tango's score statistic for the hypothesis NPS/100 = ``delta``."""
    d = _constrained_detractors(promoters, detractors, n, delta)
    var = 2.0 * d + delta * (1.0 - delta)
    observed = promoters - detractors - n * delta
    if var <= 0:
        return math.copysign(math.inf, observed) if observed else 0.0
    return observed / math.sqrt(n * var)


def nps_interval(
    promoters: float, detractors: float, n: float, confidence: float = CONFIDENCE
) -> Interval:
    """NPS in points (−100…100) with Tango's score interval for the trinomial.

    Each answer is a promoter (9–10), a passive or a detractor (0–6), so
    NPS/100 = p − d is a difference of two shares of one trinomial sample, the
    structure of Tango's interval for paired proportions (Tango 1998, "Equivalence
    test and confidence interval for the difference in proportions for the
    paired-sample design", Statistics in Medicine 17:891–908). The interval holds
    every Δ whose score statistic (p̂ − d̂ − Δ) / √(Var at the constrained maximum
    likelihood) lies within ±z. It never leaves −100…100, always contains the NPS
    and keeps a width when all answers fall into one group. Without passives it is
    Wilson's interval for the promoters' share of promoters and detractors,
    mapped to 2p − 1.

    >>> i = nps_interval(250, 75, 1000)
    >>> round(i.value, 1), round(i.low, 2), round(i.high, 2)
    (17.5, 14.14, 20.88)
    """
    if n <= 0:
        return Interval.undefined()
    estimate = (promoters - detractors) / n
    z = z_value(confidence)
    eps = 1e-12

    def lower(delta: float) -> float:
        return _nps_score(promoters, detractors, n, delta) - z

    def upper(delta: float) -> float:
        return _nps_score(promoters, detractors, n, delta) + z

    low = (
        -1.0
        if estimate <= -1.0 + eps or lower(-1.0 + eps) < 0
        else bisect(lower, -1.0 + eps, estimate)
    )
    high = (
        1.0 if estimate >= 1.0 - eps or upper(1.0 - eps) > 0 else bisect(upper, estimate, 1.0 - eps)
    )
    return Interval(100 * estimate, 100 * low, 100 * high, confidence)


def wilson_interval(successes: float, n: float, confidence: float = CONFIDENCE) -> Interval:
    """A proportion with Wilson's score interval (Wilson 1927), as a share 0…1.

    >>> i = wilson_interval(8, 10)
    >>> round(i.low, 3), round(i.high, 3)
    (0.49, 0.943)
    """
    if n <= 0:
        return Interval.undefined()
    z = z_value(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / denom
    return Interval(p, min(max(centre - half, 0.0), p), max(min(centre + half, 1.0), p), confidence)


def _sample_variance(total: float, total_sq: float, n: float) -> float:
    mean = total / n
    return max((total_sq - n * mean * mean) / (n - 1), 0.0)


def t_interval(total: float, total_sq: float, n: float, confidence: float = CONFIDENCE) -> Interval:
    """A mean with Student's t interval, from the sum and the sum of squares (unbounded scale)."""
    if n <= 0:
        return Interval.undefined()
    mean = total / n
    if n < 2:
        return Interval.undefined(mean)
    half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * math.sqrt(
        _sample_variance(total, total_sq, n) / n
    )
    return Interval(mean, mean - half, mean + half, confidence)


def bounded_mean_interval(
    total: float,
    total_sq: float,
    n: float,
    scale_low: float,
    scale_high: float,
    confidence: float = CONFIDENCE,
) -> Interval:
    """The mean of answers on a bounded scale (CES 1–7, a 1–5 rating) with an interval inside it.

    With two or more answers that differ, Student's t interval cut to the scale.
    Where the answers show no spread (one answer, or all alike) the sample cannot
    estimate the variance; then the largest variance a mean on the scale can have,
    (μ − low)(high − μ), stands in for it: Wilson's score interval for the mean
    rescaled to 0…1. Both contain the mean and stay on the scale.
    """
    if n <= 0:
        return Interval.undefined()
    mean = total / n
    width = scale_high - scale_low
    spread = _sample_variance(total, total_sq, n) if n >= 2 else 0.0
    if spread > 1e-12 * width * width:
        t = t_interval(total, total_sq, n, confidence)
        low, high = max(t.low, float(scale_low)), min(t.high, float(scale_high))
    else:
        share = min(max((mean - scale_low) / width, 0.0), 1.0)
        w = wilson_interval(share * n, n, confidence)
        low, high = scale_low + width * w.low, scale_low + width * w.high
    return Interval(mean, min(low, mean), max(high, mean), confidence)


def positive_mean_interval(
    total: float, total_sq: float, n: float, confidence: float = CONFIDENCE
) -> Interval:
    """The mean of a positive quantity (hours, years, money) with an interval on the log scale.

    The delta method gives log(mean) the standard error s / (√n · mean); the
    interval mean · exp(± t · s / (√n · mean)) is above zero, contains the mean and
    is longer upwards, as the skewed means of times and amounts are. One value
    gives no interval; a mean of zero (every value 0) gives [0, 0].
    """
    if n <= 0:
        return Interval.undefined()
    mean = total / n
    if n < 2:
        return Interval.undefined(mean)
    if mean <= 0:
        return Interval(mean, mean, mean, confidence)
    se_log = math.sqrt(_sample_variance(total, total_sq, n) / n) / mean
    factor = math.exp(float(stdtrit(n - 1, 0.5 + confidence / 2)) * se_log)
    return Interval(mean, mean / factor, mean * factor, confidence)


def median_ranks(n: int, confidence: float = CONFIDENCE) -> tuple[int, int]:
    """1-based ranks (j, k) of the order statistics bounding a distribution-free median interval.

    The interval [x(j), x(k)] covers the median with probability at least
    ``confidence`` where that is possible: j is the largest rank with
    P(Binomial(n, ½) < j) ≤ α/2 and k = n + 1 − j (Conover, Practical
    Nonparametric Statistics, §3.2). Below six values no pair of order statistics
    reaches 95%; then j = 1, k = n (the widest), whose coverage
    :func:`median_coverage` states.
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


def median_coverage(n: int, j: int) -> float:
    """Exact coverage of [x(j), x(n+1−j)] for the median of a continuous distribution.

    P(x(j) ≤ median ≤ x(n+1−j)) = 1 − 2·P(Binomial(n, ½) ≤ j − 1): 93.75 % for
    [min, max] of five values, 50 % of two, 0 % of one.
    """
    if n <= 0:
        return NAN
    return float(1.0 - 2.0 * bdtr(j - 1, n, 0.5))


def median_interval(values: list[float], confidence: float = CONFIDENCE) -> Interval:
    """The median of ``values`` with its order-statistic interval and that interval's exact coverage."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        return Interval.undefined()
    mid = (xs[(n - 1) // 2] + xs[n // 2]) / 2
    j, k = median_ranks(n, confidence)
    return Interval(mid, xs[j - 1], xs[k - 1], median_coverage(n, j))
