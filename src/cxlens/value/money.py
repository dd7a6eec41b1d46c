"""Key drivers in money: what experiences do to repurchase and revenue, and what poor ones cost.

The customers: everyone with a measured experience (an answer or a ticket) in the
window of ``window_days`` ending ``follow_up_days`` before the as-of day. Each one's
**reference time** is their latest experience in the window; the **target** is what
they did in the ``follow_up_days`` after it: ``repurchase`` (ordered at all, 0/1) or
``revenue`` (the amount). The drivers are those of the NPS key drivers
(:mod:`cxlens.journeys.drivers`): CSAT and CES per touchpoint and the tickets in the
window, and the customer's country, language, acquisition channel, tenure and orders,
both as of the reference time. Importance is the same Shapley share of the
regression's R², with bootstrap intervals and partial F tests.

**In money.** For a driver with a poor experience (CSAT or CES of 3 or less, a
resolution over 48 hours, a reopened ticket), the regression's coefficient says how
much more each poorly served customer would have bought with the experience the
others had (the measured customers' mean): ``Σ_poor β (x̄_others − x_i)``, in target
units over the follow-up. Scaled from the window to a quarter (365.25 / 4 days) that
is the **loss per quarter**: repurchases lost, and for ``repurchase`` also their revenue
(× the follow-up revenue per repurchasing customer). Its interval comes from the same
bootstrap resamples of customers. This is an association the regression adjusts for
the other drivers, not an experiment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from cxlens.customers.base import order_days
from cxlens.errors import CxlensError
from cxlens.journeys.base import Range, require, seconds_between
from cxlens.journeys.drivers import (
    ATTRIBUTES,
    Group,
    attribute_groups,
    decompose,
    driver_row,
    experience_groups,
    spans_of,
    usable_groups,
)
from cxlens.periods import local_midnight_utc
from cxlens.stats.resampling import percentile_interval

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

TARGETS = ("repurchase", "revenue")
QUARTER_DAYS = 365.25 / 4
MIN_CUSTOMERS = 30


@dataclass(frozen=True)
class MoneyDrivers:
    table: pd.DataFrame
    """One row per driver: the key-driver columns (``driver, key, touchpoint, importance``
    with interval, ``sign``, ``p_value`` ...) and for experiences with a poor level
    ``poor_customers``, ``loss_per_quarter`` (target units) and ``revenue_loss_per_quarter``
    (currency), each with ``_low``/``_high``."""
    target: str
    customers: int
    r2: float
    window_start: date
    window_end: date
    follow_up_days: int
    revenue_per_repurchase: float


def _base(ws: WorkspaceData, rng: Range, follow_up_days: int) -> pd.DataFrame:
    """Per customer with an experience in the window: the reference time, target and attributes."""
    r = require(ws, "responses", "Key drivers in money")
    r = rng.filter(r, "ts")
    r = r.filter(r.customer_id.notnull() & r.score.notnull()).select("customer_id", at=r.ts)
    parts = [r]
    if ws.warehouse.exists("tickets"):
        t = rng.filter(ws.table("tickets"), "opened_at")
        parts.append(t.filter(t.customer_id.notnull()).select("customer_id", at=t.opened_at))
    seen = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
    ref = seen.group_by("customer_id").aggregate(reference=seen.at.max())
    o = ws.table("orders").select(_oid="customer_id", _ts="ts", _amount="amount")
    j = ref.left_join(o, ref.customer_id == o._oid)
    after = (j._ts > j.reference) & (j._ts <= j.reference + ibis.interval(days=follow_up_days))
    per = j.group_by(["customer_id", "reference"]).aggregate(
        orders=(j._ts <= j.reference).ifelse(1, 0).sum(),
        first_order=j._ts.min(),
        repurchase=after.ifelse(1.0, 0.0).max().fill_null(0.0),
        revenue=after.ifelse(j._amount, 0.0).sum().cast("float64").fill_null(0.0),
    )
    since: ir.Value = per.first_order
    extra: dict[str, ir.Value] = {}
    if ws.warehouse.exists("customers"):
        c = ws.table("customers")
        cols = {a: c[a] for a in ATTRIBUTES if a in c.columns}
        c = c.select(_ccid=c.customer_id, _created=c.created_at, **cols)
        per = per.left_join(c, per.customer_id == c._ccid).drop("_ccid")
        since = per._created.fill_null(per.first_order)
        extra = {a: per[a] for a in cols}
    tenure = seconds_between(per.reference, since) / (365.25 * 86_400.0)
    table = per.select(
        "customer_id", "repurchase", "revenue", "orders", tenure_years=tenure, **extra
    )
    return table.order_by("customer_id").execute().set_index("customer_id")


def money_drivers(
    ws: WorkspaceData,
    target: str = "repurchase",
    follow_up_days: int = 90,
    window_days: int = 365,
    as_of: object = None,
    bootstrap: int = 50,
    seed: int = 0,
) -> MoneyDrivers:
    """Key drivers of repurchase or revenue, with what poor experiences cost a quarter."""
    if target not in TARGETS:
        raise CxlensError(f"--target is nps, {' or '.join(TARGETS)}, got {target!r}.")
    if follow_up_days < 1 or window_days < 1:
        raise CxlensError("--follow-up and the window must be at least one day.")
    days = order_days(ws, as_of)
    tz = ws.config.timezone
    end = local_midnight_utc(days.as_of + timedelta(days=1), tz)
    window_end = end - timedelta(days=follow_up_days)
    window_start = window_end - timedelta(days=window_days)
    rng = Range(window_start, window_end)
    base = _base(ws, rng, follow_up_days)
    if len(base) < MIN_CUSTOMERS:
        raise CxlensError(
            f"Key drivers in money need at least {MIN_CUSTOMERS} customers with an answer or a"
            f" ticket between {window_start.date()} and {window_end.date()}; there are {len(base)}."
        )
    y = base[target].to_numpy(float)
    x = pd.DataFrame(index=base.index)
    groups = experience_groups(ws, rng, x) + attribute_groups(base, x)
    groups = usable_groups(x, groups, "the customers with an experience")
    columns = [c for g in groups for c in g.columns]
    xm = x[columns].to_numpy(float)
    bought = base["repurchase"].to_numpy(float) > 0
    revenue = base["revenue"].to_numpy(float)
    per_repurchase = float(revenue[bought].mean()) if bought.any() else 0.0
    scale = QUARTER_DAYS / window_days

    def losses(rows: np.ndarray) -> np.ndarray:
        """Loss per quarter of each group (target units), and the revenue per repurchase."""
        design = np.column_stack([np.ones(rows.size), xm[rows]])
        beta = np.linalg.lstsq(design, y[rows], rcond=None)[0][1:]
        out = np.full(len(groups) + 1, np.nan)
        for i, g in enumerate(groups):
            out[i] = _loss(g, columns, beta, xm[rows], rows) * scale
        bought_r = bought[rows]
        out[-1] = float(revenue[rows][bought_r].mean()) if bought_r.any() else 0.0
        return out

    result = decompose(y, xm, spans_of(groups), bootstrap, seed, on_resample=losses)
    point = losses(np.arange(len(y)))
    draws = np.array(result.extras) if result.extras else np.empty((0, len(groups) + 1))
    rows = []
    for i, g in enumerate(groups):
        row = driver_row(g, i, result, columns)
        row["poor_customers"] = int(g.poor.sum()) if g.poor is not None else 0
        loss = percentile_interval(point[i], draws[:, i]) if draws.size else None
        value = point[i]
        row.update(
            loss_per_quarter=value,
            loss_per_quarter_low=loss.low if loss else np.nan,
            loss_per_quarter_high=loss.high if loss else np.nan,
        )
        if target == "revenue":
            money = draws[:, i]
            money_point = value
        else:
            money = draws[:, i] * draws[:, -1]
            money_point = value * point[-1]
        band = percentile_interval(money_point, money) if draws.size else None
        row.update(
            revenue_loss_per_quarter=money_point,
            revenue_loss_per_quarter_low=band.low if band else np.nan,
            revenue_loss_per_quarter_high=band.high if band else np.nan,
        )
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("importance", ascending=False).reset_index(drop=True)
    return MoneyDrivers(
        table, target, len(y), result.r2, window_start.date(), window_end.date(),
        follow_up_days, per_repurchase,
    )  # fmt: skip


def _loss(
    g: Group, columns: list[str], beta: np.ndarray, xm: np.ndarray, rows: np.ndarray
) -> float:
    """What the poorly served would have added with the others' mean experience (NaN: no poor level)."""
    if g.poor is None or g.measured is None or g.sign_column is None:
        return float("nan")
    j = columns.index(g.sign_column)
    poor = g.poor[rows]
    others = g.measured[rows] & ~poor
    if not poor.any() or not others.any():
        return 0.0
    level = xm[others, j].mean()
    return float((beta[j] * (level - xm[poor, j])).sum())
