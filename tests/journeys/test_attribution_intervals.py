"""Bootstrap intervals of attribution credits on simulated journeys whose truth is known."""

from __future__ import annotations

import numpy as np
import pytest

import cxlens
from cxlens.journeys.attribution import attribute
from cxlens.journeys.shapley import shapley_credits
from tests.customers.conftest import make_workspace

N = 3000
#: channel set -> (share of customers, chance the path converts)
SETS = {("A",): (0.4, 0.3), ("B",): (0.3, 0.1), ("A", "B"): (0.3, 0.5)}


@pytest.fixture(scope="module")
def journeys(tmp_path_factory):
    """Each customer touches one channel set once (A before B) and converts with its chance."""
    rng = np.random.default_rng(21)
    events = ["event_id,customer_id,ts,touchpoint,channel"]
    orders = ["order_id,customer_id,ts,amount"]
    labels = list(SETS)
    picks = rng.choice(len(labels), N, p=[SETS[s][0] for s in labels])
    counts = {s: [0, 0] for s in labels}
    for i, pick in enumerate(picks):
        channels = labels[pick]
        day = f"2025-03-{1 + i % 20:02d}"
        for j, channel in enumerate(channels):
            events.append(f"E{i}_{j},K{i},{day} {8 + j:02d}:00,ad,{channel}")
        converts = rng.random() < SETS[channels][1]
        counts[channels][0] += 1
        if converts:
            counts[channels][1] += 1
            orders.append(f"O{i},K{i},{day} 12:00,100")
    root = make_workspace(
        tmp_path_factory.mktemp("boot") / "ws",
        {"events": "\n".join(events) + "\n", "orders": "\n".join(orders) + "\n"},
    )
    return root, counts


@pytest.fixture(scope="module")
def result(journeys):
    return attribute(cxlens.open(journeys[0]), ["first", "last", "shapley"], bootstrap=300)


def row(result, model, channel):
    t = result.table
    return t[(t.model == model) & (t.channel == channel)].iloc[0]


def test_first_touch_credit_covers_its_expected_count(result):
    """First-touch credit of A is the conversions of paths {A} and {A, B}: its expectation is
    N (0.4 x 0.3 + 0.3 x 0.5) = 810; the interval holds it and is as wide as a binomial's."""
    expected = N * (0.4 * 0.3 + 0.3 * 0.5)
    a = row(result, "first", "A")
    assert a.conversions_low <= expected <= a.conversions_high
    p = expected / N
    binomial_half_width = 1.96 * np.sqrt(N * p * (1 - p))
    assert (a.conversions_high - a.conversions_low) / 2 == pytest.approx(
        binomial_half_width, rel=0.2
    )


def test_shapley_credit_covers_the_credit_of_the_true_chances(result):
    """With the true p(S), B in {A, B} adds (p(B) + p(AB) - p(A)) / 2 = 0.15 of 0.5."""
    masks = [1, 2, 3]
    shares = [SETS[("A",)][0], SETS[("B",)][0], SETS[("A", "B")][0]]
    chances = [SETS[("A",)][1], SETS[("B",)][1], SETS[("A", "B")][1]]
    paths = [N * s for s in shares]
    expected, _ = shapley_credits(
        masks, paths, [n * c for n, c in zip(paths, chances, strict=True)], paths, 2
    )
    assert expected[1] == pytest.approx(N * (0.3 * 0.1 + 0.3 * 0.5 * 0.15 / 0.5))
    for channel, truth in zip(("A", "B"), expected, strict=True):
        r = row(result, "shapley", channel)
        assert r.conversions_low <= truth <= r.conversions_high, channel


def test_channels_with_overlapping_credits_share_a_rank(result):
    first = result.table[result.table.model == "first"].set_index("channel")
    # first touch: A leads B by far
    assert first.loc["A", "rank"] == 1 and first.loc["B", "rank"] == 2
    last = result.table[result.table.model == "last"].set_index("channel")
    # last touch: B gets {B} and {A,B} (90 + 450 = 540), A only {A} (360)
    assert last.loc["B", "rank"] == 1 and last.loc["A", "rank"] == 2


def test_no_bootstrap_no_intervals(journeys):
    quick = attribute(cxlens.open(journeys[0]), ["linear"], bootstrap=0)
    assert quick.table.conversions_low.isna().all() and quick.table["rank"].isna().all()


def test_honest_ranks_by_hand():
    from cxlens.journeys.credits import honest_ranks

    # 10…12 is above both others; 4…8 and 5…9 overlap: they share second place
    np.testing.assert_array_equal(
        honest_ranks(np.array([10.0, 4.0, 5.0]), np.array([12.0, 8.0, 9.0])), [1, 2, 2]
    )
    np.testing.assert_array_equal(
        honest_ranks(np.array([1.0, 3.0, 5.0]), np.array([2.0, 4.0, 6.0])), [3, 2, 1]
    )
    assert np.isnan(honest_ranks(np.array([np.nan]), np.array([np.nan]))).all()
