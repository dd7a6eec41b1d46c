"""Two groups compared within strata: the standardised difference and ratio of their means.

Customers who answer 9 or 10 differ from those who answer 0-6 in more than their
answer: they tend to be older and more valuable customers already. Comparing the
groups only within strata (exact matching on a few coarse attributes, such as the
RFM segment and the tenure band at the time of the answer) takes that apart.

For strata ``s`` holding both groups A and B, with ``n`` units, means ``ȳ`` and
sample variances ``s²`` per group, and weights ``w_s = (n_A,s + n_B,s) / Σ``
(the two groups' joint distribution over the common strata):

* standardised means ``m_A = Σ w_s ȳ_A,s`` and ``m_B = Σ w_s ȳ_B,s``, with
  ``Var(m_A) = Σ w_s² s²_A,s / n_A,s`` (strata and groups independent);
* the difference ``m_A − m_B`` with a normal interval and a two-sided z test;
* the ratio ``m_A / m_B`` with an interval on the log scale by the delta method,
  ``SE(log) = √(Var(m_A)/m_A² + Var(m_B)/m_B²)``, which keeps it above zero.

A stratum with one unit of a group has no variance of its own; it borrows the
group's pooled within-stratum variance. Strata holding only one group are left
out, and the counts of units used say how many that kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri

NAN = float("nan")
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class StratifiedComparison:
    """Group A against group B within common strata (see the module docstring)."""

    mean_a: float
    mean_b: float
    difference: float
    difference_low: float
    difference_high: float
    ratio: float
    ratio_low: float
    ratio_high: float
    statistic: float
    """z = difference ÷ its standard error."""
    p_value: float
    matched_a: int
    matched_b: int
    strata: int

    @property
    def significant(self) -> bool:
        return bool(self.p_value < 0.05)


def _pooled_variance(n: FloatArray, var: FloatArray) -> float:
    usable = (n >= 2) & np.isfinite(var)
    dof = float((n[usable] - 1).sum())
    return float(((n[usable] - 1) * var[usable]).sum() / dof) if dof > 0 else NAN


def _stratum_variances(n: FloatArray, total: FloatArray, total_sq: FloatArray) -> FloatArray:
    """Sample variance per stratum; strata with one unit get the pooled within-stratum variance."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        var = np.where(n >= 2, (total_sq - n * mean * mean) / (n - 1), NAN)
    var = np.maximum(var, 0.0)
    return np.where(n >= 2, var, _pooled_variance(n, var))


def stratified_comparison(
    n_a: npt.ArrayLike,
    sum_a: npt.ArrayLike,
    sumsq_a: npt.ArrayLike,
    n_b: npt.ArrayLike,
    sum_b: npt.ArrayLike,
    sumsq_b: npt.ArrayLike,
    confidence: float = 0.95,
) -> StratifiedComparison:
    """Compare A with B from per-stratum counts, sums and sums of squares (aligned arrays).

    >>> c = stratified_comparison([2, 2], [4, 8], [8, 32], [2, 2], [2, 4], [2, 8])
    >>> c.difference, c.ratio
    (1.5, 2.0)
    """
    arrays = [np.asarray(a, dtype=float) for a in (n_a, sum_a, sumsq_a, n_b, sum_b, sumsq_b)]
    na, sa, qa, nb, sb, qb = arrays
    keep = (na > 0) & (nb > 0)
    if not keep.any():
        return StratifiedComparison(NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0, 0, 0)
    na, sa, qa, nb, sb, qb = (a[keep] for a in (na, sa, qa, nb, sb, qb))
    w = (na + nb) / float((na + nb).sum())
    mean_a = float((w * sa / na).sum())
    mean_b = float((w * sb / nb).sum())
    var_a = float((w * w * _stratum_variances(na, sa, qa) / na).sum())
    var_b = float((w * w * _stratum_variances(nb, sb, qb) / nb).sum())
    z = float(ndtri(0.5 + confidence / 2))
    diff = mean_a - mean_b
    se = math.sqrt(var_a + var_b) if np.isfinite(var_a + var_b) else NAN
    statistic = diff / se if se and se > 0 else NAN
    p_value = float(2 * ndtr(-abs(statistic))) if np.isfinite(statistic) else NAN
    ratio, low, high = NAN, NAN, NAN
    if mean_b > 0:
        ratio = mean_a / mean_b
    if mean_a > 0 and mean_b > 0 and np.isfinite(se):
        se_log = math.sqrt(var_a / mean_a**2 + var_b / mean_b**2)
        low, high = ratio * math.exp(-z * se_log), ratio * math.exp(z * se_log)
    half = z * se if np.isfinite(se) else NAN
    return StratifiedComparison(
        mean_a,
        mean_b,
        diff,
        diff - half,
        diff + half,
        ratio,
        low,
        high,
        statistic,
        p_value,
        int(na.sum()),
        int(nb.sum()),
        int(keep.sum()),
    )
