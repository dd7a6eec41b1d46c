"""From experience to money: what each answer group is worth and what revenue is at risk.

One call computes both from one CLV fit: the respondents' follow-up and strata in
the warehouse (:mod:`cxlens.value.answers`), CLV and P(alive) from the purchase and
spend models (:func:`cxlens.customers.value.predict_clv`), the groups' worth and
their matched comparison (:mod:`cxlens.value.worth`), and revenue at risk
(:mod:`cxlens.value.risk`), all with intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlens.customers.value import predict_clv
from cxlens.errors import CxlensError
from cxlens.value.answers import answer_base
from cxlens.value.clv_uncertainty import clv_sensitivity
from cxlens.value.risk import at_risk_query, overdue_after, revenue_at_risk
from cxlens.value.worth import group_worth

if TYPE_CHECKING:
    from cxlens.data import WorkspaceData

MIN_RESPONDENTS = 30


@dataclass(frozen=True)
class ValueReport:
    """Frames and plain values only, so that the command line can keep it in its result store."""

    kind: str
    groups: pd.DataFrame
    """Outcomes per answer group (see :class:`cxlens.value.worth.GroupWorth`)."""
    comparisons: pd.DataFrame
    """Groups compared within strata (see :class:`cxlens.value.worth.GroupWorth`)."""
    risk_summary: pd.DataFrame
    """Revenue at risk: ``part`` (worst, open_case, overdue_case, all) with CLV and interval."""
    risk_customers: pd.DataFrame
    """The customers at risk, detractors with the highest CLV first."""
    risk_breakdowns: pd.DataFrame
    """Revenue at risk by ``dimension`` (segment, touchpoint, theme, country) and ``value``."""
    total_clv: float
    """All customers' predicted CLV over the horizon."""
    as_of: date
    answered_until: date
    """Answers up to this day have a complete follow-up and enter the worth table."""
    follow_up_days: int
    horizon_months: int
    model: str
    respondents: int
    overdue_hours: float
    clv_converged: bool
    """False when a CLV model's fit stopped at a parameter bound: its CLV intervals
    then cover the sampling of customers only, and totals have none."""

    def breakdown(self, dimension: str) -> pd.DataFrame:
        """Revenue at risk by one dimension (segment, touchpoint, theme or country)."""
        part = self.risk_breakdowns[self.risk_breakdowns["dimension"] == dimension]
        return part.drop(columns="dimension").reset_index(drop=True)


def value_report(
    ws: WorkspaceData,
    kind: str = "nps",
    follow_up_days: int = 90,
    horizon_months: int = 12,
    model: str = "bgnbd",
    discount: float = 0.1,
    as_of: object = None,
    start: object = None,
    overdue: str | None = None,
) -> ValueReport:
    """Worth per answer group and revenue at risk; see the module docstring."""
    base = answer_base(ws, kind, follow_up_days, as_of, start)
    frame = base.table.order_by("customer_id").execute()
    if len(frame) < MIN_RESPONDENTS:
        raise CxlensError(
            f"Experience value needs at least {MIN_RESPONDENTS} customers whose {kind.upper()}"
            f" answer is at least {follow_up_days} days old (answered by {base.answered_until});"
            f" there are {len(frame)}. Use a shorter --follow-up or wait for more answers."
        )
    late = overdue_after(ws, overdue)
    clv = predict_clv(ws, model, horizon_months, discount, base.as_of)
    risk = at_risk_query(ws, base.grouping, base.as_of, late).execute()
    customers = clv.customers
    ids = customers["customer_id"]
    needed = (ids.isin(frame["customer_id"]) | ids.isin(risk["customer_id"])).to_numpy()
    sensitivity = clv_sensitivity(clv, needed)
    positions = np.full(len(customers), -1)
    positions[needed] = np.arange(int(needed.sum()))
    index = pd.Series(np.arange(len(customers)), index=ids.to_numpy())
    at = index.reindex(frame["customer_id"].to_numpy()).to_numpy()
    found = ~np.isnan(at)
    rows = np.where(found, at, 0).astype(int)
    frame["p_alive"] = np.where(found, customers["p_alive"].to_numpy(float)[rows], np.nan)
    frame["clv"] = np.where(found, customers["clv"].to_numpy(float)[rows], np.nan)
    frame_positions = np.where(found, positions[rows], -1)

    def parameter_variance(weights: np.ndarray) -> float:
        if not sensitivity.converged:
            return 0.0
        w = np.zeros(sensitivity.gradient.shape[0])
        usable = frame_positions >= 0
        np.add.at(w, frame_positions[usable], weights[usable])
        return sensitivity.parameter_variance(w)

    worth = group_worth(frame, base.grouping, parameter_variance)
    at_risk = revenue_at_risk(
        risk, customers[["customer_id", "clv", "p_alive"]], sensitivity, positions
    )
    return ValueReport(
        kind,
        worth.groups,
        worth.comparisons,
        at_risk.summary,
        at_risk.customers,
        at_risk.breakdowns,
        at_risk.total_clv,
        base.as_of,
        base.answered_until,
        follow_up_days,
        horizon_months,
        model,
        len(frame),
        late.total_seconds() / 3600.0,
        sensitivity.converged,
    )
