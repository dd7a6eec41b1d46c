"""Shapley attribution against values worked by hand on three channels."""

from __future__ import annotations

import numpy as np
import pytest

from cxlens.journeys.shapley import shapley_credits

A, B, C = 1, 2, 4
#: channel set -> (paths, conversions): p(A) = .2, p(B) = .1, p(C) = 0, p(AB) = .4,
#: p(AC) = p(BC) = .2, p(ABC) = .6
SETS = {A: (10, 2), B: (10, 1), C: (10, 0), A | B: (10, 4), A | C: (5, 1), B | C: (5, 1),
        A | B | C: (10, 6)}  # fmt: skip


def credits(sets=SETS, values=None):
    masks = list(sets)
    paths = [sets[m][0] for m in masks]
    conversions = [sets[m][1] for m in masks]
    return shapley_credits(masks, paths, conversions, values or conversions, 3)


def test_three_channels_by_hand():
    # {A,B}: phi_A = 1/2 p(A) + 1/2 (p(AB) - p(B)) = .25, phi_B = .15 -> 4 conversions 2.5 / 1.5
    # {A,C}: phi_A = 1/2 (.2) + 1/2 (.2 - 0) = .2, phi_C = 1/2 (0) + 1/2 (.2 - .2) = 0 -> A 1
    # {B,C}: phi_B = .15, phi_C = .05 -> B .75, C .25
    # {A,B,C}: phi_A = .2/3 + .3/6 + .2/6 + .4/3 = 17/60, phi_B = 14/60, phi_C = 5/60
    #   -> 6 conversions: A 6*17/36, B 6*14/36, C 6*5/36
    conversions, _ = credits()
    a = 2 + 2.5 + 1 + 6 * 17 / 36
    b = 1 + 1.5 + 0.75 + 6 * 14 / 36
    c = 0.25 + 6 * 5 / 36
    np.testing.assert_allclose(conversions, [a, b, c], rtol=1e-12)
    assert conversions.sum() == pytest.approx(15)  # every conversion shared out once


def test_value_follows_the_same_shares():
    sets = dict(SETS)
    masks = list(sets)
    values = [100.0 * sets[m][1] for m in masks]
    conversions, value = credits(values=values)
    np.testing.assert_allclose(value, 100 * conversions)


def test_a_channel_that_lowers_the_chance_gets_nothing():
    # p(A) = .5, p(B) = .1, p(AB) = .3: B joining A lowers the chance
    sets = {A: (10, 5), B: (10, 1), A | B: (10, 3)}
    conversions, _ = credits(sets)
    # {A,B}: phi_A = 1/2 (.5) + 1/2 (.3 - .1) = .35, phi_B = 1/2 (.1) + 1/2 (.3 - .5) = -.05
    np.testing.assert_allclose(conversions, [5 + 3, 1, 0])


def test_replicates_are_computed_row_by_row():
    masks = list(SETS)
    paths = np.array([[SETS[m][0] for m in masks]] * 2, dtype=float)
    conv = np.array([[SETS[m][1] for m in masks]] * 2, dtype=float)
    paths[1] *= 2
    conv[1] *= 2  # the same rates, twice the conversions
    per_rep, _ = shapley_credits(masks, paths, conv, conv, 3)
    np.testing.assert_allclose(per_rep[1], 2 * per_rep[0])
    np.testing.assert_allclose(per_rep[0], credits()[0])
