"""Intervals and tests against numbers worked by hand or published."""

from __future__ import annotations

import math

import pytest

from cxlens.stats import (
    median_interval,
    nps_difference_test,
    nps_interval,
    t_interval,
    two_proportion_test,
    welch_test,
    wilson_interval,
)
from cxlens.stats.intervals import median_ranks


def test_nps_wald_worked_example():
    # p = .25, d = .075: var = (.325 - .175^2) / 1000 = .000294375, se = .017157, 1.96 se = .033628
    i = nps_interval(250, 75, 1000)
    assert (i.value, round(i.low, 2), round(i.high, 2)) == (17.5, 14.14, 20.86)


def test_nps_adjusted_wald_below_100_answers():
    # 20 answers, 10 promoters, 4 detractors: NPS 30. Adjusted: p = 10.75/23, d = 4.75/23
    i = nps_interval(10, 4, 20)
    p, d, n = 10.75 / 23, 4.75 / 23, 23
    half = 1.959964 * math.sqrt((p + d - (p - d) ** 2) / n)
    assert i.value == pytest.approx(30.0)
    assert i.low == pytest.approx(100 * (p - d - half), abs=1e-4)
    assert i.high == pytest.approx(100 * (p - d + half), abs=1e-4)


def test_nps_interval_keeps_a_width_when_all_answers_fall_in_one_group():
    # 675 detractors of 675: plain Wald has variance 0; adjusted: p = .75/678, d = 675.75/678
    i = nps_interval(0, 675, 675)
    p, d, n = 0.75 / 678, 675.75 / 678, 678
    half = 1.959964 * math.sqrt((p + d - (p - d) ** 2) / n)
    assert i.value == -100.0 and i.low == -100.0
    assert i.high == pytest.approx(100 * (p - d + half), abs=1e-4)
    assert i.high == pytest.approx(-98.94, abs=0.01)
    assert nps_interval(0, 0, 400).low < 0 < nps_interval(0, 0, 400).high


def test_nps_bounds_and_empty():
    assert nps_interval(5, 0, 5).high == 100.0
    assert math.isnan(nps_interval(0, 0, 0).value)


def test_wilson_published_example():
    # Newcombe (1998), Statistics in Medicine 17, table I: 81/263 -> 0.2553 to 0.3662
    i = wilson_interval(81, 263)
    assert (round(i.low, 4), round(i.high, 4)) == (0.2553, 0.3662)
    # 0 of 10: Wilson upper bound 0.2775 (same table: 0/10 -> 0 to 0.2775)
    assert round(wilson_interval(0, 10).high, 4) == 0.2775


def test_t_interval_by_hand():
    # values 2, 4, 6: mean 4, sd 2, t(0.975, 2) = 4.302653 -> 4 +/- 4.302653 * 2 / sqrt 3
    i = t_interval(12, 4 + 16 + 36, 3)
    assert i.value == 4
    assert i.high == pytest.approx(4 + 4.302653 * 2 / math.sqrt(3), rel=1e-6)


def test_median_ranks_match_conover_table():
    # n = 10 -> x(2) to x(9) (coverage 97.9 %); n = 100 -> x(40) to x(61)
    assert median_ranks(10) == (2, 9)
    assert median_ranks(100) == (40, 61)
    i = median_interval([float(v) for v in range(1, 11)])
    assert (i.value, i.low, i.high) == (5.5, 2.0, 9.0)


def test_nps_difference_test_by_hand():
    # A: 250/75 of 1000 (NPS 17.5); B: 300/75 of 1000 (NPS 22.5)
    # var = .000294375 + (.375 - .225^2)/1000 = .000294375 + .000324375; z = .05 / sqrt(.00061875) = 2.0101
    r = nps_difference_test(250, 75, 1000, 300, 75, 1000)
    assert r.difference == pytest.approx(5.0)
    assert r.statistic == pytest.approx(0.05 / math.sqrt(0.00061875))
    assert r.p_value == pytest.approx(0.0444, abs=1e-4) and r.significant()


def test_two_proportion_test_by_hand():
    # 50/100 vs 65/100: pooled .575, se = sqrt(.575 * .425 * .02) = .069911, z = .15 / se = 2.1456
    r = two_proportion_test(50, 100, 65, 100)
    assert r.statistic == pytest.approx(2.1456, abs=1e-4)
    assert r.p_value == pytest.approx(0.0319, abs=1e-4)


def test_welch_by_hand():
    # A: 1, 2, 3, 4 (mean 2.5, var 1.6667); B: 2, 4, 6, 8 (mean 5, var 6.6667)
    # se^2 = 1.6667/4 + 6.6667/4 = 2.0833; t = 2.5 / 1.4434 = 1.7321; df = 4.3478 / 0.7639 ... = 4.41
    r = welch_test(10, 30, 4, 20, 120, 4)
    assert r.statistic == pytest.approx(2.5 / math.sqrt(25 / 12), rel=1e-6)
    assert 0.1 < r.p_value < 0.2
    assert math.isnan(welch_test(1, 1, 1, 2, 4, 1).p_value)
