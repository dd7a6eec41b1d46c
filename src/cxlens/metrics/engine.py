"""The KPI engine: metrics by dimensions and periods, with n, intervals and changes.

For each metric the engine builds one aggregate query per source table (Ibis
expressions, run by whatever engine the workspace uses), merges the sufficient
statistics in pandas and turns them into value, n and interval with
:mod:`cxlens.stats`. Comparisons with the previous period come with the test
that fits the metric's kind, and a change is only called significant when it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from cxlens import periods as P
from cxlens.errors import CxlensError
from cxlens.metrics.catalog import Metric, load_catalog
from cxlens.metrics.implementations import load_implementations
from cxlens.metrics.measures import Measure, Source
from cxlens.metrics.where import column_names, parse_where
from cxlens.periods import parse_date
from cxlens.schema import TABLE_NAMES, get_table
from cxlens.stats import (
    median_interval,
    nps_difference_test,
    nps_interval,
    t_interval,
    two_proportion_test,
    welch_test,
    wilson_interval,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

SMALL_SAMPLE = 30
PERIOD = "_period"
ALL = "(all)"


class UnknownColumn(CxlensError):
    """A dimension or filter column that the metric's tables do not have."""

    def __init__(self, column: str, message: str, table: str = ""):
        self.column = column
        self.table = table
        super().__init__(message)


@dataclass(frozen=True)
class Query:
    metrics: tuple[str, ...]
    by: tuple[str, ...] = ()
    period: str | None = None
    start: date | None = None
    end: date | None = None  # inclusive
    where: str | None = None
    compare: str | None = None


def kpi(
    ws: WorkspaceData,
    metrics: list[str] | tuple[str, ...] | str,
    by: list[str] | tuple[str, ...] | str = (),
    period: str | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    where: str | None = None,
    compare: str | None = None,
) -> pd.DataFrame:
    """Compute ``metrics`` broken down ``by`` dimensions and ``period``; see :class:`Query`."""
    q = Query(
        metrics=(metrics,) if isinstance(metrics, str) else tuple(metrics),
        by=(by,) if isinstance(by, str) else tuple(by),
        period=P.check_period(period),
        start=parse_date(start, "--from"),
        end=parse_date(end, "--to"),
        where=where,
        compare=compare,
    )
    if compare not in (None, "previous"):
        raise CxlensError(f"--compare {compare!r}: only 'previous' is supported.")
    if not q.metrics:
        raise CxlensError("Name at least one metric; `cxlens metrics list` shows them.")
    catalog = load_catalog()
    impls = load_implementations()
    metrics_of = [catalog.get_metric(mid) for mid in q.metrics]
    measures = {m.id: (m, impls[m.id]()) for m in metrics_of}
    # a dimension some table lacks is shown as "(all)" with a note (marketing spend
    # has no country); one that no table has is a mistake
    anywhere = known_columns(ws, set(TABLE_NAMES))
    for d in q.by:
        if d not in anywhere:
            usable = known_columns(ws, {s.table for _, m in measures.values() for s in m.sources})
            raise CxlensError(
                f"--by {d}: no table has a column '{d}'. "
                f"{', '.join(q.metrics)} can be broken down by: {', '.join(sorted(usable))}."
            )
    frames = [_with_available_dims(ws, metric, measure, q) for metric, measure in measures.values()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def known_columns(ws: WorkspaceData, tables: set[str]) -> set[str]:
    """Every column a metric reading ``tables`` can break down or filter by.

    A table's own columns, the customer attributes joined in through
    ``customer_id``, and ``segment`` (the customer's RFM segment) where there are orders.
    """
    names: set[str] = set()
    by_customer = False
    for table in tables:
        columns = ws.table(table).columns
        names.update(columns)
        by_customer = by_customer or "customer_id" in columns
    if by_customer:
        names.update(ws.table("customers").columns)
        if ws.warehouse.exists("orders"):
            names.add(SEGMENT)
    return names


def _with_available_dims(
    ws: WorkspaceData, metric: Metric, measure: Measure, q: Query
) -> pd.DataFrame:
    """The metric by the requested dimensions its tables have; the others read "(all)".

    Marketing spend has no country, say: asking for ``cac`` by country then gives one
    row per period for all countries, with a note, instead of failing the whole query.
    """
    dropped: dict[str, str] = {}  # dimension -> the table that lacks it
    while True:
        sub = Query(
            q.metrics,
            tuple(d for d in q.by if d not in dropped),
            q.period,
            q.start,
            q.end,
            q.where,
            q.compare,
        )
        try:
            frame = _one_metric(ws, metric, measure, sub)
            break
        except UnknownColumn as exc:
            if exc.column not in q.by or exc.column in dropped:
                raise
            dropped[exc.column] = exc.table
    for d, table in dropped.items():
        frame[d] = ALL
        reason = f"not broken down by {d}: {table} has no {d} column"
        frame["note"] = [f"{n}; {reason}" if n else reason for n in frame["note"]]
    return frame[
        [c for c in ["metric", *q.by] if c in frame]
        + [c for c in frame if c not in ("metric", *q.by)]
    ]


def _window(ws: WorkspaceData, measure: Measure, q: Query) -> P.Window:
    tz = ws.config.timezone
    start, end = q.start, q.end
    if start is None or end is None:
        lo, hi = _data_range(ws, measure)
        start = start or lo
        end = end or hi
    if end < start:
        raise CxlensError(f"--to {end} is before --from {start}.")
    return P.Window(start, end + timedelta(days=1), tz)


#: (table file, its signature, column) -> (min, max); a changed file has a new signature
_RANGES: dict[tuple[str, object, str], tuple[Any, Any]] = {}


def _data_range(ws: WorkspaceData, measure: Measure) -> tuple[date, date]:
    from zoneinfo import ZoneInfo

    lows: list[date] = []
    highs: list[date] = []
    for src in measure.sources:
        table = src.table
        column = (
            src.time if src.time in get_table(table).column_names else get_table(table).time_column
        )
        if not ws.warehouse.exists(table) or column is None:
            continue
        key = (str(ws.warehouse.path(table)), ws.warehouse.signature(table), column)
        if key not in _RANGES:
            t = ws.table(table)
            row = t.aggregate(lo=t[column].min(), hi=t[column].max()).execute().iloc[0]
            _RANGES[key] = (row["lo"], row["hi"])
        for value, out in zip(_RANGES[key], (lows, highs), strict=True):
            if value is None or pd.isna(value):
                continue
            stamp = pd.Timestamp(value)
            if isinstance(value, pd.Timestamp | datetime) and not _is_date_column(table, column):
                stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
                out.append(stamp.tz_convert(ZoneInfo(ws.config.timezone)).date())
            else:
                out.append(stamp.date())
    if not lows:
        today = datetime.now(UTC).date()
        return today, today
    return min(lows), max(highs)


def _is_date_column(table: str, column: str) -> bool:
    col = get_table(table).column(column)
    return col is not None and col.type == "date"


# -- building the queries -----------------------------------------------------------------


#: a dimension every table with customer_id has: the customer's RFM segment
SEGMENT = "segment"
NO_ORDERS = "(no orders)"


def _with_columns(
    ws: WorkspaceData, t: ir.Table, table: str, needed: set[str], metric: Metric
) -> ir.Table:
    """``t`` with customer attributes joined in for the ``needed`` columns it lacks."""
    missing = [c for c in needed if c not in t.columns]
    if not missing:
        return t
    if table != "customers" and "customer_id" in t.columns:
        cust = ws.table("customers")
        extra = [c for c in missing if c in cust.columns]
        if extra:
            right = cust.select(_cid=cust.customer_id, **{c: cust[c] for c in extra})
            t = t.left_join(right, t.customer_id == right._cid).drop("_cid")
            missing = [c for c in missing if c not in extra]
    if SEGMENT in missing and "customer_id" in t.columns and ws.warehouse.exists("orders"):
        # the customer's RFM segment as of the last order day (customers without orders apart)
        from cxlens.customers.rfm import rfm

        seg = rfm(ws).table.select(_sid="customer_id", _segment="segment")
        t = t.left_join(seg, t.customer_id == seg._sid).drop("_sid")
        t = t.mutate(**{SEGMENT: t._segment.fill_null(NO_ORDERS)}).drop("_segment")
        missing = [c for c in missing if c != SEGMENT]
    if missing:
        raise UnknownColumn(
            missing[0],
            f"{metric.id} cannot use '{missing[0]}': it is not a column of {table}"
            + (" or customers" if table != "customers" and "customer_id" in t.columns else "")
            + f". Columns there: {', '.join(sorted(known_columns(ws, {table})))}.",
            table,
        )
    return t


def _resolve(t: ir.Table) -> Any:
    return lambda name: t[name]


def _rows(ws: WorkspaceData, src: Source, metric: Metric, q: Query, window: P.Window) -> ir.Table:
    """The source's rows in the window, filtered, with dimension and period columns."""
    t = ws.table(src.table)
    dims = {d: src.renames.get(d, d) for d in q.by}
    where_cols = column_names(q.where) if q.where else set()
    t = _with_columns(ws, t, src.table, set(dims.values()) | where_cols, metric)
    if src.filter is not None:
        t = t.filter(src.filter(t))
    if q.where:
        t = t.filter(parse_where(q.where, _resolve(t)))
    if src.per_customer is not None and src.time == "first_order":
        return t  # filtered later, on the customers' first orders
    return _in_window(t, src.time, window, q.period, dims)


def _in_window(
    t: ir.Table, time: str, window: P.Window, period: str | None, dims: dict[str, str]
) -> ir.Table:
    col = t[time]
    if col.type().is_date():
        t = t.filter((col >= window.start) & (col < window.end))
        local: ir.Value = t[time]
    else:
        t = t.filter((col >= window.start_utc) & (col < window.end_utc))
        local = P.local_time(t[time], window.tz, window.start_utc, window.end_utc)
    stamp = P.period_start(local, period) if period else ibis.literal("all")
    return t.mutate(**{PERIOD: stamp}, **{f"_d_{d}": t[c] for d, c in dims.items()})


def _group_keys(q: Query) -> list[str]:
    return [f"_d_{d}" for d in q.by] + [PERIOD]


def _aggregate(
    ws: WorkspaceData, src: Source, metric: Metric, q: Query, window: P.Window
) -> pd.DataFrame:
    keys = _group_keys(q)
    t = _rows(ws, src, metric, q, window)
    if src.per_customer is not None:
        orders = ws.table(src.table)
        spans = orders.group_by(_cid=orders.customer_id).aggregate(
            first_order=orders[src_time_column(src)].min(),
            last_order=orders[src_time_column(src)].max(),
        )
        if src.time == "first_order":
            dims = {d: src.renames.get(d, d) for d in q.by}
            per = t.group_by(*(["customer_id", *dims.values()])).aggregate(_n=t.count())
            joined = per.inner_join(spans, per.customer_id == spans._cid)
            t = _in_window(joined, "first_order", window, q.period, dims)
        else:
            per = t.group_by([*keys, "customer_id"]).aggregate(**src.per_customer(t))
            t = per.inner_join(spans, per.customer_id == spans._cid)
    aggs = dict(src.aggregates(t))
    if src.median_of is not None:
        aggs["values"] = src.median_of(t).collect()
    if not aggs:
        aggs["n"] = t.count()
    return t.group_by(keys).aggregate(**aggs).execute()


def src_time_column(src: Source) -> str:
    return get_table(src.table).time_column or src.time


def _customer_state(
    ws: WorkspaceData, src: Source, metric: Metric, q: Query, window: P.Window
) -> pd.DataFrame:
    t = ws.table("customers")
    dims = {d: src.renames.get(d, d) for d in q.by}
    where_cols = column_names(q.where) if q.where else set()
    t = _with_columns(ws, t, "customers", set(dims.values()) | where_cols, metric)
    if q.where:
        t = t.filter(parse_where(q.where, _resolve(t)))
    bounds = [(lbl, window.utc(s), window.utc(e)) for lbl, s, e in window.periods(q.period)]
    pm = ibis.memtable(
        pd.DataFrame(
            {
                PERIOD: [b[0] for b in bounds],
                "_p_start": pd.to_datetime([b[1] for b in bounds], utc=True),
                "_p_end": pd.to_datetime([b[2] for b in bounds], utc=True),
            }
        )
    )
    t = t.mutate(**{f"_d_{d}": t[c] for d, c in dims.items()})
    x = t.cross_join(pm)

    def active(at: ir.TimestampValue) -> ir.BooleanValue:
        return (x.created_at < at) & (x.ended_at.isnull() | (x.ended_at >= at))

    at_start = active(x._p_start)
    new = (x.created_at >= x._p_start) & (x.created_at < x._p_end)
    df = (
        x.group_by(_group_keys(q))
        .aggregate(
            at_start=at_start.sum(),
            churned=(at_start & x.ended_at.notnull() & (x.ended_at < x._p_end)).sum(),
            at_end=active(x._p_end).sum(),
            new=new.sum(),
        )
        .execute()
    )
    df["retained"] = (df["at_end"] - df["new"]).clip(lower=0)
    return df


def _stats(
    ws: WorkspaceData, metric: Metric, measure: Measure, q: Query, window: P.Window
) -> pd.DataFrame:
    keys = _group_keys(q)
    if measure.customer_state:
        return _customer_state(ws, measure.sources[0], metric, q, window)
    merged: pd.DataFrame | None = None
    for src in measure.sources:
        df = _aggregate(ws, src, metric, q, window)
        merged = df if merged is None else merged.merge(df, on=keys, how="outer")
    assert merged is not None
    if q.period and PERIOD in merged and len(merged):
        merged[PERIOD] = [
            P.label(pd.Timestamp(v).to_pydatetime(), q.period) for v in merged[PERIOD]
        ]
    for arg in measure.args:
        if arg in merged:
            merged[arg] = merged[arg].astype(float).fillna(0.0)
    return merged


# -- turning statistics into numbers ---------------------------------------------------------


def _finish(metric: Metric, measure: Measure, row: pd.Series, years: float) -> dict[str, Any]:
    a = [float(row.get(k, 0.0)) for k in measure.args]
    note = ""
    if measure.form == "nps":
        i = nps_interval(a[0], a[1], a[2])
        value, low, high, n = i.value, i.low, i.high, a[2]
    elif measure.form == "proportion":
        i = wilson_interval(a[0], a[1])
        value, low, high, n = 100 * i.value, 100 * i.low, 100 * i.high, a[1]
    elif measure.form == "mean":
        i = t_interval(a[0], a[1], a[2])
        value, low, high, n = i.value, i.low, i.high, a[2]
    elif measure.form == "median":
        values = row.get("values")
        vals = [float(v) for v in (values if values is not None else [])]
        i = median_interval(vals)
        value, low, high, n = i.value, i.low, i.high, float(len(vals))
    elif measure.form == "ratio":
        num, den = a
        factor = metric.scale * (100.0 if metric.unit == "percent" else 1.0)
        value = num / den * factor if den else math.nan
        low = high = math.nan
        n = den
        if not den:
            note = f"undefined: no {measure.args[1] if metric.id != 'cac' else 'new customers'} in the period"
    elif measure.form == "clv":
        revenue, orders, customers, span = a
        if customers and orders and years > 0:
            value = (revenue / orders) * (orders / customers / years) * (span / customers)
        else:
            value = math.nan
        low = high = math.nan
        n = customers
    else:  # pragma: no cover - guarded by tests of the registry
        raise AssertionError(measure.form)
    if n == 0 and not note:
        note = "undefined: no data in the period"
    return {
        "value": value,
        "ci_low": low,
        "ci_high": high,
        "n": int(n),
        "small_sample": bool(0 < n < SMALL_SAMPLE) if metric.kind != "ratio" else False,
        "note": note,
    }


def _test(measure: Measure, prev: pd.Series, cur: pd.Series) -> float:
    a = [float(prev.get(k, 0.0)) for k in measure.args]
    b = [float(cur.get(k, 0.0)) for k in measure.args]
    if measure.form == "nps":
        return nps_difference_test(*a, *b).p_value
    if measure.form == "proportion":
        return two_proportion_test(*a, *b).p_value
    if measure.form == "mean":
        return welch_test(*a, *b).p_value
    return math.nan


def _years(label: str, period: str | None, window: P.Window) -> float:
    return {
        "day": 1 / 365.25,
        "week": 7 / 365.25,
        "month": 1 / 12,
        "quarter": 0.25,
        "year": 1.0,
    }.get(period or "", window.years)


def _one_metric(ws: WorkspaceData, metric: Metric, measure: Measure, q: Query) -> pd.DataFrame:
    window = _window(ws, measure, q)
    wide = window
    if q.compare and q.period:
        first = P.floor_date(window.start, q.period)
        wide = P.Window(P.floor_date(first - timedelta(days=1), q.period), window.end, window.tz)
    stats = _stats(ws, metric, measure, q, wide)
    spans = [lbl for lbl, _, _ in wide.periods(q.period)]
    before_label = dict(zip(spans[1:], spans[:-1], strict=True))
    dim_cols = [f"_d_{d}" for d in q.by]
    labels = {lbl for lbl, _, _ in window.periods(q.period)}
    rows = []
    if q.compare and not q.period:
        prev_stats = _stats(ws, metric, measure, q, window.previous())
        prev_index = {tuple(r[c] for c in dim_cols): r for _, r in prev_stats.iterrows()}
    for _, r in stats.sort_values([*dim_cols, PERIOD], na_position="first").iterrows():
        if r[PERIOD] not in labels:
            continue
        out: dict[str, Any] = {"metric": metric.id}
        out.update({d: r[f"_d_{d}"] for d in q.by})
        out["period"] = r[PERIOD]
        out.update(_finish(metric, measure, r, _years(r[PERIOD], q.period, window)))
        out["unit"] = metric.unit
        if q.compare:
            if q.period:
                prev = _row_of(stats, r, dim_cols, before_label.get(r[PERIOD]))
            else:
                prev = prev_index.get(tuple(r[c] for c in dim_cols))
            _add_comparison(out, metric, measure, prev, r, q, window)
        rows.append(out)
    columns = [
        "metric",
        *q.by,
        "period",
        "value",
        "ci_low",
        "ci_high",
        "n",
        "unit",
        "small_sample",
        "note",
    ]
    if q.compare:
        columns += ["previous", "change", "p_value", "significant"]
    frame = pd.DataFrame(rows, columns=columns)
    if not rows:
        empty = {
            "metric": metric.id,
            "period": "all" if not q.period else None,
            "value": np.nan,
            "n": 0,
            "unit": metric.unit,
            "small_sample": False,
            "note": "undefined: no data in the period",
        }
        frame = pd.DataFrame([empty], columns=columns)
    return frame


def _row_of(
    stats: pd.DataFrame, r: pd.Series, dim_cols: list[str], period: str | None
) -> pd.Series | None:
    """The row of ``stats`` with the same dimensions as ``r`` in ``period``."""
    if period is None:
        return None
    same = stats[stats[PERIOD] == period]
    for c in dim_cols:
        same = same[same[c].isna()] if pd.isna(r[c]) else same[same[c] == r[c]]
    return None if same.empty else same.iloc[0]


def _add_comparison(
    out: dict[str, Any],
    metric: Metric,
    measure: Measure,
    prev: pd.Series | None,
    cur: pd.Series,
    q: Query,
    window: P.Window,
) -> None:
    if prev is None:
        out.update(previous=math.nan, change=math.nan, p_value=math.nan, significant=False)
        return
    before = _finish(metric, measure, prev, _years(str(prev[PERIOD]), q.period, window))["value"]
    p = _test(measure, prev, cur)
    out.update(
        previous=before,
        change=out["value"] - before,
        p_value=p,
        significant=bool(not math.isnan(p) and p < 0.05),
    )
