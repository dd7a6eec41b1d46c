"""Sentiment and theme accuracy on the hand-written comments, beside what cross-validation reports.

    python bench/eval_text.py                 # a 5,000-customer demo workspace (as in the README)
    python bench/eval_text.py --customers 2000

Generates a demo workspace, runs `cxlens text analyse` on it (the model learns
from the demo's scored comments only and reports its grouped cross-validated
accuracy), then reads the hand-written comments of tests/fixtures/text with that
model: the dev half and the second dev set dev2 (whose errors were looked at
while writing the lexicons and the taxonomy), the third dev set dev3 (61 comments
per language on other trades) and the final half (whose errors never were). Prints accuracy and negative recall per language, primary theme
agreement, and the cross-validated figure.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("en", "et", "bg", "de", "hr", "fi")


def hand_written(half: str) -> pd.DataFrame:
    frames = []
    for lang in LANGS:
        path = ROOT / "tests" / "fixtures" / "text" / half / f"{lang}.tsv"
        f = pd.read_csv(
            path,
            sep="\t",
            names=["sentiment", "theme", "text"],
            quoting=3,
            dtype=str,
            keep_default_na=False,
        )
        frames.append(f.assign(lang=lang))
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import cxlens
    from cxlens.cli.data import run_demo
    from cxlens.text.normalise import normalise
    from cxlens.text.pipeline import MODEL_FILE, analyse
    from cxlens.text.sentiment import SentimentModel
    from cxlens.text.taxonomy import ThemeSet

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        run_demo(
            root,
            customers=args.customers,
            seed=args.seed,
            start="2024-01-01",
            end="2025-12-31",
            force=False,
        )
        result = analyse(cxlens.open(root))
        model = SentimentModel.load(root / MODEL_FILE)
    cv = result["cross_validation"]
    themes = ThemeSet.from_config(None)
    rows = []
    for half in ("dev", "dev2", "dev3", "final"):
        frame = hand_written(half)
        predicted, _ = model.predict(frame.text.tolist(), frame.lang.tolist())
        frame["predicted"] = predicted
        frame["found"] = [
            (themes.find(normalise(t), lang) or ["none"])[0]
            for t, lang in zip(frame.text, frame.lang, strict=True)
        ]
        for lang in (*LANGS, "all"):
            part = frame if lang == "all" else frame[frame.lang == lang]
            negative = part[part.sentiment == "negative"]
            rows.append(
                {
                    "half": half,
                    "language": lang,
                    "accuracy": 100 * (part.predicted == part.sentiment).mean(),
                    "negative recall": 100 * (negative.predicted == "negative").mean(),
                    "theme agreement": 100 * (part.found == part.theme).mean(),
                    "CV reported": 100
                    * (
                        cv["accuracy"]["rate"]
                        if lang == "all"
                        else cv["per_language"][lang]["accuracy"]["rate"]
                    ),
                }
            )
    table = pd.DataFrame(rows)
    print(
        f"demo workspace: {args.customers:,} customers, {result['training_comments']:,} scored comments"
    )
    print(
        f"cross-validation: {cv['distinct']:,} distinct of {cv['comments']:,}; accuracy "
        f"{100 * cv['accuracy']['rate']:.1f} % ({100 * cv['accuracy']['low']:.1f}-{100 * cv['accuracy']['high']:.1f}), "
        f"negative recall {100 * cv['negative_recall']['rate']:.1f} %, calibration error "
        f"{100 * cv['calibration_error_before']:.1f} % -> {100 * cv['calibration_error_after']:.1f} %"
    )
    print(table.round(1).to_string(index=False))


if __name__ == "__main__":
    main()
