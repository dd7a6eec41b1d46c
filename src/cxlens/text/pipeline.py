"""Analysing a workspace's comments: language, sentiment and themes, stored with the responses.

Results become extra columns of ``responses`` (``comment_language``, ``sentiment``,
``sentiment_score``, ``theme``), so ``cxlens kpi nps --by theme`` or
``--by sentiment`` work like any other breakdown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxlens.errors import CxlensError
from cxlens.text.language import detect_languages
from cxlens.text.sentiment import SentimentModel, cross_validate, label_from_score
from cxlens.text.themes import ThemeSet, assign

if TYPE_CHECKING:
    from cxlens.data import WorkspaceData

MODEL_FILE = Path("models") / "sentiment.joblib"
QUALITY_FILE = Path("models") / "sentiment.json"
#: cross-validation runs on at most this many comments (it refits the model per fold)
CV_SAMPLE = 20_000


def comments(ws: WorkspaceData) -> pd.DataFrame:
    t = ws.table("responses")
    cols = [
        c
        for c in (
            "response_id",
            "ts",
            "kind",
            "score",
            "comment",
            "language",
            "touchpoint",
            "customer_id",
        )
        if c in t.columns
    ]
    extra = [
        c for c in ("comment_language", "sentiment", "sentiment_score", "theme") if c in t.columns
    ]
    frame = t.filter(t.comment.notnull()).select(*cols, *extra).execute()
    return frame[frame["comment"].str.strip().astype(bool)].reset_index(drop=True)


def analyse(
    ws: WorkspaceData, folds: int = 5, progress: Callable[[str, float], None] | None = None
) -> dict[str, Any]:
    """Detect languages, learn and apply sentiment, find themes; store them; return a summary."""
    frame = comments(ws)
    if frame.empty:
        raise CxlensError("No comments to analyse: the responses table has no comment text.")
    say = progress or (lambda step, pct: None)
    say("languages", 0.0)
    frame["comment_language"] = detect_languages(frame["comment"].tolist())
    say("languages", 100.0)
    labels = [label_from_score(k, s) for k, s in zip(frame["kind"], frame["score"], strict=True)]
    labelled = [i for i, lab in enumerate(labels) if lab]
    say("sentiment", 0.0)
    local_model = ws.config.section("text").get("sentiment_model")
    model: Any
    if local_model:
        from cxlens.text.transformer import TransformerSentiment

        model = TransformerSentiment(str(ws.config.resolve(str(local_model))))
    else:
        model = SentimentModel().fit(
            [frame["comment"].iloc[i] for i in labelled], [str(labels[i]) for i in labelled]
        )
    predicted, scores = model.predict(frame["comment"].tolist())
    frame["sentiment"] = predicted
    frame["sentiment_score"] = np.round(scores, 4)
    say("sentiment", 100.0)
    quality: dict[str, Any] = {
        "training_comments": model.n_training_,
        "folds": folds,
        "accuracy": {},
    }
    if local_model:
        # a model that did not learn from these comments: check it against all of them
        checked = pd.DataFrame(
            {
                "lang": [str(frame["comment_language"].iloc[i] or "?") for i in labelled],
                "ok": [predicted[i] == labels[i] for i in labelled],
            }
        )
        quality["model"] = str(local_model)
        quality["accuracy"] = {
            str(lang): {"comments": len(g), "accuracy": float(g["ok"].mean())}
            for lang, g in checked.groupby("lang")
        }
    elif len(labelled) >= folds * 10:
        sample = (
            labelled
            if len(labelled) <= CV_SAMPLE
            else list(np.random.default_rng(0).choice(labelled, CV_SAMPLE, replace=False))
        )
        cv = cross_validate(
            [frame["comment"].iloc[i] for i in sample],
            [str(labels[i]) for i in sample],
            [str(frame["comment_language"].iloc[i] or "?") for i in sample],
            folds,
        )
        quality["accuracy"] = {
            str(r["lang"]): {"comments": int(r["comments"]), "accuracy": float(r["accuracy"])}
            for r in cv.to_dict(orient="records")
        }
    say("themes", 0.0)
    themes = ThemeSet.from_config(ws.config.section("text"))
    found = assign(frame["comment"].tolist(), frame["comment_language"].tolist(), themes)
    frame["theme"] = [f[0] if f else None for f in found]
    say("themes", 100.0)
    ws.update_rows(
        "responses",
        frame[["response_id", "comment_language", "sentiment", "sentiment_score", "theme"]],
    )
    if not local_model:
        model.save(ws.root / MODEL_FILE)
    (ws.root / QUALITY_FILE).parent.mkdir(parents=True, exist_ok=True)
    (ws.root / QUALITY_FILE).write_text(json.dumps(quality, indent=2), encoding="utf-8")
    return {"comments": len(frame), **quality}


def stored_quality(ws: WorkspaceData) -> dict[str, Any]:
    path = ws.root / QUALITY_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def themes_frame(
    ws: WorkspaceData,
    start: Any = None,
    end: Any = None,
    discover_k: int = 0,
    lang: str | None = None,
) -> pd.DataFrame:
    """Comments with all their themes (a list per comment), for theme reports.

    With ``discover_k``, the themes are ``discover_k`` clusters found in the comments
    (of ``lang``, or of every language together) instead of the keyword map.
    """
    frame = comments(ws)
    if "comment_language" not in frame:
        raise CxlensError("Comments are not analysed yet; run `cxlens text analyse` first.")
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
        return frame.assign(themes=pd.Series(found, index=frame.index, dtype=object))
    themes = ThemeSet.from_config(ws.config.section("text"))
    found = assign(frame["comment"].tolist(), frame["comment_language"].tolist(), themes)
    return frame.assign(themes=pd.Series(found, index=frame.index, dtype=object))


def sentiment_summary(ws: WorkspaceData, lang: str | None = None) -> pd.DataFrame:
    frame = comments(ws)
    if "sentiment" not in frame:
        raise CxlensError("Comments are not analysed yet; run `cxlens text analyse` first.")
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
    accuracy = stored_quality(ws).get("accuracy", {})
    table["cv_accuracy"] = [
        accuracy.get(str(lang_), {}).get("accuracy", math.nan) for lang_ in table.index
    ]
    return table.reset_index()
