"""Theme reports: what customers talk about, how they feel about it, and what it does to NPS.

Themes are found by the taxonomy of :mod:`cxlens.text.taxonomy`, each with the
sentiment of the clauses that mention it. Each theme then gets its own most telling
words per language by class-based TF-IDF (c-TF-IDF: a word's frequency within the
theme's comments times log(1 + average words per theme ÷ the word's frequency over
all themes)), the comments' volume and average score, examples, and its impact on
NPS: the NPS of answers mentioning it minus the NPS of the others, with a 95%
interval and a test.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from cxlens.stats import nps_difference_test
from cxlens.text.normalise import normalise, words
from cxlens.text.stopwords import STOPWORDS


def c_tf_idf(
    docs_by_class: Mapping[str, list[str]], lang: str | None, top: int = 8
) -> dict[str, list[str]]:
    """The most telling words of each class (c-TF-IDF), stopwords left out."""
    stop = STOPWORDS[lang] if lang in STOPWORDS else frozenset().union(*STOPWORDS.values())
    counts = {
        c: Counter(w for d in docs for w in words(d) if w not in stop and len(w) > 2)
        for c, docs in docs_by_class.items()
    }
    total = Counter[str]()
    for cnt in counts.values():
        total.update(cnt)
    if not counts:
        return {}
    avg_words = sum(sum(c.values()) for c in counts.values()) / max(len(counts), 1)
    out = {}
    for c, cnt in counts.items():
        size = sum(cnt.values()) or 1
        scored = {w: (n / size) * math.log(1 + avg_words / total[w]) for w, n in cnt.items()}
        out[c] = [w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    return out


def theme_report(frame: pd.DataFrame, lang: str | None = None, examples: int = 3) -> pd.DataFrame:
    """One row per theme: volume, its sentiment, average score, NPS impact with interval, top words, examples.

    ``frame`` has one row per comment with columns comment, comment_language, kind,
    score, themes (a list) and, optionally, theme_moods (a dict theme -> sentiment of
    the clauses that mention it). Shares of negative, neutral and positive mentions
    are of the theme's mentions; net sentiment is positive minus negative share.
    """
    if lang:
        frame = frame[frame["comment_language"] == lang]
    rows = []
    exploded = frame.explode("themes")
    by_theme = {str(t): g for t, g in exploded.dropna(subset=["themes"]).groupby("themes")}
    words_by_theme = c_tf_idf(
        {t: [normalise(c) for c in g["comment"]] for t, g in by_theme.items()}, lang
    )
    nps = frame[frame["kind"] == "nps"]
    for theme, g in sorted(by_theme.items(), key=lambda kv: -len(kv[1])):
        mentions = nps["themes"].apply(lambda ts, th=theme: th in (ts or []))
        inside, outside = nps[mentions], nps[~mentions]
        p_in, d_in, n_in = (
            int((inside.score >= 9).sum()),
            int((inside.score <= 6).sum()),
            len(inside),
        )
        p_out, d_out, n_out = (
            int((outside.score >= 9).sum()),
            int((outside.score <= 6).sum()),
            len(outside),
        )
        test = nps_difference_test(p_out, d_out, n_out, p_in, d_in, n_in)
        half = _half_width(p_in, d_in, n_in, p_out, d_out, n_out)
        moods = [(m or {}).get(theme) for m in g["theme_moods"]] if "theme_moods" in g else []
        counted = [m for m in moods if m in ("negative", "neutral", "positive")]
        mood_share = {
            m: (counted.count(m) / len(counted) if counted else math.nan)
            for m in ("negative", "neutral", "positive")
        }
        rows.append(
            {
                "theme": theme,
                "comments": len(g),
                "share": len(g) / max(len(frame), 1),
                "negative": mood_share["negative"],
                "neutral": mood_share["neutral"],
                "positive": mood_share["positive"],
                "net_sentiment": mood_share["positive"] - mood_share["negative"],
                "average_nps_score": float(inside.score.mean()) if n_in else math.nan,
                "nps_mentioning": 100 * (p_in - d_in) / n_in if n_in else math.nan,
                "nps_impact": test.difference,
                "impact_low": test.difference - half,
                "impact_high": test.difference + half,
                "p_value": test.p_value,
                "nps_answers": n_in,
                "top_words": ", ".join(words_by_theme.get(theme, [])),
                "examples": list(g.sort_values("ts", ascending=False)["comment"].head(examples))
                if "ts" in g
                else list(g["comment"].head(examples)),
            }
        )
    return pd.DataFrame(rows)


def _half_width(p1: int, d1: int, n1: int, p2: int, d2: int, n2: int) -> float:
    if not n1 or not n2:
        return math.nan
    v = 0.0
    for p, d, n in ((p1, d1, n1), (p2, d2, n2)):
        pp, dd = p / n, d / n
        v += (pp + dd - (pp - dd) ** 2) / n
    return 100 * 1.959964 * math.sqrt(v)


def discover(
    texts: Sequence[str], lang: str | None, k: int = 8, seed: int = 0
) -> tuple[list[str], dict[str, list[str]]]:
    """Themes found in the comments themselves: k-means on TF-IDF word vectors.

    Words are the normalised comment words without stopwords (of ``lang``, or of all
    six languages when comments of several languages are clustered together). Each
    cluster is named by its three most telling words (c-TF-IDF). Returns one name
    per text (``""`` for texts without a usable word) and each name's top words.
    """
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    stop = STOPWORDS[lang] if lang in STOPWORDS else frozenset().union(*STOPWORDS.values())
    docs = [" ".join(w for w in words(normalise(t)) if w not in stop and len(w) > 2) for t in texts]
    usable = [i for i, d in enumerate(docs) if d]
    names = [""] * len(texts)
    if len(usable) < k:
        return names, {}
    if len({docs[i] for i in usable}) < k:
        return names, {}
    try:
        vectors = TfidfVectorizer(min_df=2, sublinear_tf=True).fit_transform(
            [docs[i] for i in usable]
        )
    except ValueError:  # no word occurs twice
        return names, {}
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        # fewer distinct vectors than clusters: k-means still labels every comment
        warnings.simplefilter("ignore", ConvergenceWarning)
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(vectors)
    members: dict[str, list[str]] = {}
    for i, label in zip(usable, labels, strict=True):
        members.setdefault(str(label), []).append(docs[i])
    top = c_tf_idf(members, lang, top=8)
    title = {c: " / ".join(top.get(c, [])[:3]) or f"cluster {c}" for c in members}
    for i, label in zip(usable, labels, strict=True):
        names[i] = title[str(label)]
    return names, {title[c]: top.get(c, []) for c in members}


def suggest(
    texts: Sequence[str], lang: str | None, k: int = 5, keywords: int = 6
) -> list[dict[str, Any]]:
    """New themes proposed from comments that match no theme: clusters with their telling words.

    Each suggestion has a name (its three top words), keywords to put in
    ``cxlens.toml``, the number of comments it covers and two examples; the largest
    clusters come first. Clusters of fewer than three comments are left out.
    """
    docs = [str(t) for t in texts]
    k = max(2, min(k, len(set(docs)) // 3))
    names, top = discover(docs, lang, k) if len(docs) >= 3 else ([""] * len(docs), {})
    members: dict[str, list[str]] = {}
    for name, text in zip(names, docs, strict=True):
        if name:
            members.setdefault(name, []).append(text)
    out = []
    for name, group in sorted(members.items(), key=lambda kv: -len(kv[1])):
        if len(group) < 3:
            continue
        out.append(
            {
                "name": name,
                "keywords": top.get(name, [])[:keywords],
                "comments": len(group),
                "examples": group[:2],
            }
        )
    return out
