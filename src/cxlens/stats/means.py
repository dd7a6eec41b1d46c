"""Intervals for the per-customer means of experience value, from sums and sums of squares."""

from __future__ import annotations

import math

from scipy.special import stdtrit

from cxlens.stats.intervals import Interval, wilson_interval

NAN = float("nan")


def _variance(total: float, total_sq: float, n: float) -> float:
    mean = total / n
    return max((total_sq - n * mean * mean) / (n - 1), 0.0)


def positive_mean(total: float, total_sq: float, n: float, extra_var: float = 0.0) -> Interval:
    """A mean of a quantity that cannot be negative (orders, money), interval on the log scale.

    ``mean · exp(± t · se / mean)`` with ``se² = s²/n + extra_var`` (``extra_var``: a
    model's own uncertainty about the mean, e.g. from its fitted parameters). The
    interval stays above zero and contains the mean; all zeros give [0, 0].
    """
    if n <= 0:
        return Interval(NAN, NAN, NAN)
    mean = total / n
    if n < 2:
        return Interval(mean, NAN, NAN)
    if mean <= 0:
        return Interval(mean, mean, mean)
    se = math.sqrt(_variance(total, total_sq, n) / n + max(extra_var, 0.0))
    exponent = float(stdtrit(n - 1, 0.975)) * se / mean
    if not math.isfinite(exponent) or exponent > 700:  # no usable upper bound
        return Interval(mean, NAN, NAN)
    factor = math.exp(exponent)
    return Interval(mean, mean / factor, mean * factor)


def probability_mean(total: float, total_sq: float, n: float) -> Interval:
    """A mean of probabilities (P(alive)): Student's t cut to 0…1, Wilson's where there is no spread."""
    if n <= 0:
        return Interval(NAN, NAN, NAN)
    mean = total / n
    spread = _variance(total, total_sq, n) if n >= 2 else 0.0
    if spread <= 1e-12:
        w = wilson_interval(mean * n, n)
        return Interval(mean, min(w.low, mean), max(w.high, mean))
    half = float(stdtrit(n - 1, 0.975)) * math.sqrt(spread / n)
    return Interval(mean, max(mean - half, 0.0), min(mean + half, 1.0))


def share(successes: float, n: float) -> Interval:
    """A share of customers with Wilson's score interval."""
    return wilson_interval(successes, n)
