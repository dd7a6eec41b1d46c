"""Funnels: how many customers go through a series of touchpoints, in order, within a window.

A customer enters the funnel at their first event of the first step in the date
range; the window (14 days by default) is measured from that event. Then:

* **ordered**: each next step is the customer's first event of that touchpoint
  at the same moment as the previous step or later (strictly later when a step
  repeats the one before); other events may come between.
* **strict**: each next step must be the customer's very next event (no other
  event between two steps).
* **unordered**: the funnel starts at the customer's first event of any step;
  step k counts customers who did steps 1..k in any order within the window, and
  its time is when the last of them happened.

The step name ``order`` means an order (from the orders table) unless the events
have a touchpoint of that name. Conversion from the first step and from the
previous step come with 95% Wilson intervals; the time between steps is the
median over the customers who made both.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import ibis
import pandas as pd

from cxlens.errors import CxlensError
from cxlens.journeys.base import ORDER, Range, customer_events, seconds_between
from cxlens.journeys.results import Funnel
from cxlens.periods import parse_duration
from cxlens.stats import wilson_interval

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

ORDERS = ("ordered", "strict", "unordered")
ALL = "(all)"


def _stream(ws: WorkspaceData, steps: list[str], by: str | None) -> tuple[ir.Table, str | None]:
    """Events (and orders, for a step ``order``): customer_id, ts, touchpoint, eid, dim."""
    e = customer_events(ws, "A funnel", keep=tuple(steps))
    by_event = by is not None and by in e.columns
    dim = e[by].cast("string") if by_event else ibis.null("string")
    stream = e.select("customer_id", "ts", "touchpoint", eid=e.event_id, dim=dim)
    if ORDER in steps and ws.warehouse.exists("orders"):
        has_order_events = bool((e.touchpoint == ORDER).any().execute())
        if not has_order_events:
            o = ws.table("orders")
            odim = (
                o[by].cast("string") if by is not None and by in o.columns else ibis.null("string")
            )
            stream = stream.union(
                o.select(
                    "customer_id",
                    "ts",
                    touchpoint=ibis.literal(ORDER),
                    eid=ibis.literal("order:") + o.order_id,
                    dim=odim,
                )
            )
    customer_dim = None
    if by is not None and not by_event:
        c = ws.table("customers") if ws.warehouse.exists("customers") else None
        if c is None or by not in c.columns:
            raise CxlensError(
                f"Cannot break the funnel down by '{by}': it is neither a column of the events"
                " nor of the customers."
            )
        customer_dim = by
    return stream, customer_dim


def funnel(
    ws: WorkspaceData,
    steps: list[str],
    window: str = "14d",
    order: str = "ordered",
    by: str | None = None,
    start: object = None,
    end: object = None,
) -> Funnel:
    if len(steps) < 2:
        raise CxlensError("A funnel needs at least two steps (touchpoints).")
    if order not in ORDERS:
        raise CxlensError(f"Unknown funnel order '{order}'; use {', '.join(ORDERS)}.")
    if order == "unordered" and len(set(steps)) != len(steps):
        raise CxlensError("An unordered funnel cannot repeat a step.")
    span = parse_duration(window)
    stream, customer_dim = _stream(ws, steps, by)
    known = set(stream.select("touchpoint").distinct().execute()["touchpoint"].dropna())
    missing = [s for s in steps if s not in known]
    if missing:
        raise CxlensError(
            f"No events of touchpoint(s) {', '.join(missing)}; the touchpoints are "
            f"{', '.join(sorted(known))}."
        )
    rng = Range.of(ws, start, end)
    lookahead = ibis.interval(seconds=int(span.total_seconds()))
    if order == "ordered":
        reached = _ordered(stream, steps, rng, lookahead, span)
    elif order == "strict":
        reached = _strict(stream, steps, rng, lookahead)
    else:
        reached = _unordered(stream, steps, rng, lookahead)
    if customer_dim is not None:
        c = ws.table("customers")
        attrs = c.select(_c=c.customer_id, _dim=c[customer_dim].cast("string"))
        reached = reached.left_join(attrs, reached.customer_id == attrs._c)
        reached = reached.mutate(dim=reached._dim).drop("_c", "_dim")
    table = _summarise(reached, steps, by)
    return Funnel(table, steps, order, span.total_seconds() / 3600, by)


def _first(t: ir.Table) -> ir.Table:
    """Per customer the earliest row: t1, e1 (event id), dim."""
    return t.group_by("customer_id").aggregate(
        t1=t.ts.min(), e1=t.eid.argmin(t.ts), dim=t.dim.argmin(t.ts)
    )


def _ordered(
    stream: ir.Table, steps: list[str], rng: Range, lookahead: ir.Value, window: timedelta
) -> ir.Table:
    entry = _first(rng.filter(stream.filter(stream.touchpoint == steps[0]), "ts"))
    cur = entry.mutate(prev=entry.t1)
    for k, step in enumerate(steps[1:], start=2):
        s = stream.filter(stream.touchpoint == step)
        # a later step falls between the range's start and its end plus the window:
        # reading only those events keeps the joins to the period asked for
        if rng.start_utc is not None:
            s = s.filter(s.ts >= rng.start_utc)
        if rng.end_utc is not None:
            s = s.filter(s.ts <= rng.end_utc + window)
        # the same moment counts (an order placed at checkout), except for a repeated step
        same_step = step == steps[k - 2]
        left = cur.select("customer_id", "t1", "prev")
        right = s.select(_c="customer_id", _ts="ts")
        j = left.inner_join(
            right,
            [
                left.customer_id == right._c,
                right._ts > left.prev if same_step else right._ts >= left.prev,
                right._ts <= left.t1 + lookahead,
            ],
        )
        nxt = j.group_by(_k="customer_id").aggregate(**{f"t{k}": j._ts.min()})
        cur = cur.left_join(nxt, cur.customer_id == nxt._k).drop("_k")
        cur = cur.mutate(prev=cur[f"t{k}"])
    return cur.drop("prev", "e1")


def _strict(stream: ir.Table, steps: list[str], rng: Range, lookahead: ir.Value) -> ir.Table:
    w = ibis.window(group_by="customer_id", order_by=["ts", "eid"])
    indexed = stream.mutate(idx=ibis.row_number().over(w))
    first = rng.filter(indexed.filter(indexed.touchpoint == steps[0]), "ts")
    entry = first.group_by("customer_id").aggregate(
        t1=first.ts.min(), i1=first.idx.argmin(first.ts), dim=first.dim.argmin(first.ts)
    )
    n = len(steps)
    right = indexed.select(_c="customer_id", _ts="ts", _tp="touchpoint", _idx="idx")
    j = entry.inner_join(
        right,
        [
            entry.customer_id == right._c,
            right._idx >= entry.i1,
            right._idx < entry.i1 + n,
        ],
    )
    offset = j._idx - j.i1
    expected = ibis.cases(*((offset == i, s) for i, s in enumerate(steps)), else_=None)
    ok = (j._tp == expected) & (j._ts <= j.t1 + lookahead)
    j = j.mutate(offset=offset, ok=ok)
    aggs: dict[str, ir.Value] = {
        "first_fail": (~j.ok).ifelse(j.offset, ibis.null("int64")).min(),
        "rows": j.count(),
    }
    for k in range(2, n + 1):
        aggs[f"t{k}"] = (j.offset == k - 1).ifelse(j._ts, ibis.null("timestamp")).max()
    per = j.group_by(["customer_id", "t1", "dim"]).aggregate(**aggs)
    reached = ibis.least(per.first_fail.fill_null(n), per.rows)
    cols = {
        f"t{k}": (reached >= k).ifelse(per[f"t{k}"], ibis.null("timestamp"))
        for k in range(2, n + 1)
    }
    return per.select("customer_id", "t1", "dim", **cols)


def _unordered(stream: ir.Table, steps: list[str], rng: Range, lookahead: ir.Value) -> ir.Table:
    relevant = stream.filter(stream.touchpoint.isin(steps))
    entry = _first(rng.filter(relevant, "ts")).rename(start="t1").drop("e1")
    right = relevant.select(_c="customer_id", _ts="ts", _tp="touchpoint")
    j = entry.inner_join(
        right,
        [
            entry.customer_id == right._c,
            right._ts >= entry.start,
            right._ts <= entry.start + lookahead,
        ],
    )
    aggs = {
        f"s{k}": (j._tp == step).ifelse(j._ts, ibis.null("timestamp")).min()
        for k, step in enumerate(steps, start=1)
    }
    per = j.group_by(["customer_id", "dim"]).aggregate(**aggs)
    cols: dict[str, ir.Value] = {}
    done: ir.Value = per.s1
    cols["t1"] = per.s1
    for k in range(2, len(steps) + 1):
        s = per[f"s{k}"]
        done = (done.notnull() & s.notnull()).ifelse(ibis.greatest(done, s), ibis.null("timestamp"))
        cols[f"t{k}"] = done
    out = per.select("customer_id", "dim", **cols)
    return out.filter(out.t1.notnull())


def _summarise(reached: ir.Table, steps: list[str], by: str | None) -> pd.DataFrame:
    n = len(steps)
    keys = ["dim"] if by else []
    aggs: dict[str, ir.Value] = {"c1": reached.count()}
    for k in range(2, n + 1):
        t, prev = reached[f"t{k}"], reached[f"t{k - 1}"]
        aggs[f"c{k}"] = t.notnull().ifelse(1, 0).sum()
        aggs[f"m{k}"] = t.notnull().ifelse(seconds_between(t, prev), ibis.null("float64")).median()
    grouped = reached.group_by(keys).aggregate(**aggs) if keys else reached.aggregate(**aggs)
    frame = grouped.execute()
    if frame.empty or not frame["c1"].sum():
        raise CxlensError(f"No customer did '{steps[0]}' in the chosen period.")
    rows = []
    for record in frame.to_dict(orient="records"):
        group = str(record["dim"]) if by and record.get("dim") is not None else ALL
        entered = int(record["c1"])
        previous = entered
        for k, step in enumerate(steps, start=1):
            count = int(record[f"c{k}"])
            from_start = wilson_interval(count, entered)
            from_prev = wilson_interval(count, previous)
            median = record.get(f"m{k}")
            rows.append(
                {
                    "group": group,
                    "step": k,
                    "touchpoint": step,
                    "customers": count,
                    "from_start": from_start.value,
                    "from_start_low": from_start.low,
                    "from_start_high": from_start.high,
                    "from_previous": from_prev.value,
                    "from_previous_low": from_prev.low,
                    "from_previous_high": from_prev.high,
                    "drop_off": previous - count,
                    "median_hours": None if median is None or pd.isna(median) else median / 3600,
                }
            )
            previous = count
    out = pd.DataFrame(rows)
    if out.empty:
        raise CxlensError(f"No customer did '{steps[0]}' in the chosen period.")
    return out.sort_values(["group", "step"]).reset_index(drop=True)
