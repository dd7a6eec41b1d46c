"""Processing comments: language detection, sentiment and themes on 1M comments.

    python bench/bench_text.py              # 1,000,000 comments
    python bench/bench_text.py --scale 0.1  # 100,000

Comments are composed the way the demo generator writes them, in six languages.
Goal: 1M comments in under 2 minutes on a 2-core machine. Generated comments
repeat (as short real ones do: "ok", "fast delivery"); repeated texts are
processed once, so `--distinct` shows the worst case where no two are alike.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000,000 comments")
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="make every comment distinct (a number is appended), the worst case",
    )
    args = parser.parse_args()
    from cxlens.demo.comments import compose
    from cxlens.demo.texts import LANGUAGES, SENTIMENTS, THEMES
    from cxlens.text import SentimentModel, detect_languages
    from cxlens.text.themes import ThemeSet, assign

    n = int(1_000_000 * args.scale)
    rng = np.random.default_rng(0)
    langs = [LANGUAGES[i] for i in rng.integers(0, 6, n)]
    sentiments = [SENTIMENTS[i] for i in rng.integers(0, 3, n)]
    texts = compose(rng, langs, sentiments, [THEMES[i] for i in rng.integers(0, len(THEMES), n)])
    if args.distinct:
        texts = [f"{t} #{i}" for i, t in enumerate(texts)]
    train = min(n, 50_000)
    figures = []
    t0 = time.perf_counter()
    model = SentimentModel().fit(texts[:train], sentiments[:train])
    figures.append(("train sentiment model", train, time.perf_counter() - t0))
    t0 = time.perf_counter()
    detected = detect_languages(texts)
    figures.append(("detect languages", n, time.perf_counter() - t0))
    t0 = time.perf_counter()
    model.predict(texts)
    figures.append(("score sentiment", n, time.perf_counter() - t0))
    t0 = time.perf_counter()
    assign(texts, detected, ThemeSet.from_config(None))
    figures.append(("find themes", n, time.perf_counter() - t0))
    total = sum(f[2] for f in figures)
    print(
        f"{len(set(texts)):,} distinct comments among {n:,} "
        "(repeated texts are detected and scored once)\n"
    )
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
    print(f"goal: 1M comments in under 120 s -> {verdict} (projected {projected:.0f} s)")


if __name__ == "__main__":
    main()
