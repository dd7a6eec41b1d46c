"""Attribution models on a path set worked by hand, and Markov removal effects against a dense computation."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import cxlens
from cxlens.errors import CxlensError
from cxlens.journeys.attribution import (
    CONVERSION,
    NULL,
    START,
    attribute,
    markov_removal_effects,
)
from cxlens.periods import parse_duration


@pytest.fixture(scope="module")
def result(attribution_root):
    return attribute(cxlens.open(attribution_root))


def cell(result, model, channel, what="conversions"):
    t = result.table
    return float(t[(t.model == model) & (t.channel == channel)][what].iloc[0])


@pytest.mark.parametrize(
    "model, a, b",
    [
        ("first", 1.0, 1.0),
        ("last", 0.0, 2.0),
        ("linear", 0.5, 1.5),
        ("position", 0.5, 1.5),
        # P: A 7 days before (weight 1/2), B at the conversion (weight 1) -> 1/3, 2/3; Q: all B
        ("time-decay", 1 / 3, 5 / 3),
        # removal effects A 1/2, B 1 -> shares 1/3 and 2/3 of the two touched conversions
        ("markov", 2 / 3, 4 / 3),
        # p(A) = 0 (R's null path), p(B) = p(AB) = 1: A adds nothing to B, B everything
        ("shapley", 0.0, 2.0),
    ],
)
def test_conversions_by_hand(result, model, a, b):
    if a:
        assert cell(result, model, "A") == pytest.approx(a)
    assert cell(result, model, "B") == pytest.approx(b)
    # S's only touch is 59 days old: its conversion has no touch in the 30-day window
    assert cell(result, model, "(no touch)") == 1.0
    assert cell(result, model, "(no touch)", "value") == 20.0
    total = result.table[result.table.model == model]["conversions"].sum()
    assert total == pytest.approx(3.0)


def test_values_and_markov_details(result):
    assert cell(result, "first", "A", "value") == 100 and cell(result, "first", "B", "value") == 50
    assert cell(result, "linear", "A", "value") == 50
    assert cell(result, "time-decay", "A", "value") == pytest.approx(100 / 3)
    assert cell(result, "markov", "B", "value") == pytest.approx(100)
    assert cell(result, "shapley", "A") == 0 and cell(result, "shapley", "B", "value") == 150
    assert cell(result, "markov", "A", "removal_effect") == pytest.approx(0.5)
    assert cell(result, "markov", "B", "removal_effect") == pytest.approx(1.0)
    assert cell(result, "markov", "C", "removal_effect") == pytest.approx(0.0)
    # start -> A (2 of 4 paths) -> B half the time; start -> B (1 of 4) converts; C never
    assert result.conversion_probability == pytest.approx(0.5)
    assert result.conversions == 3 and result.touched_conversions == 2
    assert result.null_paths == 2  # R, and S whose touch led nowhere


def test_lookback_and_previous_conversion(tmp_path):
    from tests.customers.conftest import make_workspace

    events = (
        "event_id,customer_id,ts,touchpoint,channel\nE1,K,2025-01-01,ad,A\nE2,K,2025-01-03,ad,B\n"
    )
    orders = "order_id,customer_id,ts,amount\nO1,K,2025-01-02,10\nO2,K,2025-01-04,10\n"
    ws = cxlens.open(make_workspace(tmp_path / "ws", {"events": events, "orders": orders}))
    first = attribute(ws, ["first"])
    # the second order's path starts after the first order: only B
    assert cell(first, "first", "A") == 1 and cell(first, "first", "B") == 1
    short = attribute(ws, ["first"], lookback="12h")
    assert set(short.table.channel) == {"(no touch)"}


def dense_removal_effects(counts: pd.DataFrame) -> dict[str, float]:
    """The absorbing chain iterated to convergence with full matrices (no linear solve)."""
    states = sorted(set(counts.source) | set(counts.target))
    index = {s: i for i, s in enumerate(states)}
    m = np.zeros((len(states), len(states)))
    for s, t, n in counts[["source", "target", "paths"]].itertuples(index=False):
        m[index[s], index[t]] += n
    for absorbing in (CONVERSION, NULL):
        m[index[absorbing]] = 0
        m[index[absorbing], index[absorbing]] = 1
    m = m / m.sum(axis=1, keepdims=True)

    def p_conversion(matrix):
        return np.linalg.matrix_power(matrix, 4096)[index[START], index[CONVERSION]]

    base = p_conversion(m)
    out = {}
    for channel in states:
        if channel in (START, CONVERSION, NULL):
            continue
        removed = m.copy()
        c = index[channel]
        removed[:, index[NULL]] += removed[:, c]
        removed[:, c] = 0
        removed[c] = 0
        removed[c, index[NULL]] = 1
        out[channel] = 1 - p_conversion(removed) / base
    return out


def test_markov_matches_a_dense_computation():
    rng = np.random.default_rng(3)
    channels = ["search", "social", "email", "display", "video"]
    rows = []
    for _ in range(400):
        path = list(rng.choice(channels, rng.integers(1, 6)))
        end = CONVERSION if rng.random() < 0.3 + 0.1 * ("email" in path) else NULL
        walk = [START, *path, end]
        rows += list(itertools.pairwise(walk))
    counts = (
        pd.DataFrame(rows, columns=["source", "target"])
        .value_counts()
        .rename("paths")
        .reset_index()
    )
    exact = markov_removal_effects(counts).removal_effects
    dense = dense_removal_effects(counts)
    for channel in channels:
        assert exact[channel] == pytest.approx(dense[channel], abs=1e-9)


def test_errors(attribution_root):
    ws = cxlens.open(attribution_root)
    with pytest.raises(CxlensError, match="Unknown model"):
        attribute(ws, ["magic"])
    with pytest.raises(CxlensError, match="no conversions"):
        attribute(ws, start="2030-01-01")
    with pytest.raises(CxlensError, match="no column 'medium'"):
        attribute(ws, dimension="medium")
    with pytest.raises(CxlensError, match="duration"):
        parse_duration("soon")
    assert parse_duration("2w").days == 14 and parse_duration("30m").seconds == 1800


def test_demo_attribution_adds_up(demo_root):
    result = attribute(cxlens.open(demo_root))
    totals = result.table.groupby("model")["conversions"].sum()
    assert np.allclose(totals.to_numpy(), result.conversions)
    values = result.table.groupby("model")["value"].sum()
    assert np.allclose(values.to_numpy(), result.value)
    markov = result.table[result.table.model == "markov"]
    assert markov["removal_effect"].between(0, 1).all()
    t = result.table
    assert ((t.conversions_low <= t.conversions) & (t.conversions <= t.conversions_high)).all()
    assert ((t.value_low <= t.value) & (t.value <= t.value_high)).all()
    assert (t.conversions_low >= 0).all()
    for _, part in t[t.channel != "(no touch)"].groupby("model"):
        # a channel is only ranked below those whose interval lies wholly above its own
        for _, row in part.iterrows():
            ahead = (part.conversions_low > row.conversions_high).sum()
            assert row["rank"] == 1 + ahead
