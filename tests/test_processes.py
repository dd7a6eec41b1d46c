"""Real processes: a killed import loses nothing; readers and writers share a workspace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

import cxlens

CLI = [sys.executable, "-m", "cxlens"]


#: order i's customer is C{i % 1000}; its day is 2025-{1 + i % 12}-{1 + i % 28} (84 apart)
CUSTOMER_IDS = np.array([f"C{k}" for k in range(1000)], dtype=object)
STAMPS = np.array(
    [f"2025-{1 + k % 12:02d}-{1 + k % 28:02d} 10:00:00" for k in range(84)], dtype=object
)


def orders_csv(path: Path, n: int, start: int = 0) -> Path:
    """Orders O{start}… as a CSV file (built column by column: millions of rows in a second)."""
    ids = np.arange(start, start + n)
    table = pa.table(
        {
            "order_id": pc.binary_join_element_wise("O", pa.array(ids).cast(pa.string()), ""),
            "customer_id": pa.array(CUSTOMER_IDS[ids % 1000], pa.string()),
            "ts": pa.array(STAMPS[ids % 84], pa.string()),
            "amount": pa.array((ids % 500) / 10.0),
        }
    )
    pacsv.write_csv(table, path)
    return path


def tables_state(ws_dir: Path) -> dict[str, tuple[int, int]]:
    data = ws_dir / "warehouse"
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns)
        for p in data.glob("*.parquet")
        if not p.name.startswith(".")
    }


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """3 million orders (132 MB): an import of them takes long enough to be killed midway."""
    return orders_csv(tmp_path_factory.mktemp("big") / "big.csv", 3_000_000, start=10_000)


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["while reading", "while writing"])
def test_killed_import_leaves_the_table_as_it_was(tmp_path, big_csv, moment):
    ws_dir = tmp_path / "ws"
    cxlens.init(ws_dir)
    ws = cxlens.open(ws_dir)
    ws.import_file("orders", orders_csv(tmp_path / "small.csv", 1000))
    before = tables_state(ws_dir)
    rows_before = ws.table("orders").count().execute()
    env = {**os.environ, "CXLENS_STAGING_MEMORY": "256MB"}
    proc = subprocess.Popen([*CLI, "import", "orders", str(big_csv), "-w", str(ws_dir)], env=env)
    pattern = ".tmp-stage-*" if moment == "while reading" else ".tmp-orders-*.parquet"
    deadline = time.monotonic() + 120
    while not list((ws_dir / "warehouse").glob(pattern)):
        assert proc.poll() is None, "the import finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert tables_state(ws_dir) == before
    # the next start (opening the workspace) clears what the killed import left behind
    assert cxlens.open(ws_dir).table("orders").count().execute() == rows_before
    assert not list((ws_dir / "warehouse").glob(".tmp-*"))
    again = ws.import_file("orders", orders_csv(tmp_path / "more.csv", 10, start=5000))
    assert again.added == 10
    assert not list((ws_dir / "warehouse").glob(".tmp-*"))


READER = textwrap.dedent(
    """
    import sys, time, json
    import cxlens
    ws = cxlens.open(sys.argv[1])
    seen, errors = [], []
    end = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < end:
        try:
            seen.append(int(ws.table("orders").count().execute()))
        except Exception as exc:
            errors.append(repr(exc))
        time.sleep(0.01)
    print(json.dumps({"seen": seen, "errors": errors}))
    """
)


@pytest.mark.slow
def test_reader_and_two_writers_in_separate_processes(tmp_path):
    import json

    ws_dir = tmp_path / "ws"
    cxlens.init(ws_dir)
    files = [orders_csv(tmp_path / f"part{i}.csv", 200_000, start=i * 1_000_000) for i in range(3)]
    cxlens.open(ws_dir).import_file("orders", files[0])
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(ws_dir), "6"], stdout=subprocess.PIPE, text=True
    )
    time.sleep(1.0)
    writers = [
        subprocess.Popen(
            [*CLI, "import", "orders", str(f), "-w", str(ws_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files[1:]
    ]
    outputs = [w.communicate(timeout=120) for w in writers]
    for w, (out, err) in zip(writers, outputs, strict=True):
        assert w.returncode == 0, err
        assert "200000 added" in out
        assert "lock" not in err.lower()
    out, _ = reader.communicate(timeout=60)
    report = json.loads(out)
    assert report["errors"] == []
    seen = report["seen"]
    assert seen, "the reader ran no query"
    assert set(seen) <= {200_000, 400_000, 600_000}
    assert seen == sorted(seen)
    assert cxlens.open(ws_dir).table("orders").count().execute() == 600_000
