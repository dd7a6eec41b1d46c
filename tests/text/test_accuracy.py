"""Sentiment and themes on hand-written comments that nothing in cxlens produced."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from cxlens.config import LANGUAGES
from cxlens.demo import generate
from cxlens.demo.texts import CLOSERS, OPENERS, SHORT, THEME_PHRASES
from cxlens.text import SentimentModel, detect_languages, label_from_score
from cxlens.text.duplicates import jaccard
from cxlens.text.lexicon import lexicon
from cxlens.text.normalise import normalise
from cxlens.text.sentiment import evaluate
from cxlens.text.taxonomy import ThemeSet, builtin_themes
from tests.conftest import FIXTURES

THEMES = {*builtin_themes(), "none"}


HALVES = ("dev", "dev2", "dev3", "final")


def hand_written(half: str | None = None) -> pd.DataFrame:
    """The hand-written set: ``dev``, ``dev2`` and ``dev3`` (errors may be looked at while
    tuning), ``final`` (never), or all four."""
    frames = []
    for part in [half] if half else HALVES:
        for lang in LANGUAGES:
            f = pd.read_csv(
                FIXTURES / "text" / part / f"{lang}.tsv",
                sep="\t",
                names=["sentiment", "theme", "text"],
                quoting=3,
                dtype=str,
                keep_default_na=False,  # "n/a" is a comment, not a missing one
            )
            frames.append(f.assign(lang=lang, half=part))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> SentimentModel:
    """Learnt from a 5,000-customer demo workspace's scored comments, as the README's figures."""
    paths = generate(tmp_path_factory.mktemp("textdemo"), customers=5000, seed=1)
    r = pq.read_table(paths["responses"]).to_pandas().dropna(subset=["comment"])
    labels = [label_from_score(k, s) for k, s in zip(r.kind, r.score, strict=True)]
    return SentimentModel().fit(r.comment.tolist(), labels, r.language.tolist())


def test_hand_written_set_has_a_hundred_and_sixty_comments_per_language():
    frame = hand_written()
    sizes = frame.groupby(["half", "lang"]).size()
    assert sizes["dev"].eq(50).all() and sizes["final"].eq(50).all(), sizes.to_dict()
    assert sizes["dev2"].ge(60).all() and sizes["dev3"].eq(61).all(), sizes.to_dict()
    assert len(sizes) == len(HALVES) * len(LANGUAGES), sizes.to_dict()
    assert set(frame.sentiment) == {"negative", "neutral", "positive"}
    assert set(frame.theme) <= THEMES
    assert not frame.duplicated(["half", "lang", "text"]).any()
    # across sets only idioms of fewer than four words repeat ("нямам коментар", "bez komentara")
    long = frame[[len(normalise(t).split()) >= 4 for t in frame.text]]
    assert not long.duplicated(["lang", "text"]).any()


@pytest.mark.parametrize("later", ["dev2", "dev3"])
def test_later_dev_sets_share_no_near_duplicate_with_the_others(later):
    """A dev2 or dev3 comment has no near copy (Jaccard of 5-grams >= 0.5) in the other sets
    or its own, so that what is tuned on it says nothing directly about the final half."""
    frame = hand_written()
    for lang in LANGUAGES:
        part = frame[frame.lang == lang]
        newer = part[part.half == later].text.tolist()
        for i, text in enumerate(newer):
            if len(normalise(text).split()) < 4:
                continue
            others = [*part[part.half != later].text, *newer[i + 1 :]]
            closest = max(others, key=lambda s, t=text: jaccard(t, s))
            assert jaccard(text, closest) < 0.5, (text, closest)


def test_hand_written_comments_share_no_near_duplicate_with_demo_or_lexicon():
    """No evaluation comment of four or more words is a near copy (Jaccard of 5-grams >= 0.5)
    of a demo phrase or an entry of the lexicon or the taxonomy (shorter comments such as
    "ok" or "Never again." are idioms the lexicon must know)."""
    for lang in LANGUAGES:
        sources = [p for by in THEME_PHRASES[lang].values() for ps in by.values() for p in ps]
        for pools in (SHORT, OPENERS, CLOSERS):
            sources += [p for ps in pools[lang].values() for p in ps if p]
        entries = {normalise(w) for part in lexicon(lang).words.values() for w in part}
        entries |= {normalise(k) for kws in builtin_themes().values() for k in kws.get(lang, ())}
        texts = hand_written().query("lang == @lang").text
        for text in texts:
            if len(normalise(text).split()) < 4:
                continue
            assert normalise(text).strip(" .!?") not in entries, text
            closest = max(sources, key=lambda s, t=text: jaccard(t, s))
            assert jaccard(text, closest) < 0.5, (text, closest)


def test_language_detection_on_hand_written_comments():
    frame = hand_written()
    detected = detect_languages(frame.text.tolist())
    assert (pd.Series(detected) == frame.lang).mean() >= 0.95


#: per set: overall accuracy, lowest accuracy of a language and mean negative recall that
#: the model learnt on the demo must reach, a few points under what it measures (one comment
#: is 2 points of a language in dev and final, 1.6 in dev2 and dev3)
SENTIMENT_FLOORS = {
    "dev": (0.82, 0.76, 0.80),
    "dev2": (0.74, 0.66, 0.66),
    "dev3": (0.72, 0.64, 0.70),
    "final": (0.87, 0.84, 0.85),
}


@pytest.mark.parametrize("half", HALVES)
def test_sentiment_on_hand_written_comments(model, half, capsys):
    frame = hand_written(half)
    result = evaluate(model, frame).set_index("lang")
    overall = (result.accuracy * result.comments).sum() / result.comments.sum()
    with capsys.disabled():
        print(f"\nsentiment on {half}, model learnt on demo comments: {100 * overall:.1f} %")
        for lang, row in result.iterrows():
            print(
                f"  {lang}: {100 * row.accuracy:.0f} %, negative recall {100 * row.negative_recall:.0f} %"
            )
    floor_all, floor_language, floor_recall = SENTIMENT_FLOORS[half]
    assert overall >= floor_all
    assert (result.accuracy >= floor_language).all(), result.accuracy.to_dict()
    assert result.negative_recall.mean() >= floor_recall


def test_primary_theme_on_hand_written_comments():
    frame = hand_written()
    themes = ThemeSet.from_config(None)
    found = [
        (themes.find(normalise(t), lang) or ["none"])[0]
        for t, lang in zip(frame.text, frame.lang, strict=True)
    ]
    agreement = (pd.Series(found) == frame.theme).groupby(frame.half).mean()
    # the taxonomy was written with the dev half's errors in view, never the final half's
    assert agreement["dev"] >= 0.85 and agreement["final"] >= 0.7, agreement.to_dict()


def test_awkward_comments_do_not_break_anything(model):
    awkward = [
        "",
        None,
        "😀😀😀",
        "x" * 100_000,
        "Super service but dostava je kasnila",
        "<script>alert(1)</script> bad",
        "   ",
    ]
    labels, scores = model.predict(awkward)
    assert labels[0] is None and labels[1] is None and labels[6] is None
    assert labels[2] == "positive"
    assert all(lab in (None, "negative", "neutral", "positive") for lab in labels)
    assert len(scores) == len(awkward)
    assert detect_languages(awkward)[:3] == [None, None, None]
