"""Churn per period, for contractual and non-contractual customers.

* **Contractual** (customers with an ``ended_at`` date): churn rate and retention
  rate are metrics of the catalog (``churn_rate``, ``retention_rate``), computed per
  period with intervals by the metric engine; :func:`has_contracts` tells whether
  they apply.
* **Non-contractual** (customers simply stop buying): at the end of each period a
  BG/NBD model is fitted on the purchase history up to that day, and a customer
  counts as *likely churned* when the probability of still being alive falls
  below the threshold (0.5 by default). Reported: customers with a purchase so
  far, likely churned, their share, and the mean probability alive.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlens.clv import BGNBDModel, ClvError
from cxlens.customers.base import order_range
from cxlens.customers.cohorts import PERIODS
from cxlens.customers.summary import purchase_summary
from cxlens.errors import CxlensError
from cxlens.periods import floor_date, parse_date
from cxlens.stats import wilson_interval

if TYPE_CHECKING:
    from cxlens.data import WorkspaceData


def has_contracts(ws: WorkspaceData) -> bool:
    if not ws.warehouse.exists("customers"):
        return False
    c = ws.table("customers")
    return bool(c.ended_at.notnull().any().execute())


#: first day of the month, quarter or year that holds a day
period_start = floor_date


def period_ends(first: date, last: date, period: str, count: int) -> list[date]:
    """Last days of the last ``count`` complete periods between ``first`` and ``last``."""
    if period not in PERIODS:
        raise CxlensError(f"Unknown period '{period}'; use one of {', '.join(PERIODS)}.")
    step = PERIODS[period]
    month = (last.year * 12 + last.month - 1 + 1) // step * step  # start of the period after
    ends: list[date] = []
    while len(ends) < count:
        year, m0 = divmod(month, 12)
        day = date(year, m0 + 1, 1) - timedelta(days=1)
        if day <= last and day > first:
            ends.append(day)
        if day <= first:
            break
        month -= step
    return sorted(ends)


def likely_churned(
    ws: WorkspaceData,
    period: str = "quarter",
    periods: int = 8,
    threshold: float = 0.5,
    as_of: object = None,
) -> pd.DataFrame:
    """Per period end: customers, likely churned (P(alive) < threshold), share with interval."""
    if not 0 < threshold < 1:
        raise CxlensError(f"--threshold is a probability between 0 and 1, got {threshold}.")
    first, last = order_range(ws)
    end = parse_date(as_of, "--as-of") or last
    rows = []
    for day in period_ends(first, end, period, periods):
        frame = purchase_summary(ws, day).table.execute()
        x, tx, age = (frame[c].to_numpy(float) for c in ("frequency", "recency", "T"))
        try:
            model = BGNBDModel().fit(x, tx, age)
        except ClvError:
            continue  # too little history for a model at this date
        alive = model.probability_alive(x, tx, age)
        churned = int((alive < threshold).sum())
        ci = wilson_interval(churned, len(alive))
        rows.append(
            {
                "period_end": day.isoformat(),
                "customers": len(alive),
                "likely_churned": churned,
                "share": churned / len(alive),
                "share_low": ci.low,
                "share_high": ci.high,
                "mean_p_alive": float(np.mean(alive)),
            }
        )
    if not rows:
        raise CxlensError(
            "Not enough purchase history for a churn model: no period end has customers"
            " with repeat purchases."
        )
    return pd.DataFrame(rows)
