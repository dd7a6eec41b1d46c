"""Benchmark: fit the CLV models on simulated customers and check parameter recovery.

Simulates customers from a BG/NBD process (CDNOW-like parameters, ages of up
to a year in whole days, measured in weeks) and spend from a
Gamma-Gamma process, then fits BG/NBD, Pareto/NBD and Gamma-Gamma, printing wall
time, peak traced memory and estimated versus true parameters side by side.

    .venv/bin/python bench/bench_clv.py [--customers N] [--scale S] [--seed K]

Goal: the BG/NBD fit of 1,000,000 customers in under 10 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxlens.clv import BGNBDModel, GammaGammaModel, ParetoNBDModel, customer_lifetime_value

TRUE_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
TRUE_GAMMAGAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
DEFAULT_CUSTOMERS = 1_000_000


@dataclass
class Simulated:
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    monetary_value: np.ndarray


def simulate(n: int, rng: np.random.Generator, max_age_days: int = 364) -> Simulated:
    """Vectorised BG/NBD + Gamma-Gamma simulation, times in weeks on a daily grid.

    Per customer: ``λ ~ Gamma(r, rate α)``, ``p ~ Beta(a, b)``; the customer drops
    out right after repeat purchase ``K ~ Geometric(p)``.  With ``N ~ Poisson(λT)``
    purchase events in ``(0, T]``, ``x = min(N, K)`` and the x-th event time is the
    x-th of ``N`` uniform order statistics, ``T · Beta(x, N − x + 1)``.  Customers
    first bought at the start of a day ``T`` whole days before the end.
    """
    r, alpha, a, b = TRUE_BGNBD.values()
    age_days = rng.integers(0, max_age_days + 1, n)
    age = age_days / 7.0
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    events = rng.poisson(lam * age)
    survives = rng.geometric(p)
    x = np.minimum(events, survives)
    has = x > 0
    tx = np.zeros(n)
    tx[has] = age[has] * rng.beta(x[has], events[has] - x[has] + 1)
    # recorded to the nearest whole day, like a daily summary (flooring instead would
    # shorten recency by half a day on average and bias alpha by several SEs)
    recency = np.minimum(np.round(tx * 7.0), age_days) / 7.0
    pp, q, gamma = TRUE_GAMMAGAMMA.values()
    nu = rng.gamma(q, 1.0 / gamma, n)
    monetary = np.zeros(n)
    monetary[has] = rng.gamma(pp * x[has], 1.0 / nu[has]) / x[has]
    return Simulated(x.astype(float), recency, age, np.round(monetary, 2))


def _rss_bytes() -> int:
    """Resident set size of this process (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _release_free_memory() -> None:
    """Hand freed heap memory back to the OS (glibc), so the next stage starts low."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``fn``; return its result, wall seconds and peak memory growth in MB.

    Memory is the peak resident set size above the level at the start, sampled
    every 2 ms by a background thread (tracemalloc would slow the fits several-fold).
    """
    _release_free_memory()
    base = _rss_bytes()
    peak = base
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_bytes())
            done.wait(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        result = fn()
    finally:
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    peak = max(peak, _rss_bytes())
    return result, seconds, (peak - base) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=None, help="customers to simulate")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of 1,000,000 customers (make bench)"
    )
    parser.add_argument("--seed", type=int, default=20050101)
    parser.add_argument("--skip-pareto", action="store_true", help="leave out the Pareto/NBD fit")
    args = parser.parse_args()
    n = args.customers if args.customers is not None else int(DEFAULT_CUSTOMERS * args.scale)

    rng = np.random.default_rng(args.seed)
    data, sim_s, sim_mb = measure(lambda: simulate(n, rng))
    repeaters = int((data.frequency > 0).sum())
    distinct = len(np.unique(np.column_stack([data.frequency, data.recency, data.T]), axis=0))
    print(f"simulated {n:,} customers in {sim_s:.2f} s (+{sim_mb:.0f} MB peak RSS)")
    print(
        f"  {repeaters:,} with repeat purchases, {distinct:,} distinct (x, t_x, T) rows,"
        f" mean x = {data.frequency.mean():.3f}, max x = {data.frequency.max():.0f}"
    )

    rows = []
    timings = []

    def record(name: str, model: Any, truth: dict[str, float] | None, secs: float, mb: float):
        table = model.summary()
        for param in model.param_names:
            true = truth[param] if truth else np.nan
            est = table.loc[param, "estimate"]
            rows.append(
                {
                    "model": name,
                    "param": param,
                    "true": true,
                    "estimate": est,
                    "std_error": table.loc[param, "std_error"],
                    "error_in_se": (est - true) / table.loc[param, "std_error"],
                }
            )
        timings.append(
            {
                "model": name,
                "wall_s": secs,
                "peak_rss_MB": mb,
                "log_likelihood": model.log_likelihood_,
                "customers": model.n_customers_,
                "distinct_rows": model.n_distinct_rows_,
                "converged": model.converged_,
            }
        )

    x, tx, age, m = data.frequency, data.recency, data.T, data.monetary_value
    bg, secs, mb = measure(lambda: BGNBDModel().fit(x, tx, age))
    record("BG/NBD", bg, TRUE_BGNBD, secs, mb)
    if not args.skip_pareto:
        pn, secs, mb = measure(lambda: ParetoNBDModel().fit(x, tx, age))
        record("Pareto/NBD", pn, None, secs, mb)
    gg, secs, mb = measure(lambda: GammaGammaModel().fit(x, m))
    record("Gamma-Gamma", gg, TRUE_GAMMAGAMMA, secs, mb)
    clv, clv_secs, clv_mb = measure(
        lambda: customer_lifetime_value(bg, gg, x, tx, age, m, time_unit="W", horizon_months=12)
    )

    with pd.option_context("display.width", 120, "display.float_format", "{:.4f}".format):
        print()
        print(pd.DataFrame(timings).set_index("model").to_string())
        print()
        print(pd.DataFrame(rows).set_index(["model", "param"]).to_string())
    print(
        f"\n12-month CLV (BG/NBD x Gamma-Gamma, 1%/month) for {n:,} customers:"
        f" {clv_secs:.2f} s, +{clv_mb:.0f} MB peak RSS; mean {clv.mean():.2f},"
        f" top 10% of customers hold {np.sort(clv)[-max(1, n // 10) :].sum() / clv.sum():.0%}"
    )
    if n >= DEFAULT_CUSTOMERS:
        bg_secs = timings[0]["wall_s"]
        verdict = "met" if bg_secs < 10 else "NOT met"
        print(f"\nGoal (BG/NBD on {n:,} customers under 10 s): {verdict} ({bg_secs:.2f} s)")


if __name__ == "__main__":
    main()
