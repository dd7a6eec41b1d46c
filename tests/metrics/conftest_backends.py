"""The engines every parity test runs on; Spark needs Java and PySpark."""

from __future__ import annotations

import importlib.util
import shutil

import pytest

HAS_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None

BACKENDS = [
    "duckdb",
    pytest.param(
        "pyspark",
        marks=[
            pytest.mark.spark,
            pytest.mark.skipif(not HAS_SPARK, reason="PySpark or Java is not installed"),
        ],
    ),
]
