"""What an answer group is worth: outcomes per group, and groups compared within strata.

Per group of answers (promoters, passives, detractors; satisfied ... dissatisfied;
easy ... difficult), over the customers who answered:

=================  ============================================  =======================
outcome            what                                          interval
=================  ============================================  =======================
``bought_again``   share who ordered within the follow-up         Wilson
``orders_after``   orders per customer within the follow-up       log scale (delta)
``revenue_after``  revenue per customer within the follow-up      log scale (delta)
``ended_after``    share whose contract ended in the follow-up    Wilson
``p_alive``        mean probability of being alive now (BG/NBD)   t, cut to 0…1
``clv``            mean predicted CLV over the horizon            log scale, sampling and
                                                                  the models' parameters
=================  ============================================  =======================

``ended_after`` is there when customers have contract end dates, and counts only
those whose contract still ran at the answer. Groups are then compared pairwise
(best with worst, best with middle, middle with worst) within strata of RFM
segment and tenure band at the answer, by :func:`cxlens.stats.stratified_comparison`:
the standardised difference with a z test and the ratio, each with its interval,
next to the raw (unmatched) difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlens.stats.means import positive_mean, probability_mean, share
from cxlens.stats.stratified import stratified_comparison

if TYPE_CHECKING:
    from collections.abc import Callable

    from cxlens.stats import Interval
    from cxlens.value.answers import Grouping

#: outcome column -> form of its interval
OUTCOMES: dict[str, str] = {
    "bought_again": "share",
    "orders_after": "positive",
    "revenue_after": "positive",
    "ended_after": "share",
    "p_alive": "probability",
    "clv": "positive",
}
STRATA = ("segment", "tenure_band")


@dataclass(frozen=True)
class GroupWorth:
    groups: pd.DataFrame
    """One row per group (best first): ``group, customers``, and per outcome
    ``<outcome>, <outcome>_low, <outcome>_high, <outcome>_n``."""
    comparisons: pd.DataFrame
    """One row per pair and outcome: ``better, worse, outcome``, the matched
    ``difference`` (with ``_low``/``_high``), ``ratio`` (likewise), ``z``, ``p_value``,
    ``significant``, ``raw_difference``, ``matched_better``, ``matched_worse``, ``strata``."""
    outcomes: tuple[str, ...]


def _interval(form: str, values: np.ndarray, extra_var: float = 0.0) -> tuple[Interval, int]:
    v = values[np.isfinite(values)]
    n, total, total_sq = v.size, float(v.sum()), float((v * v).sum())
    if form == "share":
        return share(total, n), n
    if form == "probability":
        return probability_mean(total, total_sq, n), n
    return positive_mean(total, total_sq, n, extra_var), n


def group_worth(
    frame: pd.DataFrame,
    grouping: Grouping,
    parameter_variance: Callable[[np.ndarray], float] | None = None,
) -> GroupWorth:
    """Per-group outcomes and matched comparisons from one row per respondent.

    ``frame`` has ``group``, the strata columns and any of :data:`OUTCOMES` (NaN
    where an outcome does not apply to a customer). ``parameter_variance(mask)``,
    when given, is the CLV models' own variance of the mean CLV of the customers in
    ``mask`` (see :mod:`cxlens.value.clv_uncertainty`).
    """
    outcomes = tuple(o for o in OUTCOMES if o in frame.columns and frame[o].notna().any())
    rows = []
    for key in grouping.keys:
        part = frame["group"].to_numpy() == key
        row: dict[str, object] = {"group": key, "customers": int(part.sum())}
        for outcome in outcomes:
            values = frame[outcome].to_numpy(float)[part]
            extra = 0.0
            if outcome == "clv" and parameter_variance is not None:
                usable = part & np.isfinite(frame[outcome].to_numpy(float))
                count = int(usable.sum())
                if count:
                    extra = parameter_variance(usable.astype(float) / count)
                    extra = extra if np.isfinite(extra) else 0.0
            interval, n = _interval(OUTCOMES[outcome], values, extra)
            row.update(
                {
                    outcome: interval.value,
                    f"{outcome}_low": interval.low,
                    f"{outcome}_high": interval.high,
                    f"{outcome}_n": n,
                }
            )
        rows.append(row)
    groups = pd.DataFrame(rows)
    keys = grouping.keys
    pairs = [(keys[0], keys[-1])] + [(keys[i], keys[i + 1]) for i in range(len(keys) - 1)]
    comparisons = pd.DataFrame(
        [_compare(frame, better, worse, outcome) for better, worse in pairs for outcome in outcomes]
    )
    return GroupWorth(groups, comparisons, outcomes)


def stratum_sums(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """n, Σy and Σy² of ``outcome`` per group and stratum (rows with the outcome only)."""
    usable = frame[np.isfinite(frame[outcome].to_numpy(float))]
    y = usable[outcome].astype(float)
    sums = (
        usable.assign(_y=y, _y2=y * y)
        .groupby(["group", *STRATA], observed=True)
        .agg(n=("_y", "size"), total=("_y", "sum"), total_sq=("_y2", "sum"))
    )
    return sums


def _compare(frame: pd.DataFrame, better: str, worse: str, outcome: str) -> dict[str, object]:
    sums = stratum_sums(frame, outcome)
    groups = sums.index.get_level_values("group")
    a = sums[groups == better].droplevel("group")
    b = sums[groups == worse].droplevel("group")
    strata = a.index.union(b.index)
    a, b = a.reindex(strata, fill_value=0), b.reindex(strata, fill_value=0)
    c = stratified_comparison(a.n, a.total, a.total_sq, b.n, b.total, b.total_sq)
    raw = np.nan
    if a.n.sum() and b.n.sum():
        raw = float(a.total.sum() / a.n.sum() - b.total.sum() / b.n.sum())
    return {
        "better": better,
        "worse": worse,
        "outcome": outcome,
        "better_mean": c.mean_a,
        "worse_mean": c.mean_b,
        "difference": c.difference,
        "difference_low": c.difference_low,
        "difference_high": c.difference_high,
        "ratio": c.ratio,
        "ratio_low": c.ratio_low,
        "ratio_high": c.ratio_high,
        "z": c.statistic,
        "p_value": c.p_value,
        "significant": c.significant,
        "raw_difference": raw,
        "matched_better": c.matched_a,
        "matched_worse": c.matched_b,
        "strata": c.strata,
    }
