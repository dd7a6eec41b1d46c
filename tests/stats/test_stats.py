"""Intervals and tests against numbers worked by hand or published."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from cxlens.stats import (
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
from cxlens.stats.intervals import _constrained_detractors, median_coverage, median_ranks
from cxlens.stats.ratios import poisson_count_interval
from cxlens.stats.tests import binomial_two_sided

Z = 1.959963984540054


def test_nps_score_interval_without_passives_is_wilson_on_promoters():
    # No passives: the trinomial is a binomial of promoters among 263 answers, so the interval
    # is Wilson's for 81/263 (Newcombe 1998, Statistics in Medicine 17, table I: 0.2553 to
    # 0.3662) mapped to NPS = 2p - 1: -48.94 to -26.76.
    i = nps_interval(81, 182, 263)
    assert i.value == pytest.approx(100 * (81 - 182) / 263)
    assert (round(i.low, 2), round(i.high, 2)) == (-48.94, -26.76)


def test_nps_one_detractor_by_hand():
    # All n answers detractors: the score bound solves (1 + D)^2 n = z^2 (1 - D^2),
    # D = (z^2 - n) / (z^2 + n); for n = 1: (3.8415 - 1) / 4.8415 = 0.5869
    i = nps_interval(0, 1, 1)
    assert (i.value, i.low) == (-100.0, -100.0)
    assert i.high == pytest.approx(100 * (Z**2 - 1) / (Z**2 + 1), abs=1e-6)
    big = nps_interval(0, 675, 675)
    assert big.high == pytest.approx(100 * (Z**2 - 675) / (Z**2 + 675), abs=1e-6)  # -98.87


def test_nps_constrained_likelihood_matches_a_numeric_maximum():
    # Tango's closed-form constrained MLE against a direct maximisation of the trinomial likelihood
    b, c, n = 10, 4, 20
    for delta in (-0.5, 0.1, 0.3, 0.8):

        def negative_loglik(d: float, delta: float = delta) -> float:
            return -(
                b * math.log(d + delta)
                + c * math.log(d)
                + (n - b - c) * math.log(1 - 2 * d - delta)
            )

        lo, hi = max(0.0, -delta) + 1e-12, (1 - delta) / 2 - 1e-12
        best = optimize.minimize_scalar(negative_loglik, bounds=(lo, hi), method="bounded",
                                        options={"xatol": 1e-12})  # fmt: skip
        assert _constrained_detractors(b, c, n, delta) == pytest.approx(best.x, abs=1e-7)


def test_nps_interval_bounds_are_where_the_score_statistic_is_z():
    b, c, n = 250, 75, 1000
    i = nps_interval(b, c, n)
    for bound, sign in ((i.low / 100, 1), (i.high / 100, -1)):
        d = _constrained_detractors(b, c, n, bound)
        score = (b - c - n * bound) / math.sqrt(n * (2 * d + bound * (1 - bound)))
        assert score == pytest.approx(sign * Z, abs=1e-6)
    # close to the Wald interval 14.14 .. 20.86 at this size
    assert (round(i.low, 1), round(i.high, 1)) == (14.1, 20.9)


def test_nps_empty_is_undefined():
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


def test_bounded_mean_is_cut_to_the_scale():
    # CES answers 1 and 7: mean 4, sd 4.243, t(0.975, 1) = 12.706 -> -34 .. 42, cut to 1 .. 7
    i = bounded_mean_interval(8, 50, 2, 1, 7)
    assert (i.value, i.low, i.high) == (4.0, 1.0, 7.0)
    # 2, 4, 6 on 1..7: the t interval 4 +/- 4.97 cut to 1 .. 7
    i = bounded_mean_interval(12, 56, 3, 1, 7)
    assert (i.low, i.high) == (1.0, pytest.approx(7.0))
    # many answers: the plain t interval (4.5 +/- 2.0 * 1.2 / sqrt(400))
    i = bounded_mean_interval(1800, 400 * (4.5**2 + 1.2**2 * 399 / 400), 400, 1, 7)
    assert i.high - i.value == pytest.approx(stats.t.ppf(0.975, 399) * 1.2 / 20, rel=1e-9)


def test_bounded_mean_without_spread_uses_the_largest_variance_the_scale_allows():
    # one answer of 7 on 1..7: the rescaled mean 1 of 1 answer -> Wilson 1/1 = 0.2065 .. 1
    i = bounded_mean_interval(7, 49, 1, 1, 7)
    w = wilson_interval(1, 1)
    assert (i.low, i.high) == (pytest.approx(1 + 6 * w.low), 7.0)
    assert round(w.low, 4) == 0.2065
    # fifty answers of 4: Wilson for the share 0.5 of 50
    i = bounded_mean_interval(200, 800, 50, 1, 7)
    w = wilson_interval(25, 50)
    assert (i.low, i.high) == (pytest.approx(1 + 6 * w.low), pytest.approx(1 + 6 * w.high))


def test_positive_mean_on_the_log_scale_by_hand():
    # hours 2, 4, 6: mean 4, sd 2; SE(log mean) = 2 / sqrt(3) / 4 = 0.288675;
    # t(0.975, 2) = 4.302653 -> 4 * exp(-/+ 1.242067) = 1.1551 .. 13.851
    i = positive_mean_interval(12, 56, 3)
    assert i.low == pytest.approx(4 * math.exp(-4.302653 * 0.288675), rel=1e-5)
    assert i.high == pytest.approx(4 * math.exp(4.302653 * 0.288675), rel=1e-5)
    assert (round(i.low, 4), round(i.high, 3)) == (1.1551, 13.851)
    assert not positive_mean_interval(5, 25, 1).defined  # one value: no interval
    assert positive_mean_interval(0, 0, 4).high == 0.0  # all zero


def test_median_ranks_match_conover_table():
    # n = 10 -> x(2) to x(9) (coverage 97.9 %); n = 100 -> x(40) to x(61)
    assert median_ranks(10) == (2, 9)
    assert median_ranks(100) == (40, 61)
    i = median_interval([float(v) for v in range(1, 11)])
    assert (i.value, i.low, i.high) == (5.5, 2.0, 9.0)
    assert i.level == pytest.approx(1 - 2 * 11 / 1024)  # 1 - 2 P(B(10, .5) <= 1) = 0.9785


def test_median_interval_states_its_exact_coverage_at_small_n():
    # [min, max] covers the median with 1 - 2 (1/2)^n: n = 5 -> 93.75 %, n = 2 -> 50 %, n = 1 -> 0
    assert median_interval([1.0, 2, 3, 4, 5]).level == 0.9375
    assert median_interval([1.0, 2]).level == 0.5
    assert median_interval([3.0]).level == 0.0
    assert median_coverage(6, 1) == pytest.approx(1 - 2 / 64)  # six values reach 96.9 %
    assert median_interval([float(v) for v in range(6)]).level >= 0.95


def test_garwood_poisson_interval_published():
    # Garwood (1936) / Ulm (1990) table: 10 events -> 4.795 to 18.390; 0 events -> 0 to 3.689
    assert tuple(round(v, 3) for v in poisson_count_interval(10)) == (4.795, 18.39)
    assert round(poisson_count_interval(0)[1], 3) == 3.689


def test_cost_per_count_by_hand():
    # spend 150 over 10 leads: CPL 15, interval 150 / 18.390 .. 150 / 4.795 = 8.157 .. 31.28
    i = cost_per_count_interval(150, 10)
    assert i.value == 15.0
    assert (round(i.low, 2), round(i.high, 2)) == (8.16, 31.28)
    assert not cost_per_count_interval(150, 0).defined
    assert cost_per_count_interval(150, 0).value != cost_per_count_interval(150, 0).value  # NaN
    # CPM: x 1000 scale
    assert cost_per_count_interval(5, 1000, scale=1000).value == 5.0


def test_ratio_of_sums_delta_method_by_hand():
    # rows (x = spend, y = value): (10, 30), (20, 50), (30, 100): R = 180 / 60 = 3
    # residuals y - 3x: 0, -10, 10 -> sum of squares 200; Var(R) = 3/2 * 200 / 3600 = 1/12
    e = ratio_of_sums(180, 60, 30**2 + 50**2 + 100**2, 10**2 + 20**2 + 30**2, 300 + 1000 + 3000, 3)
    assert e.value == 3.0
    assert e.se_log == pytest.approx(math.sqrt(1 / 12) / 3)
    i = e.interval()
    assert i.low == pytest.approx(3 * math.exp(-Z * math.sqrt(1 / 12) / 3))
    assert math.isnan(ratio_of_sums(5, 0, 25, 0, 0, 1).value)  # no spend: undefined


def test_product_of_means_delta_method_by_hand():
    # per customer (revenue, span): (100, 1), (200, 2): means 150 and 1.5, product 225
    # var_a = 5000, var_b = 0.5, cov = 50 -> Var(log) = (5000/150^2 + .5/1.5^2 + 2*50/225) / 2
    e = product_of_means(300, 100**2 + 200**2, 3, 5, 100 + 400, 2)
    assert e.value == 225.0
    var_log = (5000 / 150**2 + 0.5 / 1.5**2 + 2 * 50 / 225) / 2
    assert e.se_log == pytest.approx(math.sqrt(var_log))
    assert product_of_means(300, 50000, 3, 5, 500, 2, divisor=0.5).value == 450.0


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


def test_poisson_rate_test_by_hand():
    # same spend, 50 then 80 clicks: given 130, the later count is Binomial(130, 1/2);
    # P(X >= 80) = P(X <= 50) doubled = 0.01069
    r = poisson_rate_test(100, 50, 100, 80)
    assert r.p_value == pytest.approx(2 * stats.binom.cdf(50, 130, 0.5), rel=1e-9)
    assert round(r.p_value, 5) == 0.01069
    assert r.difference == pytest.approx(100 / 80 - 100 / 50)
    assert math.isnan(poisson_rate_test(100, 0, 100, 5).p_value)


def test_exact_binomial_p_values_match_scipy():
    rng = np.random.default_rng(7)
    for _ in range(500):
        n = int(rng.integers(1, 400))
        p = float(rng.uniform(0.01, 0.99))
        k = int(rng.integers(0, n + 1))
        assert binomial_two_sided(k, n, p) == pytest.approx(
            stats.binomtest(k, n, p).pvalue, abs=1e-10
        )


def test_log_ratio_test_by_hand():
    # 3.0 (SE log .1) against 3.6 (SE log .1): z = log 1.2 / sqrt(.02) = 1.2892, p = 0.1973
    r = log_ratio_test(3.0, 0.1, 3.6, 0.1)
    assert r.statistic == pytest.approx(math.log(1.2) / math.sqrt(0.02))
    assert r.p_value == pytest.approx(0.1973, abs=1e-4)


def test_median_test_matches_scipy():
    rng = np.random.default_rng(3)
    for _ in range(100):
        a = list(rng.exponential(1.0, int(rng.integers(2, 60))))
        b = list(rng.exponential(1.4, int(rng.integers(2, 60))))
        statistic, p_value, _, _ = stats.median_test(a, b)
        r = median_test(a, b)
        assert (r.statistic, r.p_value) == (pytest.approx(statistic), pytest.approx(p_value))
    assert math.isnan(median_test([1.0, 1.0], [1.0, 1.0]).p_value)
