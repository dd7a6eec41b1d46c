"""RFM, cohorts, lifecycle and the purchase summary agree on DuckDB and Spark."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import cxlens
from cxlens.customers.cohorts import cohort_retention, lifecycle
from cxlens.customers.rfm import rfm
from cxlens.customers.summary import purchase_summary
from tests.metrics.conftest_backends import HAS_SPARK, use_spark

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(not HAS_SPARK, reason="PySpark or Java is not installed"),
]


def on_spark(root, tmp_path):
    copy = tmp_path / root.parent.name
    shutil.copytree(root, copy)
    use_spark(copy)
    return cxlens.open(copy)


def test_rfm_summary_cohorts_lifecycle(rfm_root, cohort_root, tmp_path):
    local, spark = cxlens.open(rfm_root), on_spark(rfm_root, tmp_path)
    a, b = rfm(local, "2025-06-30").execute(), rfm(spark, "2025-06-30").execute()
    cols = ["customer_id", "recency", "frequency", "monetary"]
    pd.testing.assert_frame_equal(a[cols], b[cols], check_dtype=False)
    # approximate quantiles on Spark are values of the data, not interpolated:
    # scores may differ only where a value lies between the two kinds of cut-off
    assert (a["segment"] == b["segment"]).mean() >= 0.6
    sa = purchase_summary(local, "2025-06-30").table.order_by("customer_id").execute()
    sb = purchase_summary(spark, "2025-06-30").table.order_by("customer_id").execute()
    pd.testing.assert_frame_equal(sa, sb, check_dtype=False, rtol=1e-9)
    local, spark = cxlens.open(cohort_root), on_spark(cohort_root, tmp_path)
    for definition in ("first", "recurring"):
        pd.testing.assert_frame_equal(
            cohort_retention(local, definition, "month", 3).cells,
            cohort_retention(spark, definition, "month", 3).cells,
            check_dtype=False,
        )
    pd.testing.assert_frame_equal(lifecycle(local), lifecycle(spark), check_dtype=False)
