"""Attribution of conversions and their value to channels.

Paths. Each conversion's path is the customer's touch events (channel, or the
dimension chosen) within the lookback window before it and after the customer's
previous conversion, in time order; an event at the moment of conversion counts.
Events of the conversion touchpoint itself are not touches. Events that lead to
no conversion make the customer's *null path* (one per customer). Conversions
without any touch in the window are reported as "(no touch)" under every model.

Heuristic models (credit per conversion sums to 1; value gets the same shares):

* **first** / **last**: all credit to the first / last touch.
* **linear**: 1/n to each of the n touches.
* **position** (U-shaped): 40 % to the first, 40 % to the last, 20 % shared by
  those between; 50/50 with two touches; everything with one.
* **time-decay**: weight 2^(−t/7 days), t the time from touch to conversion
  (half-life seven days), normalised per conversion.

**markov**: a first-order absorbing Markov chain over the states start, each
channel, conversion and null, with transition probabilities counted from all
paths (consecutive repeats of a channel collapsed; they do not change where a
path ends; conversions without touches stay outside the chain, as "(no touch)"). The *removal effect* of channel c is 1 − P'(conversion)/P(conversion),
where P' is the probability of reaching conversion from start when c leads
nowhere (its visits end in null). Conversions and value are shared out in
proportion to the removal effects (Anderl, Becker, von Wangenheim & Schumann
2016, "Mapping the customer journey", IJRM 33(3)). The chain is solved exactly:
the absorption probabilities are the solution of (I − Q) x = r, Q the transient
block and r the column into conversion.

**shapley**: each conversion shared by the Shapley values of its channels in the
chance of converting (:mod:`cxlens.journeys.shapley`).

**Intervals.** Every model's credit comes with a 95 % bootstrap interval: customers
are hashed into groups, the warehouse sums each model's inputs per group (credits,
transition counts, channel sets) and the groups are resampled with replacement
(:mod:`cxlens.stats.resampling`), the whole model refitted on each resample. A
channel's ``rank`` counts only the channels whose interval lies entirely above its
own: channels whose intervals overlap share a rank, so none is placed ahead of
another that it may well trail.

Everything up to the counts per group runs in the warehouse; only one row per
group and (from, to) pair, channel or channel set reaches Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from cxlens.errors import CxlensError
from cxlens.journeys import HEURISTIC, MODELS
from cxlens.journeys import credits as boot
from cxlens.journeys.base import (
    JourneySettings,
    Range,
    conversions,
    seconds_between,
    touch_events,
)
from cxlens.journeys.results import Attribution
from cxlens.journeys.shapley import path_sets, shapley_credits
from cxlens.stats.resampling import BOOTSTRAP_GROUPS, group_weights

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

HALF_LIFE_DAYS = 7.0
NO_TOUCH = "(no touch)"
START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"


@dataclass(frozen=True)
class Paths:
    touches: ir.Table
    """Touches on conversion paths: conv_id, customer_id, event_id, ts, dim, conv_ts, value,
    and their place on the path (see :meth:`PathQuery.ordered`)."""
    conversions: ir.Table
    nulls: ir.Table
    """Touches on null paths: customer_id, event_id, ts, dim, and their place on the path."""


@dataclass(frozen=True)
class PathQuery:
    """The conversions in range and the touch events that may precede them."""

    conversions: ir.Table
    events: ir.Table
    """Touch events (customer_id, event_id, ts, dim) of the chosen dimension."""
    settings: JourneySettings
    range: Range

    def assigned(self) -> ir.Table:
        """The touch events a path of the period can hold, each with the conversion whose path
        it is on: ``conv_id, customer_id, event_id, ts, dim, conv_ts, value``, the conversion's
        columns null for an event on no conversion's path.

        A conversion's touches are within the lookback before it and after the customer's
        previous conversion, so an event is on at most one path (that of the customer's first
        conversion at or after it): one row per event. The events are those from the lookback
        before the period to its end; no touch of the period's conversions is earlier.
        """
        ev, conv = self.events, self.conversions
        lookback = self.settings.lookback
        start, end = self.range.start_utc, self.range.end_utc
        if start is not None and start > datetime.min.replace(tzinfo=UTC) + lookback:
            ev = ev.filter(ev.ts > start - lookback)
        if end is not None:
            ev = ev.filter(ev.ts < end)
        window = ibis.interval(seconds=int(lookback.total_seconds()))
        earliest = conv.conv_ts - window
        # a path starts after the lookback's start and after the previous conversion; one
        # bound keeps the join an equality join with range conditions (an OR would not)
        after = (conv.prev_ts.notnull() & (conv.prev_ts > earliest)).ifelse(conv.prev_ts, earliest)
        c = conv.select(
            "conv_id", _cid="customer_id", conv_ts="conv_ts", _after=after, value="value"
        )
        j = ev.left_join(c, [ev.customer_id == c._cid, ev.ts <= c.conv_ts, ev.ts > c._after])
        return j.select("conv_id", "customer_id", "event_id", "ts", "dim", "conv_ts", "value")

    def ordered(self, assigned: ir.Table) -> ir.Table:
        """The events on a path, from ``assigned`` (see :meth:`assigned`): each conversion's
        touches, and the period's other events as their customer's null path, each with its
        place on its path in time order: ``k`` (1 for the first) of ``n``, the channel of
        the step ``before`` it, whether it is the ``last``, and the time-decay ``weight``
        with its path's ``total_weight`` (conversion paths). One ordered pass serves the
        heuristic models and the transition counts alike."""
        a = assigned
        in_period = ibis.literal(True)
        if self.range.start_utc is not None:
            in_period = in_period & (a.ts >= self.range.start_utc)
        if self.range.end_utc is not None:
            in_period = in_period & (a.ts < self.range.end_utc)
        a = a.filter(a.conv_id.notnull() | in_period)
        # a null path is its customer's: no conversion, so the same (null) conv_id
        path = ["conv_id", "customer_id"]
        w = ibis.window(group_by=path, order_by=["ts", "event_id"])
        whole = ibis.window(group_by=path)
        weight = ibis.literal(2.0) ** (
            -seconds_between(a.conv_ts, a.ts) / (HALF_LIFE_DAYS * 86_400.0)
        )
        return a.mutate(
            k=ibis.row_number().over(w) + 1,
            n=a.event_id.count().over(whole),
            before=a.dim.lag().over(w),
            last=a.event_id.lead().over(w).isnull(),
            weight=weight,
            total_weight=weight.sum().over(whole),
        )

    def touches(self, ordered: ir.Table) -> ir.Table:
        """Each conversion's touches (``ordered`` as computed by :meth:`ordered`)."""
        return ordered.filter(ordered.conv_id.notnull())

    def nulls(self, ordered: ir.Table) -> ir.Table:
        """The period's touch events on no conversion's path (``ordered`` from :meth:`ordered`)."""
        return ordered.filter(ordered.conv_id.isnull()).select(
            "customer_id", "event_id", "ts", "dim", "k", "n", "before", "last"
        )


def path_query(
    ws: WorkspaceData,
    settings: JourneySettings,
    dimension: str = "channel",
    start: object = None,
    end: object = None,
) -> PathQuery:
    period = Range.of(ws, start, end)
    conv = period.filter(conversions(ws, settings), "conv_ts")
    order = ibis.window(group_by="customer_id", order_by=["conv_ts", "conv_id"])
    conv = conv.mutate(prev_ts=conv.conv_ts.lag().over(order))
    ev = touch_events(ws, dimension)
    ev = ev.filter(ev.dim.notnull() & (ev.touchpoint != settings.conversion))
    return PathQuery(conv, ev, settings, period)


def build_paths(
    ws: WorkspaceData,
    settings: JourneySettings,
    dimension: str = "channel",
    start: object = None,
    end: object = None,
) -> Paths:
    """Conversion and null paths as expressions (see :func:`attribute` to compute them once)."""
    q = path_query(ws, settings, dimension, start, end)
    ordered = q.ordered(q.assigned())
    return Paths(q.touches(ordered), q.conversions, q.nulls(ordered))


def heuristic_credits(paths: Paths) -> pd.DataFrame:
    """Per channel, heuristic model and bootstrap group: conversions and value credited."""
    t = paths.touches
    first = (t.k == 1).ifelse(1.0, 0.0)
    last = (t.k == t.n).ifelse(1.0, 0.0)
    middle = ((t.k > 1) & (t.k < t.n)).ifelse(0.2 / (t.n - 2).cast("float64"), 0.0)
    position = ibis.cases(
        (t.n == 1, 1.0),
        (t.n == 2, 0.5),
        else_=first * 0.4 + last * 0.4 + middle,
    )
    credits = {
        "first": first,
        "last": last,
        "linear": 1.0 / t.n.cast("float64"),
        "position": position,
        "time-decay": t.weight / t.total_weight,
    }
    aggs = {}
    for name, credit in credits.items():
        aggs[f"{name}|conversions"] = credit.sum()
        aggs[f"{name}|value"] = (credit * t.value).sum()
    frame = t.group_by(channel=t.dim, bucket=boot.bucket(t.customer_id)).aggregate(**aggs)
    return _long(frame.execute())


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    """``model, channel, bucket, conversions, value`` from the wide per-group frame."""
    keys = ["channel", "bucket"]
    long = frame.melt(id_vars=keys, var_name="key", value_name="v")
    long[["model", "what"]] = long["key"].str.split("|", expand=True)
    return long.pivot_table(
        index=["model", *keys], columns="what", values="v", aggfunc="sum"
    ).reset_index()


def transition_counts(paths: Paths) -> pd.DataFrame:
    """``bucket, source, target, paths`` over all conversion and null paths (repeats collapsed),
    per bootstrap group; sum over ``bucket`` for the counts of all paths."""
    conv_steps = paths.touches.select(
        dim="dim", before="before", last="last",
        outcome=ibis.literal(CONVERSION), bucket=boot.bucket(paths.touches.customer_id),
    )  # fmt: skip
    null_steps = paths.nulls.select(
        dim="dim", before="before", last="last",
        outcome=ibis.literal(NULL), bucket=boot.bucket(paths.nulls.customer_id),
    )  # fmt: skip
    # a step repeating the channel before it is no transition, and the step before a
    # kept one is the previous channel; a path ends at its last step
    steps = conv_steps.union(null_steps)
    counts = (
        steps.group_by(
            bucket=steps.bucket,
            source=steps.before.fill_null(START),
            target=steps.dim,
            moved=steps.before.isnull() | (steps.before != steps.dim),
            outcome=steps.last.ifelse(steps.outcome, ibis.null("string")),
        )
        .aggregate(paths=steps.count())
        .execute()
    )
    into = counts[counts["moved"]][["bucket", "source", "target", "paths"]]
    ends = counts[counts["outcome"].notna()]
    out = ends.groupby(["bucket", "target", "outcome"], as_index=False)["paths"].sum()
    out = out.rename(columns={"target": "source", "outcome": "target"})
    frame = pd.concat([into, out], ignore_index=True)
    return frame.groupby(["bucket", "source", "target"], as_index=False)["paths"].sum()


@dataclass(frozen=True)
class MarkovResult:
    conversion_probability: float
    removal_effects: pd.Series
    """Removal effect of each channel (0…1)."""


def markov_removal_effects(counts: pd.DataFrame) -> MarkovResult:
    """Removal effects from transition counts, solving the absorbing chain exactly."""
    base, channels, effects = _chain_effects(
        counts["source"].to_numpy(object),
        counts["target"].to_numpy(object),
        counts["paths"].to_numpy(float),
    )
    return MarkovResult(base, pd.Series(dict(zip(channels, effects, strict=True)), dtype=float))


def _chain_effects(
    sources: np.ndarray, targets: np.ndarray, paths: np.ndarray
) -> tuple[float, list[str], np.ndarray]:
    """P(conversion from start), the channels (sorted) and their removal effects, from rows
    of transition counts (``sources[i]`` to ``targets[i]``, ``paths[i]`` times)."""
    channels = sorted((set(sources) | set(targets)) - {START, CONVERSION, NULL})
    index = {s: i for i, s in enumerate([START, *channels])}
    k = len(channels) + 1
    # transient targets go into Q; conversion and null into the two columns of R
    column = {**index, CONVERSION: k, NULL: k + 1}
    counts = np.zeros((k, k + 2))
    rows = np.fromiter((index[v] for v in sources), dtype=np.int64, count=len(sources))
    cols = np.fromiter((column[v] for v in targets), dtype=np.int64, count=len(targets))
    np.add.at(counts, (rows, cols), paths)
    q, r = counts[:, :k], counts[:, k:]
    totals = q.sum(axis=1) + r.sum(axis=1)
    if totals[0] == 0:
        raise CxlensError("There are no paths to attribute.")
    totals[totals == 0] = 1.0  # a state never left: it cannot convert
    q = q / totals[:, None]
    r = r / totals[:, None]
    base = _absorb(q, r[:, 0])
    if base <= 0:
        raise CxlensError("No path ends in a conversion: there is nothing to attribute.")
    effects = np.empty(len(channels))
    for c, channel in enumerate(channels):
        i = index[channel]
        q2, r2 = q.copy(), r[:, 0].copy()
        q2[:, i] = 0.0  # moving into the channel now ends the journey without conversion
        q2[i, :] = 0.0
        r2[i] = 0.0
        effects[c] = 1.0 - _absorb(q2, r2) / base
    return base, channels, effects


def _absorb(q: np.ndarray, to_conversion: np.ndarray) -> float:
    """Probability of ending in conversion from start: solve (I − Q) x = r."""
    x = np.linalg.solve(np.eye(q.shape[0]) - q, to_conversion)
    return float(x[0])


@dataclass(frozen=True)
class _Credits:
    """One model's credits: channels, point estimates and bootstrap replicates."""

    channels: list[str]
    conversions: np.ndarray
    value: np.ndarray
    conversion_reps: np.ndarray | None
    value_reps: np.ndarray | None
    removal_effect: np.ndarray | None = None


def _replicate(weights: np.ndarray | None, matrix: np.ndarray) -> np.ndarray | None:
    return None if weights is None else weights @ matrix


def _heuristic(frame: pd.DataFrame, model: str, weights: np.ndarray | None) -> _Credits:
    part = frame[frame["model"] == model]
    conv, channels = boot.by_bucket(part, "channel", "conversions")
    val, _ = boot.by_bucket(part, "channel", "value")
    return _Credits(
        [str(c) for c in channels], conv.sum(axis=0), val.sum(axis=0),
        _replicate(weights, conv), _replicate(weights, val),
    )  # fmt: skip


def _markov_shares(
    sources: np.ndarray, targets: np.ndarray, paths: np.ndarray, channels: list[str]
) -> tuple[np.ndarray, float]:
    """Each of ``channels``' share of the conversions (removal effects normalised) and
    P(conversion); a channel the counts do not reach gets none."""
    base, present, effects = _chain_effects(sources, targets, paths)
    found = dict(zip(present, effects, strict=True))
    shares = np.array([found.get(c, 0.0) for c in channels], dtype=float)
    total = shares.sum()
    return (shares / total if total > 0 else shares * 0), base


def _markov(
    counts: pd.DataFrame, touched: tuple[np.ndarray, np.ndarray], weights: np.ndarray | None
) -> tuple[_Credits, float]:
    n_touched, v_touched = touched
    result = markov_removal_effects(counts)
    channels = [str(c) for c in result.removal_effects.index]
    share, probability = _markov_shares(
        counts["source"].to_numpy(object), counts["target"].to_numpy(object),
        counts["paths"].to_numpy(float), channels,
    )  # fmt: skip
    matrix, names = boot.by_bucket(counts, ["source", "target"], "paths")
    conv_reps = val_reps = None
    if weights is not None:
        source = np.array([n[0] for n in names], dtype=object)
        target = np.array([n[1] for n in names], dtype=object)
        conv_reps = np.zeros((weights.shape[0], len(channels)))
        val_reps = np.zeros_like(conv_reps)
        sampled = weights @ matrix
        n_b, v_b = weights @ n_touched, weights @ v_touched
        for b in range(weights.shape[0]):
            kept = sampled[b] > 0
            try:
                share_b, _ = _markov_shares(source[kept], target[kept], sampled[b][kept], channels)
            except CxlensError:  # a resample without conversions
                share_b = np.zeros(len(channels))
            conv_reps[b], val_reps[b] = share_b * n_b[b], share_b * v_b[b]
    credits = _Credits(
        channels, share * n_touched.sum(), share * v_touched.sum(), conv_reps, val_reps,
        result.removal_effects.to_numpy(float),
    )  # fmt: skip
    return credits, probability


def _shapley(sets: pd.DataFrame, channels: list[str], weights: np.ndarray | None) -> _Credits:
    paths, masks = boot.by_bucket(sets, "mask", "paths")
    conv, _ = boot.by_bucket(sets, "mask", "conversions")
    val, _ = boot.by_bucket(sets, "mask", "value")
    k = len(channels)
    masks_arr = np.array(masks, dtype=np.int64)
    point_c, point_v = shapley_credits(
        masks_arr, paths.sum(axis=0), conv.sum(axis=0), val.sum(axis=0), k
    )
    conv_reps = val_reps = None
    if weights is not None:
        conv_reps, val_reps = shapley_credits(
            masks_arr, weights @ paths, weights @ conv, weights @ val, k
        )
    return _Credits(channels, point_c, point_v, conv_reps, val_reps)


def _rows(model: str, credits: _Credits) -> pd.DataFrame:
    conv_low, conv_high = boot.intervals(credits.conversions, credits.conversion_reps)
    val_low, val_high = boot.intervals(credits.value, credits.value_reps)
    return pd.DataFrame(
        {
            "model": model,
            "channel": credits.channels,
            "conversions": credits.conversions,
            "conversions_low": conv_low,
            "conversions_high": conv_high,
            "value": credits.value,
            "value_low": val_low,
            "value_high": val_high,
            "rank": boot.honest_ranks(conv_low, conv_high),
            "removal_effect": (
                credits.removal_effect if credits.removal_effect is not None else np.nan
            ),
        }
    )


COLUMNS = [
    "model", "channel", "conversions", "conversions_low", "conversions_high", "value",
    "value_low", "value_high", "rank", "removal_effect",
]  # fmt: skip


def attribute(
    ws: WorkspaceData,
    models: list[str] | tuple[str, ...] = MODELS,
    dimension: str = "channel",
    lookback: str | None = None,
    start: object = None,
    end: object = None,
    bootstrap: int = 200,
    seed: int = 0,
) -> Attribution:
    """Conversions and value credited to each channel by each model, with bootstrap intervals.

    ``bootstrap`` resamples (0: no intervals and no ranks).
    """
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise CxlensError(f"Unknown model(s) {', '.join(unknown)}; use {', '.join(MODELS)} or all.")
    if bootstrap < 0:
        raise CxlensError(f"--bootstrap is a number of resamples (0 for none), got {bootstrap}.")
    settings = JourneySettings.from_workspace(ws, lookback)
    q = path_query(ws, settings, dimension, start, end)
    weights = group_weights(BOOTSTRAP_GROUPS, bootstrap, seed) if bootstrap else None
    # several queries below read the paths: compute the join and the order once
    with ws.warehouse.materialized(q.ordered(q.assigned())) as ordered:
        paths = Paths(q.touches(ordered), q.conversions, q.nulls(ordered))
        c, t = paths.conversions, paths.touches
        conv_b = (
            c.group_by(bucket=boot.bucket(c.customer_id))
            .aggregate(n=c.count(), value=c.value.sum().cast("float64"))
            .execute()
        )
        touched = t.select("conv_id", "customer_id", "value").distinct()
        touched_b = (
            touched.group_by(bucket=boot.bucket(touched.customer_id))
            .aggregate(n=touched.count(), value=touched.value.sum().cast("float64"))
            .execute()
        )
        all_n, all_v = boot.per_bucket(conv_b, "n"), boot.per_bucket(conv_b, "value")
        touched_n, touched_v = boot.per_bucket(touched_b, "n"), boot.per_bucket(touched_b, "value")
        total, total_value = int(all_n.sum()), float(all_v.sum())
        if total == 0:
            raise CxlensError("There are no conversions in the chosen period.")
        n_touched = int(touched_n.sum())
        n_null = int(paths.nulls.select("customer_id").distinct().count().execute())
        frames = []
        heuristics = [m for m in models if m in HEURISTIC]
        if heuristics and n_touched:
            h = heuristic_credits(paths)
            frames += [_rows(m, _heuristic(h, m, weights)) for m in heuristics]
        probability = None
        if "markov" in models and n_touched:
            markov, probability = _markov(transition_counts(paths), (touched_n, touched_v), weights)
            frames.append(_rows("markov", markov))
        if "shapley" in models and n_touched:
            dims = t.select("dim").union(paths.nulls.select("dim")).distinct()
            channels = sorted(str(d) for d in dims.execute()["dim"])
            sets = path_sets(t, paths.nulls, channels, boot.bucket)
            frames.append(_rows("shapley", _shapley(sets.execute(), channels, weights)))
        if total > n_touched:
            untouched = all_n - touched_n
            untouched_v = all_v - touched_v
            none = _Credits(
                [NO_TOUCH], np.array([untouched.sum()]), np.array([untouched_v.sum()]),
                _replicate(weights, untouched[:, None]), _replicate(weights, untouched_v[:, None]),
            )  # fmt: skip
            for model in models:
                frames.append(_rows(model, none).assign(rank=np.nan))
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    order = {m: i for i, m in enumerate(MODELS)}
    table = table.assign(_m=table["model"].map(order)).sort_values(
        ["_m", "conversions"], ascending=[True, False]
    )
    table = table.drop(columns="_m").reset_index(drop=True)
    return Attribution(
        table[COLUMNS], total, total_value, n_touched, n_null, probability, bootstrap
    )
