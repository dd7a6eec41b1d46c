"""Acquisition cohorts: what customers bought by month since they were acquired, against what they cost.

A customer is **acquired** on the local day they were created (``customers.created_at``)
through their ``acquisition_channel`` (``--by campaign``: ``acquisition_campaign``);
without those columns, through the channel or campaign of their first touch event.
Spend comes from the marketing table, by the same channel or campaign and month.
Only months from the first month with marketing data up to the as-of day count, for
customers and spend alike, so CAC divides the spend of the same months as the
customers it bought.

Per channel (or campaign):

* **CAC** = spend ÷ customers acquired, with the exact Poisson interval of the
  count (spend fixed; Garwood 1936);
* **cumulative revenue per acquired customer** ``R(m)``: revenue of months 0…m
  since acquisition (month 0 is the calendar month of acquisition) ÷ customers,
  over the cohorts whose month m is complete, with the spend of those same cohorts
  as their CAC line;
* **payback**: the first month m where the margin on ``R(m)`` covers the CAC,
  with the months where the interval of ``margin · R(m) ÷ CAC`` first reaches 1
  (upper bound, the earliest) and lies above 1 (lower bound, the latest);
* **LTV:CAC, historical**: margin × revenue of the first ``horizon`` months ÷
  spend, over the cohorts that old (or the oldest there are, which ``age`` says);
* **LTV:CAC, predicted** and **CLV-based ROAS**: for every acquired customer,
  revenue so far within the horizon plus the predicted CLV of the rest of it
  (BG/NBD or Pareto/NBD with Gamma-Gamma, as ``cxlens clv``), × margin (LTV:CAC)
  or not (ROAS), ÷ spend.

Intervals of the ratios treat the number of customers acquired as Poisson and the
customers' values as independent: ``Var(Σv) = Σv²`` (the compound Poisson
variance), on the log scale. The margin is ``--margin``, else ``[value] margin``
in ``cxlens.toml``, else 1 (revenue).

Everything up to sums per channel, cohort and month runs in the warehouse. The
sums of squares of each customer's cumulative revenue, which the intervals need
at every month, come from one ordered pass: a customer's running total ``c`` at
an order month ``k`` holds until the next order month ``k'``, so it adds ``c²``
to months ``k`` … ``k' − 1``, kept as ``+c²`` at ``k`` and ``−c²`` at ``k'``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from cxlens import periods as P
from cxlens.clv import expected_monthly_purchases
from cxlens.customers.base import (
    SECONDS_PER_DAY,
    month_index,
    month_label,
    order_days,
)
from cxlens.customers.value import monthly_rate, predict_clv
from cxlens.errors import CxlensError
from cxlens.periods import local_midnight_utc
from cxlens.stats.means import positive_mean
from cxlens.stats.returns import cost_per_count, positive_ratio

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

DAYS_PER_MONTH = 365.25 / 12
DIMENSIONS = {"channel": "acquisition_channel", "campaign": "acquisition_campaign"}
UNKNOWN = "(unknown)"


@dataclass(frozen=True)
class Acquisition:
    summary: pd.DataFrame
    """Per channel (``key``): ``customers, spend, cac (low, high), revenue_per_customer,
    payback_month (low, high), ltv_cac_historical (low, high), ltv_cac_age,
    ltv_cac_predicted (low, high), clv_roas (low, high)``; undefined without spend."""
    curves: pd.DataFrame
    """Per channel and month since acquisition: ``key, month, cohorts, customers,
    revenue_per_customer (low, high), cac, return_on_cac (low, high)`` (margin × revenue ÷ CAC)."""
    by: str
    as_of: date
    first_month: str
    horizon_months: int
    margin: float
    model: str


def margin_of(ws: WorkspaceData, margin: float | None) -> float:
    value = margin if margin is not None else ws.config.section("value").get("margin", 1.0)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise CxlensError(f"The margin is a share like 0.35, got {value!r}.") from None
    if not 0 < value <= 1:
        raise CxlensError(
            f"The margin is a share above 0 and at most 1 (0.35 = 35 %), got {value}."
        )
    return value


def _month_of_day(day: ir.IntegerValue) -> ir.IntegerValue:
    return month_index(day)


def _month_number(d: date) -> int:
    return (d.year - 1970) * 12 + d.month - 1


def acquired_customers(ws: WorkspaceData, by: str, lo: date, hi: date) -> ir.Table:
    """``customer_id, key, day, cohort`` (the local creation day and its month) of every customer."""
    if not ws.warehouse.exists("customers"):
        raise CxlensError("Acquisition cohorts need the customers table; import it first.")
    c = ws.table("customers")
    column = DIMENSIONS[by]
    tz = ws.config.timezone
    local = P.local_time(c.created_at, tz, local_midnight_utc(lo, tz), local_midnight_utc(hi, tz))
    day = (local.epoch_seconds() / SECONDS_PER_DAY).floor().cast("int64")
    if column in c.columns:
        key = c[column].cast("string").fill_null(UNKNOWN)
        return c.select("customer_id", day=day, cohort=_month_of_day(day), key=key)
    base = c.select("customer_id", day=day, cohort=_month_of_day(day))
    first = _first_touch(ws, by)
    j = base.left_join(first, base.customer_id == first._fid)
    return j.select("customer_id", "day", "cohort", key=j._key.fill_null(UNKNOWN))


def _first_touch(ws: WorkspaceData, by: str) -> ir.Table:
    if not ws.warehouse.exists("events"):
        return ibis.memtable({"_fid": [], "_key": []}, schema={"_fid": "string", "_key": "string"})
    e = ws.table("events")
    if by not in e.columns:
        raise CxlensError(
            f"Neither customers.{DIMENSIONS[by]} nor events.{by} exists: there is nothing to"
            " tell how customers were acquired."
        )
    e = e.filter(e[by].notnull())
    return e.group_by(_fid=e.customer_id).aggregate(_key=e[by].cast("string").argmin(e.ts))


def _created_range(ws: WorkspaceData) -> tuple[date, date]:
    c = ws.table("customers")
    row = c.aggregate(lo=c.created_at.min(), hi=c.created_at.max()).execute().iloc[0]
    if pd.isna(row["lo"]):
        raise CxlensError("The customers table is empty.")
    return pd.Timestamp(row["lo"]).date() - timedelta(days=1), pd.Timestamp(
        row["hi"]
    ).date() + timedelta(days=2)


@dataclass(frozen=True)
class _Sums:
    sizes: pd.DataFrame
    """key, cohort, customers"""
    spend: pd.DataFrame
    """key, cohort, spend"""
    moments: pd.DataFrame
    """key, cohort, month, s1, s2: changes of Σc and Σc² starting at that month"""
    customers: ir.Table
    """The acquired customers in the window: customer_id, key, day, cohort."""


def cohort_sums(
    ws: WorkspaceData, by: str, as_of: date, first_month: int, last_month: int
) -> _Sums:
    """Cohort sizes, spend and the running-total changes behind the revenue curves, in the warehouse."""
    lo, hi = _created_range(ws)
    cust = acquired_customers(ws, by, lo, hi)
    cust = cust.filter((cust.cohort >= first_month) & (cust.cohort <= last_month))
    sizes = cust.group_by(["key", "cohort"]).aggregate(customers=cust.count()).execute()
    days = order_days(ws, as_of)
    o = days.table
    om = o.select(_oid="customer_id", _m=_month_of_day(o.day), _amount=o.amount.cast("float64"))
    j = cust.inner_join(om, cust.customer_id == om._oid)
    # revenue per customer and month since acquisition (orders before it count in month 0)
    j = j.mutate(k=(j._m - j.cohort).clip(lower=0).cast("int64"))
    monthly = j.group_by(["customer_id", "key", "cohort", "k"]).aggregate(r=j._amount.sum())
    ordered = ibis.window(group_by="customer_id", order_by="k")
    running = ibis.window(group_by="customer_id", order_by="k", rows=(None, 0))
    monthly = monthly.mutate(c=monthly.r.sum().over(running), nxt=monthly.k.lead().over(ordered))
    starts = monthly.group_by(["key", "cohort", monthly.k.name("month")]).aggregate(
        s1=monthly.c.sum(), s2=(monthly.c * monthly.c).sum()
    )
    stopped = monthly.filter(monthly.nxt.notnull())
    stops = stopped.group_by(["key", "cohort", stopped.nxt.name("month")]).aggregate(
        s1=-stopped.c.sum(), s2=-(stopped.c * stopped.c).sum()
    )
    moments = starts.union(stops).execute()
    spend = _spend(ws, by, first_month, last_month)
    return _Sums(sizes, spend, moments, cust)


def _spend(ws: WorkspaceData, by: str, first_month: int, last_month: int) -> pd.DataFrame:
    empty = pd.DataFrame({"key": [], "cohort": [], "spend": []})
    if not ws.warehouse.exists("marketing"):
        return empty
    m = ws.table("marketing")
    if by not in m.columns:
        raise CxlensError(f"The marketing table has no column '{by}' to match spend by.")
    month = ((m.date.year() - 1970) * 12 + m.date.month() - 1).cast("int64")
    m = m.mutate(cohort=month).filter((month >= first_month) & (month <= last_month))
    return (
        m.group_by(key=m[by].cast("string").fill_null(UNKNOWN), cohort=m.cohort)
        .aggregate(spend=m.spend.sum().cast("float64"))
        .execute()
    )


def _marketing_start(ws: WorkspaceData) -> date | None:
    if not ws.warehouse.exists("marketing"):
        return None
    m = ws.table("marketing")
    value = m.date.min().execute()
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def acquisition(
    ws: WorkspaceData,
    by: str = "channel",
    horizon_months: int = 12,
    margin: float | None = None,
    model: str = "bgnbd",
    discount: float = 0.1,
    as_of: object = None,
) -> Acquisition:
    """Acquisition cohorts by channel or campaign; see the module docstring."""
    if by not in DIMENSIONS:
        raise CxlensError(f"--by is channel or campaign, got {by!r}.")
    if horizon_months < 1:
        raise CxlensError(f"--horizon must be at least one month, got {horizon_months}.")
    share = margin_of(ws, margin)
    days = order_days(ws, as_of)
    start = _marketing_start(ws) or days.first
    first_month, last_month = _month_number(start), _month_number(days.as_of)
    # the as-of month is complete only on its last day
    complete_month = last_month if (days.as_of + timedelta(days=1)).day == 1 else last_month - 1
    sums = cohort_sums(ws, by, days.as_of, first_month, last_month)
    if sums.sizes.empty:
        raise CxlensError(
            f"No customer was acquired between {month_label(first_month)} and {days.as_of}."
        )
    curves = _curves(sums, first_month, complete_month, share)
    predicted = _predicted_values(ws, sums, model, horizon_months, discount, days.as_of)
    summary = _summary(sums, curves, predicted, horizon_months, share)
    return Acquisition(
        summary, curves, by, days.as_of, month_label(first_month), horizon_months, share, model
    )


def _curves(sums: _Sums, first_month: int, complete_month: int, margin: float) -> pd.DataFrame:
    """Cumulative revenue per acquired customer by month since acquisition, with intervals."""
    rows = []
    max_age = max(complete_month - first_month, 0)
    sizes = sums.sizes.set_index(["key", "cohort"])["customers"]
    spend = (
        sums.spend.set_index(["key", "cohort"])["spend"]
        if not sums.spend.empty
        else pd.Series(dtype=float)
    )
    moments = sums.moments
    for key in sorted(sums.sizes["key"].unique()):
        cohorts = sizes.loc[key]
        part = moments[moments["key"] == key]
        # per cohort: Σc(m) and Σc²(m) for m = 0..max_age from the changes at each month
        s1 = np.zeros((len(cohorts), max_age + 2))
        s2 = np.zeros_like(s1)
        index = {int(c): i for i, c in enumerate(cohorts.index)}
        for cohort, month, a, b in part[["cohort", "month", "s1", "s2"]].itertuples(index=False):
            if int(cohort) in index and month <= max_age:
                s1[index[int(cohort)], int(month)] += a
                s2[index[int(cohort)], int(month)] += b
        s1, s2 = np.cumsum(s1, axis=1), np.cumsum(s2, axis=1)
        n = cohorts.to_numpy(float)
        cohort_spend = np.array([float(spend.get((key, c), 0.0)) for c in cohorts.index])
        for m in range(max_age + 1):
            ripe = np.array([c + m <= complete_month for c in cohorts.index])
            if not ripe.any():
                break
            total, total_sq, count = s1[ripe, m].sum(), s2[ripe, m].sum(), n[ripe].sum()
            mean = positive_mean(total, total_sq, count)
            spent = cohort_spend[ripe].sum()
            ratio = positive_ratio(margin * total, margin * margin * total_sq, spent)
            rows.append(
                {
                    "key": key,
                    "month": m,
                    "cohorts": int(ripe.sum()),
                    "customers": int(count),
                    "revenue_per_customer": mean.value,
                    "revenue_per_customer_low": mean.low,
                    "revenue_per_customer_high": mean.high,
                    "spend": spent,
                    "cac": spent / count if spent > 0 and count else math.nan,
                    "return_on_cac": ratio.value,
                    "return_on_cac_low": ratio.low,
                    "return_on_cac_high": ratio.high,
                }
            )
    return pd.DataFrame(rows)


def _predicted_values(
    ws: WorkspaceData,
    sums: _Sums,
    model: str,
    horizon_months: int,
    discount: float,
    as_of: date,
) -> pd.DataFrame:
    """Per channel: n, Σ and Σ² of each customer's value over ``horizon_months`` from acquisition.

    The value is the revenue of the orders within the horizon so far plus, for the
    months of the horizon still to come, the predicted CLV of those months (expected
    purchases in each month, discounted monthly, times the expected spend).
    """
    days = order_days(ws, as_of)
    cust = sums.customers
    span = horizon_months * DAYS_PER_MONTH
    o = days.table
    orders = o.select(_oid="customer_id", _day="day", _amount="amount")
    j = cust.inner_join(orders, cust.customer_id == orders._oid)
    within = j.filter(j._day < j.day + span)
    realised = within.group_by("customer_id").aggregate(
        realised=within._amount.sum().cast("float64")
    )
    realised = realised.select(_rid="customer_id", realised="realised")
    joined = cust.left_join(realised, cust.customer_id == realised._rid)
    frame = joined.select(
        "customer_id", "key", "day", realised=joined.realised.fill_null(0.0)
    ).execute()
    result = predict_clv(ws, model, horizon_months, discount, as_of)
    c = result.customers.set_index("customer_id")
    c = c.reindex(frame["customer_id"].to_numpy())
    bought = c["frequency"].notna().to_numpy()
    future = np.zeros(len(frame))
    if bought.any():
        x, tx, age = (c[k].to_numpy(float)[bought] for k in ("frequency", "recency", "T"))
        monthly = expected_monthly_purchases(
            result.purchase_model, x, tx, age, time_unit="W", horizon_months=horizon_months
        )
        factor = (1.0 + monthly_rate(discount)) ** -np.arange(1, horizon_months + 1, dtype=float)
        cumulative = np.concatenate(
            [np.zeros((monthly.shape[0], 1)), np.cumsum(monthly * factor, axis=1)], axis=1
        )
        elapsed = (days.as_of_day - frame["day"].to_numpy(float)[bought]) / DAYS_PER_MONTH
        left = np.clip(horizon_months - elapsed, 0.0, float(horizon_months))
        whole = np.floor(left).astype(int)
        upper = np.minimum(whole + 1, horizon_months)
        rows = np.arange(monthly.shape[0])
        fraction = left - whole
        purchases = cumulative[rows, whole] + fraction * (
            cumulative[rows, upper] - cumulative[rows, whole]
        )
        future[bought] = purchases * c["expected_spend"].to_numpy(float)[bought]
    value = frame["realised"].to_numpy(float) + future
    out = pd.DataFrame({"key": frame["key"], "v": value, "v2": value * value})
    return out.groupby("key").agg(n=("v", "size"), total=("v", "sum"), total_sq=("v2", "sum"))


def _summary(
    sums: _Sums,
    curves: pd.DataFrame,
    predicted: pd.DataFrame,
    horizon_months: int,
    margin: float,
) -> pd.DataFrame:
    rows = []
    sizes = sums.sizes.groupby("key")["customers"].sum()
    spend = (
        sums.spend.groupby("key")["spend"].sum() if not sums.spend.empty else pd.Series(dtype=float)
    )
    for key, n in sizes.sort_values(ascending=False).items():
        spent = float(spend.get(key, 0.0))
        cac = cost_per_count(spent, float(n))
        curve = curves[curves["key"] == key].sort_values("month")
        row: dict[str, object] = {
            "key": key,
            "customers": int(n),
            "spend": spent,
            "cac": cac.value,
            "cac_low": cac.low,
            "cac_high": cac.high,
        }
        row.update(_payback(curve))
        hist = curve[curve["month"] <= horizon_months - 1].tail(1)
        if len(hist) and spent > 0:
            h = hist.iloc[0]
            row.update(
                ltv_cac_historical=h["return_on_cac"],
                ltv_cac_historical_low=h["return_on_cac_low"],
                ltv_cac_historical_high=h["return_on_cac_high"],
                ltv_cac_age=int(h["month"]) + 1,
            )
        else:
            row.update(
                ltv_cac_historical=math.nan, ltv_cac_historical_low=math.nan,
                ltv_cac_historical_high=math.nan, ltv_cac_age=math.nan,
            )  # fmt: skip
        total = float(predicted["total"].get(key, 0.0))
        total_sq = float(predicted["total_sq"].get(key, 0.0))
        ltv = positive_ratio(margin * total, margin * margin * total_sq, spent)
        roas = positive_ratio(total, total_sq, spent)
        row.update(
            ltv_per_customer=total / n if n else math.nan,
            ltv_cac_predicted=ltv.value,
            ltv_cac_predicted_low=ltv.low,
            ltv_cac_predicted_high=ltv.high,
            clv_roas=roas.value,
            clv_roas_low=roas.low,
            clv_roas_high=roas.high,
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _payback(curve: pd.DataFrame) -> dict[str, float]:
    """The first month whose margin covers the CAC, and where its interval first reaches and clears 1.

    A bound not reached within the months observed is NaN; ``payback_beyond`` is then
    the last month observed.
    """
    out = {
        "payback_month": math.nan, "payback_month_low": math.nan,
        "payback_month_high": math.nan, "payback_beyond": math.nan,
    }  # fmt: skip
    if curve.empty or curve["spend"].max() <= 0:
        return out

    def first(column: str) -> float:
        hit = curve[curve[column] >= 1.0]
        return float(hit["month"].iloc[0]) if len(hit) else math.nan

    out["payback_month"] = first("return_on_cac")
    out["payback_month_low"] = first("return_on_cac_high")
    out["payback_month_high"] = first("return_on_cac_low")
    if math.isnan(out["payback_month_high"]):
        out["payback_beyond"] = float(curve["month"].max())
    return out
