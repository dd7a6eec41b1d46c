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

Everything up to the transition counts runs in the warehouse; only one row per
(from, to) pair and per channel reaches Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from cxlens.errors import CxlensError
from cxlens.journeys.base import (
    JourneySettings,
    Range,
    conversions,
    seconds_between,
    touch_events,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

HEURISTIC = ("first", "last", "linear", "position", "time-decay")
MODELS = (*HEURISTIC, "markov")
HALF_LIFE_DAYS = 7.0
NO_TOUCH = "(no touch)"
START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"


@dataclass(frozen=True)
class Paths:
    touches: ir.Table
    """Touches on conversion paths: conv_id, event_id, ts, dim, conv_ts, value."""
    conversions: ir.Table
    nulls: ir.Table
    """Touches on null paths: customer_id, event_id, ts, dim."""


@dataclass(frozen=True)
class PathQuery:
    """The conversions in range and the touch events that may precede them."""

    conversions: ir.Table
    events: ir.Table
    """Touch events (customer_id, event_id, ts, dim) of the chosen dimension."""
    settings: JourneySettings
    range: Range

    def touches(self) -> ir.Table:
        """Each conversion's touches: within the lookback and after the previous conversion."""
        ev, conv = self.events, self.conversions
        c = conv.select(
            "conv_id", _cid="customer_id", conv_ts="conv_ts", prev_ts="prev_ts", value="value"
        )
        lookback = ibis.interval(seconds=int(self.settings.lookback.total_seconds()))
        j = ev.inner_join(
            c,
            [
                ev.customer_id == c._cid,
                ev.ts <= c.conv_ts,
                ev.ts > c.conv_ts - lookback,
                c.prev_ts.isnull() | (ev.ts > c.prev_ts),
            ],
        )
        return j.select("conv_id", "event_id", "ts", "dim", "conv_ts", "value")

    def nulls(self, touches: ir.Table) -> ir.Table:
        """Touch events on no conversion's path (``touches`` as computed by :meth:`touches`)."""
        assigned = touches.select(_eid="event_id").distinct()
        ev = self.range.filter(self.events, "ts")  # from the conversions' period
        return ev.anti_join(assigned, ev.event_id == assigned._eid).select(
            "customer_id", "event_id", "ts", "dim"
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
    touches = q.touches()
    return Paths(touches, q.conversions, q.nulls(touches))


def heuristic_credits(paths: Paths) -> pd.DataFrame:
    """Per channel and heuristic model: conversions and value credited."""
    t = paths.touches
    w = ibis.window(group_by="conv_id", order_by=["ts", "event_id"])
    whole = ibis.window(group_by="conv_id")
    t = t.mutate(
        k=ibis.row_number().over(w) + 1,
        n=t.event_id.count().over(whole),
        decay=(
            ibis.literal(2.0) ** (-seconds_between(t.conv_ts, t.ts) / (HALF_LIFE_DAYS * 86_400.0))
        ),
    )
    t = t.mutate(decay_total=t.decay.sum().over(whole))
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
        "time-decay": t.decay / t.decay_total,
    }
    aggs = {}
    for name, credit in credits.items():
        aggs[f"{name}|conversions"] = credit.sum()
        aggs[f"{name}|value"] = (credit * t.value).sum()
    frame = t.group_by(channel=t.dim).aggregate(**aggs).execute()
    return _long(frame)


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for record in frame.to_dict(orient="records"):
        for key, v in record.items():
            if key == "channel":
                continue
            model, what = str(key).split("|")
            rows.append({"channel": record["channel"], "model": model, "what": what, "v": v})
    long = pd.DataFrame(rows, columns=["channel", "model", "what", "v"])
    return long.pivot_table(
        index=["model", "channel"], columns="what", values="v", aggfunc="sum"
    ).reset_index()


def transition_counts(paths: Paths) -> pd.DataFrame:
    """``from, to, paths`` over all conversion and null paths (repeats collapsed)."""
    conv_steps = paths.touches.select(
        path=paths.touches.conv_id, ts="ts", event_id="event_id", dim="dim",
        outcome=ibis.literal(CONVERSION),
    )  # fmt: skip
    null_steps = paths.nulls.select(
        path=ibis.literal("null:") + paths.nulls.customer_id, ts="ts", event_id="event_id",
        dim="dim", outcome=ibis.literal(NULL),
    )  # fmt: skip
    steps = conv_steps.union(null_steps)
    # one ordered pass: a step repeating the channel before it is no transition, and
    # the step before a kept one is the previous channel; a path ends at its last step
    w = ibis.window(group_by="path", order_by=["ts", "event_id"])
    steps = steps.mutate(
        before=steps.dim.lag().over(w), last=steps.event_id.lead().over(w).isnull()
    )
    counts = (
        steps.group_by(
            source=steps.before.fill_null(START),
            target=steps.dim,
            moved=steps.before.isnull() | (steps.before != steps.dim),
            outcome=steps.last.ifelse(steps.outcome, ibis.null("string")),
        )
        .aggregate(paths=steps.count())
        .execute()
    )
    into = counts[counts["moved"]][["source", "target", "paths"]]
    ends = counts[counts["outcome"].notna()]
    out = ends.groupby(["target", "outcome"], as_index=False)["paths"].sum()
    out = out.rename(columns={"target": "source", "outcome": "target"})
    frame = pd.concat([into, out], ignore_index=True)
    return frame.groupby(["source", "target"], as_index=False)["paths"].sum()


@dataclass(frozen=True)
class MarkovResult:
    conversion_probability: float
    removal_effects: pd.Series
    """Removal effect of each channel (0…1)."""


def markov_removal_effects(counts: pd.DataFrame) -> MarkovResult:
    """Removal effects from transition counts, solving the absorbing chain exactly."""
    channels = sorted((set(counts["source"]) | set(counts["target"])) - {START, CONVERSION, NULL})
    transient = [START, *channels]
    index = {s: i for i, s in enumerate(transient)}
    k = len(transient)
    q = np.zeros((k, k))
    r = np.zeros((k, 2))  # columns: conversion, null
    for source, target, n in counts[["source", "target", "paths"]].itertuples(index=False):
        i = index[source]
        if target == CONVERSION:
            r[i, 0] += n
        elif target == NULL:
            r[i, 1] += n
        else:
            q[i, index[target]] += n
    totals = q.sum(axis=1) + r.sum(axis=1)
    if totals[0] == 0:
        raise CxlensError("There are no paths to attribute.")
    totals[totals == 0] = 1.0  # a state never left: it cannot convert
    q /= totals[:, None]
    r /= totals[:, None]
    base = _absorb(q, r[:, 0])
    if base <= 0:
        raise CxlensError("No path ends in a conversion: there is nothing to attribute.")
    effects = {}
    for channel in channels:
        i = index[channel]
        q2, r2 = q.copy(), r[:, 0].copy()
        q2[:, i] = 0.0  # moving into the channel now ends the journey without conversion
        q2[i, :] = 0.0
        r2[i] = 0.0
        effects[channel] = 1.0 - _absorb(q2, r2) / base
    return MarkovResult(base, pd.Series(effects, dtype=float))


def _absorb(q: np.ndarray, to_conversion: np.ndarray) -> float:
    """Probability of ending in conversion from start: solve (I − Q) x = r."""
    x = np.linalg.solve(np.eye(q.shape[0]) - q, to_conversion)
    return float(x[0])


@dataclass(frozen=True)
class Attribution:
    table: pd.DataFrame
    """``model, channel, conversions, value`` (plus ``removal_effect`` for markov)."""
    conversions: int
    value: float
    touched_conversions: int
    null_paths: int
    conversion_probability: float | None


def attribute(
    ws: WorkspaceData,
    models: list[str] | tuple[str, ...] = MODELS,
    dimension: str = "channel",
    lookback: str | None = None,
    start: object = None,
    end: object = None,
) -> Attribution:
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise CxlensError(f"Unknown model(s) {', '.join(unknown)}; use {', '.join(MODELS)} or all.")
    settings = JourneySettings.from_workspace(ws, lookback)
    q = path_query(ws, settings, dimension, start, end)
    # several queries below read the paths: compute the join once, and the null
    # paths from its result
    with (
        ws.warehouse.materialized(q.touches()) as touches,
        ws.warehouse.materialized(q.nulls(touches)) as nulls,
    ):
        paths = Paths(touches, q.conversions, nulls)
        c, t = paths.conversions, paths.touches
        touched = t.select(_conv=t.conv_id, _v=t.value).distinct()
        stats = c.aggregate(n=c.count(), value=c.value.sum()).execute().iloc[0]
        total, total_value = int(stats["n"]), float(stats["value"] or 0.0)
        if total == 0:
            raise CxlensError("There are no conversions in the chosen period.")
        tstats = touched.aggregate(n=touched.count(), value=touched._v.sum()).execute().iloc[0]
        n_touched, v_touched = int(tstats["n"]), float(tstats["value"] or 0.0)
        n_null = int(paths.nulls.select("customer_id").distinct().count().execute())
        frames = []
        heuristics = [m for m in models if m in HEURISTIC]
        if heuristics and n_touched:
            h = heuristic_credits(paths)
            frames.append(h[h["model"].isin(heuristics)])
        probability = None
        if "markov" in models and n_touched:
            result = markov_removal_effects(transition_counts(paths))
            probability = result.conversion_probability
            effects = result.removal_effects
            share = effects / effects.sum() if effects.sum() > 0 else effects * 0
            frames.append(
                pd.DataFrame(
                    {
                        "model": "markov",
                        "channel": effects.index,
                        "conversions": (share * n_touched).to_numpy(),
                        "value": (share * v_touched).to_numpy(),
                        "removal_effect": effects.to_numpy(),
                    }
                )
            )
        if total > n_touched:
            for model in models:
                frames.append(
                    pd.DataFrame(
                        [{"model": model, "channel": NO_TOUCH, "conversions": float(total - n_touched),
                          "value": total_value - v_touched}]
                    )
                )  # fmt: skip
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if "removal_effect" not in table:
            table["removal_effect"] = np.nan
    order = {m: i for i, m in enumerate(MODELS)}
    table = table.assign(_m=table["model"].map(order)).sort_values(
        ["_m", "conversions"], ascending=[True, False]
    )
    table = table.drop(columns="_m").reset_index(drop=True)
    return Attribution(
        table[["model", "channel", "conversions", "value", "removal_effect"]],
        total,
        total_value,
        n_touched,
        n_null,
        probability,
    )
