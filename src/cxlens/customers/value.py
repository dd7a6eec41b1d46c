"""Predictive CLV and probability alive for the workspace's customers.

The purchase summary is computed in the warehouse (:mod:`cxlens.customers.summary`);
only the fitting and the per-customer formulas run in Python (:mod:`cxlens.clv`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlens.clv import (
    BGNBDModel,
    CalibrationHoldout,
    ClvError,
    GammaGammaModel,
    ParetoNBDModel,
    expected_monthly_purchases,
    holdout_report,
)
from cxlens.customers.summary import holdout_split, purchase_summary
from cxlens.errors import CxlensError
from cxlens.periods import parse_date

if TYPE_CHECKING:
    from cxlens.data import WorkspaceData

MODELS: dict[str, type[BGNBDModel] | type[ParetoNBDModel]] = {
    "bgnbd": BGNBDModel,
    "pareto": ParetoNBDModel,
}


Fittable = BGNBDModel | ParetoNBDModel


def purchase_model(name: str) -> Fittable:
    if name not in MODELS:
        raise CxlensError(f"Unknown model '{name}'; use bgnbd or pareto.")
    return MODELS[name]()


def parse_months(text: str | int, option: str = "--horizon") -> int:
    """``12m``, ``1y``, ``2y`` or a bare number of months."""
    raw = str(text).strip().lower()
    try:
        months = int(raw[:-1]) * 12 if raw.endswith("y") else int(raw.removesuffix("m"))
    except ValueError:
        raise CxlensError(
            f"{option} is a number of months like 12m or years like 2y, got {text!r}."
        ) from None
    if months < 1:
        raise CxlensError(f"{option} must be at least one month, got {text!r}.")
    return months


def monthly_rate(annual: float) -> float:
    """The monthly rate that compounds to ``annual`` over twelve months."""
    if not np.isfinite(annual) or annual <= -1:
        raise CxlensError(f"--discount is a yearly rate like 0.1 (10 %), got {annual}.")
    return float((1.0 + annual) ** (1.0 / 12.0) - 1.0)


@dataclass
class ClvResult:
    customers: pd.DataFrame
    """Per customer: the summary, ``p_alive``, ``expected_purchases``, ``expected_spend``, ``clv``.

    ``clv`` is :func:`cxlens.clv.customer_lifetime_value`: expected purchases in each
    month of the horizon, discounted monthly, times the expected spend per purchase.
    """
    purchase_model: Fittable
    spend_model: GammaGammaModel
    as_of: date
    horizon_months: int
    annual_discount: float
    holdout: pd.DataFrame | None = None
    #: with a holdout check: the purchase model fitted on the calibration period only,
    #: the fit whose forecast ``holdout`` judges (``purchase_model`` uses all the data)
    calibration_model: Fittable | None = None

    def totals(self) -> dict[str, float]:
        c = self.customers
        return {
            "customers": float(len(c)),
            "clv_total": float(c["clv"].sum()),
            "clv_mean": float(c["clv"].mean()),
            "clv_median": float(c["clv"].median()),
            "expected_purchases": float(c["expected_purchases"].sum()),
            "p_alive_mean": float(c["p_alive"].mean()),
        }

    def distribution(self, buckets: int = 10) -> pd.DataFrame:
        """Customers in deciles of CLV: bounds, customers, CLV in each and its share."""
        c = self.customers.sort_values("clv", ascending=False).reset_index()
        c["decile"] = np.floor(np.arange(len(c)) * buckets / max(len(c), 1)).astype(int) + 1
        g = c.groupby("decile")["clv"]
        out = pd.DataFrame(
            {"customers": g.size(), "clv_min": g.min(), "clv_max": g.max(), "clv_total": g.sum()}
        )
        total = out["clv_total"].sum()
        out["share"] = out["clv_total"] / total if total else np.nan
        return out.reset_index()


def predict_clv(
    ws: WorkspaceData,
    model: str = "bgnbd",
    horizon_months: int = 12,
    annual_discount: float = 0.1,
    as_of: object = None,
    holdout_months: int = 0,
) -> ClvResult:
    """Fit the purchase and spend models on all customers and value each of them.

    With ``holdout_months``, a second purchase model is fitted on the data up to
    that many months before the end, and its forecast of the purchases in the
    held-out months is compared with what customers actually bought.
    """
    summary = purchase_summary(ws, as_of)
    frame = summary.table.order_by("customer_id").execute().set_index("customer_id")
    x, tx, age, m = (
        frame[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")
    )
    rate = monthly_rate(annual_discount)
    # customers with the same (frequency, recency, T) share every purchase forecast:
    # compute each distinct history once
    histories, back = np.unique(np.column_stack([x, tx, age]), axis=0, return_inverse=True)
    back = back.ravel()
    ux, utx, uage = histories.T
    try:
        purchases = purchase_model(model).fit(x, tx, age)
        spend = GammaGammaModel().fit(x, m)
        monthly = expected_monthly_purchases(
            purchases, ux, utx, uage, time_unit="W", horizon_months=horizon_months
        )
        discount = (1.0 + rate) ** -np.arange(1, horizon_months + 1, dtype=float)
        expected_spend = spend.conditional_expected_spend(x, m)
        frame["p_alive"] = purchases.probability_alive(ux, utx, uage)[back]
        frame["expected_purchases"] = monthly.sum(axis=1)[back]
        frame["expected_spend"] = expected_spend
        frame["clv"] = expected_spend * (monthly @ discount)[back]
    except ClvError as exc:
        raise CxlensError(str(exc)) from exc
    report, calibration = None, None
    if holdout_months:
        report, calibration = _holdout(ws, model, summary.as_of, holdout_months)
    return ClvResult(
        frame.reset_index(),
        purchases,
        spend,
        summary.as_of,
        horizon_months,
        annual_discount,
        report,
        calibration,
    )


def _holdout(
    ws: WorkspaceData, model: str, end: date, months: int
) -> tuple[pd.DataFrame, Fittable]:
    """The forecast-versus-actual report and the model fitted on the calibration period."""
    cal_end = (pd.Timestamp(end) - pd.DateOffset(months=months)).date()
    start = parse_date(cal_end, "calibration end")
    calibration, holdout, weeks = holdout_split(ws, start, end)
    fitted = purchase_model(model)
    try:
        fitted.fit(calibration["frequency"], calibration["recency"], calibration["T"])
    except ClvError as exc:
        raise CxlensError(f"Cannot fit on the calibration period up to {cal_end}: {exc}") from exc
    split = CalibrationHoldout(calibration, holdout, weeks)
    report = holdout_report(fitted, split)
    report.attrs["calibration_end"] = str(cal_end)
    return report.reset_index(), fitted
