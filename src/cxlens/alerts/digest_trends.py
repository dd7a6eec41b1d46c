"""The digest's trends and new themes.

**Trends.** Each of the digest's KPIs over its last :data:`TREND_PERIODS` days or
weeks (:func:`trend_frame`): drawn as a chart (:mod:`cxlens.alerts.digest_charts`),
and as a *sparkline* of text for the plain-text part and wherever no chart can be
drawn: one block character per period, from ``▁`` (the lowest value of the series)
to ``█`` (its highest), a middle dot for a period without data.

**New themes.** The themes of the period's analysed comments (``cxlens text analyse``)
that were rare before: a theme counts when the period has at least
:data:`MIN_COMMENTS` comments of it and that many is unlikely at its share of the
:data:`BASELINE_DAYS` days before the period. With ``k`` of the period's ``n``
themed comments and ``k₀`` of the baseline's ``n₀``, the baseline share is taken
as ``p₀ = (k₀ + ½) / (n₀ + 1)`` (so an unseen theme is rare, not impossible), and
the theme is new when the one-sided binomial tail ``P(X ≥ k | n, p₀)`` is below
:data:`NEW_THEME_P` and ``p₀`` is below :data:`RARE_SHARE`.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cxlens.periods import label as period_label

if TYPE_CHECKING:
    import pandas as pd

    from cxlens.data import WorkspaceData

TREND_PERIODS = 8
TREND_COLUMNS = ("metric", "period", "value", "ci_low", "ci_high", "n", "unit", "small_sample")
BLOCKS = "▁▂▃▄▅▆▇█"
MISSING = "·"
BASELINE_DAYS = 90
MIN_COMMENTS = 2
NEW_THEME_P = 0.05
RARE_SHARE = 0.05


def sparkline(values: list[float | None]) -> str:
    """One block per value, scaled from the series' lowest to its highest.

    >>> sparkline([1.0, 2.0, None, 4.0, 4.0])
    '▁▃·██'
    """
    known = [v for v in values if v is not None and not math.isnan(v)]
    if not known:
        return MISSING * len(values)
    low, high = min(known), max(known)
    top = len(BLOCKS) - 1
    out = []
    for v in values:
        if v is None or math.isnan(v):
            out.append(MISSING)
        elif high == low:
            out.append(BLOCKS[top // 2])
        else:
            out.append(BLOCKS[round((v - low) / (high - low) * top)])
    return "".join(out)


def trend_periods(every: str, last: date) -> list[tuple[date, str]]:
    """The first day and label of the :data:`TREND_PERIODS` days or weeks ending with the
    one that starts on ``last`` (a Monday for weeks), oldest first."""
    step = timedelta(days=1 if every == "day" else 7)
    firsts = [last - step * i for i in range(TREND_PERIODS - 1, -1, -1)]
    return [(d, period_label(d, every)) for d in firsts]


def trend_frame(
    ws: WorkspaceData, metrics: tuple[str, ...], every: str, first: date, last: date
) -> pd.DataFrame:
    """One row per metric and period of :func:`trend_periods`, oldest first: the KPI engine's
    ``metric``, ``period``, ``value``, ``ci_low``, ``ci_high``, ``n``, ``unit`` and
    ``small_sample``; a period without data has no value (NaN) and n 0."""
    import pandas as pd

    from cxlens.metrics.engine import kpi

    periods = trend_periods(every, first)
    frame = kpi(ws, list(metrics), period=every, start=periods[0][0], end=last)
    rows = []
    for metric in metrics:
        found = {str(r["period"]): r for r in frame[frame["metric"] == metric].to_dict("records")}
        for _, lbl in periods:
            r = found.get(lbl, {})
            value = _float(r.get("value"))
            known = not math.isnan(value)
            rows.append(
                {
                    "metric": metric, "period": lbl, "value": value,
                    "ci_low": _float(r.get("ci_low")) if known else math.nan,
                    "ci_high": _float(r.get("ci_high")) if known else math.nan,
                    "n": int(r.get("n") or 0) if known else 0,
                    "unit": r.get("unit"),
                    "small_sample": bool(r.get("small_sample")) if known else False,
                }
            )  # fmt: skip
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def _float(v: Any) -> float:
    return math.nan if v is None else float(v)


def trend_values(frame: pd.DataFrame) -> dict[str, list[float | None]]:
    """Each metric's values of a :func:`trend_frame`, oldest first (None without data)."""
    return {
        str(metric): [None if v != v else float(v) for v in part["value"]]
        for metric, part in frame.groupby("metric", sort=False)
    }


def trends(
    ws: WorkspaceData, metrics: tuple[str, ...], every: str, first: date, last: date
) -> dict[str, list[float | None]]:
    """Each metric's value per period of :func:`trend_periods` (None without data)."""
    return trend_values(trend_frame(ws, metrics, every, first, last))


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p)."""
    from scipy.stats import binom

    return float(binom.sf(k - 1, n, p))


def new_themes(
    ws: WorkspaceData, start: datetime, end: datetime, limit: int = 3
) -> list[dict[str, Any]]:
    """The themes of [start, end) that were rare in the :data:`BASELINE_DAYS` before (see the
    module docstring), most surprising first: theme, count, n, count and n before, p, a
    comment."""
    if not ws.warehouse.exists("responses"):
        return []
    r = ws.table("responses")
    if "theme" not in r.columns:
        return []
    since = start - timedelta(days=BASELINE_DAYS)
    r = r.filter(r.theme.notnull() & r.comment.notnull() & (r.ts >= since) & (r.ts < end))
    frame = r.select("theme", "ts", "comment").execute()
    if frame.empty:
        return []
    ts = frame["ts"]
    ts = ts.dt.tz_localize("UTC") if ts.dt.tz is None else ts.dt.tz_convert("UTC")
    now_part = (ts >= start.astimezone(UTC)).to_numpy()
    current, before = frame[now_part], frame[~now_part]
    n, n0 = len(current), len(before)
    found: list[dict[str, Any]] = []
    for theme, k in current["theme"].value_counts().items():
        k0 = int((before["theme"] == theme).sum())
        p0 = (k0 + 0.5) / (n0 + 1)
        if int(k) < MIN_COMMENTS or p0 >= RARE_SHARE:
            continue
        p = binomial_tail(int(k), n, p0)
        if p < NEW_THEME_P:
            example = current.loc[current["theme"] == theme, "comment"].iloc[0]
            found.append(
                {
                    "theme": str(theme), "count": int(k), "n": n, "before": k0, "n_before": n0,
                    "p": p, "comment": str(example)[:200],
                }
            )  # fmt: skip
    found.sort(key=lambda t: (t["p"], -t["count"], t["theme"]))
    return found[:limit]
