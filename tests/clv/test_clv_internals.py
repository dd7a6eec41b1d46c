"""Analytic gradients against finite differences, and row compression."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlens.clv import BGNBDModel, ParetoNBDModel, bgnbd, gammagamma, paretonbd
from cxlens.clv.base import compress

CDNOW = pd.read_csv(Path(__file__).parent.parent / "fixtures" / "cdnow_summary.csv")
EXTREME = pd.DataFrame(
    {
        "x": [500, 500, 0, 300, 1],
        "t_x": [38.86, 1.0, 0.0, 38.0, 0.5],
        "T": [38.86, 38.86, 0.0, 38.86, 38.86],
    }
)
RFM = pd.concat([CDNOW[["x", "t_x", "T"]], EXTREME], ignore_index=True)


def central_difference(objective: Callable, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    return np.array(
        [
            (objective(theta + h * e)[0] - objective(theta - h * e)[0]) / (2 * h)
            for e in np.eye(theta.size)
        ]
    )


def rfm_objective(module) -> Callable:
    data = compress([RFM[c].to_numpy(float) for c in ("x", "t_x", "T")], np.ones(len(RFM)))
    return module._objective(data)


@pytest.mark.parametrize(
    "params",
    [(0.243, 4.414, 0.793, 2.426), (3.0, 0.2, 5.0, 0.4), (0.05, 80.0, 0.2, 30.0)],
)
def test_bgnbd_gradient(params: tuple[float, ...]) -> None:
    objective = rfm_objective(bgnbd)
    theta = np.log(params)
    np.testing.assert_allclose(
        objective(theta)[1], central_difference(objective, theta), rtol=1e-6, atol=1e-4
    )


@pytest.mark.parametrize(
    "params",
    [
        (0.553, 10.578, 0.606, 11.669),
        (0.5, 100.0, 2.0, 0.1),
        (0.3, 0.5, 1.5, 40.0),
        (2.0, 5.0, 1.0, 5.0),
    ],
)
def test_paretonbd_gradient(params: tuple[float, ...]) -> None:
    objective = rfm_objective(paretonbd)
    theta = np.log(params)
    np.testing.assert_allclose(
        objective(theta)[1], central_difference(objective, theta), rtol=1e-6, atol=1e-4
    )


@pytest.mark.parametrize("params", [(6.25, 3.74, 15.44), (0.5, 1.2, 200.0)])
def test_gammagamma_gradient(params: tuple[float, ...]) -> None:
    repeat = CDNOW[CDNOW["x"] > 0]
    data = compress(
        [repeat["x"].to_numpy(float), repeat["zbar"].to_numpy(float)], np.ones(len(repeat))
    )
    objective = gammagamma._objective(data)
    theta = np.log(params)
    np.testing.assert_allclose(
        objective(theta)[1], central_difference(objective, theta), rtol=1e-6, atol=1e-4
    )


def test_compress_keeps_rows_and_weights() -> None:
    x = np.array([1.0, 0.0, 1.0, 2.0, 1.0, 0.0])
    t = np.array([5.0, 0.0, 5.0, 5.0, 4.0, 0.0])
    w = np.array([1.0, 2.0, 3.0, 0.0, 1.0, 1.0])
    c = compress([x, t], w)
    assert c.weights.sum() == w.sum()
    assert len(c.weights) == 3  # (1, 5), (0, 0), (1, 4); the zero-weight row is dropped
    assert c.inverse[3] == -1
    for i in np.flatnonzero(w > 0):
        assert (c.columns[0][c.inverse[i]], c.columns[1][c.inverse[i]]) == (x[i], t[i])
    assert c.weights[c.inverse[0]] == 4.0


def test_per_customer_horizons_and_unfitted_summary() -> None:
    model = BGNBDModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    both = model.conditional_expected_purchases(
        [39.0, 78.0], [2, 2], [30.43, 30.43], [38.86, 38.86]
    )
    assert both[0] == pytest.approx(model.conditional_expected_purchases(39, 2, 30.43, 38.86)[0])
    assert both[1] > both[0]
    table = model.summary()
    assert table["estimate"].tolist() == [0.243, 4.414, 0.793, 2.426]
    assert table["std_error"].isna().all()
    assert repr(model) == "BGNBDModel(r=0.243, alpha=4.414, a=0.793, b=2.426)"
    assert repr(ParetoNBDModel()) == "ParetoNBDModel(unfitted)"
