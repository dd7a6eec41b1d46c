"""How a metric reads the warehouse: sources of named aggregates, and how they become a value.

Each metric id in the catalog maps to one function returning a :class:`Measure`.
A measure names, for each table it reads, the row filter, the time column that
places a row in a period and the aggregates it needs (counts and sums, the
sufficient statistics of its interval). All of it is Ibis expressions; nothing
here knows which engine runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir

Filter = Callable[["ir.Table"], "ir.BooleanValue"]
Aggregates = Callable[["ir.Table"], dict[str, "ir.Scalar"]]


@dataclass(frozen=True)
class Source:
    """One table's part of a metric."""

    table: str
    time: str
    aggregates: Aggregates
    filter: Filter | None = None
    #: dimension name -> this table's column, where they differ (cac: channel -> acquisition_channel)
    renames: dict[str, str] = field(default_factory=dict)
    #: aggregate per customer first, then over customers (for per-customer quantities)
    per_customer: Aggregates | None = None
    #: a value column whose median (with order-statistic interval) is wanted
    median_of: Callable[[ir.Table], ir.NumericValue] | None = None


@dataclass(frozen=True)
class Measure:
    sources: tuple[Source, ...]
    #: how the merged aggregates become value, interval and test; see metrics.estimates
    form: str
    #: the names of the aggregates the form reads, in order
    args: tuple[str, ...]
    #: customers' state over a period (churn, retention): computed against period bounds
    customer_state: bool = False
    #: what a cost is divided by, in words for "undefined: no ... in the period"
    counts: str = ""
    #: added to a ratio before it is shown (ROI = ROAS − 1)
    offset: float = 0.0


REGISTRY: dict[str, Callable[[], Measure]] = {}


def implements(metric_id: str) -> Callable[[Callable[[], Measure]], Callable[[], Measure]]:
    """Register the function that builds the measure of ``metric_id``."""

    def wrap(fn: Callable[[], Measure]) -> Callable[[], Measure]:
        if metric_id in REGISTRY:
            raise ValueError(f"metric {metric_id!r} implemented twice")
        REGISTRY[metric_id] = fn
        return fn

    return wrap
