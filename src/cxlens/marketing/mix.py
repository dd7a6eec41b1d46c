"""The marketing-mix model on a workspace: weekly table, fit, response curves and a budget split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxlens.marketing.budget import DEFAULT_CHANGE, Reallocation, parse_limits, reallocate
from cxlens.marketing.mmm import MIN_WEEKS_PER_PARAMETER, MixModel, fit_mix
from cxlens.marketing.weekly import weekly_table

if TYPE_CHECKING:
    import pandas as pd

    from cxlens.data import WorkspaceData


@dataclass(frozen=True)
class MixReport:
    weekly: pd.DataFrame
    """The weekly table the model was fitted to (``week``, ``outcome``, spend per channel)."""
    model: MixModel
    channels: pd.DataFrame
    curves: pd.DataFrame
    reallocation: Reallocation


def marketing_mix(
    ws: WorkspaceData,
    outcome: str = "revenue",
    channels: list[str] | None = None,
    start: object = None,
    end: object = None,
    bootstrap: int = 100,
    seed: int = 0,
    change: float = DEFAULT_CHANGE,
    limits: list[str] | None = None,
    budget: float | None = None,
    min_weeks_per_parameter: float = MIN_WEEKS_PER_PARAMETER,
) -> MixReport:
    """Fit the weekly marketing-mix model and suggest a budget split within the limits."""
    weekly = weekly_table(ws, outcome, channels, start, end)
    model = fit_mix(
        weekly, outcome, channels, bootstrap, seed, min_weeks_per_parameter=min_weeks_per_parameter
    )
    split = reallocate(model, change, parse_limits(limits or [], model.channels), budget)
    return MixReport(weekly, model, model.channel_table(), model.curves(), split)
