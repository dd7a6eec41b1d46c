"""Connecting to the Ibis backend named by the workspace's warehouse URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlparse

from cxlens.errors import CxlensError

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

    from cxlens.schema import Table

#: logical column type -> Ibis data type
IBIS_TYPES = {
    "string": "string",
    "timestamp": "timestamp('UTC', 6)",
    "date": "date",
    "float": "float64",
    "integer": "int64",
    "boolean": "boolean",
}


def connect(url: str, options: dict[str, Any] | None = None) -> BaseBackend:
    """Open the analytics engine for ``url`` (``duckdb://`` or ``pyspark://...``)."""
    import ibis

    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "duckdb":
        parsed = urlparse(url)
        con = ibis.duckdb.connect()  # in memory: the tables are Parquet files
        con.raw_sql("SET TimeZone = 'UTC'")
        threads = dict(parse_qsl(parsed.query)).get("threads")
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        return con
    if scheme == "pyspark":
        return connect_spark(url, options or {})
    raise CxlensError(
        f"Unsupported warehouse URL '{url}'. Use duckdb:// (embedded, the default) "
        "or pyspark:// (pyspark://local[2] for a local session, pyspark://HOST:7077 for a cluster)."
    )


def connect_spark(url: str, options: dict[str, Any]) -> BaseBackend:
    """A PySpark session for ``pyspark://MASTER`` with the settings cxlens relies on."""
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError:
        raise CxlensError(
            "The warehouse URL asks for Spark, but PySpark is not installed: "
            "pip install 'cxlens[spark]' (needs Java 17)."
        ) from None
    import os

    # keep the driver on the loopback interface unless told otherwise
    os.environ.setdefault("SPARK_LOCAL_IP", str(options.get("driver_host", "127.0.0.1")))
    rest = url.split("://", 1)[1]
    if not rest or rest.startswith("local"):
        master = rest or "local[2]"
    elif rest.startswith(("spark:", "yarn", "k8s:")):
        master = rest
    else:
        master = f"spark://{rest}"
    builder = (
        SparkSession.builder.master(master)
        .appName("cxlens")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(options.get("shuffle_partitions", 8)))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", options.get("driver_host", "127.0.0.1"))
        .config("spark.driver.bindAddress", options.get("driver_bind_address", "127.0.0.1"))
    )
    for key, value in (options.get("spark") or {}).items():
        builder = builder.config(str(key), str(value))
    session = builder.getOrCreate()
    return ibis.pyspark.connect(session)


def empty_table(spec: Table) -> ir.Table:
    """An empty in-memory table with the canonical columns of ``spec``."""
    import ibis
    import pyarrow as pa

    schema = ibis.schema({c.name: IBIS_TYPES[c.type] for c in spec.columns})
    return ibis.memtable(pa.Table.from_pylist([], schema=schema.to_pyarrow()))
