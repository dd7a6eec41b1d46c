"""What the journey analyses return: data frames and plain values.

These types import nothing but pandas, so a command that answers from the
workspace's result store rebuilds them without loading the engine (Ibis) or the
statistics (SciPy). The analyses themselves live in their own modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: how :func:`cxlens.journeys.drivers.drivers` decomposes the R²
DRIVER_METHOD = (
    "Shapley decomposition of the R² of a least-squares regression (LMG), "
    "95% bootstrap intervals, partial F tests"
)


@dataclass(frozen=True)
class Funnel:
    """Customers at each step with conversion, intervals and time between steps."""

    table: pd.DataFrame
    steps: list[str]
    order: str
    window_hours: float
    by: str | None


@dataclass(frozen=True)
class PathReport:
    """The most common session paths and their Sankey nodes and links."""

    sequences: pd.DataFrame
    """``sequence`` (touchpoints joined by →), ``steps``, ``sessions``, ``share``."""
    nodes: pd.DataFrame
    """``id, step, touchpoint, sessions``."""
    links: pd.DataFrame
    """``source, target, sessions`` (node ids)."""
    sessions: int

    def sankey(self) -> dict[str, object]:
        return {
            "sessions": self.sessions,
            "nodes": self.nodes.to_dict(orient="records"),
            "links": self.links.to_dict(orient="records"),
        }


@dataclass(frozen=True)
class Attribution:
    """Each model's credit per channel, with the totals the credits share out."""

    table: pd.DataFrame
    """``model, channel, conversions, value`` with ``conversions_low/high`` and ``value_low/high``
    (95 % bootstrap intervals), ``rank`` (channels whose intervals overlap share one) and
    ``removal_effect`` (markov)."""
    conversions: int
    value: float
    touched_conversions: int
    null_paths: int
    conversion_probability: float | None
    bootstrap: int = 0


@dataclass(frozen=True)
class DriverReport:
    """Key drivers of NPS: importance with intervals, sign and test per driver."""

    table: pd.DataFrame
    """One row per driver; ``driver`` is the English name, ``key`` and ``touchpoint`` name it in any language."""
    r2: float
    respondents: int
    method: str = DRIVER_METHOD
