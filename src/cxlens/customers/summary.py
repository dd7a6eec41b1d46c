"""The per-customer purchase summary the buy-till-you-die models fit on, computed in the warehouse.

It keeps the contract of :func:`cxlens.clv.summary_from_transactions` with
``freq="D", time_unit="W"``: purchases are counted per local calendar day,
``frequency`` is the number of purchase days after the first, ``recency`` and
``T`` are in weeks from the first purchase day to the last one and to the as-of
day, and ``monetary_value`` is the mean amount of the repeat purchase days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from cxlens.customers.base import customer_days, day_number, money_sum, order_days
from cxlens.errors import CxlensError
from cxlens.periods import parse_date

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

DAYS_PER_WEEK = 7.0


@dataclass(frozen=True)
class Summary:
    table: ir.Table
    """``customer_id, frequency, recency, T, monetary_value`` (times in weeks)."""
    as_of: date
    first: date


def purchase_summary(ws: WorkspaceData, as_of: object = None) -> Summary:
    days = order_days(ws, as_of)
    cd = customer_days(days)
    per = cd.group_by("customer_id").aggregate(
        first_day=cd.day.min(),
        last_day=cd.day.max(),
        purchase_days=cd.count(),
        total=money_sum(cd.amount),
        first_amount=cd.amount.argmin(cd.day),
    )
    frequency = (per.purchase_days - 1).cast("float64")
    repeat = per.total - per.first_amount
    table = per.select(
        "customer_id",
        frequency=frequency,
        # float before dividing: some engines divide integers by a literal in decimals
        recency=(per.last_day - per.first_day).cast("float64") / DAYS_PER_WEEK,
        T=(days.as_of_day - per.first_day).cast("float64") / DAYS_PER_WEEK,
        monetary_value=(frequency > 0).ifelse(repeat / frequency, 0.0).cast("float64"),
    )
    return Summary(table, days.as_of, days.first)


def holdout_split(
    ws: WorkspaceData, calibration_end: object, observation_end: object = None
) -> tuple[pd.DataFrame, pd.Series, float]:
    """Calibration summary at ``calibration_end``, holdout purchase days after it, holdout weeks.

    Only customers with an order by ``calibration_end`` are kept, as in
    :func:`cxlens.clv.calibration_holdout_split`.
    """
    cal_end = parse_date(calibration_end, "the calibration end")
    if cal_end is None:
        raise CxlensError("A calibration end date is needed for a holdout check.")
    full = order_days(ws, observation_end)
    if full.as_of <= cal_end:
        raise CxlensError(
            f"The holdout period is empty: the data ends on {full.as_of}, not after {cal_end}."
        )
    calibration = purchase_summary(ws, cal_end)
    cd = customer_days(full)
    later = cd.filter(cd.day > day_number(cal_end))
    counts = later.group_by("customer_id").aggregate(holdout_purchases=later.count())
    cal = calibration.table
    j = cal.left_join(counts, cal.customer_id == counts.customer_id)
    frame = (
        j.select(
            cal.customer_id,
            "frequency",
            "recency",
            "T",
            "monetary_value",
            holdout_purchases=j.holdout_purchases.fill_null(0).cast("float64"),
        )
        .order_by("customer_id")
        .execute()
        .set_index("customer_id")
    )
    if frame.empty:
        raise CxlensError(f"No customer had an order by the calibration end ({cal_end}).")
    holdout = frame.pop("holdout_purchases")
    weeks = (full.as_of - cal_end).days / DAYS_PER_WEEK
    return frame, holdout, weeks
