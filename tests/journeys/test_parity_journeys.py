"""Funnels, paths, attribution and the journey map agree on DuckDB and Spark."""

from __future__ import annotations

import pandas as pd
import pytest

import cxlens
from cxlens.journeys.attribution import attribute
from cxlens.journeys.funnel import funnel
from cxlens.journeys.journey_map import journey_map
from cxlens.journeys.paths import paths
from tests.customers.test_parity_customers import on_spark
from tests.metrics.conftest_backends import HAS_SPARK

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(not HAS_SPARK, reason="PySpark or Java is not installed"),
]


def test_engines_agree(funnel_root, attribution_root, paths_root, map_root, tmp_path):
    local, spark = cxlens.open(funnel_root), on_spark(funnel_root, tmp_path)
    for order in ("ordered", "strict", "unordered"):
        pd.testing.assert_frame_equal(
            funnel(local, ["A", "B", "C"], order=order).table,
            funnel(spark, ["A", "B", "C"], order=order).table,
            check_dtype=False,
        )
    local, spark = cxlens.open(attribution_root), on_spark(attribution_root, tmp_path)
    a, b = attribute(local).table, attribute(spark).table
    keys = ["model", "channel"]
    # the credits agree; the bootstrap groups come from each engine's own hash, so the
    # intervals differ between engines but each holds its point
    points = ["model", "channel", "conversions", "value", "removal_effect"]
    pd.testing.assert_frame_equal(
        a.sort_values(keys).reset_index(drop=True)[points],
        b.sort_values(keys).reset_index(drop=True)[points],
        check_dtype=False,
    )
    for t in (a, b):
        assert ((t.conversions_low <= t.conversions) & (t.conversions <= t.conversions_high)).all()
        assert ((t.value_low <= t.value) & (t.value <= t.value_high)).all()
    local, spark = cxlens.open(paths_root), on_spark(paths_root, tmp_path)
    pa, pb = paths(local), paths(spark)
    pd.testing.assert_frame_equal(pa.sequences, pb.sequences, check_dtype=False)
    link_keys = ["source", "target"]
    pd.testing.assert_frame_equal(
        pa.links.sort_values(link_keys).reset_index(drop=True),
        pb.links.sort_values(link_keys).reset_index(drop=True),
        check_dtype=False,
    )
    local, spark = cxlens.open(map_root), on_spark(map_root, tmp_path)
    pd.testing.assert_frame_equal(journey_map(local), journey_map(spark), check_dtype=False)
