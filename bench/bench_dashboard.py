"""Dashboard pages on a large demo workspace: first load (computed) and repeat load (cached).

    python bench/bench_dashboard.py              # 1,000,000 demo customers (about 15M events)
    python bench/bench_dashboard.py --scale 0.1  # 100,000 customers
    python bench/bench_dashboard.py --keep DIR   # build the demo in DIR once, reuse it later
    python bench/bench_dashboard.py --keep DIR --only /dashboard/journeys

Each page is requested through the app (in process, signed in) twice; the first
request computes from the warehouse, the second is served from the result cache.

The journeys page computes the latest complete quarter (map, paths, attribution,
drivers, funnel); its goal is under 10 s at 1,000,000 customers (about 15M events).
It is printed beside its floor: one DuckDB query that only counts that quarter's
events per stage and touchpoint, read straight from the warehouse's files. Its parts
are then computed again one by one, in a fresh connection, and timed each (wall clock
and the process's CPU time, which counts every engine thread).
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

PAGES = [
    "/dashboard",
    "/dashboard/trends?metric=nps&by=country",
    "/dashboard/customers",
    "/dashboard/journeys",
    "/dashboard/feedback",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000,000 customers")
    parser.add_argument("--keep", type=Path, help="build the demo here (once) and keep it")
    parser.add_argument("--only", action="append", choices=PAGES, help="time only this page")
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    import cxlens
    from cxlens.cli.data import run_demo
    from cxlens.collect.service import Collector
    from cxlens.web.app import create_app

    customers = int(1_000_000 * args.scale)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "ws"
        t0 = time.perf_counter()
        if not (root / "cxlens.toml").exists():
            run_demo(
                root, customers=customers, seed=1, start="2024-10-01", end="2026-09-30", force=True
            )
        built = time.perf_counter() - t0
        ws = cxlens.open(root)
        rows = {info.name: info.rows for info in ws.tables()}
        customers = rows.get("customers", customers)
        Collector(ws.config).accounts.add_user("bench", "benchmark password", "viewer")
        client = TestClient(create_app(root, schedule=False, warm=False))
        page = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        client.post(
            "/login",
            data={"username": "bench", "password": "benchmark password", "csrf": csrf},
            follow_redirects=False,  # the overview is timed below, not here
        )
        print(
            f"\n{customers:,} customers built in {built:.0f} s; rows: "
            + ", ".join(f"{k} {v:,}" for k, v in rows.items())
        )
        journeys_first = float("nan")
        print(f"\n{'page':<42}{'first s':>9}{'cached s':>10}{'status':>8}")
        for path in args.only or PAGES:
            t0 = time.perf_counter()
            response = client.get(path)
            status = response.status_code
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            client.get(path)
            again = time.perf_counter() - t0
            print(f"{path:<42}{first:>9.2f}{again:>10.3f}{status:>8}")
            if path == "/dashboard/journeys":
                journeys_first = first
        floor = _journeys_floor(ws)
        print(
            f"\njourneys page, latest complete quarter: {journeys_first:.2f} s (goal < 10 s at "
            f"15M events); floor (DuckDB count of the quarter's events by stage and touchpoint) "
            f"{floor:.2f} s; ratio {journeys_first / floor:.1f}x"
        )
        print(f"\n{'journeys page part':<42}{'s':>9}{'cpu s':>10}")
        for name, wall, cpu in _journeys_parts(cxlens.open(root)):
            print(f"{name:<42}{wall:>9.2f}{cpu:>10.2f}")


def _journeys_parts(ws: Any) -> list[tuple[str, float, float]]:
    """Wall and CPU seconds of each computation the journeys page makes, one after another."""
    from cxlens.journeys.attribution import attribute
    from cxlens.journeys.drivers import drivers
    from cxlens.journeys.journey_map import journey_map
    from cxlens.journeys.paths import paths
    from cxlens.web.dashboard import DEFAULT_FUNNEL, _funnel_data, journey_period

    start, end = journey_period(ws, "quarter")
    parts: list[tuple[str, Callable[[], object]]] = [
        ("journey map", lambda: journey_map(ws, start, end)),
        ("paths (Sankey)", lambda: paths(ws, steps=4, top=10, start=start, end=end)),
        ("attribution", lambda: attribute(ws, start=start, end=end)),
        ("key drivers", lambda: drivers(ws, start=start, end=end, bootstrap=20)),
        ("funnel", lambda: _funnel_data(ws, DEFAULT_FUNNEL, start, end)),
    ]
    out = []
    for name, compute in parts:
        t0, c0 = time.perf_counter(), time.process_time()
        compute()
        out.append((name, time.perf_counter() - t0, time.process_time() - c0))
    out.append(("all parts", sum(p[1] for p in out), sum(p[2] for p in out)))
    return out


def _journeys_floor(ws: object) -> float:
    """Seconds for DuckDB alone to group the latest complete quarter's events."""
    import duckdb

    from cxlens.periods import local_midnight_utc
    from cxlens.web.dashboard import journey_period

    start, end = journey_period(ws, "quarter")
    tz = ws.config.timezone  # type: ignore[attr-defined]
    lo = local_midnight_utc(start, tz)
    hi = local_midnight_utc(end + timedelta(days=1), tz)
    files = str(ws.warehouse.path("events"))  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    duckdb.sql(
        "SELECT stage, touchpoint, count(*), count(DISTINCT customer_id) FROM read_parquet(?) "
        "WHERE ts >= ? AND ts < ? GROUP BY ALL",
        params=[files, lo, hi],
    ).fetchall()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
