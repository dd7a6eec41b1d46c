"""Intervals and tests behind every number cxlens reports."""

from cxlens.stats.intervals import (
    Interval,
    bounded_mean_interval,
    median_interval,
    nps_interval,
    positive_mean_interval,
    t_interval,
    wilson_interval,
)
from cxlens.stats.ratios import (
    LogEstimate,
    cost_per_count_interval,
    product_of_means,
    ratio_of_sums,
)
from cxlens.stats.tests import (
    TestResult,
    log_ratio_test,
    median_test,
    nps_difference_test,
    poisson_rate_test,
    two_proportion_test,
    welch_test,
)

__all__ = [
    "Interval",
    "LogEstimate",
    "TestResult",
    "bounded_mean_interval",
    "cost_per_count_interval",
    "log_ratio_test",
    "median_interval",
    "median_test",
    "nps_difference_test",
    "nps_interval",
    "poisson_rate_test",
    "positive_mean_interval",
    "product_of_means",
    "ratio_of_sums",
    "t_interval",
    "two_proportion_test",
    "welch_test",
    "wilson_interval",
]
