"""Funnels and Markov attribution: cxlens on DuckDB vs a straightforward pandas implementation.

    python bench/bench_journeys.py              # 1M customers, 10M events, about 1M conversion paths
    python bench/bench_journeys.py --scale 0.1  # a tenth of that

Each contender runs in its own process, so its peak memory is its own. When the
ChannelAttribution package is installed, its Markov model is timed on the same
paths too (from paths built with pandas as above; the time of its model alone is shown
too). It installs with `pip install ChannelAttribution matplotlib` (it compiles C++).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHANNELS = np.array(["search", "social", "display", "email", "affiliate", "video"])
TOUCHPOINTS = np.array(["website_visit", "product_page", "cart", "checkout"])
STEPS = list(TOUCHPOINTS)
START = np.datetime64("2025-01-01T00:00:00", "us")
DAYS = 365
LOOKBACK_US = 30 * 86_400 * 1_000_000
WINDOW_US = 14 * 86_400 * 1_000_000


def generate(root: Path, scale: float) -> tuple[int, int]:
    import cxlens

    cxlens.init(root)
    rng = np.random.default_rng(7)
    customers = int(1_000_000 * scale)
    n = int(10_000_000 * scale)
    # sessions walk down the funnel and stop at a random step, a few minutes per step
    sessions = int(n / 2.2)
    length = rng.choice([1, 2, 3, 4], sessions, p=[0.4, 0.3, 0.18, 0.12])
    n = int(length.sum())
    owner = np.repeat(rng.integers(0, customers, sessions), length)
    begin = np.repeat(rng.random(sessions) * DAYS * 86_400e6, length)
    first = np.r_[0, np.cumsum(length)[:-1]]
    tp = np.arange(n) - np.repeat(first, length)
    us = START.astype(np.int64) + (begin + tp * 180e6 + rng.random(n) * 60e6).astype(np.int64)
    ch = np.repeat(rng.choice(len(CHANNELS), sessions, p=[0.3, 0.2, 0.15, 0.15, 0.1, 0.1]), length)
    cust = owner
    ids = np.char.add("C", cust.astype(str))
    pq.write_table(
        pa.table(
            {
                "event_id": pa.array(np.char.add("E", np.arange(n).astype(str))),
                "customer_id": pa.array(ids),
                "ts": pa.array(us, type=pa.timestamp("us", tz="UTC")),
                "touchpoint": pa.array(TOUCHPOINTS[tp]),
                "channel": pa.array(CHANNELS[ch]),
            }
        ),
        root / "warehouse" / "events.parquet",
    )
    # a conversion follows many checkouts; email sessions convert more often
    buys = (tp == 3) & (rng.random(n) < np.where(ch == 3, 0.9, 0.6))
    k = int(buys.sum())
    pq.write_table(
        pa.table(
            {
                "order_id": pa.array(np.char.add("O", np.arange(k).astype(str))),
                "customer_id": pa.array(ids[buys]),
                "ts": pa.array(us[buys] + 60_000_000, type=pa.timestamp("us", tz="UTC")),
                "amount": pa.array(np.round(rng.gamma(2.0, 40.0, k), 2)),
            }
        ),
        root / "warehouse" / "orders.parquet",
    )
    return n, k


# -- cxlens ---------------------------------------------------------------------------


def cxlens_funnel(root: Path) -> object:
    import cxlens
    from cxlens.journeys.funnel import funnel

    return funnel(cxlens.open(root), STEPS, "14d").table["customers"].tolist()


def cxlens_markov(root: Path) -> object:
    import cxlens
    from cxlens.journeys.attribution import attribute

    t = attribute(cxlens.open(root), ["markov"]).table
    return dict(zip(t.channel, t.removal_effect.round(4), strict=True))


# -- pandas ---------------------------------------------------------------------------


def _events(root: Path):  # type: ignore[no-untyped-def]
    import pandas as pd

    e = pd.read_parquet(root / "warehouse" / "events.parquet")
    e["t"] = e["ts"].astype("int64")  # microseconds, as stored
    return e


def pandas_funnel(root: Path) -> object:
    e = _events(root)
    first = e[e.touchpoint == STEPS[0]].groupby("customer_id")["t"].min().rename("t1").reset_index()
    cur = first.assign(prev=first["t1"])
    counts = [len(cur)]
    for step in STEPS[1:]:
        s = e.loc[e.touchpoint == step, ["customer_id", "t"]]
        j = cur.merge(s, on="customer_id")
        j = j[(j["t"] >= j["prev"]) & (j["t"] <= j["t1"] + WINDOW_US)]
        nxt = j.groupby("customer_id")["t"].min().rename("prev").reset_index()
        cur = cur.drop(columns="prev").merge(nxt, on="customer_id")
        counts.append(len(cur))
    return counts


def pandas_paths(root: Path):  # type: ignore[no-untyped-def]
    """Conversion paths and null paths as (path id, channel) rows in time order, repeats collapsed."""
    import pandas as pd

    e = _events(root)[["event_id", "customer_id", "t", "channel"]]
    o = pd.read_parquet(root / "warehouse" / "orders.parquet")
    o["conv_t"] = o["ts"].astype("int64")
    o = o.sort_values(["customer_id", "conv_t"])
    o["prev_t"] = o.groupby("customer_id")["conv_t"].shift()
    j = e.merge(o[["order_id", "customer_id", "conv_t", "prev_t"]], on="customer_id")
    j = j[
        (j["t"] <= j["conv_t"])
        & (j["t"] > j["conv_t"] - LOOKBACK_US)
        & (j["prev_t"].isna() | (j["t"] > j["prev_t"]))
    ]
    conv = j[["order_id", "t", "event_id", "channel"]].rename(columns={"order_id": "path"})
    conv["end"] = "(conversion)"
    nulls = e[~e["event_id"].isin(j["event_id"])]
    nulls = nulls.assign(path="null:" + nulls["customer_id"], end="(null)")[
        ["path", "t", "event_id", "channel", "end"]
    ]
    steps = pd.concat([conv, nulls], ignore_index=True).sort_values(["path", "t", "event_id"])
    keep = (steps["path"] != steps["path"].shift()) | (steps["channel"] != steps["channel"].shift())
    return steps[keep]


def pandas_markov(root: Path) -> object:
    import pandas as pd

    from cxlens.journeys.attribution import START, markov_removal_effects

    steps = pandas_paths(root)
    first = steps["path"] != steps["path"].shift()
    last = steps["path"] != steps["path"].shift(-1)
    source = steps["channel"].shift().where(~first, START)
    into = pd.DataFrame({"source": source, "target": steps["channel"]})
    out = pd.DataFrame({"source": steps["channel"][last], "target": steps["end"][last]})
    counts = pd.concat([into, out]).value_counts().rename("paths").reset_index()
    effects = markov_removal_effects(counts).removal_effects
    return dict(zip(effects.index, effects.round(4), strict=True))


def channelattribution_markov(root: Path) -> object:
    import pandas as pd
    from ChannelAttribution import markov_model

    steps = pandas_paths(root)
    grouped = steps.groupby("path").agg(path_str=("channel", " > ".join), end=("end", "first"))
    table = (
        grouped.assign(conv=(grouped["end"] == "(conversion)").astype(int))
        .assign(null=lambda g: 1 - g["conv"])
        .groupby("path_str")[["conv", "null"]]
        .sum()
        .reset_index()
    )
    t0 = time.perf_counter()
    result = markov_model(
        table, "path_str", "conv", var_null="null", order=1, out_more=True, verbose=0
    )
    elapsed = time.perf_counter() - t0
    removal = pd.DataFrame(result["removal_effects"] if isinstance(result, dict) else result)
    effects = dict(zip(removal.iloc[:, 0], removal.iloc[:, 1].round(4), strict=True))
    return {"its model alone (s)": round(elapsed, 2), **effects}


CONTENDERS = {
    "funnel: cxlens": cxlens_funnel,
    "funnel: pandas": pandas_funnel,
    "markov: cxlens": cxlens_markov,
    "markov: pandas": pandas_markov,
    "markov: ChannelAttribution": channelattribution_markov,
}


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(name: str, root: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    import duckdb  # noqa: F401
    import pandas  # noqa: F401

    import cxlens.journeys.attribution  # noqa: F401

    t0 = time.perf_counter()
    try:
        answer = CONTENDERS[name](Path(root))
    except ImportError as exc:
        queue.put((name, float("nan"), float("nan"), f"not installed ({exc.name})"))
        return
    queue.put((name, time.perf_counter() - t0, _peak_rss_mb(), answer))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1M customers, 10M events")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        t0 = time.perf_counter()
        events, orders = generate(root, args.scale)
        print(
            f"{events:,} events, {orders:,} conversions generated in {time.perf_counter() - t0:.1f} s\n"
        )
        ctx = mp.get_context("spawn")
        results = {}
        for name in CONTENDERS:
            queue = ctx.Queue()
            proc = ctx.Process(target=_child, args=(name, str(root), queue))
            proc.start()
            got = queue.get()
            proc.join()
            results[name] = got
    print(f"{'contender':<30}{'wall s':>9}{'peak MB':>10}{'x cxlens':>10}  answer")
    for name, (_, wall, mem, answer) in results.items():
        base = results[name.split(":")[0] + ": cxlens"][1]
        ratio = wall / base if base == base and wall == wall else float("nan")
        print(f"{name:<30}{wall:>9.2f}{mem:>10.0f}{ratio:>10.2f}  {answer}")
    same_funnel = results["funnel: cxlens"][3] == results["funnel: pandas"][3]
    same_markov = results["markov: cxlens"][3] == results["markov: pandas"][3]
    print(f"\nsame funnel counts: {same_funnel}; same removal effects (4 decimals): {same_markov}")


if __name__ == "__main__":
    main()
