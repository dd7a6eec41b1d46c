"""Shapley-value attribution: each conversion shared by what its channels add to the chance of converting.

The method behind data-driven attribution (Shao & Li 2011, "Data-driven multi-touch
attribution models", KDD; Dalessandro, Perlich, Stitelman & Provost 2012, "Causally
motivated attribution for online advertising"), on the same conversion and null
paths as the other models:

* every path's **channel set** ``S`` is the set of channels it touched;
* ``p(S)``, the chance that a path with exactly that set converts, is its
  conversion paths ÷ all its paths (conversion and null paths); a set no path had
  has ``p = 0``, and so has the empty set;
* within a converting path's set ``S``, channel ``c`` gets its Shapley value
  ``φ_c(S) = Σ_{T ⊆ S∖{c}} |T|! (|S|−|T|−1)! / |S|! · (p(T ∪ {c}) − p(T))``, the
  average gain in the chance of converting when ``c`` joins, over all orders in
  which the channels could have joined; these add up to ``p(S)``;
* each conversion (and its value) is shared in proportion to the positive
  ``φ_c(S)``; a channel whose presence lowers the chance gets nothing.

For three channels with ``p(A) = 0.2, p(B) = 0.1, p(C) = 0, p(AB) = 0.4,
p(AC) = p(BC) = 0.2, p(ABC) = 0.6``, a conversion on A, B and C goes 17/36 to A,
14/36 to B and 5/36 to C (``tests/journeys/test_shapley.py`` works it through).

Channel sets are bit masks (channel ``i`` is bit ``i``), counted per mask in the
warehouse; only one row per mask (and bootstrap group) reaches Python.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import ibis
import numpy as np
import numpy.typing as npt

from cxlens.errors import CxlensError

if TYPE_CHECKING:
    from collections.abc import Callable

    import ibis.expr.types as ir

#: channels a mask can hold (bits of a signed 64-bit integer)
MAX_CHANNELS = 62
#: channels one path may touch: the subsets of a path's set are enumerated
MAX_SET = 14

FloatArray = npt.NDArray[np.float64]


def channel_bit(dim: ir.StringValue, channels: list[str]) -> ir.IntegerValue:
    """The bit of each channel (0 for a channel not in the list)."""
    if len(channels) > MAX_CHANNELS:
        raise CxlensError(
            f"Shapley attribution handles at most {MAX_CHANNELS} channels; the dimension has"
            f" {len(channels)}. Use a coarser --dimension (channel rather than campaign)."
        )
    branches = [(dim == c, ibis.literal(1 << i, "int64")) for i, c in enumerate(channels)]
    return ibis.cases(*branches, else_=ibis.literal(0, "int64"))


def path_sets(
    touches: ir.Table,
    nulls: ir.Table,
    channels: list[str],
    bucket: Callable[[ir.StringValue], ir.IntegerValue],
) -> ir.Table:
    """Per bootstrap group and channel set: ``bucket, mask, paths, conversions, value``.

    ``touches`` are the conversion paths' touches (``conv_id, customer_id, dim, value``),
    ``nulls`` the null paths' (``customer_id, dim``); ``bucket`` maps a customer id to
    its bootstrap group.
    """
    conv = touches.select(
        path="conv_id", customer_id="customer_id", dim="dim", value="value",
        converted=ibis.literal(1, "int64"),
    ).distinct()  # fmt: skip
    null = nulls.select(
        path=ibis.literal("null:") + nulls.customer_id, customer_id="customer_id", dim="dim",
        value=ibis.literal(0.0, "float64"), converted=ibis.literal(0, "int64"),
    ).distinct()  # fmt: skip
    steps = conv.union(null)
    steps = steps.mutate(bit=channel_bit(steps.dim, channels))
    per_path = steps.group_by(["path", "customer_id"]).aggregate(
        mask=steps.bit.sum(), converted=steps.converted.max(), value=steps.value.max()
    )
    per_path = per_path.mutate(bucket=bucket(per_path.customer_id))
    return per_path.group_by(["bucket", "mask"]).aggregate(
        paths=per_path.count(),
        conversions=per_path.converted.sum(),
        value=per_path.value.sum().cast("float64"),
    )


def _bits(mask: int, k: int) -> list[int]:
    return [i for i in range(k) if mask >> i & 1]


def _submasks(members: list[int]) -> np.ndarray:
    """Every subset of ``members`` as a mask, in binary counting order over the members."""
    size = len(members)
    index = np.arange(1 << size)
    masks = np.zeros(1 << size, dtype=np.int64)
    for j, bit in enumerate(members):
        masks |= ((index >> j) & 1).astype(np.int64) << bit
    return masks


def shapley_credits(
    masks: npt.ArrayLike,
    paths: npt.ArrayLike,
    conversions: npt.ArrayLike,
    values: npt.ArrayLike,
    k: int,
) -> tuple[FloatArray, FloatArray]:
    """Conversions and value credited to each of ``k`` channels.

    ``masks`` are the distinct channel sets; ``paths``, ``conversions`` and ``values``
    may be ``(sets,)`` or ``(replicates, sets)`` (one row per bootstrap replicate);
    the results are ``(k,)`` or ``(replicates, k)`` accordingly.
    """
    m = np.asarray(masks, dtype=np.int64)
    n = np.atleast_2d(np.asarray(paths, dtype=float))
    conv = np.atleast_2d(np.asarray(conversions, dtype=float))
    val = np.atleast_2d(np.asarray(values, dtype=float))
    single = np.asarray(paths).ndim == 1
    order = np.argsort(m)
    m, n, conv, val = m[order], n[:, order], conv[:, order], val[:, order]
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, conv / n, 0.0)
    credit = np.zeros((n.shape[0], k))
    value = np.zeros((n.shape[0], k))
    for j, mask in enumerate(m.tolist()):
        if mask == 0 or not (conv[:, j] > 0).any():
            continue
        members = _bits(int(mask), k)
        size = len(members)
        if size > MAX_SET:
            raise CxlensError(
                f"A path touched {size} channels; Shapley attribution handles at most"
                f" {MAX_SET} per path. Use a coarser --dimension."
            )
        subs = _submasks(members)
        at = np.searchsorted(m, subs)
        found = (at < m.size) & (m[np.minimum(at, m.size - 1)] == subs)
        p_sub = np.where(found[None, :], p[:, np.minimum(at, m.size - 1)], 0.0)  # (reps, 2^s)
        counts = np.array([bin(i).count("1") for i in range(1 << size)])
        phi = np.zeros((n.shape[0], size))
        for position in range(size):
            without = np.flatnonzero(((np.arange(1 << size) >> position) & 1) == 0)
            t = counts[without]
            weight = np.array(
                [math.factorial(s) * math.factorial(size - s - 1) for s in t], dtype=float
            ) / math.factorial(size)
            gain = p_sub[:, without | (1 << position)] - p_sub[:, without]
            phi[:, position] = gain @ weight
        positive = np.clip(phi, 0.0, None)
        total = positive.sum(axis=1, keepdims=True)
        share = np.divide(positive, total, out=np.zeros_like(positive), where=total > 0)
        credit[:, members] += share * conv[:, j : j + 1]
        value[:, members] += share * val[:, j : j + 1]
    return (credit[0], value[0]) if single else (credit, value)
