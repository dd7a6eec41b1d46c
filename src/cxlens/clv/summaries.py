"""Per-customer frequency / recency / T / monetary summaries from a transactions table.

This pandas version is for tests and small data; the warehouse computes the same
summary with Ibis.  The definitions below are the contract both must keep:

* A **period** is the calendar day (``freq="D"``) or the ISO week starting on
  Monday (``freq="W"``) that contains a transaction, in the timestamps' own
  time zone.  Transactions in the same period count as one purchase whose amount
  is their sum.
* Transactions in periods after the period of ``observation_end`` are ignored;
  the whole period of ``observation_end`` is included.
* ``frequency`` = number of distinct purchase periods after the first one
  (repeat purchases).
* ``recency`` = time from the start of the first purchase period to the start of
  the last one (0 without repeat purchases).
* ``T`` = time from the start of the first purchase period to the start of the
  period of ``observation_end``.
* ``monetary_value`` = mean amount of the repeat purchase periods (the first
  period's amount is left out); 0 when ``frequency == 0``.
* Times are in ``time_unit`` (``"D"`` days or ``"W"`` weeks of 7 days), which
  defaults to ``freq``.  Counting days but measuring in weeks (``freq="D"``,
  ``time_unit="W"``) is how the CDNOW summary of Fader, Hardie & Lee (2005) was made.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from cxlens.clv.base import ClvDataError

Freq = Literal["D", "W"]
DAYS_PER_UNIT: dict[str, float] = {"D": 1.0, "W": 7.0}
SUMMARY_COLUMNS = ["frequency", "recency", "T", "monetary_value"]


def check_unit(name: str, value: str) -> None:
    if value not in DAYS_PER_UNIT:
        raise ClvDataError(f"'{name}' must be 'D' (days) or 'W' (weeks), got {value!r}.")


def period_start(ts: pd.Series, freq: str) -> pd.Series:
    """Start of the day or of the Monday-based week that holds each timestamp."""
    day = ts.dt.floor("D")
    if freq == "D":
        return day
    return day - pd.to_timedelta(day.dt.dayofweek, unit="D")


def as_timestamp(value: object, like: pd.Series, name: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ClvDataError(f"'{name}' is not a date or timestamp: {value!r}.") from exc
    tz = like.dt.tz
    if stamp.tzinfo is None and tz is not None:
        stamp = stamp.tz_localize(tz)
    elif stamp.tzinfo is not None and tz is None:
        raise ClvDataError(
            f"'{name}' ({stamp}) has a time zone but the transaction timestamps have none."
        )
    elif stamp.tzinfo is not None:
        stamp = stamp.tz_convert(tz)
    return stamp


def prepare_transactions(
    df: pd.DataFrame, customer_id_col: str, ts_col: str, amount_col: str
) -> pd.DataFrame:
    """Check the columns and return ``customer_id, ts, amount`` with parsed timestamps."""
    missing = [c for c in (customer_id_col, ts_col, amount_col) if c not in df.columns]
    if missing:
        raise ClvDataError(
            f"The transactions table has no column(s) {', '.join(map(repr, missing))};"
            f" it has {', '.join(map(repr, df.columns))}."
        )
    ts = pd.to_datetime(df[ts_col], errors="coerce")
    amount = pd.to_numeric(df[amount_col], errors="coerce")
    problems = []
    for label, bad in (
        (f"'{ts_col}' is missing or not a timestamp", ts.isna().to_numpy()),
        (
            f"'{amount_col}' is missing or not a finite number",
            ~np.isfinite(amount.to_numpy(dtype=float, na_value=np.nan)),
        ),
        (f"'{customer_id_col}' is missing", df[customer_id_col].isna().to_numpy()),
    ):
        if bad.any():
            rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad)[:5])
            problems.append(f"{label} in {int(bad.sum())} row(s) (row {rows})")
    if problems:
        raise ClvDataError(
            f"Cannot summarise {len(df)} transaction(s):\n"
            + "\n".join(f"  - {p}" for p in problems),
            problems,
        )
    return pd.DataFrame(
        {"customer_id": df[customer_id_col].to_numpy(), "ts": ts, "amount": amount.to_numpy()}
    )


def purchase_periods(tx: pd.DataFrame, freq: str) -> pd.DataFrame:
    """One row per customer and purchase period: ``customer_id, period, amount``."""
    periods = tx.assign(period=period_start(tx["ts"], freq))
    return periods.groupby(["customer_id", "period"], sort=True)["amount"].sum().reset_index()


def summarise_periods(
    periods: pd.DataFrame, end_period: pd.Timestamp, time_unit: str
) -> pd.DataFrame:
    """The RFM summary from :func:`purchase_periods` output cut at ``end_period``."""
    kept = periods[periods["period"] <= end_period]
    grouped = kept.groupby("customer_id", sort=True)
    first = grouped["period"].min()
    last = grouped["period"].max()
    count = grouped["period"].size()
    total = grouped["amount"].sum()
    first_amount = kept.sort_values("period").groupby("customer_id", sort=True)["amount"].first()
    unit = np.timedelta64(1, "D") * DAYS_PER_UNIT[time_unit]
    frequency = (count - 1).astype(float)
    repeat_total = total - first_amount
    monetary = (repeat_total / frequency.where(frequency > 0)).fillna(0.0)
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first).to_numpy() / unit,
            "T": (end_period - first).to_numpy() / unit,
            "monetary_value": monetary.astype(float),
        }
    )
    out.index.name = "customer_id"
    return out


def summary_from_transactions(
    df: pd.DataFrame,
    customer_id_col: str = "customer_id",
    ts_col: str = "ts",
    amount_col: str = "amount",
    observation_end: object = None,
    freq: Freq = "D",
    *,
    time_unit: Freq | None = None,
) -> pd.DataFrame:
    """Per-customer ``frequency, recency, T, monetary_value`` (see the module docstring).

    ``observation_end`` defaults to the last transaction's timestamp.  The result
    is indexed by customer id and sorted by it.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "ts": ["2025-01-01", "2025-01-01", "2025-01-08", "2025-01-05"],
    ...                    "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> summary_from_transactions(tx, observation_end="2025-01-15")
                 frequency  recency     T  monetary_value
    customer_id
    a                  1.0      7.0  14.0            20.0
    b                  0.0      0.0  10.0             0.0
    """
    check_unit("freq", freq)
    unit = freq if time_unit is None else time_unit
    check_unit("time_unit", unit)
    tx = prepare_transactions(df, customer_id_col, ts_col, amount_col)
    if tx.empty:
        raise ClvDataError("Cannot summarise transactions: the table has no rows.")
    end = (
        tx["ts"].max()
        if observation_end is None
        else as_timestamp(observation_end, tx["ts"], "observation_end")
    )
    end_period = period_start(pd.Series([end]), freq).iloc[0]
    periods = purchase_periods(tx, freq)
    summary = summarise_periods(periods, end_period, unit)
    if summary.empty:
        raise ClvDataError(
            f"Cannot summarise transactions: all {len(tx)} transaction(s) are after"
            f" observation_end ({end})."
        )
    return summary
