"""Intervals and tests behind every number cxlens reports."""

from cxlens.stats.intervals import (
    Interval,
    median_interval,
    nps_interval,
    t_interval,
    wilson_interval,
)
from cxlens.stats.tests import TestResult, nps_difference_test, two_proportion_test, welch_test

__all__ = [
    "Interval",
    "TestResult",
    "median_interval",
    "nps_difference_test",
    "nps_interval",
    "t_interval",
    "two_proportion_test",
    "welch_test",
    "wilson_interval",
]
