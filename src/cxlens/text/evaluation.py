"""How well the sentiment model reads comments it has not seen: grouped cross-validation.

Folds are drawn so that near-duplicate comments (see :mod:`cxlens.text.duplicates`)
never sit on both sides, and stratified by sentiment. The accuracy is measured
against the sentiment the customers' own scores stand for. From the held-out
predictions come:

* accuracy and negative recall per language, with a 95% Wilson interval;
* a temperature that calibrates the model's probabilities (stored with it) and the
  expected calibration error before and after (10 equal-width bins of the top
  probability; Naeini et al. 2015);
* a plain verdict when there are too few distinct comments to judge: fewer than
  MIN_DISTINCT clusters overall, or MIN_DISTINCT_PER_LANGUAGE in a language.

Big folds are learnt at the same time in separate processes (joblib), one per core.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from cxlens.errors import CxlensError
from cxlens.stats import wilson_interval
from cxlens.text.duplicates import clusters
from cxlens.text.sentiment import LABELS, SentimentModel, fit_temperature

MIN_DISTINCT = 100
#: folds learn in parallel processes once each has this many comments to learn from
PARALLEL_FROM = 2_000
MIN_DISTINCT_PER_LANGUAGE = 30
BINS = 10


def calibration_error(proba: np.ndarray, truth: Sequence[str]) -> float:
    """Expected calibration error: the mean |accuracy − confidence| over bins of the top probability."""
    y = np.array([LABELS.index(t) for t in truth])
    top = proba.max(axis=1)
    hit = proba.argmax(axis=1) == y
    edges = np.linspace(0, 1, BINS + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        inside = (top > lo) & (top <= hi)
        if inside.any():
            total += inside.mean() * abs(hit[inside].mean() - top[inside].mean())
    return float(total)


def _tempered(proba: np.ndarray, temperature: float) -> np.ndarray:
    z = np.log(np.clip(proba, 1e-12, 1.0)) / temperature
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return np.asarray(p / p.sum(axis=1, keepdims=True))


def _rate(hits: np.ndarray) -> dict[str, float | int]:
    n, k = len(hits), int(hits.sum())
    interval = wilson_interval(k, n)
    return {"n": n, "rate": interval.value, "low": interval.low, "high": interval.high}


def _fold(
    train: list[str],
    labels: list[str],
    train_langs: list[str],
    test: list[str],
    test_langs: list[str],
) -> np.ndarray:
    """The held-out probabilities of one fold: learn from ``train``, read ``test``."""
    return SentimentModel().fit(train, labels, train_langs).predict_proba(test, test_langs)


def _run_folds(jobs: list[tuple[Any, ...]]) -> list[np.ndarray]:
    """Every fold's held-out probabilities; in parallel processes when the folds are big.

    Each fold is learnt alone from its own comments, so the result is the same either way.
    """
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers < 2 or sum(len(job[0]) for job in jobs) < PARALLEL_FROM * len(jobs):
        return [_fold(*job) for job in jobs]
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=workers)(delayed(_fold)(*job) for job in jobs))


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    languages: Sequence[str | None],
    folds: int = 5,
    seed: int = 0,
) -> dict[str, Any]:
    """Grouped, stratified ``folds``-fold cross-validation of :class:`SentimentModel`.

    Returns a summary (``verdict`` says whether there is enough to judge) with
    ``per_language`` figures and the calibration ``temperature``.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    keep = [i for i, (t, lab) in enumerate(zip(texts, labels, strict=True)) if t and lab in LABELS]
    x = [str(texts[i]) for i in keep]
    y = np.array([labels[i] for i in keep], dtype=object)
    lang = np.array([languages[i] or "unknown" for i in keep], dtype=object)
    groups = clusters(x)
    distinct = len(set(groups.tolist()))
    summary: dict[str, Any] = {
        "folds": folds,
        "comments": len(x),
        "distinct": distinct,
        "per_language": {},
    }
    if distinct < max(MIN_DISTINCT, folds * 3) or len(set(y.tolist())) < 2:
        summary["verdict"] = "too few distinct comments"
        summary["message"] = (
            f"Too few distinct comments to judge the sentiment model: {distinct} groups of "
            f"near-identical comments among {len(x)} scored ones (at least {MIN_DISTINCT} needed)."
        )
        return summary
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(splitter.split(x, y, groups))
    proba = np.zeros((len(x), len(LABELS)))
    jobs = [
        (
            [x[i] for i in train],
            y[train].tolist(),
            lang[train].tolist(),
            [x[i] for i in test],
            lang[test].tolist(),
        )
        for train, test in splits
    ]
    for (_, test), held_out in zip(splits, _run_folds(jobs), strict=True):
        proba[test] = held_out
    if np.isnan(proba).any():
        raise CxlensError("Cross-validation left comments without a prediction.")
    temperature = fit_temperature(proba, y.tolist())
    calibrated = _tempered(proba, temperature)
    predicted = np.array(LABELS, dtype=object)[calibrated.argmax(axis=1)]
    correct = predicted == y
    summary.update(
        verdict="judged",
        accuracy=_rate(correct),
        negative_recall=_rate(correct[y == "negative"]),
        temperature=temperature,
        calibration_error_before=calibration_error(proba, y.tolist()),
        calibration_error_after=calibration_error(calibrated, y.tolist()),
    )
    for code in sorted(set(lang.tolist())):
        mask = lang == code
        lang_distinct = len(set(groups[mask].tolist()))
        summary["per_language"][str(code)] = {
            "comments": int(mask.sum()),
            "distinct": lang_distinct,
            "judged": lang_distinct >= MIN_DISTINCT_PER_LANGUAGE,
            "accuracy": _rate(correct[mask]),
            "negative_recall": _rate(correct[mask & (y == "negative")]),
        }
    return summary
