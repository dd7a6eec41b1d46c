"""Lexicon rules, stems, near-duplicate clusters and calibration, each against a hand-worked case."""

from __future__ import annotations

import numpy as np
import pytest

from cxlens.text.duplicates import clusters, jaccard, shingles
from cxlens.text.evaluation import calibration_error
from cxlens.text.lexicon import FEATURES, LANGUAGES, lexicon, lexicon_features
from cxlens.text.morphology import bulgarian_stem, stem, tokens
from cxlens.text.sentiment import fit_temperature


def net(text: str, lang: str) -> float:
    return float(lexicon_features(text, lang)[FEATURES.index("net")])


def test_every_language_has_a_lexicon_with_every_part():
    for lang in LANGUAGES:
        words = lexicon(lang).words
        for part in ("positive", "negative", "neutral", "negators", "intensifiers", "contrast"):
            assert len(words[part]) >= (50 if part in ("positive", "negative") else 3), (lang, part)


def test_stems_cover_inflection():
    assert stem("toimituksen", "fi") == stem("toimitukset", "fi")
    assert stem("tarnega", "et") == stem("tarne", "et") == "tarne"
    assert stem("dostavom", "hr") == stem("dostava", "hr") == "dostav"
    assert bulgarian_stem("доставката") == bulgarian_stem("доставки") == "доставк"
    assert bulgarian_stem("от") == "от"  # too short to cut
    assert tokens("didn't arrive") == ["did", "not", "arrive"]


def test_a_word_counts_once_and_a_strong_one_twice():
    # "good" is +1; "excellent" +2
    assert net("good", "en") == pytest.approx(1.0)
    assert net("excellent", "en") == pytest.approx(2.0)


def test_negation_flips_within_its_scope():
    # negated positive: 1 x -0.8; negated negative: |-1| x 0.4
    assert net("not helpful", "en") == pytest.approx(-0.8)
    assert net("not slow", "en") == pytest.approx(0.4)
    assert net("not bad", "en") == 0  # a neutral verdict of its own
    # a neutral verb denied is a complaint: -1.2
    assert net("the agent did not answer", "en") == pytest.approx(-1.2)
    assert net("pakk ei jõudnud kohale", "et") < 0
    # a trailing German negator reaches back to the verb
    assert net("das paket kam nicht", "de") == pytest.approx(-1.2)
    assert net("es gefällt mir nicht", "de") == pytest.approx(-0.8)
    # negation stops at the clause's end
    assert net("no. good", "en") == pytest.approx(1.0)


def test_intensifiers_diminishers_and_contrast():
    assert net("very good", "en") == pytest.approx(1.5)
    assert net("slightly slow", "en") == pytest.approx(-0.6)
    # before "but" x0.6, after x1.4: +2 x 0.6 - 1 x 1.4 = -0.2
    assert net("excellent courier but slow", "en") == pytest.approx(2 * 0.6 - 1.4)
    assert net("hyvä toimitus mutta kallis", "fi") < 0


def test_emoji_ratings_and_exclamations():
    f = dict(zip(FEATURES, lexicon_features("super 😍 10/10!!", "en"), strict=True))
    # "super" +2, boosted by two "!" (x1.2), plus 0.8 for each of three emoji points
    assert f["positive"] == pytest.approx(2 * 1.2 + 0.8 * 3)
    assert f["emoji_positive"] == 3 and f["exclamations"] == 2
    assert dict(zip(FEATURES, lexicon_features("😡", None), strict=True))["negative"] == 0.8


def test_unknown_language_reads_with_every_lexicon():
    assert net("ужасно", None) < 0 and net("odlično", None) > 0


def test_shingles_and_jaccard_by_hand():
    assert shingles("abcdef") == {b"abcde", b"bcdef"}
    # {abcde, bcdef} vs {abcde, bcdeg}: 1 shared of 3
    assert jaccard("abcdef", "abcdeg") == pytest.approx(1 / 3)
    assert jaccard("", "") == 1.0


def test_near_duplicates_share_a_cluster():
    texts = [
        "Delivery was super fast, thanks!",
        "delivery was super fast thanks!!",
        "The courier lost my parcel and nobody answers",
        "Delivery was super fast, thanks!",
        "Prices went up again",
    ]
    c = clusters(texts)
    assert c[0] == c[1] == c[3]
    assert len({c[0], c[2], c[4]}) == 3


def test_calibration_error_by_hand():
    proba = np.array([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.2, 0.2, 0.6], [0.2, 0.2, 0.6]])
    truth = ["negative", "positive", "positive", "positive"]
    # bin (0.8, 0.9]: confidence 0.9, accuracy 0.5 -> |0.4| x 1/2; bin (0.5, 0.6]: 0.6 vs 1.0 -> 0.4 x 1/2
    assert calibration_error(proba, truth) == pytest.approx(0.4)


def test_temperature_softens_overconfident_predictions():
    rng = np.random.default_rng(0)
    truth = rng.choice(["negative", "neutral", "positive"], 600)
    # says 98 % for a class that is right only 60 % of the time
    guess = np.where(
        rng.random(600) < 0.6, truth, rng.choice(["negative", "neutral", "positive"], 600)
    )
    proba = np.full((600, 3), 0.01)
    for i, g in enumerate(guess):
        proba[i, ["negative", "neutral", "positive"].index(g)] = 0.98
    assert fit_temperature(proba, truth.tolist()) > 1.5


def test_a_clause_that_denies_what_the_lexicon_does_not_know_is_a_complaint():
    # "called back" is expected, denied: -1.2; "no email" denies a word the lexicon
    # does not know: -0.8, once per clause
    assert net("nobody called back, no email either", "en") == pytest.approx(-1.2 - 0.8)
    assert net("paketa nema", "hr") == pytest.approx(-0.8)
    # alone in its clause a negator answers a question; "without" only joins
    assert net("nothing", "en") == 0 and net("No!", "en") == 0
    assert net("no. good", "en") == pytest.approx(1.0)
    assert net("delivered without any problem", "en") > 0
    # an answer of no comment is no complaint
    assert net("no comment", "en") == 0 and net("ei kommenttia", "fi") == 0


def test_a_negator_denies_the_verb_not_the_still_before_it():
    # "vieläkään" (still not) -1 keeps its sign, "tullut" (come) denied: -1.2
    assert net("paketti ei ole vieläkään tullut", "fi") == pytest.approx(-1.0 - 1.2)


def test_a_denied_pair_of_opposites_is_a_neutral_verdict():
    for text, lang in (("neither good nor bad", "en"), ("ei hyvä eikä huono", "fi")):
        features = lexicon_features(text, lang)
        assert features[FEATURES.index("net")] == 0, text
        assert features[FEATURES.index("neutral_markers")] == 1, text


def test_an_eye_roll_turns_praise_into_sarcasm():
    # "thanks" +1 read as -1, and the emoji -0.8
    assert net("thanks a lot 🙄", "en") == pytest.approx(-1.0 - 0.8)
    assert net("thanks a lot", "en") > 0


def test_a_word_no_entry_lists_is_read_by_its_morphology():
    # an inflectional ending off ("bequeme" is "bequem" +1), a Finnish stem that changes
    # before its ending ("viallisen" is "viallinen" -1, "pettyneenä" is "pettynyt" -1)
    assert net("die bequeme couch", "de") == pytest.approx(1.0)
    assert net("viallisen", "fi") == pytest.approx(-1.0)
    assert net("pettyneenä", "fi") == pytest.approx(-1.0)
    # an opposite prefix turns a positive word into a negative one (-1), a negative one
    # mildly positive (+0.4)
    assert net("ebamugav", "et") == pytest.approx(-1.0)
    assert net("epäystävällinen", "fi") == pytest.approx(-1.0)
    assert net("unproblematisch", "de") == pytest.approx(0.4)
    # a compound takes the sentiment of its last part, opposite prefix included
    assert net("riesenenttäuschung", "de") == pytest.approx(-1.0)
    assert net("benutzerunfreundlich", "de") == pytest.approx(-1.0)
    assert net("laatuongelma", "fi") == pytest.approx(-1.0)
    # only in compounding languages, and never a part too short to be sure of
    assert net("megagood", "en") == 0
    assert net("rahagut", "de") == 0


def test_a_modifier_is_no_sentiment_word_because_it_shares_one_stem():
    # "ihan" (quite) shares its stem with "ihana" (lovely) +2, "fairly" with "fair" +1
    assert net("ihan sama", "fi") == 0 and net("ihana", "fi") == pytest.approx(2.0)
    assert net("fairly", "en") == 0 and net("except", "en") == 0
    assert net("ihan hyvä", "fi") == pytest.approx(1.5)


def test_a_concession_weighs_less_than_the_rest_of_its_sentence():
    # the conceded clause x0.6, the rest x1.4: +1 x 0.6 - 1 x 1.4 and +1 x 1.4 - 1 x 0.6
    assert net("although the staff were friendly, the room was dirty", "en") == pytest.approx(-0.8)
    assert net("good product, although expensive", "en") == pytest.approx(0.8)
    assert net("hyvä tuote vaikka kallis", "fi") == pytest.approx(0.8)
    assert net("obwohl es teuer war, gut", "de") == pytest.approx(0.8)


def test_a_german_verb_and_its_separable_particle_count_as_one_entry():
    # "stürzt ab" -1 with a word between; "rief zurück" expected, denied: -1.2
    assert net("die app stürzt ständig ab", "de") == pytest.approx(-1.0)
    assert net("der tisch fiel nach zwei wochen auseinander", "de") == pytest.approx(-1.0)
    assert net("er rief nicht zurück", "de") == pytest.approx(-1.2)
    # the particle must end the clause: here "ab" starts "ab Montag", nothing is denied
    assert net("der kurier kam ab montag", "de") == 0


def test_an_excess_word_makes_an_unknown_word_a_complaint():
    # "pitkä" (long) is in no lexicon: after "liian" (too) it is -0.8
    assert net("liian pitkä", "fi") == pytest.approx(-0.8)
    assert net("die schlange war viel zu lang", "de") == pytest.approx(-0.8)
    # a known word is intensified instead (-1 x 1.5), and "me too" ends its clause
    assert net("too expensive", "en") == pytest.approx(-1.5)
    assert net("me too", "en") == 0


def test_a_denial_after_a_negator_stays_a_complaint_as_negative_concord_has_it():
    # "nije stigao" -1 (an entry that is a denial); "nikad" (never) before it agrees
    # with it and turns nothing round: still -1, not +0.4
    assert net("paket nikad nije stigao", "hr") == pytest.approx(-1.0)
    # "keegi ei" -1 after "kunagi" (ever / never): -1, and the bare "ei" of the first
    # clause -1; "никой не" after "никога"
    assert net("pakk ei jõudnud kunagi kohale ja keegi ei vasta", "et") < -1.5
    assert net("никога никой не отговаря", "bg") < 0
    # a denial still turns a positive word round, and "not bad" is still neutral
    assert net("nije dobro", "hr") < 0 and net("not bad", "en") == 0


def test_praise_inside_a_wish_is_what_the_customer_would_like_not_what_they_got():
    # the wish is a neutral marker; "simple" (+1) after it counts 0.3
    features = lexicon_features("would be nice if the checkout were simple", "en")
    assert features[FEATURES.index("net")] == pytest.approx(0.3)
    assert features[FEATURES.index("neutral_markers")] == 1
    for text, lang in (
        ("olisi kiva jos sovellus olisi nopeampi", "fi"),
        ("bilo bi lijepo da je aplikacija brža", "hr"),
        ("Schön wenn die App schneller wäre", "de"),
    ):
        assert abs(net(text, lang)) < 0.5, (text, lang)
    # a complaint inside a wish stays a complaint, and "war gut" (was good) is no wish
    assert net("would be nice to get a reply, the support is rude", "en") == pytest.approx(-1.0)
    assert net("das essen war gut", "de") == pytest.approx(1.0)
    assert net("i would like to thank the team, great support", "en") > 1.5


def test_seen_better_is_a_complaint_in_every_language():
    for text, lang in (
        ("I've seen better", "en"),
        ("Hab schon Besseres erlebt", "de"),
        ("Olen paremat näinud", "et"),
        ("Vidio sam i bolje", "hr"),
        ("Oon nähnyt parempaakin", "fi"),
        ("Виждал съм и по-добро", "bg"),
    ):
        assert net(text, lang) < 0, (text, lang)
