"""Stratified comparisons: numbers worked by hand, and intervals that cover the truth."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cxlens.stats.stratified import stratified_comparison


def test_two_strata_by_hand():
    # stratum 1: A = {1, 3}, B = {0, 2, 4}; stratum 2: A = {5, 7, 9}, B = {4}
    c = stratified_comparison([2, 3], [4, 21], [10, 155], [3, 1], [6, 4], [20, 16])
    # weights by the two groups' joint size: 5/9 and 4/9
    w1, w2 = 5 / 9, 4 / 9
    mean_a, mean_b = w1 * 2 + w2 * 7, w1 * 2 + w2 * 4
    assert c.mean_a == pytest.approx(mean_a) and c.mean_b == pytest.approx(mean_b)
    assert c.difference == pytest.approx(w2 * 3)
    # variances: A 2 and 4; B 4 and (one unit) B's pooled within-stratum variance, 4
    var_a = w1**2 * 2 / 2 + w2**2 * 4 / 3
    var_b = w1**2 * 4 / 3 + w2**2 * 4 / 1
    se = math.sqrt(var_a + var_b)
    assert c.statistic == pytest.approx(c.difference / se)
    assert c.difference_low == pytest.approx(c.difference - 1.959964 * se, rel=1e-6)
    se_log = math.sqrt(var_a / mean_a**2 + var_b / mean_b**2)
    assert c.ratio == pytest.approx(mean_a / mean_b)
    assert c.ratio_high == pytest.approx(mean_a / mean_b * math.exp(1.959964 * se_log), rel=1e-6)
    assert (c.matched_a, c.matched_b, c.strata) == (5, 4, 2)


def test_strata_with_one_group_are_left_out():
    c = stratified_comparison([2, 2], [2, 9], [2, 41], [2, 0], [0, 0], [0, 0])
    assert c.strata == 1 and c.matched_a == 2 and c.difference == pytest.approx(1.0)
    empty = stratified_comparison([1], [1], [1], [0], [0], [0])
    assert math.isnan(empty.difference) and empty.strata == 0


def _simulate(rng: np.random.Generator, ratio: float) -> tuple[np.ndarray, ...]:
    """Two strata with different base rates and group mixes; A buys ``ratio`` times as often."""
    sums = []
    for base, n_a, n_b in ((0.4, 60, 240), (2.0, 240, 60)):
        a = rng.poisson(base * ratio, n_a)
        b = rng.poisson(base, n_b)
        sums.append((n_a, a.sum(), (a * a).sum(), n_b, b.sum(), (b * b).sum()))
    return tuple(np.array(col, dtype=float) for col in zip(*sums, strict=True))


def test_intervals_cover_the_true_ratio_and_difference():
    """Of 400 simulated studies, about 95 % of the intervals hold the true ratio (1.5)."""
    rng = np.random.default_rng(11)
    ratio_hits, diff_hits, raw = 0, 0, []
    true_diff = 0.5 * (0.4 * 0.5) + 0.5 * (2.0 * 0.5)  # weights 1/2 each
    for _ in range(400):
        n_a, s_a, q_a, n_b, s_b, q_b = _simulate(rng, 1.5)
        c = stratified_comparison(n_a, s_a, q_a, n_b, s_b, q_b)
        ratio_hits += c.ratio_low <= 1.5 <= c.ratio_high
        diff_hits += c.difference_low <= true_diff <= c.difference_high
        raw.append((s_a.sum() / n_a.sum()) / (s_b.sum() / n_b.sum()))
    assert 0.92 <= ratio_hits / 400 <= 0.98
    assert 0.92 <= diff_hits / 400 <= 0.98
    # without the strata the mix of the groups makes A look more than three times as good
    assert np.mean(raw) > 3


def test_no_difference_is_rarely_significant():
    rng = np.random.default_rng(3)
    significant = sum(stratified_comparison(*_simulate(rng, 1.0)).significant for _ in range(300))
    assert significant / 300 < 0.08
