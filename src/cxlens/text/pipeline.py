"""Analysing a workspace's comments: language, sentiment and themes, stored with the responses.

Results become extra columns of ``responses``: ``comment_language``,
``sentiment``, ``sentiment_score``, ``theme`` (the primary one), ``theme_sentiment``
(JSON: each theme the comment mentions with the sentiment of the clauses that
mention it) and ``comment_checksum`` (of the text that was analysed). So
``cxlens kpi nps --by theme`` or ``--by sentiment`` work like any other breakdown.

Work is incremental: a run reads only comments that are new or whose text
changed since they were analysed, with the stored model. The model is learnt
again (and every comment scored again) when there is none yet, when asked, or
when the scored comments have grown by a fifth since it was learnt; themes are
found again for every comment when the taxonomy changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxlens.errors import CxlensError
from cxlens.text.language import detect_languages
from cxlens.text.sentiment import SentimentModel, label_from_score
from cxlens.text.taxonomy import ThemeSet, theme_clauses

if TYPE_CHECKING:
    from cxlens.data import WorkspaceData

MODEL_FILE = Path("models") / "sentiment.joblib"
QUALITY_FILE = Path("models") / "sentiment.json"
#: cross-validation runs on at most this many comments (it refits the model per fold).
#: On 6,000 comments the accuracy's 95% interval is about ±1.2 points; each fold's
#: model learns from 4,800 of them, so if anything the figure errs low for the model
#: that learns from all.
CV_SAMPLE = 6_000
#: the model is learnt again once the scored comments grew by this share
RETRAIN_GROWTH = 0.2
DERIVED = (
    "comment_language",
    "sentiment",
    "sentiment_score",
    "theme",
    "theme_sentiment",
    "comment_checksum",
)
Progress = Callable[[str, float], None]


def comments(ws: WorkspaceData) -> pd.DataFrame:
    """Responses with a comment, with whatever text columns earlier runs stored."""
    t = ws.table("responses")
    base = (
        "response_id",
        "ts",
        "kind",
        "score",
        "comment",
        "language",
        "touchpoint",
        "customer_id",
    )
    cols = [c for c in base if c in t.columns]
    extra = [c for c in DERIVED if c in t.columns]
    frame = t.filter(t.comment.notnull()).select(*cols, *extra).execute()
    return frame[frame["comment"].str.strip().astype(bool)].reset_index(drop=True)


def checksum(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def taxonomy_fingerprint(themes: ThemeSet) -> str:
    return checksum(json.dumps(themes.keywords, sort_keys=True, ensure_ascii=False))


def stored_quality(ws: WorkspaceData) -> dict[str, Any]:
    path = ws.root / QUALITY_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save_quality(ws: WorkspaceData, quality: dict[str, Any]) -> None:
    path = ws.root / QUALITY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(quality, indent=2, default=float), encoding="utf-8")
    tmp.replace(path)


def _labels(frame: pd.DataFrame) -> list[str | None]:
    return [label_from_score(k, s) for k, s in zip(frame["kind"], frame["score"], strict=True)]


def _theme_sentiments(
    model: Any,
    texts: list[str],
    langs: list[str | None],
    overall: list[str | None],
    themes: ThemeSet,
) -> tuple[list[str | None], list[str | None]]:
    """Primary theme and JSON {theme: sentiment} per comment; a theme's clauses are scored alone."""
    per_comment = [theme_clauses(t, lang, themes) for t, lang in zip(texts, langs, strict=True)]
    clause_texts, clause_langs, where = [], [], []
    for i, found in enumerate(per_comment):
        if len(found) > 1:  # one theme only: the comment's sentiment is the theme's
            for theme, clause in found.items():
                clause_texts.append(clause)
                clause_langs.append(langs[i])
                where.append((i, theme))
    scored: dict[tuple[int, str], str | None] = {}
    if clause_texts:
        labels, _ = model.predict(clause_texts, clause_langs)
        scored = dict(zip(where, labels, strict=True))
    primary: list[str | None] = []
    encoded: list[str | None] = []
    for i, found in enumerate(per_comment):
        primary.append(next(iter(found), None))
        if not found:
            encoded.append(None)
            continue
        values = {theme: scored.get((i, theme)) or overall[i] for theme in found}
        encoded.append(json.dumps(values, ensure_ascii=False))
    return primary, encoded


def _load_model(ws: WorkspaceData) -> tuple[Any, str | None]:
    """The configured transformer model, else the stored model (None when there is none)."""
    local_model = ws.config.section("text").get("sentiment_model")
    if local_model:
        from cxlens.text.transformer import TransformerSentiment

        return TransformerSentiment(str(ws.config.resolve(str(local_model)))), str(local_model)
    path = ws.root / MODEL_FILE
    return (SentimentModel.load(path) if path.exists() else None), None


def _train(
    ws: WorkspaceData, frame: pd.DataFrame, labels: list[str | None], folds: int, say: Progress
) -> tuple[SentimentModel, dict[str, Any]]:
    from cxlens.text.evaluation import cross_validate

    labelled = [i for i, lab in enumerate(labels) if lab]
    texts = frame["comment"].tolist()
    langs = frame["comment_language"].tolist()
    quality: dict[str, Any] = {"training_comments": len(labelled), "folds": folds}
    if len(labelled) >= folds * 10:
        sample = (
            labelled
            if len(labelled) <= CV_SAMPLE
            else sorted(np.random.default_rng(0).choice(labelled, CV_SAMPLE, replace=False))
        )
        say("cross-validation", 0.0)
        quality["cross_validation"] = cross_validate(
            [texts[i] for i in sample],
            [str(labels[i]) for i in sample],
            [langs[i] for i in sample],
            folds,
        )
        say("cross-validation", 100.0)
    else:
        quality["cross_validation"] = {
            "verdict": "too few distinct comments",
            "message": f"Too few scored comments to judge the sentiment model ({len(labelled)}).",
            "comments": len(labelled),
            "per_language": {},
        }
    model = SentimentModel().fit(
        [texts[i] for i in labelled], [labels[i] for i in labelled], [langs[i] for i in labelled]
    )
    model.temperature_ = float(quality["cross_validation"].get("temperature", 1.0))
    model.save(ws.root / MODEL_FILE)
    quality["since_training"] = {"comments": 0, "correct": 0}
    return model, quality


def analyse(
    ws: WorkspaceData,
    folds: int = 5,
    retrain: bool | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Analyse new and changed comments (all of them when the model is learnt again); store them.

    ``retrain`` True learns the model again, False never does (unless there is no
    model yet), None decides by growth. Returns a summary of what was done.
    """
    say = progress or (lambda step, pct: None)
    frame = comments(ws)
    if frame.empty:
        raise CxlensError("No comments to analyse: the responses table has no comment text.")
    for col in DERIVED:
        if col not in frame:
            frame[col] = None
    sums = [checksum(str(c)) for c in frame["comment"]]
    themes = ThemeSet.from_config(ws.config.section("text"))
    fingerprint = taxonomy_fingerprint(themes)
    quality = stored_quality(ws)
    model, transformer = _load_model(ws)
    labels = _labels(frame)
    n_labelled = sum(1 for lab in labels if lab)
    trained = False
    if transformer is None:
        grown = model is not None and n_labelled >= (1 + RETRAIN_GROWTH) * max(model.n_training_, 1)
        trained = model is None or bool(retrain) or (retrain is None and grown)
    changed = np.array([s != old for s, old in zip(sums, frame["comment_checksum"], strict=True)])
    todo = np.ones(len(frame), dtype=bool) if trained else changed
    retheme = quality.get("taxonomy") != fingerprint
    say("languages", 0.0)
    detect = todo | frame["comment_language"].isna().to_numpy()
    if detect.any():
        found = detect_languages(frame.loc[detect, "comment"].tolist())
        frame.loc[detect, "comment_language"] = pd.Series(
            found, index=frame.index[detect], dtype=object
        )
    say("languages", 100.0)
    if trained:
        say("sentiment", 0.0)
        model, quality = _train(ws, frame, labels, folds, say)
    elif transformer is not None:
        quality["model"] = transformer
    say("sentiment", 0.0)
    rows = np.nonzero(todo)[0]
    if len(rows):
        predicted, scores = model.predict(
            frame["comment"].iloc[rows].tolist(), frame["comment_language"].iloc[rows].tolist()
        )
        frame.loc[frame.index[rows], "sentiment"] = pd.Series(
            predicted, index=frame.index[rows], dtype=object
        )
        frame.loc[frame.index[rows], "sentiment_score"] = np.round(scores, 4)
        if not trained:
            # comments the model never saw, checked against their scores as they arrive
            seen = quality.setdefault("since_training", {"comments": 0, "correct": 0})
            for i, p in zip(rows, predicted, strict=True):
                if labels[i]:
                    seen["comments"] += 1
                    seen["correct"] += int(p == labels[i])
    say("sentiment", 100.0)
    say("themes", 0.0)
    theme_rows = np.arange(len(frame)) if retheme else rows
    if len(theme_rows):
        primary, encoded = _theme_sentiments(
            model,
            frame["comment"].iloc[theme_rows].astype(str).tolist(),
            frame["comment_language"].iloc[theme_rows].tolist(),
            frame["sentiment"].iloc[theme_rows].tolist(),
            themes,
        )
        frame.loc[frame.index[theme_rows], "theme"] = pd.Series(
            primary, index=frame.index[theme_rows], dtype=object
        )
        frame.loc[frame.index[theme_rows], "theme_sentiment"] = pd.Series(
            encoded, index=frame.index[theme_rows], dtype=object
        )
    say("themes", 100.0)
    frame["comment_checksum"] = sums
    written = np.union1d(rows, theme_rows)
    if transformer is not None:
        quality["accuracy"] = _agreement(frame, labels)
    if len(written):
        out = frame.iloc[written][["response_id", *DERIVED]].copy()
        out["sentiment_score"] = out["sentiment_score"].astype(float)
        ws.update_rows("responses", out)
    quality["taxonomy"] = fingerprint
    _save_quality(ws, quality)
    return {
        "comments": len(frame),
        "analysed": len(rows),
        "rethemed": bool(retheme),
        "trained": trained,
        **quality,
    }


def _agreement(frame: pd.DataFrame, labels: list[str | None]) -> dict[str, Any]:
    """Accuracy per language of a model that did not learn from these comments, against the scores."""
    out: dict[str, Any] = {}
    checked = pd.DataFrame(
        {
            "lang": [str(x or "?") for x in frame["comment_language"]],
            "ok": [p == lab for p, lab in zip(frame["sentiment"], labels, strict=True)],
            "labelled": [lab is not None for lab in labels],
        }
    )
    for lang, g in checked[checked["labelled"]].groupby("lang"):
        out[str(lang)] = {"comments": len(g), "accuracy": float(g["ok"].mean())}
    return out


def classify_new(ws: WorkspaceData) -> int:
    """Analyse comments that arrived since the last run with the stored model; 0 when none is stored."""
    if not (ws.root / MODEL_FILE).exists() and not ws.config.section("text").get("sentiment_model"):
        return 0
    if "comment" not in ws.table("responses").columns:
        return 0
    return int(analyse(ws, retrain=False)["analysed"])


def _analysed(ws: WorkspaceData) -> pd.DataFrame:
    frame = comments(ws)
    if "sentiment" not in frame or "theme_sentiment" not in frame:
        raise CxlensError("Comments are not analysed yet; run `cxlens text analyse` first.")
    return frame


def themes_frame(
    ws: WorkspaceData,
    start: Any = None,
    end: Any = None,
    discover_k: int = 0,
    lang: str | None = None,
) -> pd.DataFrame:
    """Comments with their themes (a list, primary first) and each theme's sentiment (a dict).

    With ``discover_k``, the themes are ``discover_k`` clusters found in the comments
    (of ``lang``, or of every language together) instead of the taxonomy, and carry
    the comment's sentiment.
    """
    frame = _analysed(ws)
    if start is not None:
        frame = frame[frame["ts"] >= start]
    if end is not None:
        frame = frame[frame["ts"] < end]
    if discover_k:
        from cxlens.text.themes import discover

        if lang:
            frame = frame[frame["comment_language"] == lang]
        names, _ = discover(frame["comment"].astype(str).tolist(), lang, discover_k)
        found = [[n] if n else [] for n in names]
        moods = [{n: s} if n else {} for n, s in zip(names, frame["sentiment"], strict=True)]
    else:
        moods = [
            json.loads(v) if isinstance(v, str) and v else {} for v in frame["theme_sentiment"]
        ]
        found = [list(m) for m in moods]
    return frame.assign(
        themes=pd.Series(found, index=frame.index, dtype=object),
        theme_moods=pd.Series(moods, index=frame.index, dtype=object),
    )


def unthemed(ws: WorkspaceData, lang: str | None = None) -> pd.DataFrame:
    """Analysed comments that match no theme of the taxonomy (of ``lang`` when given)."""
    frame = _analysed(ws)
    frame = frame[frame["theme_sentiment"].isna()]
    return frame[frame["comment_language"] == lang] if lang else frame


def sentiment_summary(ws: WorkspaceData, lang: str | None = None) -> pd.DataFrame:
    """Per language: comments, share per sentiment, mean score, and how well the model reads them."""
    frame = _analysed(ws)
    if lang:
        frame = frame[frame["comment_language"] == lang]
    frame = frame.assign(comment_language=frame["comment_language"].fillna("unknown"))
    table = frame.pivot_table(
        index="comment_language",
        columns="sentiment",
        values="response_id",
        aggfunc="count",
        fill_value=0,
    )
    for label in ("negative", "neutral", "positive"):
        if label not in table:
            table[label] = 0
    table = table[["negative", "neutral", "positive"]]
    table["comments"] = table.sum(axis=1)
    table["mean_score"] = frame.groupby("comment_language")["sentiment_score"].mean()
    quality = stored_quality(ws)
    per_language = quality.get("cross_validation", {}).get("per_language", {})
    checked = quality.get("accuracy", {})
    accuracy, low, high, distinct, judged = [], [], [], [], []
    for code in table.index:
        cv = per_language.get(str(code))
        if cv:
            accuracy.append(cv["accuracy"]["rate"])
            low.append(cv["accuracy"]["low"])
            high.append(cv["accuracy"]["high"])
            distinct.append(cv["distinct"])
            judged.append(bool(cv["judged"]))
        else:
            accuracy.append(float(checked.get(str(code), {}).get("accuracy", np.nan)))
            low.append(np.nan)
            high.append(np.nan)
            distinct.append(np.nan)
            judged.append(str(code) in checked)
    table["cv_accuracy"] = accuracy
    table["cv_low"] = low
    table["cv_high"] = high
    table["distinct_comments"] = distinct
    table["judged"] = judged
    return table.reset_index()
