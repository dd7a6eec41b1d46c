"""The marketing-mix model on a workspace: weekly table, fit, response curves and a budget split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxlens.marketing.budget import DEFAULT_CHANGE, parse_limits, reallocate
from cxlens.marketing.mmm import MIN_WEEKS_PER_PARAMETER, fit_mix
from cxlens.marketing.weekly import weekly_table

if TYPE_CHECKING:
    import pandas as pd

    from cxlens.data import WorkspaceData


@dataclass(frozen=True)
class MixReport:
    """Frames and plain values only, so that the command line can keep it in its result store."""

    outcome: str
    weekly: pd.DataFrame
    """The weekly table the model was fitted to (``week``, ``outcome``, spend per channel)."""
    channels: pd.DataFrame
    """Per channel: parameters, contribution, returns, each with an interval
    (:meth:`cxlens.marketing.mmm.MixModel.channel_table`)."""
    curves: pd.DataFrame
    """Response curves (:meth:`cxlens.marketing.mmm.MixModel.curves`)."""
    budget: pd.DataFrame
    """The suggested weekly split (:class:`cxlens.marketing.budget.Reallocation`)."""
    weekly_budget: float
    budget_change: float
    """Expected change of the outcome per week with the suggested split."""
    budget_change_low: float
    budget_change_high: float
    r2: float
    mape: float
    weeks: int
    parameters: int
    min_weeks_per_parameter: float
    seasonal: bool
    bootstrap: int


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
    return MixReport(
        outcome, weekly, model.channel_table(), model.curves(), split.table, split.budget,
        split.change, split.change_low, split.change_high, model.r2, model.mape,
        model.sufficiency.weeks, model.sufficiency.parameters, min_weeks_per_parameter,
        model.seasonal, bootstrap,
    )  # fmt: skip
