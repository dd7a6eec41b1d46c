"""Bootstrap intervals and honest ranks for attribution credits.

Customers are hashed into :data:`~cxlens.stats.resampling.BOOTSTRAP_GROUPS` groups
(:func:`bucket`); a model's inputs are summed per group in the warehouse, and each
bootstrap replicate is the model computed on a resample of the groups (the weights
of :func:`cxlens.stats.resampling.group_weights`). Credits get percentile
intervals; ``rank`` is one plus the number of channels whose interval lies wholly
above the channel's own, so channels that overlap are not ranked against each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxlens.stats.resampling import BOOTSTRAP_GROUPS, percentile_interval

if TYPE_CHECKING:
    import ibis.expr.types as ir

FloatArray = npt.NDArray[np.float64]


def bucket(customer_id: ir.StringValue) -> ir.IntegerValue:
    """The bootstrap group of a customer: a hash of the id, modulo the number of groups.

    The hash is the engine's own, so the groups (not the point estimates) differ between
    engines; every engine gives valid bootstrap intervals.
    """
    g = BOOTSTRAP_GROUPS
    return ((customer_id.hash() % g + g) % g).cast("int64")


def by_bucket(
    frame: pd.DataFrame, column: str | list[str], value: str
) -> tuple[FloatArray, list[Any]]:
    """``(groups, items)`` matrix of ``value`` per bucket and item of ``column`` (a column or
    a list of them: items are then tuples), and the items."""
    wide = frame.pivot_table(index="bucket", columns=column, values=value, aggfunc="sum")
    wide = wide.reindex(range(BOOTSTRAP_GROUPS), fill_value=0.0).fillna(0.0)
    return wide.to_numpy(float), list(wide.columns)


def per_bucket(frame: pd.DataFrame, value: str) -> FloatArray:
    """A ``(groups,)`` vector of ``value`` per bucket."""
    series = frame.groupby("bucket")[value].sum()
    return series.reindex(range(BOOTSTRAP_GROUPS), fill_value=0.0).to_numpy(float)


def intervals(point: FloatArray, replicates: FloatArray | None) -> tuple[FloatArray, FloatArray]:
    """Percentile intervals (extended to their point) per column of ``replicates``."""
    k = point.size
    if replicates is None or replicates.shape[0] == 0:
        return np.full(k, np.nan), np.full(k, np.nan)
    bounds = [percentile_interval(float(point[j]), replicates[:, j]) for j in range(k)]
    return np.array([b.low for b in bounds]), np.array([b.high for b in bounds])


def honest_ranks(low: FloatArray, high: FloatArray) -> npt.NDArray[np.float64]:
    """1 + the number of others whose interval lies wholly above each one's (NaN without intervals).

    >>> honest_ranks(np.array([10., 4., 5.]), np.array([12., 8., 9.]))
    array([1., 2., 2.])
    """
    if np.isnan(low).any() or np.isnan(high).any():
        return np.full(low.size, np.nan)
    above = (low[None, :] > high[:, None]).sum(axis=1)
    return (1 + above).astype(float)
