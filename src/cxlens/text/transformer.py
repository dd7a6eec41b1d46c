"""Sentiment from a local transformer model, for users who have one.

    [text]
    sentiment_model = "/models/xlm-roberta-sentiment"   # a folder saved by Hugging Face transformers

cxlens then scores comments with that model instead of learning its own. Nothing
is downloaded: the model is loaded with ``local_files_only``, and the
``transformers`` package (with PyTorch) must be installed by the user
(``pip install transformers torch``). Labels are read from the model: names
containing "neg", "neu" or "pos"; star ratings ("1 star" ... "5 stars": 1-2
negative, 3 neutral, 4-5 positive); or, for unnamed labels, two classes as
negative/positive and three as negative/neutral/positive. The score is
P(positive) − P(negative).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cxlens.errors import CxlensError

BATCH = 64


def label_polarity(label: str, index: int, count: int) -> str:
    """negative, neutral or positive for one of a model's labels."""
    name = label.lower()
    for key, polarity in (("neg", "negative"), ("neu", "neutral"), ("pos", "positive")):
        if key in name:
            return polarity
    stars = re.match(r"^\s*(\d)\s*star", name)
    if stars:
        n = int(stars.group(1))
        return "negative" if n <= 2 else "neutral" if n == 3 else "positive"
    if count == 2:
        return ("negative", "positive")[index]
    if count == 3:
        return ("negative", "neutral", "positive")[index]
    raise CxlensError(
        f"The model's label {label!r} (of {count}) does not say whether it is negative, "
        "neutral or positive; rename the labels in its config (id2label)."
    )


class TransformerSentiment:
    """Same ``predict`` as :class:`cxlens.text.SentimentModel`, from a local model folder."""

    n_training_ = 0

    def __init__(self, path: str | Path):
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise CxlensError(f"[text] sentiment_model: no model folder at {folder}.")
        try:
            import transformers
        except ImportError:
            raise CxlensError(
                "[text] sentiment_model needs the transformers package: pip install transformers torch"
            ) from None
        self.pipe = transformers.pipeline(
            "text-classification", model=str(folder), tokenizer=str(folder), top_k=None,
            truncation=True, model_kwargs={"local_files_only": True},
        )  # fmt: skip
        labels = getattr(getattr(self.pipe, "model", None), "config", None)
        id2label = dict(getattr(labels, "id2label", {}) or {})
        names = [str(id2label[i]) for i in sorted(id2label)] if id2label else []
        self.polarity = {n: label_polarity(n, i, len(names)) for i, n in enumerate(names)}

    def _polarity(self, label: str) -> str:
        if label not in self.polarity:
            self.polarity[label] = label_polarity(label, 0, 0)
        return self.polarity[label]

    def predict(
        self, texts: Sequence[str | None], languages: Sequence[str | None] | None = None
    ) -> tuple[list[str | None], np.ndarray]:
        """Labels and scores; the model reads every language itself, so ``languages`` is unused."""
        labels: list[str | None] = [None] * len(texts)
        scores = np.full(len(texts), np.nan)
        todo = [i for i, t in enumerate(texts) if t and str(t).strip()]
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            results: Any = self.pipe([str(texts[i]) for i in chunk])
            for i, result in zip(chunk, results, strict=True):
                totals = {"negative": 0.0, "neutral": 0.0, "positive": 0.0}
                for item in result if isinstance(result, list) else [result]:
                    totals[self._polarity(str(item["label"]))] += float(item["score"])
                labels[i] = max(totals, key=lambda k: totals[k])
                scores[i] = totals["positive"] - totals["negative"]
        return labels, scores
