"""The same metrics on DuckDB and on a local Spark session give the same numbers."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import cxlens
from cxlens.metrics.catalog import load_catalog
from tests.metrics.conftest_backends import BACKENDS, use_spark

ALL = sorted(load_catalog())
CASES = [
    {"period": "quarter"},
    {"period": "month", "by": ["country"], "compare": "previous"},
    {"by": ["channel"]},
]


@pytest.fixture(scope="module", params=BACKENDS)
def engine_ws(request, hand_ws, tmp_path_factory):
    """The hand-worked workspace read through each engine (same Parquet files).

    Sums are added up in a different order by each engine, so values agree to
    floating-point precision (1e-9 relative), not bit for bit.
    """
    if request.param == "duckdb":
        yield hand_ws
        return
    root = tmp_path_factory.mktemp("spark") / "ws"
    shutil.copytree(hand_ws.root, root)
    use_spark(root)
    ws = cxlens.open(root)
    yield ws


@pytest.fixture(scope="module")
def reference(hand_ws):
    return {i: hand_ws.kpi(ALL, **case) for i, case in enumerate(CASES)}


@pytest.mark.parametrize("case", range(len(CASES)))
def test_engines_agree(engine_ws, reference, case):
    got = engine_ws.kpi(ALL, **CASES[case])
    want = reference[case]
    keys = [c for c in want.columns if c in ("metric", "country", "channel", "period")]
    got = got.sort_values(keys).reset_index(drop=True)
    want = want.sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, check_dtype=False)
