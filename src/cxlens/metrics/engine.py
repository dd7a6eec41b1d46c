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
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from cxlens import periods as P
from cxlens.errors import CxlensError
from cxlens.metrics import ALL
from cxlens.metrics.catalog import Metric, load_catalog
from cxlens.metrics.estimates import SMALL_SAMPLE, change_test, estimate
from cxlens.metrics.implementations import load_implementations
from cxlens.metrics.measures import Measure, Source
from cxlens.metrics.where import column_names, parse_where
from cxlens.periods import parse_date
from cxlens.schema import TABLE_NAMES, TABLES, get_table

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

__all__ = ["ALL", "SMALL_SAMPLE", "Query", "covered_days", "data_range", "kpi"]

PERIOD = "_period"
DAYS_PER_YEAR = 365.25


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
    ``customer_id``, the ticket's (agent, channel, category...) through ``ticket_id``
    (the answers of a survey a resolved ticket triggered), and ``segment`` (the
    customer's RFM segment) where there are orders.
    """
    names: set[str] = set()
    by_customer = by_ticket = False
    for table in tables:
        columns = ws.table(table).columns
        names.update(columns)
        by_customer = by_customer or "customer_id" in columns
        by_ticket = by_ticket or (table != "tickets" and "ticket_id" in columns)
    if by_customer:
        names.update(ws.table("customers").columns)
        if ws.warehouse.exists("orders"):
            names.add(SEGMENT)
    if by_ticket and ws.warehouse.exists("tickets"):
        names.update(ws.table("tickets").columns)
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


def data_range(ws: WorkspaceData, metric_id: str) -> tuple[date, date]:
    """First and last local day with data in the tables ``metric_id`` reads."""
    return _data_range(ws, load_implementations()[metric_id]())


#: (table file, its signature, column) -> (min, max); a changed file has a new signature
_RANGES: dict[tuple[str, object, str], tuple[Any, Any]] = {}


def _columns(measure: Measure) -> list[tuple[str, str | None]]:
    """(table, time column) of each table a measure reads."""
    columns = []
    for src in measure.sources:
        spec = get_table(src.table)
        columns.append((src.table, src.time if src.time in spec.column_names else spec.time_column))
    return columns


def _data_range(ws: WorkspaceData, measure: Measure) -> tuple[date, date]:
    lows, highs = _ranges_of(ws, _columns(measure))
    if not lows:
        today = P.local_today(ws.config.timezone)
        return today, today
    return min(lows), max(highs)


def covered_days(ws: WorkspaceData, metric_ids: list[str] | tuple[str, ...]) -> tuple[date, date]:
    """[first, last] local day the data covers for these metrics: a period inside is complete.

    It starts with the workspace's history (the first day of any table: a metric's
    first answer coming a few days after the first customer does not make the first
    month partial) and ends with the table that stops first among those the metrics
    read (orders exported up to 20 November leave November partial for order
    metrics, even when answers arrive later).
    """
    impls = load_implementations()
    lows, _ = _ranges_of(ws, [(name, spec.time_column) for name, spec in TABLES.items()])
    columns = [c for mid in metric_ids for c in _columns(impls[mid]())]
    _, highs = _ranges_of(ws, columns)
    today = P.local_today(ws.config.timezone)
    return (min(lows) if lows else today), (min(highs) if highs else today)


def _ranges_of(
    ws: WorkspaceData, columns: list[tuple[str, str | None]]
) -> tuple[list[date], list[date]]:
    """The first and the last local day of each table's time column (tables without data left out)."""
    from zoneinfo import ZoneInfo

    lows: list[date] = []
    highs: list[date] = []
    for table, column in columns:
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
    return lows, highs


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
    if (
        missing
        and table != "tickets"
        and "ticket_id" in t.columns
        and ws.warehouse.exists("tickets")
    ):
        # an answer to a survey a resolved ticket triggered: its agent, channel, category
        tickets = ws.table("tickets")
        extra = [c for c in missing if c in tickets.columns]
        if extra:
            right = tickets.select(_tid=tickets.ticket_id, **{c: tickets[c] for c in extra})
            t = t.left_join(right, t.ticket_id == right._tid).drop("_tid")
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
        if src.time == "first_order":
            # a cohort by first order: their lifespans so far, from all their orders
            orders = ws.table(src.table)
            spans = orders.group_by(_cid=orders.customer_id).aggregate(
                first_order=orders[src_time_column(src)].min(),
                last_order=orders[src_time_column(src)].max(),
            )
            dims = {d: src.renames.get(d, d) for d in q.by}
            per = t.group_by(*(["customer_id", *dims.values()])).aggregate(_n=t.count())
            joined = per.inner_join(spans, per.customer_id == spans._cid)
            t = _in_window(joined, "first_order", window, q.period, dims)
        else:  # per customer within the window's rows only
            t = t.group_by([*keys, "customer_id"]).aggregate(**src.per_customer(t))
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
    churned = at_start & x.ended_at.notnull() & (x.ended_at < x._p_end)
    new = (x.created_at >= x._p_start) & (x.created_at < x._p_end)
    return (
        x.group_by(_group_keys(q))
        .aggregate(
            at_start=at_start.sum(),
            churned=churned.sum(),
            # active at the start and still at the end: retention = 100 % − churn
            retained=(at_start & ~churned).sum(),
            at_end=active(x._p_end).sum(),
            new=new.sum(),
        )
        .execute()
    )


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


def _complete(span: tuple[date, date], covered: tuple[date, date], today: date) -> bool:
    """The period [start, end) has ended by ``today`` and lies inside the covered days."""
    return bool(covered[0] <= span[0] and span[1] <= covered[1] and span[1] <= today)


def _years(bounds: tuple[date, date], q: Query) -> float:
    """A period's length in years of 365.25 days, cut only by --from/--to (one rule for all).

    A quarter has the same year fraction whether it comes from ``--period quarter``
    or from ``--from``/``--to`` of its first and last day, and whether it is the
    period shown or the one it is compared with.
    """
    start = max(bounds[0], q.start) if q.start else bounds[0]
    end = min(bounds[1], q.end + timedelta(days=1)) if q.end else bounds[1]
    return max((end - start).days, 0) / DAYS_PER_YEAR


def _one_metric(ws: WorkspaceData, metric: Metric, measure: Measure, q: Query) -> pd.DataFrame:
    window = _window(ws, measure, q)
    wide = window
    if q.compare and q.period:
        first = P.floor_date(window.start, q.period)
        wide = P.Window(P.floor_date(first - timedelta(days=1), q.period), window.end, window.tz)
    stats = _stats(ws, metric, measure, q, wide)
    bounds = {lbl: (s, e) for lbl, s, e in wide.periods(q.period)}
    spans = list(bounds)
    before_label = dict(zip(spans[1:], spans[:-1], strict=True))
    dim_cols = [f"_d_{d}" for d in q.by]
    labels = {lbl for lbl, _, _ in window.periods(q.period)}
    today = P.local_today(window.tz)
    # a period is complete when it has ended and lies inside the days the data covers
    # (and inside --from/--to where they are given; the period compared with lies before)
    first_day, last_day = covered_days(ws, [metric.id])
    history = (first_day, last_day + timedelta(days=1))
    covered = (
        max(q.start, first_day) if q.start else first_day,
        min(q.end, last_day) + timedelta(days=1) if q.end else last_day + timedelta(days=1),
    )
    rows = []
    previous_window = window.previous()
    if q.compare and not q.period:
        prev_stats = _stats(ws, metric, measure, q, previous_window)
        prev_index = {tuple(r[c] for c in dim_cols): r for _, r in prev_stats.iterrows()}
    for _, r in stats.sort_values([*dim_cols, PERIOD], na_position="first").iterrows():
        if r[PERIOD] not in labels:
            continue
        span = bounds[r[PERIOD]]
        out: dict[str, Any] = {"metric": metric.id}
        out.update({d: r[f"_d_{d}"] for d in q.by})
        out["period"] = r[PERIOD]
        years = _years(span, q)
        out.update(estimate(metric, measure, r, years).as_row())
        out["unit"] = metric.unit
        out["to_date"] = bool(span[0] <= today < span[1])
        out["complete"] = _complete(span, covered, today)
        if q.compare:
            if q.period:
                label = before_label.get(r[PERIOD])
                prev = _row_of(stats, r, dim_cols, label)
                prev_years = _years(bounds[label], Query(q.metrics)) if label else 0.0
                prev_complete = label is not None and _complete(bounds[label], history, today)
            else:
                prev = prev_index.get(tuple(r[c] for c in dim_cols))
                prev_years = previous_window.years
                prev_complete = _complete(
                    (previous_window.start, previous_window.end), history, today
                )
            _add_comparison(out, metric, measure, prev, prev_years, r, years)
            if out["test"] is None and not math.isnan(out["change"]):
                out["untested"] = (
                    "to_date" if out["to_date"]
                    else "partial" if not (out["complete"] and prev_complete)
                    else "small_sample"
                )  # fmt: skip
            elif out["test"] is not None and not (out["complete"] and prev_complete):
                # a period still running, or one the data covers in part, is not tested
                out.update(p_value=math.nan, significant=False, test=None)
                out["untested"] = "to_date" if out["to_date"] else "partial"
        rows.append(out)
    columns = [
        "metric",
        *q.by,
        "period",
        "value",
        "ci_low",
        "ci_high",
        "ci_level",
        "n",
        "unit",
        "small_sample",
        "complete",
        "to_date",
        "note",
    ]
    if q.compare:
        columns += [
            "previous", "previous_n", "change", "p_value", "significant", "test", "untested",
        ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    if not rows:
        empty = {
            "metric": metric.id,
            "period": "all" if not q.period else None,
            "value": np.nan,
            "n": 0,
            "unit": metric.unit,
            "small_sample": False,
            "complete": False,
            "to_date": False,
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
    prev_years: float,
    cur: pd.Series,
    years: float,
) -> None:
    """The previous value, the change (percentage points for percent metrics) and its test.

    The test is the metric's (see :mod:`cxlens.metrics.estimates`), run only when
    both periods have at least 30 in n and both are complete; a change is
    significant when p < 0.05. ``untested`` says why a change was not tested:
    small_sample, to_date (the period is still running) or partial.
    """
    out["untested"] = ""
    if prev is None:
        out.update(
            previous=math.nan, previous_n=0, change=math.nan, p_value=math.nan,
            significant=False, test=None,
        )  # fmt: skip
        return
    before = estimate(metric, measure, prev, prev_years)
    result = change_test(metric, measure, prev, prev_years, cur, years)
    p = math.nan if result is None else result.p_value
    out.update(
        previous=before.value,
        previous_n=int(before.n),
        change=out["value"] - before.value,
        p_value=p,
        significant=bool(not math.isnan(p) and p < 0.05),
        test=None if result is None else result.method,
    )
