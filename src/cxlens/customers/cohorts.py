"""Cohort retention and lifecycle (new, returning, resurrecting, dormant) from orders.

A customer is *active* in a month when they placed an order in it (local time).

* **first-time** retention groups customers by the month of their first order
  and shows, for each later month, the share of the cohort active in it.
  The period the as-of date falls in is left out unless it is complete.
* **recurring** retention puts a customer into the cohort of every month they
  were active in, and shows the share of each cohort active again k months later
  (how product-analytics tools define "recurring" retention).

Lifecycle per period (growth accounting): *new* customers made their first order
in the period; *returning* ones were active in the period and the one before;
*resurrecting* ones are active again after at least one inactive period;
*dormant* ones were active in the previous period but not in this one. The
quick ratio is (new + resurrecting) / dormant: above 1 the active base grows.
A period that the as-of date cuts short is marked ``complete = False``; its
counts are not comparable with full periods.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlens.customers.base import month_index, month_label, order_days
from cxlens.customers.results import Cohorts
from cxlens.errors import CxlensError
from cxlens.periods import parse_date
from cxlens.stats import wilson_interval

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

DEFINITIONS = ("first", "recurring")
PERIODS = {"month": 1, "quarter": 3, "year": 12}


def period_label(index: int, period: str) -> str:
    if period == "month":
        return month_label(index)
    if period == "quarter":
        return f"{1970 + index // 4:04d}-Q{index % 4 + 1}"
    return f"{1970 + index:04d}"


def _activity(ws: WorkspaceData, as_of: object, period: str) -> tuple[ir.Table, int, int, bool]:
    """Distinct ``(customer_id, p)`` of active periods, the first and last period index,
    and whether the last period is complete (``as_of`` is its last day)."""
    if period not in PERIODS:
        raise CxlensError(f"Unknown period '{period}'; use one of {', '.join(PERIODS)}.")
    days = order_days(ws, as_of)
    t = days.table
    p = (month_index(t.day) // PERIODS[period]).cast("int64")
    act = t.select("customer_id", p=p).distinct()

    def index(d: object) -> int:
        parsed = parse_date(d, "date")
        assert parsed is not None
        return ((parsed.year - 1970) * 12 + parsed.month - 1) // PERIODS[period]

    complete = index(days.as_of + timedelta(days=1)) != index(days.as_of)
    return act, index(days.first), index(days.as_of), complete


def cohort_retention(
    ws: WorkspaceData,
    definition: str = "first",
    period: str = "month",
    offsets: int = 12,
    as_of: object = None,
    since: object = None,
) -> Cohorts:
    """Retention of each cohort ``offsets`` periods on; cohorts from ``since`` (default: all)."""
    if definition not in DEFINITIONS:
        raise CxlensError(f"Unknown cohort definition '{definition}'; use first or recurring.")
    if offsets < 1:
        raise CxlensError(f"--periods must be at least 1, got {offsets}.")
    act, _first, last, complete = _activity(ws, as_of, period)
    if not complete:
        last -= 1  # a period the as-of date cuts short is left out: it would look like churn
    if definition == "first":
        firsts = act.group_by("customer_id").aggregate(cohort=act.p.min())
        j = act.inner_join(firsts, "customer_id")
    else:
        other = act.select(_cid="customer_id", cohort="p")
        j = act.inner_join(other, (act.customer_id == other._cid) & (act.p >= other.cohort))
    j = j.mutate(offset=(j.p - j.cohort).cast("int64"))
    j = j.filter(j.offset <= offsets)
    if since is not None:
        start = parse_date(since, "--since")
        assert start is not None
        j = j.filter(j.cohort >= ((start.year - 1970) * 12 + start.month - 1) // PERIODS[period])
    counts = j.group_by(["cohort", "offset"]).aggregate(customers=j.count()).execute()
    if counts.empty:
        raise CxlensError("No cohort has orders in the chosen range.")
    sizes = counts[counts["offset"] == 0].set_index("cohort")["customers"]
    rows = []
    seen = counts.set_index(["cohort", "offset"])["customers"]
    for cohort, size in sizes.sort_index().items():
        for k in range(offsets + 1):
            if cohort + k > last:
                break  # not observed yet
            n = int(seen.get((cohort, k), 0))
            ci = wilson_interval(n, int(size))
            rows.append(
                {
                    "cohort": period_label(int(cohort), period),
                    "offset": k,
                    "customers": n,
                    "cohort_size": int(size),
                    "share": n / size,
                    "share_low": ci.low,
                    "share_high": ci.high,
                }
            )
    return Cohorts(pd.DataFrame(rows), definition, period)


def lifecycle(ws: WorkspaceData, period: str = "month", as_of: object = None) -> pd.DataFrame:
    """Per period: active, new, returning, resurrecting and dormant customers."""
    act, first, last, complete = _activity(ws, as_of, period)
    firsts = act.group_by(_cid="customer_id").aggregate(first_p=act.p.min())
    prev = act.select(_pc="customer_id", _pp=act.p + 1)
    cur = act.left_join(firsts, act.customer_id == firsts._cid)
    cur = cur.left_join(prev, (cur.customer_id == prev._pc) & (cur.p == prev._pp))
    state = (cur.first_p == cur.p).ifelse(
        "new", cur._pc.notnull().ifelse("returning", "resurrecting")
    )
    cur = cur.mutate(state=state)
    active = cur.group_by(["p", "state"]).aggregate(customers=cur.count())
    # dormant: active in p - 1 but not in p
    nxt = act.select(_nc="customer_id", _np="p")
    gone = prev.left_join(nxt, (prev._pc == nxt._nc) & (prev._pp == nxt._np))
    gone = gone.filter(gone._nc.isnull())
    dormant = gone.group_by(p=gone._pp).aggregate(customers=gone.count())
    a = active.execute()
    d = dormant.execute().assign(state="dormant")
    frame = pd.concat([a, d], ignore_index=True)
    table = frame.pivot_table(index="p", columns="state", values="customers", aggfunc="sum")
    table = table.reindex(range(first, last + 1)).fillna(0).astype(int)
    for col in ("new", "returning", "resurrecting", "dormant"):
        if col not in table:
            table[col] = 0
    table["active"] = table["new"] + table["returning"] + table["resurrecting"]
    previous_active = table["active"].shift(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["retention"] = table["returning"] / previous_active
        table["quick_ratio"] = (table["new"] + table["resurrecting"]) / table["dormant"].where(
            table["dormant"] > 0
        )
    table["complete"] = [complete or int(i) < last for i in table.index]
    table.index = [period_label(int(i), period) for i in table.index]
    table.index.name = "period"
    cols = [
        "active", "new", "returning", "resurrecting", "dormant", "retention", "quick_ratio",
        "complete",
    ]  # fmt: skip
    return table[cols].reset_index()
