"""From a metric's sufficient statistics to its value, 95 % interval and the test of a change.

Each measure form (see :mod:`cxlens.metrics.measures`) has one interval and one
test, named in the catalog's ``interval`` and ``test`` fields:

=========== ======================================================= =================================
form        interval                                                test of a change
=========== ======================================================= =================================
nps         Tango's score interval for the trinomial                z test on the ±1/0 scores
proportion  Wilson's score interval                                 two-proportion z test
mean        t cut to the answer scale (bounded), t on the log scale Welch's t test
            (positive quantities)
median      order statistics with their exact coverage              Mood's median test
cost        exact Poisson interval of the count, spend held fixed   exact Poisson rate test
ratio       delta method for a ratio of sums, log scale             z test on the log scale
clv         delta method for a product of means, log scale          z test on the log scale
=========== ======================================================= =================================

A change is tested only when both periods have at least :data:`SMALL_SAMPLE` in
``n``; below that no test is run and no change is called significant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from cxlens.metrics.catalog import Metric
from cxlens.metrics.measures import Measure
from cxlens.stats import (
    Interval,
    LogEstimate,
    TestResult,
    bounded_mean_interval,
    cost_per_count_interval,
    log_ratio_test,
    median_interval,
    median_test,
    nps_difference_test,
    nps_interval,
    poisson_rate_test,
    positive_mean_interval,
    product_of_means,
    ratio_of_sums,
    t_interval,
    two_proportion_test,
    welch_test,
    wilson_interval,
)

#: one group's statistics: a pandas row or a dict of aggregate name -> value
Row = Any

#: below this n a value is marked as a small sample and a change is not tested
SMALL_SAMPLE = 30
NAN = float("nan")


@dataclass(frozen=True)
class Estimate:
    """A metric's value with its interval (in the metric's unit), n and a note."""

    interval: Interval
    n: float
    note: str = ""
    log: LogEstimate | None = None

    @property
    def value(self) -> float:
        return self.interval.value

    def as_row(self) -> dict[str, Any]:
        i = self.interval
        return {
            "value": i.value,
            "ci_low": i.low,
            "ci_high": i.high,
            "ci_level": i.level,
            "n": int(self.n),
            "small_sample": bool(0 < self.n < SMALL_SAMPLE),
            "note": self.note or ("undefined: no data in the period" if self.n == 0 else ""),
        }


def _args(measure: Measure, row: Row) -> list[float]:
    out = []
    for k in measure.args:
        v = row.get(k, 0.0)
        out.append(0.0 if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
    return out


def _values(row: Row) -> list[float]:
    values = row.get("values")
    return [float(v) for v in (values if values is not None else [])]


def _scaled(i: Interval, factor: float, shift: float = 0.0) -> Interval:
    return Interval(
        factor * (i.value + shift), factor * (i.low + shift), factor * (i.high + shift), i.level
    )


def _percent(metric: Metric) -> float:
    return 100.0 if metric.unit == "percent" else 1.0


def _mean(metric: Metric, total: float, total_sq: float, n: float) -> Interval:
    low, high = metric.range
    if low is not None and high is not None:
        return bounded_mean_interval(total, total_sq, n, low, high)
    if low is not None:
        # the part above the lowest possible value on the log scale (orders per customer >= 1)
        shifted = positive_mean_interval(
            total - n * low, total_sq - 2 * low * total + n * low * low, n
        )
        return Interval(shifted.value + low, shifted.low + low, shifted.high + low, shifted.level)
    return t_interval(total, total_sq, n)


def estimate(metric: Metric, measure: Measure, row: Row, years: float) -> Estimate:
    """The value, interval and n of ``metric`` from one group's statistics.

    ``years`` is the length of the group's period inside the window, in years of
    365.25 days (historical CLV divides by it).
    """
    a = _args(measure, row)
    form = measure.form
    if form == "nps":
        return Estimate(nps_interval(a[0], a[1], a[2]), a[2])
    if form == "proportion":
        if a[0] > a[1]:  # more responses than invitations: some answered without one
            note = f"undefined: {a[0]:g} is more than the {a[1]:g} it would be a share of"
            return Estimate(Interval.undefined(), a[1], note)
        return Estimate(_scaled(wilson_interval(a[0], a[1]), 100.0), a[1])
    if form == "mean":
        return Estimate(_mean(metric, a[0], a[1], a[2]), a[2])
    if form == "median":
        values = _values(row)
        return Estimate(median_interval(values), len(values))
    if form == "cost":
        spend, count = a[0], a[1]
        if len(a) > 2 and a[2] == 0:
            note = "undefined: no marketing spend recorded in the period"
            return Estimate(Interval.undefined(), count, note)
        note = "" if count else f"undefined: no {measure.counts or 'count'} in the period"
        return Estimate(cost_per_count_interval(spend, count, metric.scale), count, note)
    if form == "ratio":
        y, x, yy, xx, xy, rows = a
        log = ratio_of_sums(y, x, yy, xx, xy, rows)
        note = "" if x > 0 else "undefined: no spend in the period"
        i = _scaled(log.interval(), _percent(metric), measure.offset)
        return Estimate(i, rows, note if rows else "", log)
    if form == "clv":
        revenue, revenue_sq, span, span_sq, cross, customers = a
        log = product_of_means(revenue, revenue_sq, span, span_sq, cross, customers, years)
        return Estimate(log.interval(), customers, "", log)
    raise AssertionError(f"unknown measure form {form!r}")  # guarded by the registry tests


def change_test(
    metric: Metric,
    measure: Measure,
    before: Row,
    before_years: float,
    after: Row,
    after_years: float,
) -> TestResult | None:
    """The test of the change from ``before`` to ``after``; None when either n is too small."""
    first = estimate(metric, measure, before, before_years)
    second = estimate(metric, measure, after, after_years)
    if min(first.n, second.n) < SMALL_SAMPLE:
        return None
    if math.isnan(first.value) or math.isnan(second.value):
        return None
    a, b = _args(measure, before), _args(measure, after)
    form = measure.form
    if form == "nps":
        return nps_difference_test(*a, *b)
    if form == "proportion":
        return two_proportion_test(*a, *b)
    if form == "mean":
        return welch_test(*a, *b)
    if form == "median":
        return median_test(_values(before), _values(after))
    if form == "cost":
        return poisson_rate_test(a[0], a[1], b[0], b[1])
    if form in ("ratio", "clv"):
        assert first.log is not None and second.log is not None
        return log_ratio_test(
            first.log.value, first.log.se_log, second.log.value, second.log.se_log
        )
    raise AssertionError(f"unknown measure form {form!r}")
