"""Calibration / holdout validation of a purchase model, as in Fader, Hardie & Lee (2005a).

The transactions are cut at ``calibration_end``: the summary up to it fits the
model, and the purchases in ``(calibration_end, observation_end]`` are what the
model has to predict.  Only customers whose first purchase is in the calibration
period are kept (the model says nothing about customers it has not seen).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlens.clv.base import ClvDataError, PurchaseModel
from cxlens.clv.summaries import (
    DAYS_PER_UNIT,
    Freq,
    as_timestamp,
    check_unit,
    period_start,
    prepare_transactions,
    purchase_periods,
    summarise_periods,
)


@dataclass(frozen=True)
class CalibrationHoldout:
    """A calibration summary and what the same customers did in the holdout period."""

    calibration: pd.DataFrame
    """``frequency, recency, T, monetary_value`` per customer at ``calibration_end``."""
    holdout_purchases: pd.Series
    """Purchase periods per customer in ``(calibration_end, observation_end]`` (same index)."""
    holdout_length: float
    """Length of the holdout period in the summary's time unit."""


def calibration_holdout_split(
    transactions: pd.DataFrame,
    calibration_end: object,
    observation_end: object,
    *,
    customer_id_col: str = "customer_id",
    ts_col: str = "ts",
    amount_col: str = "amount",
    freq: Freq = "D",
    time_unit: Freq | None = None,
) -> CalibrationHoldout:
    """Split transactions into a calibration summary and holdout purchase counts.

    Periods, frequency and times follow :func:`cxlens.clv.summary_from_transactions`;
    holdout purchases are counted as distinct purchase periods, like frequency.
    """
    check_unit("freq", freq)
    unit = freq if time_unit is None else time_unit
    check_unit("time_unit", unit)
    tx = prepare_transactions(transactions, customer_id_col, ts_col, amount_col)
    if tx.empty:
        raise ClvDataError("Cannot split transactions: the table has no rows.")
    cal_end = as_timestamp(calibration_end, tx["ts"], "calibration_end")
    obs_end = as_timestamp(observation_end, tx["ts"], "observation_end")
    cal_period, obs_period = period_start(pd.Series([cal_end, obs_end]), freq)
    if obs_period <= cal_period:
        raise ClvDataError(
            f"observation_end ({obs_end}) must fall in a later period than"
            f" calibration_end ({cal_end})."
        )
    periods = purchase_periods(tx, freq)
    calibration = summarise_periods(periods, cal_period, unit)
    if calibration.empty:
        raise ClvDataError(
            f"No customer made a purchase up to calibration_end ({cal_end});"
            f" the first of {len(tx)} transaction(s) is on {tx['ts'].min()}."
        )
    later = periods[(periods["period"] > cal_period) & (periods["period"] <= obs_period)]
    counts = later.groupby("customer_id").size()
    holdout = counts.reindex(calibration.index, fill_value=0).astype(float)
    holdout.name = "holdout_purchases"
    length = (obs_period - cal_period) / pd.Timedelta(days=DAYS_PER_UNIT[unit])
    return CalibrationHoldout(calibration, holdout, float(length))


def holdout_report(
    model: PurchaseModel, split: CalibrationHoldout, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Predicted versus actual holdout purchases, by calibration frequency and overall.

    Rows ``"0"`` ... ``"6"``, ``"7+"`` (with the default ``max_frequency``) group
    customers by their calibration frequency; the last row ``"all"`` is the
    aggregate.  Columns: ``customers``, ``actual_mean`` and ``predicted_mean``
    (per customer, the "conditional expectations" plot of FHL 2005a),
    ``actual_total``, ``predicted_total``, and ``error_pct`` (predicted total
    relative to actual, in percent).
    """
    cal = split.calibration
    predicted = model.conditional_expected_purchases(
        split.holdout_length, cal["frequency"], cal["recency"], cal["T"]
    )
    actual = split.holdout_purchases.reindex(cal.index).to_numpy(dtype=float)
    x = cal["frequency"].to_numpy(dtype=float)
    labels = [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]
    bucket = np.minimum(x, max_frequency).astype(int)
    rows = []
    for k, label in enumerate(labels):
        mask = bucket == k
        rows.append((label, mask))
    rows.append(("all", np.ones(x.size, dtype=bool)))
    records = []
    for label, mask in rows:
        n = int(mask.sum())
        act = float(actual[mask].sum())
        pred = float(predicted[mask].sum())
        records.append(
            {
                "frequency": label,
                "customers": n,
                "actual_mean": act / n if n else np.nan,
                "predicted_mean": pred / n if n else np.nan,
                "actual_total": act,
                "predicted_total": pred,
                "error_pct": 100.0 * (pred - act) / act if act > 0 else np.nan,
            }
        )
    return pd.DataFrame.from_records(records).set_index("frequency")
