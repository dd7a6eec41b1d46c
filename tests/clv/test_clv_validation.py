"""Data that cannot support a fit gives a CxlensError saying what is wrong and in how many rows."""

from __future__ import annotations

import numpy as np
import pytest

from cxlens.clv import BGNBDModel, ClvDataError, ParetoNBDModel
from cxlens.errors import CxlensError


@pytest.mark.parametrize("model", [BGNBDModel, ParetoNBDModel])
def test_empty_summary(model: type[BGNBDModel]) -> None:
    with pytest.raises(CxlensError, match=r"the customer summary is empty \(0 rows\)"):
        model().fit([], [], [])


@pytest.mark.parametrize("model", [BGNBDModel, ParetoNBDModel])
def test_no_repeat_purchases(model: type[BGNBDModel]) -> None:
    with pytest.raises(
        ClvDataError, match=r"none of the 4 customer row\(s\) has a repeat purchase"
    ):
        model().fit([0, 0, 0, 0], [0, 0, 0, 0], [10, 20, 30, 40])


def test_every_problem_is_listed_with_counts_and_rows() -> None:
    with pytest.raises(ClvDataError) as info:
        BGNBDModel().fit([1, 2, -1, 0, 1.5], [5, 50, 1, 3, 1], [10, 40, 10, 10, 10])
    message = str(info.value)
    assert "'frequency' is negative in 1 row(s) (row 3)" in message
    # row 3 is negative, so other checks wait until that is fixed
    with pytest.raises(ClvDataError) as info:
        BGNBDModel().fit([1, 2, 1, 0, 1.5], [5, 50, 1, 3, 1], [10, 40, 10, 10, 10])
    message = str(info.value)
    assert "3 problem(s) in 5 customer row(s)" in message
    assert "'frequency' is not a whole number in 1 row(s) (row 5)" in message
    assert "'recency' is greater than 'T' in 1 row(s) (row 2)" in message
    assert "'recency' is above 0 although 'frequency' is 0 in 1 row(s) (row 4)" in message
    assert len(info.value.problems) == 3


def test_non_finite_values() -> None:
    with pytest.raises(
        ClvDataError, match=r"'T' is missing or not finite in 2 row\(s\) \(row 1, 3\)"
    ):
        BGNBDModel().fit([1, 1, 1], [1, 1, 1], [np.nan, 5, np.inf])
    rows = np.arange(8.0)
    with pytest.raises(ClvDataError, match=r"in 8 row\(s\) \(row 1, 2, 3, 4, 5, \.\.\. 3 more\)"):
        BGNBDModel().fit(rows, rows, np.full(8, np.nan))


def test_shapes_text_and_weights() -> None:
    with pytest.raises(ClvDataError, match="the columns differ in length"):
        BGNBDModel().fit([1, 2], [1, 2], [3])
    with pytest.raises(ClvDataError, match="'recency' must hold numbers"):
        BGNBDModel().fit([1], ["soon"], [3])
    with pytest.raises(ClvDataError, match="all 2 weights are zero"):
        BGNBDModel().fit([1, 2], [1, 2], [3, 3], weights=[0, 0])
    with pytest.raises(ClvDataError, match=r"'weights' is negative in 1 row\(s\)"):
        BGNBDModel().fit([1, 2], [1, 2], [3, 3], weights=[1, -1])


def test_predictions_check_their_input_too() -> None:
    model = BGNBDModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    with pytest.raises(ClvDataError, match="'recency' is greater than 'T'"):
        model.probability_alive([1], [5], [4])
