"""Revenue at risk: the predicted CLV of unhappy customers and of customers waiting on a case.

As of the end of the as-of day, a customer is **at risk** when

* their latest answer of the kind in the year up to that day fell in the worst
  group (an NPS detractor, a dissatisfied CSAT, a difficult CES), or
* they have an **open case**: a ticket opened by then and not resolved by then;
  it is **overdue** when it has been open longer than ``overdue`` (three days
  unless ``[value] case_overdue`` in ``cxlens.toml`` says otherwise).

Revenue at risk is the sum of their predicted CLV over the horizon, with an
interval from the CLV models' parameters (:mod:`cxlens.value.clv_uncertainty`),
overall and by segment (the RFM segment now), touchpoint (of the answer), theme
(of its comment, once ``cxlens text analyse`` has run) and country. Customers
without orders have no predicted CLV and add nothing. The customers behind it come
out as an audience, detractors with the highest CLV first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from cxlens.customers.rfm import rfm
from cxlens.errors import CxlensError
from cxlens.periods import local_midnight_utc, parse_duration
from cxlens.value.answers import NO_ORDERS, Grouping, latest_answers
from cxlens.value.clv_uncertainty import total_interval

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData
    from cxlens.value.clv_uncertainty import ClvSensitivity

RECENT_DAYS = 365
DEFAULT_OVERDUE = "3d"
DIMENSIONS = ("segment", "touchpoint", "theme", "country")
NO_ANSWER = "(no answer)"
UNKNOWN = "(unknown)"


def overdue_after(ws: WorkspaceData, overdue: str | None = None) -> timedelta:
    """How long a case may stay open before it is overdue: ``overdue``, else the workspace's."""
    setting = overdue or ws.config.section("value").get("case_overdue", DEFAULT_OVERDUE)
    return parse_duration(setting, "--overdue")


def at_risk_query(
    ws: WorkspaceData, grouping: Grouping, as_of: date, overdue: timedelta
) -> ir.Table:
    """Customers at risk with ``worst`` (0/1), ``open_cases``, ``overdue_cases``, the answer's
    ``score``, ``touchpoint`` (and ``theme``), the current ``segment``, ``country`` and the
    ``email`` they consented to be contacted at."""
    tz = ws.config.timezone
    end = local_midnight_utc(as_of + timedelta(days=1), tz)
    start = local_midnight_utc(as_of - timedelta(days=RECENT_DAYS - 1), tz)
    parts: list[ir.Table] = []
    if ws.warehouse.exists("responses"):
        a = latest_answers(ws, grouping.kind, start, end)
        _, lo, hi = grouping.groups[-1]
        a = a.filter(a.score.between(lo, hi))
        cols = {"theme": a.theme} if "theme" in a.columns else {}
        parts.append(
            a.select(
                "customer_id",
                score=a.score,
                touchpoint=a.touchpoint,
                worst=ibis.literal(1, "int64"),
                open_cases=ibis.literal(0, "int64"),
                overdue_cases=ibis.literal(0, "int64"),
                **cols,
            )
        )
    if ws.warehouse.exists("tickets"):
        t = ws.table("tickets")
        is_open = (t.opened_at < end) & (t.resolved_at.isnull() | (t.resolved_at >= end))
        t = t.filter(is_open & t.customer_id.notnull())
        late = t.opened_at < end - overdue
        cases = t.group_by("customer_id").aggregate(
            open_cases=t.count().cast("int64"), overdue_cases=late.ifelse(1, 0).sum().cast("int64")
        )
        cols = {"theme": ibis.null("string")} if parts and "theme" in parts[0].columns else {}
        parts.append(
            cases.select(
                "customer_id",
                score=ibis.null("float64"),
                touchpoint=ibis.null("string"),
                worst=ibis.literal(0, "int64"),
                open_cases="open_cases",
                overdue_cases="overdue_cases",
                **cols,
            )
        )
    if not parts:
        raise CxlensError(
            "Revenue at risk needs answers or tickets; import responses or tickets first."
        )
    union = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
    extra = {"theme": union.theme.max()} if "theme" in union.columns else {}
    risk = union.group_by("customer_id").aggregate(
        worst=union.worst.max(),
        score=union.score.max(),
        touchpoint=union.touchpoint.max(),
        open_cases=union.open_cases.sum(),
        overdue_cases=union.overdue_cases.sum(),
        **extra,
    )
    seg = rfm(ws, as_of).table.select(_sid="customer_id", segment="segment")
    risk = risk.left_join(seg, risk.customer_id == seg._sid).drop("_sid")
    risk = risk.mutate(segment=risk.segment.fill_null(NO_ORDERS))
    if ws.warehouse.exists("customers"):
        c = ws.table("customers")
        contact = (c.consent.fill_null(False) & c.email.notnull()).ifelse(
            c.email, ibis.null("string")
        )
        country = c.country if "country" in c.columns else ibis.null("string")
        c = c.select(_ccid=c.customer_id, country=country, email=contact)
        risk = risk.left_join(c, risk.customer_id == c._ccid).drop("_ccid")
    else:
        risk = risk.mutate(country=ibis.null("string"), email=ibis.null("string"))
    return risk


@dataclass(frozen=True)
class RevenueAtRisk:
    customers: pd.DataFrame
    """One row per customer at risk, detractors (worst group) with the highest CLV first:
    ``customer_id, reason, worst, open_cases, overdue_cases, score, touchpoint, theme,
    segment, country, clv, p_alive, email``."""
    summary: pd.DataFrame
    """``part`` (worst, open_case, overdue_case, all), customers, clv (with low/high), share
    of all customers' CLV."""
    breakdowns: pd.DataFrame
    """``dimension, value, customers, worst, with_case, clv, clv_low, clv_high, share``, by
    segment, touchpoint, theme (when comments were analysed) and country, largest first."""
    total_clv: float


def revenue_at_risk(
    risk: pd.DataFrame,
    clv: pd.DataFrame,
    sensitivity: ClvSensitivity,
    positions: np.ndarray,
) -> RevenueAtRisk:
    """Totals, breakdowns and the audience from the at-risk customers.

    ``clv`` is the per-customer CLV frame (customer_id, clv, p_alive); ``sensitivity``
    covers the CLV rows at ``positions`` (one per row of ``clv``, -1 where the
    sensitivity has no row).
    """
    index = pd.Series(np.arange(len(clv)), index=clv["customer_id"].to_numpy())
    at = index.reindex(risk["customer_id"].to_numpy()).to_numpy()
    has_clv = ~np.isnan(at)
    rows = np.where(has_clv, at, 0).astype(int)
    frame = risk.copy()
    frame["clv"] = np.where(has_clv, clv["clv"].to_numpy(float)[rows], 0.0)
    frame["p_alive"] = np.where(has_clv, clv["p_alive"].to_numpy(float)[rows], np.nan)
    frame["touchpoint"] = frame["touchpoint"].fillna(NO_ANSWER)
    if "theme" in frame:
        frame["theme"] = frame["theme"].fillna(NO_ANSWER)
    frame["country"] = frame["country"].fillna(UNKNOWN)
    frame["reason"] = [
        "+".join(
            r for r, on in (("worst", w), ("overdue_case", od > 0), ("open_case", oc > od)) if on
        )
        for w, oc, od in zip(
            frame["worst"], frame["open_cases"], frame["overdue_cases"], strict=True
        )
    ]
    # the sensitivity's rows in the at-risk frame's order
    sens_rows = np.where(has_clv, positions[rows], -1)

    def weights(mask: np.ndarray) -> np.ndarray:
        w = np.zeros(sensitivity.gradient.shape[0])
        picked = sens_rows[mask & (sens_rows >= 0)]
        np.add.at(w, picked, 1.0)
        return w

    total_clv = float(clv["clv"].sum())

    def interval_row(mask: np.ndarray) -> dict[str, float]:
        interval = total_interval(
            float(frame["clv"].to_numpy()[mask].sum()),
            sensitivity.parameter_variance(weights(mask)),
        )
        total = interval.value
        return {
            "customers": int(mask.sum()),
            "clv": total,
            "clv_low": interval.low,
            "clv_high": interval.high,
            "share": total / total_clv if total_clv > 0 else np.nan,
        }

    worst = frame["worst"].to_numpy() > 0
    open_case = frame["open_cases"].to_numpy() > 0
    overdue = frame["overdue_cases"].to_numpy() > 0
    summary = pd.DataFrame(
        [
            {"part": part, **interval_row(mask)}
            for part, mask in (
                ("worst", worst),
                ("open_case", open_case),
                ("overdue_case", overdue),
                ("all", np.ones(len(frame), dtype=bool)),
            )
        ]
    )
    breakdowns = []
    for dim in DIMENSIONS:
        if dim not in frame:
            continue
        values = frame[dim].astype(str).to_numpy()
        rows_out = []
        for value in pd.unique(values):
            mask = values == value
            rows_out.append(
                {
                    "value": value,
                    "worst": int((mask & worst).sum()),
                    "with_case": int((mask & open_case).sum()),
                    **interval_row(mask),
                }
            )
        part = pd.DataFrame(rows_out).sort_values("clv", ascending=False)
        breakdowns.append(part.assign(dimension=dim))
    ordered = frame.sort_values(["worst", "clv"], ascending=[False, False]).reset_index(drop=True)
    cols = [
        "customer_id", "reason", "worst", "open_cases", "overdue_cases", "score", "touchpoint",
        *(["theme"] if "theme" in ordered else []), "segment", "country", "clv", "p_alive", "email",
    ]  # fmt: skip
    columns = ["dimension", "value", "customers", "worst", "with_case", "clv", "clv_low",
               "clv_high", "share"]  # fmt: skip
    long = (
        pd.concat(breakdowns, ignore_index=True)[columns]
        if breakdowns
        else pd.DataFrame(columns=columns)
    )
    return RevenueAtRisk(ordered[cols], summary, long, total_clv)
