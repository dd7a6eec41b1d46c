"""Shared pieces of customer analytics: the as-of date, orders in local days.

Order timestamps are stored in UTC. Customer analytics count in the workspace's
local calendar days: an order belongs to the local day it was placed on, and
"as of 2026-06-30" means up to the end of that local day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import ibis
import pandas as pd

from cxlens import periods as P
from cxlens.errors import CxlensError
from cxlens.periods import local_midnight_utc, parse_date

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

EPOCH = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class OrderDays:
    """Orders up to the end of ``as_of`` with ``day``: the local day number since 1970-01-01."""

    table: ir.Table
    as_of: date
    first: date
    tz: str

    @property
    def as_of_day(self) -> int:
        return day_number(self.as_of)


def day_number(d: date) -> int:
    return (d - EPOCH).days


def from_day_number(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def order_range(ws: WorkspaceData) -> tuple[date, date]:
    """Local dates of the first and the last order; a clear error without orders."""
    if not ws.warehouse.exists("orders"):
        raise CxlensError("There are no orders yet; import them with `cxlens import orders FILE`.")
    t = ws.table("orders")
    row = t.aggregate(lo=t.ts.min(), hi=t.ts.max(), n=t.count()).execute().iloc[0]
    if not row["n"]:
        raise CxlensError("The orders table is empty; import orders first.")
    zone = ZoneInfo(ws.config.timezone)

    def local(value: Any) -> date:
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
        return stamp.tz_convert(zone).date()

    return local(row["lo"]), local(row["hi"])


def order_days(ws: WorkspaceData, as_of: object = None) -> OrderDays:
    """Orders placed up to the end of local day ``as_of`` (default: the last order's day)."""
    first, last = order_range(ws)
    end = parse_date(as_of, "--as-of") or last
    if end < first:
        raise CxlensError(
            f"--as-of {end} is before the first order ({first}); there is nothing to analyse."
        )
    tz = ws.config.timezone
    t = ws.table("orders")
    t = t.filter(t.ts < local_midnight_utc(end + timedelta(days=1), tz))
    lo = local_midnight_utc(first, tz)
    hi = local_midnight_utc(end + timedelta(days=1), tz)
    local = P.local_time(t.ts, tz, lo, hi)
    day = (local.epoch_seconds() / SECONDS_PER_DAY).floor().cast("int64")
    return OrderDays(t.mutate(day=day), end, first, tz)


#: sums of money are rounded to a millionth of the currency unit (see :func:`money_sum`)
MONEY_DIGITS = 6


def money_sum(amount: ir.NumericColumn) -> ir.NumericScalar:
    """The sum of ``amount``, rounded to :data:`MONEY_DIGITS` decimals.

    A parallel engine adds a group's amounts in an order that changes from run to run,
    and sums of floats then differ in their last bit; a model fitted on them (CLV) could
    then stop at another point, or report convergence in one run and not the next.
    Rounding far below a cent gives the same sums, and the same results, in every run.
    """
    return amount.sum().round(MONEY_DIGITS)


def customer_days(days: OrderDays) -> ir.Table:
    """One row per customer and local day with orders: ``customer_id, day, amount, orders``."""
    t = days.table
    return t.group_by(["customer_id", "day"]).aggregate(
        amount=money_sum(t.amount), orders=t.count()
    )


def month_index(day: ir.IntegerValue) -> ir.IntegerValue:
    """Months since January 1970 of a day number (``year * 12 + month - 1`` minus 1970*12)."""
    d = ibis.date(1970, 1, 1) + day.as_interval("D")
    return ((d.year() - 1970) * 12 + d.month() - 1).cast("int64")


def month_label(index: int) -> str:
    year, month = divmod(int(index), 12)
    return f"{1970 + year:04d}-{month + 1:02d}"
