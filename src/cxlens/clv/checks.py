"""Checks of customer summaries: every problem is reported at once, with counts and rows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from cxlens.clv.base import ArrayLike, ClvDataError, FloatArray


def _as_vector(values: ArrayLike, name: str) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ClvDataError(
            f"'{name}' must hold numbers; could not read it as numbers ({exc})."
        ) from exc
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ClvDataError(f"'{name}' must be one-dimensional, got shape {array.shape}.")
    return array


def describe_rows(mask: npt.NDArray[np.bool_]) -> str:
    """``'3 row(s) (rows 4, 9, 17)'`` with 1-based row numbers, at most five listed."""
    where = np.flatnonzero(mask)
    listed = ", ".join(str(i + 1) for i in where[:5])
    more = f", ... {where.size - 5} more" if where.size > 5 else ""
    return f"{where.size} row(s) (row {listed}{more})"


def check_columns(
    what: str, columns: dict[str, ArrayLike], weights: ArrayLike | None
) -> tuple[dict[str, FloatArray], FloatArray]:
    """Convert columns to float vectors of one length with finite values; check weights.

    Raises :class:`ClvDataError` naming every problem found (not only the first).
    """
    arrays = {name: _as_vector(values, name) for name, values in columns.items()}
    lengths = {name: a.size for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        sizes = ", ".join(f"'{k}' has {v}" for k, v in lengths.items())
        raise ClvDataError(f"Cannot {what}: the columns differ in length ({sizes}).")
    n = next(iter(lengths.values()))
    if n == 0:
        raise ClvDataError(f"Cannot {what}: the customer summary is empty (0 rows).")
    w = np.ones(n) if weights is None else _as_vector(weights, "weights")
    if w.size != n:
        raise ClvDataError(f"Cannot {what}: 'weights' has {w.size} values for {n} rows.")
    problems = []
    for name, a in [*arrays.items(), ("weights", w)]:
        bad = ~np.isfinite(a)
        if bad.any():
            problems.append(f"'{name}' is missing or not finite in {describe_rows(bad)}")
    for name, a in [*arrays.items(), ("weights", w)]:
        bad = a < 0
        if bad.any():
            problems.append(f"'{name}' is negative in {describe_rows(bad)}")
    if problems:
        raise_problems(what, n, problems)
    if not np.any(w > 0):
        raise ClvDataError(f"Cannot {what}: all {n} weights are zero.")
    return arrays, w


def raise_problems(what: str, n_rows: int, problems: Sequence[str], advice: str = "") -> None:
    lines = [f"Cannot {what}: {len(problems)} problem(s) in {n_rows} customer row(s):"]
    lines += [f"  - {p}" for p in problems]
    if advice:
        lines.append(advice)
    raise ClvDataError("\n".join(lines), problems)


def check_rfm(
    what: str,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    require_repeat: bool = False,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Check a frequency / recency / T summary and return it as float vectors plus weights.

    ``frequency`` must be a whole number ``>= 0``, ``0 <= recency <= T``, and
    ``recency == 0`` when ``frequency == 0``.  With ``require_repeat`` at least one
    customer (with positive weight) must have a repeat purchase.
    """
    cols, w = check_columns(what, {"frequency": frequency, "recency": recency, "T": T}, weights)
    x, tx, age = cols["frequency"], cols["recency"], cols["T"]
    n = x.size
    problems = []
    not_whole = x != np.round(x)
    if not_whole.any():
        problems.append(f"'frequency' is not a whole number in {describe_rows(not_whole)}")
    tolerance = 1e-9 * np.maximum(1.0, age)
    late = tx > age + tolerance
    if late.any():
        problems.append(f"'recency' is greater than 'T' in {describe_rows(late)}")
    orphan = (x == 0) & (tx > 0)
    if orphan.any():
        problems.append(
            f"'recency' is above 0 although 'frequency' is 0 in {describe_rows(orphan)}"
            " (recency is the time from the first to the last purchase)"
        )
    if problems:
        raise_problems(
            what,
            n,
            problems,
            "Expected per customer: frequency = repeat purchases, recency = time from first"
            " to last purchase, T = time from first purchase to the end of observation.",
        )
    if require_repeat and not np.any((x > 0) & (w > 0)):
        raise ClvDataError(
            f"Cannot {what}: none of the {n} customer row(s) has a repeat purchase"
            " (frequency > 0), so the purchase and dropout processes cannot be told apart."
            " Use a longer calibration period or more customers."
        )
    return x, np.minimum(tx, age), age, w
