"""Metrics: the catalog (what each metric means) and the engine (how it is computed)."""

from cxlens.metrics.catalog import Metric, load_catalog

#: the value shown for a dimension the metric's tables do not have (every row counts)
ALL = "(all)"

__all__ = ["ALL", "Metric", "load_catalog"]
