"""Key drivers: the Shapley split of R² against a brute-force computation, and the demo's known drivers."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

import cxlens
from cxlens.errors import CxlensError
from cxlens.journeys.drivers import (
    Group,
    _covariance,
    _informative,
    _ols_tests,
    _r2_all_subsets,
    decompose,
    drivers,
    shapley_r2,
)


def r2_of(y, x):
    design = np.column_stack([np.ones(len(y)), x]) if x.shape[1] else np.ones((len(y), 1))
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    return 1 - resid.var() / y.var()


def test_shapley_equals_the_average_over_all_orders():
    rng = np.random.default_rng(1)
    n = 500
    x = rng.normal(size=(n, 4))
    x[:, 1] += 0.6 * x[:, 0]  # correlated drivers share credit
    y = 2 * x[:, 0] + x[:, 1] - 0.5 * x[:, 2] + x[:, 3] * 0.2 + rng.normal(size=n)
    spans = [[0], [1], [2, 3]]
    values, r2 = shapley_r2(y, x, spans)
    assert values.sum() == pytest.approx(r2)
    assert r2 == pytest.approx(r2_of(y, x))
    brute = np.zeros(3)
    orders = list(itertools.permutations(range(3)))
    for order in orders:
        used: list[int] = []
        before = 0.0
        for g in order:
            used += spans[g]
            now = r2_of(y, x[:, sorted(used)])
            brute[g] += now - before
            before = now
    np.testing.assert_allclose(values, brute / len(orders), atol=1e-10)


@pytest.mark.parametrize("overlap", [False, True])
def test_every_subset_and_f_test_as_least_squares_gives_them(overlap):
    """R² of all 2^k subsets from one covariance matrix equals a least-squares fit of each,
    also when two groups share a direction (a column of one is a multiple of another's)."""
    from scipy import stats

    rng = np.random.default_rng(7)
    n = 400
    x = rng.normal(size=(n, 6))
    x[:, 0] = x[:, 0] > 0.3  # a dummy
    if overlap:
        x[:, 5] = 2 * x[:, 0] + 1
    y = x @ np.array([1.0, -0.5, 0.3, 0.0, 0.8, 0.2]) + rng.normal(size=n)
    spans = [[0], [1, 2], [3], [4, 5]]
    subsets = _r2_all_subsets(_covariance(y, x), spans)
    for mask in range(1, 1 << len(spans)):
        cols = [c for g, span in enumerate(spans) if mask >> g & 1 for c in span]
        assert subsets.r2[mask] == pytest.approx(r2_of(y, x[:, cols]), abs=1e-10)
    if not overlap:
        _, p_values = _ols_tests(_covariance(y, x), subsets, spans, n)
        full = np.column_stack([np.ones(n), x])
        rss_full = ((y - full @ np.linalg.lstsq(full, y, rcond=None)[0]) ** 2).sum()
        for g, span in enumerate(spans):
            reduced = np.delete(full, [c + 1 for c in span], axis=1)
            rss = ((y - reduced @ np.linalg.lstsq(reduced, y, rcond=None)[0]) ** 2).sum()
            f = ((rss - rss_full) / len(span)) / (rss_full / (n - 7))
            assert p_values[g] == pytest.approx(stats.f.sf(f, len(span), n - 7), rel=1e-6)


def test_a_group_that_repeats_another_is_left_out():
    country = np.array(["EE", "DE", "FI"] * 20)
    frame = pd.DataFrame(
        {
            "c=DE": (country == "DE").astype(float),
            "c=FI": (country == "FI").astype(float),
            "l=de": (country == "DE").astype(float),
            "l=fi": (country == "FI").astype(float),
            "t": np.arange(60, dtype=float),
        }
    )
    groups = [
        Group("driver_country", "attribute", ["c=DE", "c=FI"]),
        Group("driver_language", "attribute", ["l=de", "l=fi"]),
        Group("driver_tenure", "attribute", ["t"], "t"),
    ]
    assert [g.key for g in _informative(frame, groups)] == ["driver_country", "driver_tenure"]
    assert groups[0].name("de") == "Land"
    assert (
        Group("driver_csat", "touchpoint", ["x"], touchpoint="delivery")
        .name("fi")
        .endswith("delivery")
    )


def test_demo_drivers(demo_root):
    report = drivers(cxlens.open(demo_root), bootstrap=10)
    t = report.table.set_index("driver")
    assert 0 < report.r2 < 1 and report.respondents > 500
    assert t["importance"].sum() == pytest.approx(100)
    main = t[t["importance"] > 5]
    assert (
        (main["importance_low"] < main["importance"])
        & (main["importance"] < main["importance_high"])
    ).all()
    # the demo makes NPS depend on delivery experience and reopened tickets
    delivery = t.loc["CSAT: delivery"]
    assert delivery["sign"] == "+" and delivery["significant"] and delivery["nps_gap"] < 0
    assert t.loc["Reopened ticket", "sign"] == "−"
    assert t.loc["Reopened ticket", "nps_gap_high"] < 0
    assert "Language" not in t.index  # every demo country speaks one language
    only = drivers(cxlens.open(demo_root), by="attribute", bootstrap=0)
    assert set(only.table["kind"]) == {"attribute"}
    assert not math.isnan(only.r2)


def test_drivers_need_respondents(map_root):
    with pytest.raises(CxlensError, match="at least 30 customers"):
        drivers(cxlens.open(map_root))
    with pytest.raises(CxlensError, match="touchpoint or attribute"):
        drivers(cxlens.open(map_root), by="weather")


@pytest.mark.parametrize("seed", range(4))
def test_an_idle_drivers_interval_holds_its_share(seed):
    """A column that explains nothing gets a share near 0 from the data, and more from
    every resample (chance correlation only adds R²): the bootstrap's 2.5 % point then
    lies above the share, and the interval must be extended down to it."""
    rng = np.random.default_rng(seed)
    n = 300
    x = rng.normal(size=(n, 4))
    y = 2 * x[:, 0] + x[:, 1] + rng.normal(size=n)
    result = decompose(y, x, [[0], [1], [2], [3]], bootstrap=40, seed=seed)
    point = result.importance
    assert np.all(result.low <= point) and np.all(point <= result.high)
    assert np.all(result.low >= 0) and np.all(result.high <= 100)
