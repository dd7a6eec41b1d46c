"""Three-way sentiment (negative / neutral / positive): lexicon rules and what the scores teach.

No model is downloaded. Each comment is read two ways:

* by the rules of :mod:`cxlens.text.lexicon` in its own language (negation scope,
  intensifiers, contrast, emoji), giving a handful of numbers that mean the same
  in every workspace;
* by character n-grams (2-5, within words: robust to inflection and typos in
  Estonian, Finnish or Croatian) and word uni- and bigrams, which learn the
  words of this workspace.

A multinomial logistic regression combines them, learnt from the workspace's own
scored comments (detractors' comments teach negative, promoters' positive) plus
the lexicon's words as one-phrase examples, so that a young workspace still gets
sensible answers. Its probabilities are calibrated by one temperature fitted on
cross-validated predictions (Guo et al. 2017, "On calibration of modern neural
networks"), so that a comment read as 80 % negative is negative about 80 % of
the time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxlens.errors import CxlensError
from cxlens.text.lexicon import LANGUAGES, examples, lexicon_features
from cxlens.text.normalise import normalise

LABELS = ("negative", "neutral", "positive")
#: at least this many labelled comments of two or more classes are needed to learn
MIN_TRAINING = 30
#: weight of the lexicon's one-phrase examples against one comment
LEXICON_EXAMPLE_WEIGHT = 1.0
#: how strongly the rule features speak against the n-grams (they are standardised first)
RULE_SCALE = 2.0
#: weight of the n-gram blocks (smaller: the model leans on the rules for unseen wording)
NGRAM_SCALE = 1.0
REGULARISATION = 1.0
#: texts per batch when scoring many comments
BATCH = 20_000


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


def _vectorisers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=200_000
    )
    words = TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        token_pattern=r"(?u)\b\w+\b|[^\w\s]",
        min_df=1,
        sublinear_tf=True,
        max_features=100_000,
    )
    return chars, words


@lru_cache(maxsize=200_000)
def _rules_of(text: str, lang: str | None) -> np.ndarray:
    features = lexicon_features(text, lang)
    features.flags.writeable = False
    return features


def rule_features(texts: Sequence[str | None], languages: Sequence[str | None]) -> np.ndarray:
    """The lexicon features of every text (a text is read once per process and language)."""
    rows = [_rules_of(str(text or ""), lang) for text, lang in zip(texts, languages, strict=True)]
    return np.vstack(rows) if rows else np.zeros((0, 15))


@cache
def _lexicon_examples() -> tuple[list[str], list[str], list[str | None]]:
    """The six lexicons' words as one-phrase examples: texts, labels and languages."""
    texts: list[str] = []
    labels: list[str] = []
    langs: list[str | None] = []
    for lang in LANGUAGES:
        lx, ly = examples(lang)
        texts += lx
        labels += ly
        langs += [lang] * len(lx)
    return texts, labels, langs


def _languages(
    texts: Sequence[str | None], languages: Sequence[str | None] | None
) -> list[str | None]:
    if languages is not None:
        return [lang if lang in LANGUAGES else None for lang in languages]
    from cxlens.text.language import detect_languages

    return detect_languages(list(texts))


class SentimentModel:
    """Fit on comments with labels from scores; predict label and a score from −1 to +1."""

    def __init__(self, use_lexicon: bool = True):
        self.use_lexicon = use_lexicon
        self.chars_: Any = None
        self.words_: Any = None
        self.classifier_: Any = None
        self.rule_mean_: np.ndarray | None = None
        self.rule_std_: np.ndarray | None = None
        self.temperature_: float = 1.0
        self.n_training_: int = 0

    # -- features -------------------------------------------------------------------

    def _matrix(self, texts: list[str], rules: np.ndarray, learn: bool = False) -> Any:
        """The model's features of ``texts``; ``learn`` first fits the vocabularies to them."""
        from scipy import sparse

        if learn:
            self.rule_mean_ = rules.mean(axis=0)
            self.rule_std_ = rules.std(axis=0) + 1e-6
            self.chars_, self.words_ = _vectorisers()
            chars = self.chars_.fit_transform(texts)
            words = self.words_.fit_transform(texts)
        else:
            chars = self.chars_.transform(texts)
            words = self.words_.transform(texts)
        assert self.rule_mean_ is not None and self.rule_std_ is not None
        scaled = (rules - self.rule_mean_) / self.rule_std_ * RULE_SCALE
        return sparse.hstack(
            [chars * NGRAM_SCALE, words * NGRAM_SCALE, sparse.csr_matrix(scaled)], format="csr"
        )

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str | None],
        languages: Sequence[str | None] | None = None,
    ) -> SentimentModel:
        """Learn from ``texts`` labelled negative / neutral / positive (others are left out)."""
        from sklearn.linear_model import LogisticRegression

        langs = _languages(texts, languages)
        rows = [
            (str(t), lab, lang)
            for t, lab, lang in zip(texts, labels, langs, strict=True)
            if t and str(t).strip() and lab in LABELS
        ]
        too_few = len(rows) < MIN_TRAINING or len({r[1] for r in rows}) < 2
        if too_few and not self.use_lexicon:
            raise CxlensError(
                f"Too few scored comments to learn sentiment from ({len(rows)}; at least {MIN_TRAINING} of two kinds needed)."
            )
        raw = [r[0] for r in rows]
        y = [r[1] for r in rows]
        row_langs: list[str | None] = [r[2] for r in rows]
        weights = [1.0] * len(raw)
        if self.use_lexicon:
            lx, ly, llang = _lexicon_examples()
            raw += lx
            y += ly
            row_langs += llang
            weights += [LEXICON_EXAMPLE_WEIGHT] * len(lx)
        cleaned = [normalise(t) for t in raw]
        # Newton-CG reaches the same optimum as L-BFGS in a fraction of the time on
        # these few hundred thousand sparse columns (the problem is strictly convex).
        self.classifier_ = LogisticRegression(
            C=REGULARISATION, solver="newton-cg", max_iter=3000, class_weight="balanced"
        )
        self.classifier_.fit(
            self._matrix(cleaned, rule_features(raw, row_langs), learn=True),
            y,
            sample_weight=np.asarray(weights),
        )
        self.n_training_ = len(rows)
        return self

    # -- prediction -----------------------------------------------------------------

    def predict_proba(
        self, texts: Sequence[str | None], languages: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """Calibrated probabilities of LABELS per text (rows of NaN for empty texts)."""
        if self.classifier_ is None:
            raise CxlensError("The sentiment model is not trained yet; run `cxlens text analyse`.")
        langs = _languages(texts, languages)
        out = np.full((len(texts), len(LABELS)), np.nan)
        keys = [(normalise(t), lang) for t, lang in zip(texts, langs, strict=True)]
        unique = sorted({k for k in keys if k[0]}, key=lambda k: (k[0], k[1] or ""))
        if not unique:
            return out
        position = {k: j for j, k in enumerate(unique)}
        # the rules read the original text (emoji, capitals), of one representative per key
        original: dict[tuple[str, str | None], str] = {}
        for t, k in zip(texts, keys, strict=True):
            if k[0] and k not in original:
                original[k] = str(t)
        proba = np.vstack(
            [
                self._logits_to_proba(
                    self.classifier_.decision_function(
                        self._matrix(
                            [k[0] for k in unique[i : i + BATCH]],
                            rule_features(
                                [original[k] for k in unique[i : i + BATCH]],
                                [k[1] for k in unique[i : i + BATCH]],
                            ),
                        )
                    )
                )
                for i in range(0, len(unique), BATCH)
            ]
        )
        for i, k in enumerate(keys):
            if k[0]:
                out[i] = proba[position[k]]
        return out

    def _logits_to_proba(self, logits: np.ndarray) -> np.ndarray:
        classes = list(self.classifier_.classes_)
        if logits.ndim == 1:  # two classes: one logit for the second
            logits = np.column_stack([-logits / 2, logits / 2])
        z = logits / self.temperature_
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        full = np.zeros((len(p), len(LABELS)))
        for j, c in enumerate(classes):
            full[:, LABELS.index(c)] = p[:, j]
        return full

    def predict(
        self, texts: Sequence[str | None], languages: Sequence[str | None] | None = None
    ) -> tuple[list[str | None], np.ndarray]:
        """Labels (None for empty texts) and scores P(positive) − P(negative)."""
        proba = self.predict_proba(texts, languages)
        labels: list[str | None] = [
            None if np.isnan(row[0]) else LABELS[int(np.argmax(row))] for row in proba
        ]
        return labels, proba[:, 2] - proba[:, 0]

    def save(self, path: Path) -> None:
        """Store the fitted model (a pickle: load only files you wrote yourself)."""
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path)

    @classmethod
    def load(cls, path: Path) -> SentimentModel:
        import joblib

        if not path.exists():
            raise CxlensError(f"No sentiment model at {path}; run `cxlens text analyse` first.")
        model = joblib.load(path)
        if not isinstance(model, cls):
            raise CxlensError(f"{path} is not a cxlens sentiment model; run `cxlens text analyse`.")
        return model


def fit_temperature(logits_proba: np.ndarray, truth: Sequence[str]) -> float:
    """The temperature T that minimises the log loss of probabilities p^(1/T), renormalised.

    ``logits_proba`` are uncalibrated probabilities (T = 1); a grid search over T in
    [0.25, 4] is enough for one parameter.
    """
    y = np.array([LABELS.index(t) for t in truth])
    logp = np.log(np.clip(logits_proba, 1e-12, 1.0))
    best, best_loss = 1.0, math.inf
    for t in np.exp(np.linspace(math.log(0.25), math.log(4.0), 61)):
        z = logp / t
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        loss = -float(np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1.0))))
        if loss < best_loss:
            best, best_loss = float(t), loss
    return best


def evaluate(model: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """Accuracy and negative recall per language of ``model`` on columns lang, sentiment, text."""
    predicted, _ = model.predict(frame["text"].tolist(), frame["lang"].tolist())
    frame = frame.assign(predicted=pd.Series(predicted, index=frame.index, dtype=object))
    frame["correct"] = frame["predicted"] == frame["sentiment"]
    frame["negative_found"] = np.where(
        frame["sentiment"] == "negative", frame["predicted"] == "negative", np.nan
    )
    return (
        frame.groupby("lang")
        .agg(
            comments=("correct", "size"),
            accuracy=("correct", "mean"),
            negative_recall=("negative_found", "mean"),
        )
        .reset_index()
    )
