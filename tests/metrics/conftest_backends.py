"""The engines every parity test runs on; Spark needs Java and PySpark."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

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

#: A local Spark session tuned for the parity tests' few hand-made rows, where the JVM's
#: start and Spark's planning cost far more than the data. The JVM compiles with its quick
#: compiler only (a short-lived driver never earns the optimising one back) and collects
#: garbage in one thread; whole-stage code generation (a Java compile per query) is off,
#: as Spark itself turns it off for queries it cannot compile; two shuffle partitions
#: match the two local cores. None of them changes what a query returns.
SPARK_SETTINGS = """
[warehouse.spark]
"spark.driver.extraJavaOptions" = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
"spark.sql.codegen.wholeStage" = "false"
"spark.sql.shuffle.partitions" = "2"
"spark.ui.showConsoleProgress" = "false"
"""


def use_spark(root: Path) -> None:
    """Point the workspace at ``root`` (on DuckDB) at a local Spark session instead."""
    toml = root / "cxlens.toml"
    text = toml.read_text()
    assert 'url = "duckdb://"' in text and "[warehouse.spark]" not in text
    toml.write_text(
        text.replace('url = "duckdb://"', 'url = "pyspark://local[2]"') + SPARK_SETTINGS
    )
