"""Theme taxonomy, per-theme sentiment, theme reports and suggestions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlens.errors import CxlensError
from cxlens.text.normalise import normalise
from cxlens.text.taxonomy import ThemeSet, builtin_themes, clauses, theme_clauses
from cxlens.text.themes import c_tf_idf, discover, suggest, theme_report


def test_keywords_match_stems_and_phrases():
    themes = ThemeSet.from_config(None)
    assert themes.find("toimituksen kanssa oli ongelmia", "fi") == ["delivery"]
    assert themes.find("pakk jõudis kiiresti, aitäh", "et") == ["delivery"]
    assert themes.find("dostavom sam zadovoljan", "hr") == ["delivery"]
    # short keyword stems match whole stems only
    assert "app" not in themes.find("i really appreciate it", "en")
    assert themes.find("the app crashed", "en")[0] == "app"
    assert themes.find("", "en") == []


def test_keywords_match_as_written_and_at_the_head_of_compounds():
    themes = ThemeSet(
        {
            "price": {"fi": ("hinta", "liittymä")},
            "delivery": {"de": ("sendung", "liefer")},
            "returns": {"de": ("rücksendung",)},
            "billing": {"de": ("gebühr",)},
        }
    )
    # the stemmer cuts "hinta" to "hin" (a whole-stem match) and "hintaa" to "hint":
    # the keyword as written still starts the word
    assert themes.find("hintaa oli liikaa", "fi") == ["price"]
    # a compound names the theme of its last part: a delivery fee is a fee
    assert themes.find("nettiliittymä on hidas", "fi") == ["price"]
    assert themes.find("die liefergebühr ist zu hoch", "de") == ["billing"]
    assert themes.find("lieferung kam spät", "de") == ["delivery"]
    # a part that starts inside a longer keyword is not a part: a return is no shipment
    assert themes.find("rücksendung vor einem monat abgeschickt", "de") == ["returns"]
    # English compounds are written apart: "rate" is not inside "separate"
    assert ThemeSet({"price": {"en": ("rate",)}}).find("in a separate box", "en") == []


def test_primary_theme_is_the_most_mentioned_then_the_first():
    themes = ThemeSet.from_config(None)
    assert (
        themes.find("the price was ok, the courier late and the parcel damaged", "en")[0]
        == "delivery"
    )
    assert themes.find("the courier was late and the price too high", "en") == ["delivery", "price"]


def test_workspace_themes_replace_and_add():
    themes = ThemeSet.from_config(
        {
            "themes": {
                "packaging": {"en": ["packag", "bubble wrap"], "de": ["verpackung"]},
                "price": {"en": ["tariff"]},
            }
        }
    )
    assert set(themes.find("the bubble wrap was torn and the box crushed", "en")) >= {"packaging"}
    assert themes.find("die verpackung war schön", "de") == ["packaging"]
    assert themes.find("the price was high", "en") == []  # en keywords of price replaced
    assert themes.find("der preis ist hoch", "de") == ["price"]  # other languages kept
    only_own = ThemeSet.from_config(
        {"builtin_themes": False, "themes": {"packaging": {"en": ["box"]}}}
    )
    assert set(only_own.keywords) == {"packaging"}


def test_a_malformed_taxonomy_says_where():
    with pytest.raises(CxlensError, match=r"\[text.themes.packaging\] en must be a list"):
        ThemeSet.from_config({"themes": {"packaging": {"en": "box"}}})
    with pytest.raises(CxlensError, match="keywords per language"):
        ThemeSet.from_config({"themes": {"packaging": ["box"]}})


def test_builtin_taxonomy_covers_every_language():
    for theme, langs in builtin_themes().items():
        assert set(langs) == {"en", "et", "bg", "de", "hr", "fi"}, theme
        assert all(len(kws) >= 5 for kws in langs.values()), theme


def test_clauses_split_at_sentences_and_contrast():
    assert clauses("fast delivery, but far too expensive. thanks", "en") == [
        "fast delivery",
        "far too expensive",
        "thanks",
    ]
    assert clauses("toimitus oli nopea mutta hinta kallis", "fi") == [
        "toimitus oli nopea",
        "hinta kallis",
    ]


def test_each_theme_gets_the_clause_that_mentions_it():
    found = theme_clauses(
        "Delivery was super fast, but the price is far too high!", "en", ThemeSet.from_config(None)
    )
    assert found == {"delivery": "delivery was super fast", "price": "the price is far too high"}


def test_c_tf_idf_by_hand():
    # class a: "fast fast courier", class b: "rude courier". courier is in both, so it scores lower.
    top = c_tf_idf({"a": ["fast fast courier"], "b": ["rude courier"]}, "en", top=2)
    assert top["a"][0] == "fast" and top["b"][0] == "rude"


def test_nps_impact_and_theme_sentiment_by_hand():
    frame = pd.DataFrame(
        {
            "comment": ["slow delivery"] * 4 + ["fine"] * 4,
            "comment_language": ["en"] * 8,
            "kind": ["nps"] * 8,
            "score": [0, 2, 9, 10, 10, 9, 9, 8],
            "themes": [["delivery"]] * 4 + [[]] * 4,
            "theme_moods": [
                {"delivery": m} for m in ("negative", "negative", "positive", "neutral")
            ]
            + [{}] * 4,
        }
    )
    row = theme_report(frame).iloc[0]
    # mentioning: 2 promoters, 2 detractors of 4 -> NPS 0; the rest: 3 promoters of 4 -> 75; impact -75
    assert row["theme"] == "delivery" and row["nps_mentioning"] == 0
    assert row["nps_impact"] == pytest.approx(-75)
    assert row["impact_low"] < -75 < row["impact_high"]
    # two of four mentions negative, one positive: net -25 points
    assert row["negative"] == 0.5 and row["positive"] == 0.25
    assert row["net_sentiment"] == pytest.approx(-0.25)


def test_discovered_themes_separate_topics():
    rng = np.random.default_rng(4)
    delivery = ["courier", "parcel", "late", "delivery", "arrived", "driver", "tracking", "box"]
    price = ["price", "expensive", "discount", "cheap", "money", "offer", "coupon", "cost"]
    texts, truth = [], []
    for i in range(300):
        pool = delivery if i % 2 else price
        texts.append(" ".join(rng.choice(pool, 5)))
        truth.append(i % 2)
    texts.append("🙂")  # nothing to cluster on
    names, top = discover(texts, "en", k=2)
    assert names[-1] == "" and len(top) == 2
    by_name: dict[str, list[int]] = {}
    for name, t in zip(names[:-1], truth, strict=True):
        by_name.setdefault(name, []).append(t)
    purity = sum(max(v.count(0), v.count(1)) for v in by_name.values()) / len(truth)
    assert purity > 0.95
    labels = " ".join(top)
    assert any(w in labels for w in delivery) and any(w in labels for w in price)


def test_suggestions_come_from_unthemed_comments():
    rng = np.random.default_rng(1)
    packaging = ["packaging", "bubble", "wrap", "plastic", "wasteful", "recyclable"]
    parking = ["parking", "car", "spaces", "store", "entrance", "busy"]
    texts = [" ".join(rng.choice(packaging if i % 3 else parking, 4)) for i in range(90)]
    proposals = suggest(texts, "en", k=2)
    assert [p["comments"] for p in proposals] == [60, 30]
    assert set(proposals[0]["keywords"]) <= set(packaging) and len(proposals[0]["keywords"]) >= 3
    assert suggest(["one", "two"], "en") == []
    assert normalise(proposals[1]["examples"][0]).split()[0] in parking


def test_quality_covers_food_connections_rooms_and_devices():
    themes = ThemeSet.from_config(None)
    for text, lang in (
        ("the wifi keeps dropping in the evening", "en"),
        ("Das Essen war kalt", "de"),
        ("Hotellihuone oli likainen", "fi"),
        ("Levi on maal nõrk", "et"),
        ("Baterija traje jedan dan", "hr"),
        ("Храната беше студена", "bg"),
    ):
        assert themes.find(normalise(text), lang) == ["quality"], text
