"""Every metric implementation, registered by id: the modules that define measures, imported once."""

from __future__ import annotations

from collections.abc import Callable

from cxlens.metrics import customers, economics, experience
from cxlens.metrics.measures import REGISTRY, Measure

#: the modules whose ``@implements`` functions fill the registry
MODULES = (customers, economics, experience)


def load_implementations() -> dict[str, Callable[[], Measure]]:
    """Metric id -> the function that builds its :class:`~cxlens.metrics.measures.Measure`."""
    return REGISTRY
