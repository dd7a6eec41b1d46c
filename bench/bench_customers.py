"""Customer analytics on the warehouse: RFM, cohorts, lifecycle, churn and CLV.

    python bench/bench_customers.py              # 1,000,000 customers (about 10M orders)
    python bench/bench_customers.py --scale 0.1  # 100,000 customers

Orders are written straight to Parquet (customers buy at their own Poisson rate
and stop after an exponential lifetime, so every step has realistic work). Each
step's time is printed with its throughput; the goal for CLV is a fit on 1M
customers in under 10 s.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

START = np.datetime64("2024-01-01T00:00:00", "us")
DAYS = 730


def generate(root: Path, customers: int) -> int:
    import cxlens

    cxlens.init(root)
    rng = np.random.default_rng(42)
    first = rng.random(customers) * DAYS * 0.9
    life = rng.exponential(1.0 / rng.gamma(0.8, 1 / 240, customers))  # dropout rates vary too
    rate = rng.gamma(0.8, 1 / 40, customers)  # purchases per day while active
    span = np.minimum(first + life, DAYS) - first
    counts = 1 + rng.poisson(rate * span)
    owner = np.repeat(np.arange(customers), counts)
    offset = rng.random(owner.size) * np.repeat(span, counts)
    is_first = np.r_[True, owner[1:] != owner[:-1]]
    offset[is_first] = 0.0
    day = first[owner] + offset
    us = START.astype(np.int64) + (day * 86_400e6).astype(np.int64)
    ids = np.char.add("C", np.arange(customers).astype(str))
    table = pa.table(
        {
            "order_id": pa.array(np.char.add("O", np.arange(owner.size).astype(str))),
            "customer_id": pa.array(ids[owner]),
            "ts": pa.array(us, type=pa.timestamp("us", tz="UTC")),
            "amount": pa.array(np.round(rng.gamma(2.0, 30.0, owner.size), 2)),
        }
    )
    pq.write_table(table, root / "warehouse" / "orders.parquet")
    return int(owner.size)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000,000 customers")
    args = parser.parse_args()
    import cxlens
    from cxlens.customers.churn import likely_churned
    from cxlens.customers.cohorts import cohort_retention, lifecycle
    from cxlens.customers.rfm import rfm, segment_summary
    from cxlens.customers.value import predict_clv

    n = int(1_000_000 * args.scale)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        t0 = time.perf_counter()
        orders = generate(root, n)
        print(f"{n:,} customers, {orders:,} orders generated in {time.perf_counter() - t0:.1f} s\n")
        ws = cxlens.open(root)
        steps = [
            ("rfm scores + segments", lambda: rfm(ws).execute()),
            ("segment summary", lambda: segment_summary(ws, rfm(ws))),
            ("cohorts (first, monthly)", lambda: cohort_retention(ws, "first")),
            ("cohorts (recurring)", lambda: cohort_retention(ws, "recurring")),
            ("lifecycle (monthly)", lambda: lifecycle(ws)),
            ("churn, 4 quarter ends", lambda: likely_churned(ws, "quarter", 4)),
            ("clv bgnbd + gamma-gamma", lambda: predict_clv(ws, "bgnbd")),
            ("clv pareto + gamma-gamma", lambda: predict_clv(ws, "pareto")),
        ]
        print(f"{'step':<28}{'seconds':>10}{'customers/s':>14}")
        clv_seconds = 0.0
        for name, step in steps:
            t0 = time.perf_counter()
            step()
            seconds = time.perf_counter() - t0
            if name.startswith("clv bgnbd"):
                clv_seconds = seconds
            print(f"{name:<28}{seconds:>10.2f}{n / seconds:>14,.0f}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\npeak memory {peak:,.0f} MB")
        projected = clv_seconds * 1_000_000 / n
        verdict = "met" if projected < 10 else "not met"
        print(
            f"goal: CLV (summary in the warehouse + fits) on 1M customers under 10 s -> {verdict}"
            f" ({projected:.1f} s projected)"
        )


if __name__ == "__main__":
    main()
