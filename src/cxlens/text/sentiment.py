"""Three-way sentiment (negative / neutral / positive) learnt from the comments' own scores.

No model is downloaded: a workspace's comments come with the score the customer
gave, so detractors' comments teach what negative reads like and promoters' what
positive reads like, in every language at once. Features are character n-grams
(2–5, within word boundaries, robust to inflection and typos in Estonian, Finnish
or Croatian) and word uni- and bigrams; the classifier is a multinomial logistic
regression. A short seed lexicon per language is added as extra labelled examples
so that a young workspace with few comments still gets sensible answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxlens.errors import CxlensError
from cxlens.text.lexicon import LEXICON
from cxlens.text.normalise import normalise

LABELS = ("negative", "neutral", "positive")
#: at least this many labelled comments of two or more classes are needed to learn
MIN_TRAINING = 30
#: how much one lexicon word counts against one comment
LEXICON_WEIGHT = 3.0


def label_from_score(kind: str | None, score: float | None) -> str | None:
    """The sentiment a score stands for: NPS 0–6 / CSAT 1–2 / CES 1–3 negative; 9–10 / 4–5 / 5–7 positive."""
    if kind is None or score is None or (isinstance(score, float) and math.isnan(score)):
        return None
    if kind == "nps":
        return "negative" if score <= 6 else "neutral" if score <= 8 else "positive"
    if kind == "csat":
        return "negative" if score <= 2 else "neutral" if score == 3 else "positive"
    if kind == "ces":
        return "negative" if score <= 3 else "neutral" if score == 4 else "positive"
    return None


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=2,
                    sublinear_tf=True,
                    max_features=300_000,
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    token_pattern=r"(?u)\b\w+\b|[^\w\s]",
                    sublinear_tf=True,
                    max_features=200_000,
                ),
            ),
        ]
    )
    classifier = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")
    return Pipeline([("features", features), ("classifier", classifier)])


#: texts per parallel batch when scoring many comments
BATCH = 20_000


def _predict_proba(pipeline: Any, texts: list[str]) -> np.ndarray:
    """Class probabilities, computed in parallel batches on every core for large inputs."""
    if len(texts) <= 2 * BATCH:
        return np.asarray(pipeline.predict_proba(texts))
    from joblib import Parallel, delayed

    batches = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
    parts = Parallel(n_jobs=-1)(delayed(pipeline.predict_proba)(b) for b in batches)
    return np.vstack(parts)


def lexicon_examples() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for entries in LEXICON.values():
        for label, words in entries.items():
            for word in words:
                texts.append(word)
                labels.append(label)
    return texts, labels


class SentimentModel:
    """Fit on comments with labels from scores; predict label and a score from −1 to +1."""

    def __init__(self, use_lexicon: bool = True):
        self.use_lexicon = use_lexicon
        self.pipeline_: Any = None
        self.n_training_: int = 0

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> SentimentModel:
        pairs = [
            (normalise(t), lab) for t, lab in zip(texts, labels, strict=True) if t and lab in LABELS
        ]
        too_few = len(pairs) < MIN_TRAINING or len({lab for _, lab in pairs}) < 2
        if too_few and not self.use_lexicon:
            raise CxlensError(
                f"Too few scored comments to learn sentiment from ({len(pairs)}; at least {MIN_TRAINING} of two kinds needed)."
            )
        x = [p[0] for p in pairs]
        y = [p[1] for p in pairs]
        weights = [1.0] * len(x)
        if self.use_lexicon:
            lx, ly = lexicon_examples()
            x += lx
            y += ly
            weights += [LEXICON_WEIGHT] * len(lx)
        self.pipeline_ = _pipeline().fit(x, y, classifier__sample_weight=np.asarray(weights))
        self.n_training_ = len(pairs)
        return self

    def predict(self, texts: Sequence[str | None]) -> tuple[list[str | None], np.ndarray]:
        """Labels (None for empty texts) and scores P(positive) − P(negative)."""
        if self.pipeline_ is None:
            raise CxlensError("The sentiment model is not trained yet; run `cxlens text analyse`.")
        cleaned = [normalise(t) for t in texts]
        unique = sorted({t for t in cleaned if t})  # repeated comments are scored once
        labels: list[str | None] = [None] * len(cleaned)
        scores = np.full(len(cleaned), np.nan)
        if not unique:
            return labels, scores
        proba = _predict_proba(self.pipeline_, unique)
        classes = list(self.pipeline_.classes_)
        best = np.asarray(classes)[proba.argmax(axis=1)]
        pos = (
            proba[:, classes.index("positive")] if "positive" in classes else np.zeros(len(unique))
        )
        neg = (
            proba[:, classes.index("negative")] if "negative" in classes else np.zeros(len(unique))
        )
        position = {t: j for j, t in enumerate(unique)}
        for i, t in enumerate(cleaned):
            if t:
                j = position[t]
                labels[i] = str(best[j])
                scores[i] = pos[j] - neg[j]
        return labels, scores

    def save(self, path: Path) -> None:
        """Store the fitted model (a pickle: load only files you wrote yourself)."""
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"pipeline": self.pipeline_, "n_training": self.n_training_}, path)

    @classmethod
    def load(cls, path: Path) -> SentimentModel:
        import joblib

        if not path.exists():
            raise CxlensError(f"No sentiment model at {path}; run `cxlens text analyse` first.")
        data = joblib.load(path)
        model = cls()
        model.pipeline_ = data["pipeline"]
        model.n_training_ = data["n_training"]
        return model


def evaluate(model: SentimentModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Accuracy per language of ``model`` on a frame with columns lang, sentiment, text."""
    predicted, _ = model.predict(frame["text"].tolist())
    frame = frame.assign(predicted=pd.Series(predicted, index=frame.index, dtype=object))
    frame["correct"] = frame["predicted"] == frame["sentiment"]
    return (
        frame.groupby("lang")
        .agg(comments=("correct", "size"), accuracy=("correct", "mean"))
        .reset_index()
    )


def cross_validate(
    texts: Sequence[str], labels: Sequence[str], languages: Sequence[str | None], folds: int = 5
) -> pd.DataFrame:
    """Accuracy per language on held-out folds of the workspace's own comments."""
    from sklearn.model_selection import StratifiedKFold

    frame = pd.DataFrame(
        {"text": list(texts), "label": list(labels), "lang": [lang or "?" for lang in languages]}
    )
    frame = frame[frame["label"].isin(LABELS) & frame["text"].astype(bool)].reset_index(drop=True)
    if len(frame) < folds * 3:
        raise CxlensError(
            f"Too few scored comments for {folds}-fold cross-validation ({len(frame)})."
        )
    correct = np.zeros(len(frame), dtype=bool)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train, test in splitter.split(frame["text"], frame["label"]):
        model = SentimentModel().fit(
            frame["text"].iloc[train].tolist(), frame["label"].iloc[train].tolist()
        )
        predicted, _ = model.predict(frame["text"].iloc[test].tolist())
        correct[test] = np.asarray(predicted) == frame["label"].iloc[test].to_numpy()
    frame["correct"] = correct
    return (
        frame.groupby("lang")
        .agg(comments=("correct", "size"), accuracy=("correct", "mean"))
        .reset_index()
    )
