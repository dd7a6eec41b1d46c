"""Bootstrap helpers: resampling groups of units, and percentile intervals that hold their point.

**Group bootstrap.** Big tables are not resampled row by row. Each customer falls
into one of ``G`` groups by a hash of its id, the warehouse sums what a model needs
per group (``G`` rows per quantity), and the bootstrap draws ``G`` groups with
replacement. The groups are independent sums of independent customers, so
resampling them is a bootstrap of customers in which a customer's rows stay
together (Efron & Tibshirani 1993, §8.4: resampling the primary units). With
fewer customers than groups it is the ordinary bootstrap of customers.

**Percentile intervals.** The 2.5 % and 97.5 % points of the bootstrap estimates.
Where a skewed bootstrap distribution leaves the estimate outside them, the
interval is extended to the estimate, so that it always contains its point.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from cxlens.stats.intervals import Interval

#: customers are hashed into this many groups for the group bootstrap
BOOTSTRAP_GROUPS = 500


def group_weights(groups: int, replicates: int, seed: int = 0) -> npt.NDArray[np.float64]:
    """``(replicates, groups)`` counts: how often each group is drawn in each replicate.

    Every row sums to ``groups`` (a multinomial draw with equal chances).
    """
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, groups, size=(replicates, groups))
    weights = np.zeros((replicates, groups))
    rows = np.repeat(np.arange(replicates), groups)
    np.add.at(weights, (rows, picks.ravel()), 1.0)
    return weights


def percentile_interval(point: float, draws: npt.ArrayLike, confidence: float = 0.95) -> Interval:
    """The bootstrap percentile interval of ``draws``, extended to contain ``point``.

    Undefined (NaN bounds) when fewer than ten draws are finite.
    """
    values = np.asarray(draws, dtype=float)
    values = values[np.isfinite(values)]
    if not np.isfinite(point) or values.size < 10:
        return Interval(point, float("nan"), float("nan"))
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(values, [tail, 100 - tail])
    return Interval(point, float(min(low, point)), float(max(high, point)))
