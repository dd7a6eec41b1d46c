"""Budget reallocation within limits: the weekly split of spend the fitted response curves favour.

Starting from the current weekly spend per channel (the mean of the last weeks), the
suggestion maximises the summed steady-state response ``Σ β_c h(x_c)`` (see
:mod:`cxlens.marketing.mmm`) subject to

* the same total weekly budget (or the one given),
* each channel within its limits: by default 30 % less to 30 % more than now;
  ``limits`` set other factors per channel (``{"video": (0, 1)}``: cut at will,
  never raise).

It is solved by SLSQP with the analytic gradient (the channels' marginal returns),
from the current split and from an even one. The expected change of the outcome per
week comes with the interval of the same change under every bootstrap refit; a
suggestion is only as good as the curves, and spend levels the data never saw are
extrapolation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from cxlens.errors import CxlensError
from cxlens.marketing.mmm import MixModel
from cxlens.stats.resampling import percentile_interval

DEFAULT_CHANGE = 0.3
RECENT_WEEKS = 13


@dataclass(frozen=True)
class Reallocation:
    table: pd.DataFrame
    """Per channel: ``current, suggested, low_limit, high_limit, response_now, response_then``."""
    budget: float
    change: float
    """Expected change of the outcome per week."""
    change_low: float
    change_high: float


def parse_limits(texts: list[str], channels: list[str]) -> dict[str, tuple[float, float]]:
    """``["video=0:1", "search=0.5:2"]`` as factors of the current spend per channel."""
    out: dict[str, tuple[float, float]] = {}
    for text in texts:
        name, sep, span = text.partition("=")
        lo, colon, hi = span.partition(":")
        try:
            factors = (float(lo), float(hi))
        except ValueError:
            factors = (-1.0, -1.0)
        if not sep or not colon or factors[0] < 0 or factors[1] < factors[0]:
            raise CxlensError(
                f"--limit takes CHANNEL=LOW:HIGH, factors of today's spend like search=0.5:2,"
                f" got {text!r}."
            )
        if name not in channels:
            raise CxlensError(
                f"--limit names '{name}', which is not a modelled channel ({', '.join(channels)})."
            )
        out[name] = factors
    return out


def reallocate(
    model: MixModel,
    change: float = DEFAULT_CHANGE,
    limits: dict[str, tuple[float, float]] | None = None,
    budget: float | None = None,
    recent_weeks: int = RECENT_WEEKS,
) -> Reallocation:
    """The weekly split of ``budget`` (default: today's total) that the curves favour, within limits."""
    if not change >= 0:
        raise CxlensError(f"--change is a share of today's spend like 0.3, got {change}.")
    current = model.spend[-recent_weeks:].mean(axis=0)
    lo, hi = current * max(1.0 - change, 0.0), current * (1.0 + change)
    for name, (a, b) in (limits or {}).items():
        j = model.channels.index(name)
        lo[j], hi[j] = current[j] * a, current[j] * b
    total = float(current.sum()) if budget is None else float(budget)
    if not lo.sum() - 1e-9 <= total <= hi.sum() + 1e-9:
        raise CxlensError(
            f"A weekly budget of {total:,.2f} cannot be split within the limits: they allow"
            f" {lo.sum():,.2f} to {hi.sum():,.2f}. Widen --change or --limit, or change --budget."
        )
    point = model.point

    def negative(x: np.ndarray) -> tuple[float, np.ndarray]:
        return -float(model.response(point, x).sum()), -model.marginal(point, x)

    constraint = {
        "type": "eq",
        "fun": lambda x: float(x.sum() - total),
        "jac": lambda x: np.ones_like(x),
    }
    bounds = list(zip(lo, hi, strict=True))
    even = np.clip(np.full(current.size, total / max(current.size, 1)), lo, hi)
    best = None
    for start in (np.clip(current * total / max(current.sum(), 1e-12), lo, hi), even):
        result = optimize.minimize(
            negative, start, jac=True, method="SLSQP", bounds=bounds,
            constraints=[constraint], options={"maxiter": 500, "ftol": 1e-12},
        )  # fmt: skip
        if result.success and (best is None or result.fun < best.fun):
            best = result
    suggested = np.clip(best.x, lo, hi) if best is not None else current.copy()
    now, then = model.response(point, current), model.response(point, suggested)
    gains = [
        float(model.response(d, suggested).sum() - model.response(d, current).sum())
        for d in model.draws
    ]
    gain = percentile_interval(float(then.sum() - now.sum()), gains)
    table = pd.DataFrame(
        {
            "channel": model.channels,
            "current": current,
            "suggested": suggested,
            "low_limit": lo,
            "high_limit": hi,
            "response_now": now,
            "response_then": then,
        }
    )
    return Reallocation(table, total, gain.value, gain.low, gain.high)
