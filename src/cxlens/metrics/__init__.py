"""Metrics: the catalog (what each metric means) and the engine (how it is computed)."""

from cxlens.metrics.catalog import Metric, load_catalog

__all__ = ["Metric", "load_catalog"]
