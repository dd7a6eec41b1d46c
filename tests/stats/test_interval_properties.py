"""Every interval stays inside its scale and contains its point, at n = 1, 2, 5, 30 and 1,000.

Data are drawn by hypothesis for each size; the interval of each kind (NPS, share,
mean on a bounded scale, mean of a positive quantity, median, cost per count,
ratio of sums, product of means) is checked against the range its quantity can take.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxlens.stats import (
    Interval,
    bounded_mean_interval,
    cost_per_count_interval,
    median_interval,
    nps_interval,
    positive_mean_interval,
    product_of_means,
    ratio_of_sums,
    wilson_interval,
)

SIZES = (1, 2, 5, 30, 1000)
#: money as it is recorded: nothing, or at least a cent
AMOUNT = st.one_of(st.just(0.0), st.floats(0.01, 1e5))
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.large_base_example, HealthCheck.too_slow],
)


def holds(i: Interval, low: float, high: float, *, defined: bool = True) -> None:
    """``i`` contains its value and lies within [low, high]."""
    assert low <= i.value <= high
    if not defined and not i.defined:
        return
    assert i.defined, i
    assert low <= i.low <= i.value <= i.high <= high, i


def scores(n: int, lo: int, hi: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(lo, hi), min_size=n, max_size=n)


@pytest.mark.parametrize("n", SIZES)
@EXAMPLES
@given(data=st.data())
def test_nps(n: int, data: st.DataObject) -> None:
    answers = data.draw(scores(n, 0, 10))
    promoters = sum(a >= 9 for a in answers)
    detractors = sum(a <= 6 for a in answers)
    holds(nps_interval(promoters, detractors, n), -100, 100)


@pytest.mark.parametrize("n", SIZES)
@EXAMPLES
@given(data=st.data())
def test_share(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    holds(wilson_interval(k, n), 0, 1)


@pytest.mark.parametrize("n", SIZES)
@EXAMPLES
@given(data=st.data())
def test_mean_on_a_bounded_scale(n: int, data: st.DataObject) -> None:
    answers = data.draw(scores(n, 1, 7))
    i = bounded_mean_interval(sum(answers), sum(a * a for a in answers), n, 1, 7)
    holds(i, 1, 7)
    assert i.value == pytest.approx(sum(answers) / n)


@pytest.mark.parametrize("n", SIZES)
@EXAMPLES
@given(data=st.data())
def test_mean_of_a_positive_quantity(n: int, data: st.DataObject) -> None:
    hours = data.draw(st.lists(st.floats(0.01, 5000), min_size=n, max_size=n))
    i = positive_mean_interval(sum(hours), sum(h * h for h in hours), n)
    # one value gives no interval (and says so); from two on it is above zero and holds the mean
    holds(i, 0, math.inf, defined=n > 1)
    assert i.defined == (n > 1)


@pytest.mark.parametrize("n", SIZES)
@EXAMPLES
@given(data=st.data())
def test_median(n: int, data: st.DataObject) -> None:
    values = data.draw(st.lists(st.floats(0, 1000), min_size=n, max_size=n))
    i = median_interval(values)
    holds(i, min(values), max(values))
    assert 0 <= i.level <= 1
    assert (i.level >= 0.95) == (n >= 6)


@pytest.mark.parametrize("n", SIZES)
@EXAMPLES
@given(data=st.data())
def test_cost_per_count(n: int, data: st.DataObject) -> None:
    spend = data.draw(st.floats(0, 1e6))
    holds(cost_per_count_interval(spend, n), 0, math.inf)


@pytest.mark.parametrize("n", SIZES)
@EXAMPLES
@given(data=st.data())
def test_ratio_of_sums(n: int, data: st.DataObject) -> None:
    rows = data.draw(st.lists(st.tuples(st.floats(0.01, 1e4), AMOUNT), min_size=n, max_size=n))
    xs, ys = [r[0] for r in rows], [r[1] for r in rows]
    e = ratio_of_sums(
        sum(ys), sum(xs), sum(y * y for y in ys), sum(x * x for x in xs),
        sum(x * y for x, y in rows), n,
    )  # fmt: skip
    holds(e.interval(), 0, math.inf, defined=n > 1)


@pytest.mark.parametrize("n", SIZES)
@EXAMPLES
@given(data=st.data())
def test_product_of_means(n: int, data: st.DataObject) -> None:
    span = st.one_of(st.just(0.0), st.floats(1 / 365.25, 3))
    units = data.draw(st.lists(st.tuples(AMOUNT, span), min_size=n, max_size=n))
    a, b = [u[0] for u in units], [u[1] for u in units]
    e = product_of_means(
        sum(a), sum(v * v for v in a), sum(b), sum(v * v for v in b),
        sum(x * y for x, y in units), n, divisor=0.25,
    )  # fmt: skip
    holds(e.interval(), 0, math.inf, defined=n > 1)
