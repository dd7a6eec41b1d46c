"""Processing comments: throughput of each step, and incremental `text analyse`.

    python bench/bench_text.py              # 1,000,000 comments; a 20,000-customer workspace
    python bench/bench_text.py --scale 0.1  # 100,000 comments; a 2,000-customer workspace

Part 1 composes comments the way the demo generator writes them, in six
languages, and times each step. Goal: 1M comments in under 2 minutes on a 2-core
machine. Generated comments repeat (as short real ones do: "ok", "fast
delivery"); repeated texts are processed once, so `--distinct` shows the worst
case where no two are alike.

Part 2 analyses a demo workspace, adds 1 % new comments and analyses again:
the second run reads only the new ones, so it costs about what reading the
comments column costs (the floor printed beside it), not a full run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def throughput(n: int, distinct: bool) -> None:
    from cxlens.demo.comments import compose
    from cxlens.demo.texts import LANGUAGES, SENTIMENTS, THEMES
    from cxlens.text import SentimentModel, detect_languages
    from cxlens.text.taxonomy import ThemeSet, assign

    rng = np.random.default_rng(0)
    langs = [LANGUAGES[i] for i in rng.integers(0, 6, n)]
    sentiments = [SENTIMENTS[i] for i in rng.integers(0, 3, n)]
    texts = compose(rng, langs, sentiments, [THEMES[i] for i in rng.integers(0, len(THEMES), n)])
    if distinct:
        texts = [f"{t} #{i}" for i, t in enumerate(texts)]
    train = min(n, 50_000)
    figures = []
    t0 = time.perf_counter()
    model = SentimentModel().fit(texts[:train], sentiments[:train], langs[:train])
    figures.append(("train sentiment model", train, time.perf_counter() - t0))
    t0 = time.perf_counter()
    detected = detect_languages(texts)
    figures.append(("detect languages", n, time.perf_counter() - t0))
    t0 = time.perf_counter()
    model.predict(texts, detected)
    figures.append(("score sentiment", n, time.perf_counter() - t0))
    t0 = time.perf_counter()
    assign(texts, detected, ThemeSet.from_config(None))
    figures.append(("find themes", n, time.perf_counter() - t0))
    total = sum(f[2] for f in figures)
    print(f"{len(set(texts)):,} distinct comments among {n:,} (repeated texts are read once)\n")
    print(f"{'step':<24}{'comments':>12}{'seconds':>10}{'per second':>14}")
    for step, count, seconds in figures:
        print(f"{step:<24}{count:>12,}{seconds:>10.1f}{count / seconds:>14,.0f}")
    print(f"{'total':<24}{n:>12,}{total:>10.1f}{n / total:>14,.0f}")
    agree = np.mean([a == b for a, b in zip(detected, langs, strict=True)])
    print(
        f"\nlanguage detection agrees with the writer's language for {100 * agree:.1f} % of comments"
    )
    # training works on a fixed sample; the other steps grow with the number of comments
    projected = figures[0][2] + (total - figures[0][2]) * 1_000_000 / n
    verdict = "met" if projected < 120 else "not met"
    print(f"goal: 1M comments in under 120 s -> {verdict} (projected {projected:.0f} s)\n")


def incremental(customers: int) -> None:
    import pandas as pd

    import cxlens
    from cxlens.cli.data import run_demo
    from cxlens.text.pipeline import analyse, comments

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        run_demo(
            root, customers=customers, seed=3, start="2024-01-01", end="2025-12-31", force=False
        )
        ws = cxlens.open(root)
        t0 = time.perf_counter()
        first = analyse(ws)
        full = time.perf_counter() - t0
        r = comments(ws)
        k = max(1, len(r) // 100)
        new = r.sample(k, random_state=0)[
            ["response_id", "customer_id", "ts", "kind", "score", "comment"]
        ]
        new = new.assign(
            response_id="N" + new["response_id"].astype(str), comment=new["comment"] + " (again)"
        )
        ws.append_rows("responses", pd.DataFrame(new))
        t0 = time.perf_counter()
        again = analyse(cxlens.open(root))
        step = time.perf_counter() - t0
        t0 = time.perf_counter()
        comments(cxlens.open(root))
        floor = time.perf_counter() - t0
    print(f"{'text analyse':<34}{'comments':>10}{'analysed':>10}{'seconds':>10}")
    print(
        f"{'first run (learns the model, CV)':<34}{first['comments']:>10,}{first['analysed']:>10,}{full:>10.1f}"
    )
    print(
        f"{'after 1 % new comments':<34}{again['comments']:>10,}{again['analysed']:>10,}{step:>10.1f}"
    )
    print(f"{'floor: reading the comments':<34}{again['comments']:>10,}{'':>10}{floor:>10.1f}")
    print(
        f"incremental run / first run = {step / full:.3f}; incremental run / floor = {step / max(floor, 1e-9):.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000,000 comments")
    parser.add_argument(
        "--distinct", action="store_true", help="make every comment distinct (the worst case)"
    )
    args = parser.parse_args()
    throughput(int(1_000_000 * args.scale), args.distinct)
    incremental(max(200, int(20_000 * args.scale)))


if __name__ == "__main__":
    main()
