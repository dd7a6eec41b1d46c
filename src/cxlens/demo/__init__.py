"""A realistic, reproducible demo data set for the six canonical tables."""

from cxlens.demo.generator import generate

__all__ = ["generate"]
