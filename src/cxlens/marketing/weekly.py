"""The weekly table a marketing-mix model fits: spend per channel and an outcome, per week.

Weeks start on Monday and are cut in the workspace's time zone (marketing dates are
already local days). The outcome is one of

* ``revenue``: the amount of the orders placed in the week;
* ``customers``: the customers created in the week (new customers);
* ``conversions``: the conversions the marketing table reports for the week.

Only whole weeks that every source covers are kept: from the first Monday on or
after the later of the two first days, to the last Sunday on or before the earlier
of the two last days. Weeks without spend in a channel hold 0.

The same table, written with ``cxlens mmm --out weekly.csv``, is what PyMC-Marketing
(``date_column``, ``channel_columns``, the target) and Meridian (``time``, the KPI and
media spend columns) take as input.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from cxlens import periods as P
from cxlens.customers.base import EPOCH, SECONDS_PER_DAY, order_days
from cxlens.errors import CxlensError
from cxlens.periods import local_midnight_utc, parse_date

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

OUTCOMES = ("revenue", "customers", "conversions")
WEEK = "week"


def _week_of_day(day: ir.IntegerValue) -> ir.IntegerValue:
    """The day number of the Monday starting the week of ``day`` (day 0, 1970-01-01, is a Thursday)."""
    return (day - (day + 3) % 7).cast("int64")


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _spend(ws: WorkspaceData, channels: list[str] | None) -> pd.DataFrame:
    if not ws.warehouse.exists("marketing"):
        raise CxlensError("A marketing-mix model needs the marketing table; import spend first.")
    m = ws.table("marketing")
    if channels:
        m = m.filter(m.channel.isin(channels))
    day = m.date.epoch_days().cast("int64")
    frame = (
        m.group_by(week=_week_of_day(day), channel=m.channel.cast("string"))
        .aggregate(spend=m.spend.sum().cast("float64"), first=m.date.min(), last=m.date.max())
        .execute()
    )
    if frame.empty:
        wanted = f" for {', '.join(channels)}" if channels else ""
        raise CxlensError(f"The marketing table has no spend{wanted}.")
    return frame


def _outcome(ws: WorkspaceData, outcome: str) -> tuple[pd.DataFrame, date, date]:
    """Outcome per week (``week, outcome``) and the first and last local day it covers."""
    if outcome == "revenue":
        days = order_days(ws)
        t = days.table
        frame = (
            t.group_by(week=_week_of_day(t.day))
            .aggregate(outcome=t.amount.sum().cast("float64"))
            .execute()
        )
        return frame, days.first, days.as_of
    if outcome == "customers":
        if not ws.warehouse.exists("customers"):
            raise CxlensError("--outcome customers needs the customers table.")
        c = ws.table("customers")
        bounds = c.aggregate(lo=c.created_at.min(), hi=c.created_at.max()).execute().iloc[0]
        tz = ws.config.timezone
        lo, hi = (pd.Timestamp(bounds[k]).tz_convert(tz).date() for k in ("lo", "hi"))
        local = P.local_time(
            c.created_at, tz, local_midnight_utc(lo, tz), local_midnight_utc(hi + timedelta(1), tz)
        )
        day = (local.epoch_seconds() / SECONDS_PER_DAY).floor().cast("int64")
        frame = (
            c.group_by(week=_week_of_day(day))
            .aggregate(outcome=c.count().cast("float64"))
            .execute()
        )
        return frame, lo, hi
    if outcome == "conversions":
        m = ws.table("marketing")
        if "conversions" not in m.columns:
            raise CxlensError("--outcome conversions needs a conversions column in marketing.")
        day = m.date.epoch_days().cast("int64")
        frame = (
            m.group_by(week=_week_of_day(day))
            .aggregate(outcome=m.conversions.sum().cast("float64"))
            .execute()
        )
        span = m.aggregate(lo=m.date.min(), hi=m.date.max()).execute().iloc[0]
        return frame, pd.Timestamp(span["lo"]).date(), pd.Timestamp(span["hi"]).date()
    raise CxlensError(f"--outcome is one of {', '.join(OUTCOMES)}, got {outcome!r}.")


def weekly_table(
    ws: WorkspaceData,
    outcome: str = "revenue",
    channels: list[str] | None = None,
    start: object = None,
    end: object = None,
) -> pd.DataFrame:
    """One row per whole week: ``week`` (its Monday), ``outcome`` and one spend column per channel."""
    spend = _spend(ws, channels)
    result, first, last = _outcome(ws, outcome)
    first = max(first, pd.Timestamp(spend["first"].min()).date())
    last = min(last, pd.Timestamp(spend["last"].max()).date())
    if s := parse_date(start, "--from"):
        first = max(first, s)
    if e := parse_date(end, "--to"):
        last = min(last, e)
    first_week = _monday(first) if first.weekday() == 0 else _monday(first) + timedelta(days=7)
    last_week = _monday(last) - timedelta(days=7) if last.weekday() != 6 else _monday(last)
    lo, hi = (first_week - EPOCH).days, (last_week - EPOCH).days
    if hi < lo:
        raise CxlensError(f"The data from {first} to {last} holds no whole week.")
    weeks = range(lo, hi + 1, 7)
    wide = spend.pivot_table(index=WEEK, columns="channel", values="spend", aggfunc="sum")
    wide = wide.reindex(weeks, fill_value=0.0).fillna(0.0)
    table = result.set_index(WEEK).reindex(weeks, fill_value=0.0).join(wide).reset_index()
    table[WEEK] = [EPOCH + timedelta(days=int(d)) for d in table[WEEK]]
    return table
