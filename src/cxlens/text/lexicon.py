"""Sentiment lexicons of customer feedback in six languages, and the rules that read them.

Each language's lexicon is a TOML file in ``cxlens/text/lexicons/`` (written for
cxlens): words and phrases that are strongly or mildly positive or negative,
markers of a neutral verdict ("ok", "nothing special"), neutral verbs whose
negation is a complaint ("didn't arrive", "ei tööta", "funktioniert nicht"),
negators, intensifiers, diminishers, contrast words and the openings of a wish.
Entries are stemmed with :mod:`cxlens.text.morphology`, so one form matches its
inflections; in the compounding and case-rich languages a stem of five or more
letters also matches the start of a longer word ("kvaliteet" finds "kvaliteetne").
A word no entry matches is read by its morphology: without an inflectional ending
("bequeme"), with a Finnish stem change undone ("viallisen" is "viallinen", "pettyneenä"
"pettynyt"), with an opposite prefix that turns its sentiment round
("unfreundlich", "epäselvä", "ebamugav", "neljubazan", "неудобен"), and in German,
Finnish and Estonian as a compound whose last part is a sentiment word of five or
more letters ("Riesenenttäuschung", "laatuongelma"). A word listed only as a
modifier ("ihan", "fairly") is never a sentiment word because it shares a stem
with one ("ihana", "fair").

:func:`lexicon_features` reads a comment the way the rules of VADER (Hutto &
Gilbert 2014, ICWSM) do, re-implemented here for six languages:

* a German verb and its separable particle at the end of its clause count as one
  entry ("die App stürzt ständig ab" is "stürzt ab");
* a negator flips the valence of a sentiment word within the next three words of
  its clause (a negated positive becomes negative at 0.8 of its strength, a negated
  negative turns mildly positive at 0.4: "not bad"); with nothing to negate ahead,
  it reaches back two words, as in "funktioniert nicht"; with nothing the lexicon
  knows in reach, the clause it denies counts as a complaint at -0.8, once ("nobody
  called back", "paketa nema"), unless the negator stands alone ("No.", "nothing")
  or only joins ("without", "ilman", "ohne");
* a negative entry that is itself a denial ("nije stigao", "keegi ei", "no reply")
  agrees with a negator before it, as negative concord does in Estonian, Finnish,
  Croatian and Bulgarian ("nikad nije stigao", "ei koskaan ... kukaan ei vastaa"):
  it stays a complaint;
* a negator denies the verb, not the "still" before it: in "ei ole vieläkään
  tullut" the "vieläkään" keeps its sign;
* a denied pair of opposites in one sentence ("neither good nor bad", "ei hyvä
  eikä huono") is a neutral verdict;
* an intensifier before a sentiment word multiplies it by 1.5, a diminisher by 0.6;
  an excess word ("too", "liian", "liiga", "viel zu", "previše", "твърде") makes a
  word the lexicon does not know a complaint at -0.8 ("too long", "liian pitkä"),
  unless a negator just before it denies it ("not too long");
* a wish or suggestion ("would be nice if", "schön, wenn", "oleks tore", "би било
  хубаво", "bilo bi lijepo", "olisi kiva") is a neutral marker, and the praise after
  it in its sentence counts 0.3: it is what the customer would like, not what they got;
* a contrast word ("but", "aber", "aga", "но", "ali", "mutta") weighs the clause
  after it 1.4 and the words before it 0.6;
* a concession ("although", "obwohl", "vaikka", "kuigi", "iako", "макар че") weighs
  the clause it opens 0.6 and the rest of its sentence 1.4;
* emoji, emoticons, "n/10" ratings and exclamation marks add their own valence;
  an eye roll or a facepalm ("🙄", "🤦") turns the praise of its comment into
  sarcasm.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

import numpy as np

from cxlens.text.morphology import stem
from cxlens.text.normalise import normalise

LANGUAGES = ("en", "et", "bg", "de", "hr", "fi")
#: valence of each sentiment category
VALENCE = {"positive_strong": 2.0, "positive": 1.0, "negative": -1.0, "negative_strong": -2.0}
#: what a negated "expected" word ("didn't arrive") is worth
NEGATED_EXPECTED = -1.2
NEGATION_SCOPE = 3
NEGATED_POSITIVE = -0.8
NEGATED_NEGATIVE = 0.4
#: a clause denied with nothing to deny ("nobody called back", "eikä pakettia näy")
BARE_NEGATION = -0.8
#: what a word no entry knows is worth after an excess word ("too long", "liian pitkä")
EXCESS = -0.8
#: negators that only join ("without", "neither ... nor"): never a complaint on their own
JOINING_NEGATORS = frozenset(
    {
        "without",
        "nor",
        "neither",
        "ilma",
        "ega",
        "без",
        "нито",
        "ohne",
        "weder",
        "bez",
        "ni",
        "niti",
        "ilman",
    }
)
#: what praise inside a wish is worth ("would be nice if it were faster")
WISHED = 0.3
INTENSIFY = 1.5
DIMINISH = 0.6
BEFORE_CONTRAST = 0.6
AFTER_CONTRAST = 1.4
#: shortest stem that also matches the start of longer words
PREFIX_MIN = 5
PREFIX_LANGUAGES = frozenset({"et", "bg", "de", "hr", "fi"})
#: languages that write compounds as one word: a sentiment word may be a compound's last part
COMPOUNDING = frozenset({"de", "fi", "et"})
#: shortest first part of a compound, and shortest stem of the sentiment word after it
COMPOUND_HEAD_MIN = 3
COMPOUND_TAIL_MIN = 5
#: prefixes that turn a word into its opposite ("unfreundlich", "epäselvä", "ebamugav",
#: "neljubazan", "неудобен", "unhelpful"), and the shortest word left after them
OPPOSITE_PREFIXES = {
    "en": ("un",),
    "de": ("un",),
    "et": ("eba",),
    "fi": ("epä",),
    "hr": ("ne",),
    "bg": ("не",),
}
OPPOSITE_REST_MIN = 5
#: what a positive word with an opposite prefix is worth, and a negative one ("unproblematisch")
OPPOSITE_OF_POSITIVE = -1.0
OPPOSITE_OF_NEGATIVE = 0.4
#: German separable particles: "die App stürzt ständig ab" is "abstürzen", so an entry of a
#: verb and its particle ("stürzt ab") also matches with words between them in one clause
SEPARABLE_PARTICLES = frozenset(
    {
        "an",
        "ab",
        "auf",
        "aus",
        "ein",
        "mit",
        "nach",
        "vor",
        "weg",
        "zu",
        "zurück",
        "los",
        "fest",
        "um",
        "durch",
        "zusammen",
        "auseinander",
        "hin",
        "her",
        "raus",
        "rein",
    }
)
#: inflectional endings tried off a word the stemmer left unmatched (longest first), so
#: that "bequeme" finds "bequem" and "viallisen" finds "viallinen"'s stem
ENDINGS = {
    "en": ("ly",),
    "de": ("en", "em", "er", "es", "e"),
    "fi": ("ssa", "ssä", "sta", "stä", "lla", "llä", "lta", "ltä", "n", "a", "ä", "t"),
    "et": ("ga", "st", "le", "lt", "ks", "s", "l", "d", "t"),
    "hr": ("ima", "om", "og", "oj", "im", "a", "e", "i", "u", "o"),
    "bg": (),
}
#: Finnish stems that change before an ending: "viallisen", "likaisia" are "viallinen",
#: "likainen"; "pettymyksen" is "pettymys"; "tyytymättömiä" is "tyytymätön"; "pettyneenä"
#: is "pettynyt"
FINNISH_STEM_CHANGES = (
    (re.compile(r"^(.{3,}i)s[ei]\w{0,4}$"), r"\1nen"),
    (re.compile(r"^(.{3,})ks[ei]\w{0,4}$"), r"\1s"),
    (re.compile(r"^(.{3,})ttom\w{0,4}$"), r"\1ton"),
    (re.compile(r"^(.{3,})ttöm\w{0,4}$"), r"\1tön"),
    (re.compile(r"^(.{3,}[aou].*)ne[ei]\w{0,3}$"), r"\1nut"),
    (re.compile(r"^(.{3,})ne[ei]\w{0,3}$"), r"\1nyt"),
)

POSITIVE_EMOJI = frozenset("😀😃😄😁😆😊🙂😍🥰😘😻❤♥💕💖💗💙💚💜🧡👍👌🙏🎉✨💯⭐🌟😎🤩🥳👏💪☺😇🤗")
NEGATIVE_EMOJI = frozenset("😡😠🤬😤😞😔😢😭😩😫🙄👎💩🤮😒😕😖😣😑🤦😬😟☹😨😱💔")
#: emoji that turn the praise around them into sarcasm ("thanks a lot 🙄")
SARCASM_EMOJI = frozenset("🙄🤦😒🙃")
EMOTICONS_POSITIVE = re.compile(r"(?:^|\s)(?::-?\)|:-?d|;-?\)|<3|\(:)(?=\s|$)")
EMOTICONS_NEGATIVE = re.compile(r"(?:^|\s)(?::-?\(|:'\(|:-?/|>:\()(?=\s|$)")
RATING = re.compile(r"\b(\d{1,2})\s*/\s*10\b")
TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|[.!?;:,…]")
CLAUSE_END = frozenset(".!?;:…")

#: names of the features :func:`lexicon_features` returns, in order
FEATURES = (
    "positive",
    "negative",
    "net",
    "net_squashed",
    "neutral_markers",
    "negations",
    "mixed",
    "last_sentence_net",
    "emoji_positive",
    "emoji_negative",
    "exclamations",
    "questions",
    "shouting",
    "no_sentiment",
    "log_words",
)


@dataclass
class Lexicon:
    """One language's entries as stem tuples, each with its categories."""

    lang: str
    entries: dict[tuple[str, ...], dict[str, float]] = field(default_factory=dict)
    prefixes: dict[str, list[tuple[str, dict[str, float]]]] = field(default_factory=dict)
    longest: int = 1
    words: dict[str, list[str]] = field(default_factory=dict)
    #: words listed only as modifiers ("ihan", "fairly"): a sentiment word's stem they
    #: share ("ihana", "fair") does not make them sentiment words
    modifiers_only: frozenset[str] = frozenset()
    #: German verb stem -> (particle, categories) of its separable entries ("stürzt ab")
    separable: dict[str, list[tuple[str, dict[str, float]]]] = field(default_factory=dict)

    def add(self, phrase: str, category: str, value: float) -> None:
        key = tuple(
            stem(w, self.lang) for w in TOKEN.findall(phrase) if w not in CLAUSE_END and w != ","
        )
        if not key:
            return
        self.entries.setdefault(key, {})[category] = value
        self.longest = max(self.longest, len(key))
        if self.lang == "de" and len(key) == 2 and key[1] in _particle_stems():
            self.separable.setdefault(key[0], []).append((key[1], self.entries[key]))
        if len(key) == 1 and len(key[0]) >= PREFIX_MIN and self.lang in PREFIX_LANGUAGES:
            self.prefixes.setdefault(key[0][:PREFIX_MIN], []).append((key[0], self.entries[key]))

    def match(
        self, stems: list[str], i: int, words: list[str] | None = None
    ) -> tuple[int, dict[str, float]]:
        """Length and categories of the longest entry starting at word ``i`` (0 if none).

        With the ``words`` as written, a word no entry matches is read by its morphology:
        without an inflectional ending, with an opposite prefix ("unfreundlich"), or as
        a compound ending in a sentiment word ("Riesenenttäuschung", "laatuongelma").
        """
        for n in range(min(self.longest, len(stems) - i), 0, -1):
            found = self.entries.get(tuple(stems[i : i + n]))
            if found:
                if n == 1 and words is not None and words[i] in self.modifiers_only:
                    found = {k: v for k, v in found.items() if k not in VALENCE}
                return n, found
        found = self._prefixed(stems[i])
        if found:
            return 1, found
        if words is not None:
            found = self.morphology(words[i])
            if found:
                return 1, found
        return 0, {}

    def _prefixed(self, word_stem: str) -> dict[str, float]:
        """Categories of the longest stem of five or more letters that ``word_stem`` starts with."""
        best: tuple[int, dict[str, float]] = (0, {})
        for prefix, cats in self.prefixes.get(word_stem[:PREFIX_MIN], ()):
            if word_stem.startswith(prefix) and len(prefix) > best[0]:
                best = (len(prefix), cats)
        return best[1]

    def _single(self, word: str, tail: bool = False) -> dict[str, float]:
        """Categories of one written word by its stem, its start, or without an ending."""
        s = stem(word, self.lang)
        if tail and len(s) < COMPOUND_TAIL_MIN:
            return {}
        found = self.entries.get((s,)) or ({} if tail else self._prefixed(s))
        if found:
            return found
        candidates = [word[: -len(e)] for e in ENDINGS.get(self.lang, ()) if word.endswith(e)]
        if self.lang == "fi":
            candidates += [p.sub(r, word) for p, r in FINNISH_STEM_CHANGES if p.match(word)]
        for rest in candidates:
            if len(rest) >= 4:
                s = stem(rest, self.lang)
                found = self.entries.get((s,), {})
                if found and (not tail or len(s) >= COMPOUND_TAIL_MIN):
                    return found
        return {}

    def _opposite(self, word: str, tail: bool = False) -> dict[str, float]:
        """A word with an opposite prefix whose rest is a sentiment word, valued the other way."""
        for prefix in OPPOSITE_PREFIXES.get(self.lang, ()):
            rest = word[len(prefix) :]
            if not word.startswith(prefix) or len(rest) < OPPOSITE_REST_MIN:
                continue
            cats = self._single(rest, tail)
            value = next((cats[k] for k in VALENCE if k in cats), None)
            if value is not None and "negators" not in cats:
                if value > 0:
                    return {"negative": OPPOSITE_OF_POSITIVE}
                return {"positive": OPPOSITE_OF_NEGATIVE}
        return {}

    def morphology(self, word: str) -> dict[str, float]:
        """Sentiment categories of a written word that no entry matches (cached per word)."""
        return _morphology(self.lang, word)

    def _morphology(self, word: str) -> dict[str, float]:
        found = self._single(word)
        if found:
            return found
        found = self._opposite(word)
        if found:
            return found
        if self.lang not in COMPOUNDING:
            return {}
        # the longest last part first, so that "benutzerunfreundlich" reads "unfreundlich"
        for j in range(COMPOUND_HEAD_MIN, len(word) - COMPOUND_TAIL_MIN + 1):
            part = word[j:]
            found = self._opposite(part, tail=True) or self._single(part, tail=True)
            if any(k in VALENCE for k in found):
                return {k: v for k, v in found.items() if k in VALENCE}
        return {}


@cache
def _particle_stems() -> frozenset[str]:
    return frozenset(stem(p, "de") for p in SEPARABLE_PARTICLES)


def _entries(text: str) -> list[str]:
    return [w.strip() for w in text.replace("\n", " ").split(",") if w.strip()]


#: the categories of words that change the words around them
MODIFIERS = ("diminishers", "intensifiers", "contrast", "concessive", "excess", "wish", "negators")


@cache
def lexicon(lang: str) -> Lexicon:
    """The lexicon of ``lang`` (one of LANGUAGES), loaded and stemmed once."""
    source = resources.files("cxlens.text") / "lexicons" / f"{lang}.toml"
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    lex = Lexicon(lang)
    for category in (*MODIFIERS[:-1], "expected", "negators", "neutral", *VALENCE):
        items = _entries(data.get(category, ""))
        lex.words[category] = items
        for phrase in items:
            lex.add(phrase.casefold(), category, VALENCE.get(category, 1.0))
    modifiers = {w.casefold() for c in MODIFIERS for w in lex.words[c]}
    sentiment = {w.casefold() for c in VALENCE for w in lex.words[c]}
    lex.modifiers_only = frozenset(modifiers - sentiment)
    return lex


@lru_cache(maxsize=200_000)
def _morphology(lang: str, word: str) -> dict[str, float]:
    return lexicon(lang)._morphology(word)


def examples(lang: str) -> tuple[list[str], list[str]]:
    """The lexicon's sentiment words and neutral markers as labelled one-phrase examples."""
    lex = lexicon(lang)
    texts, labels = [], []
    for category, label in (
        ("positive_strong", "positive"),
        ("positive", "positive"),
        ("negative", "negative"),
        ("negative_strong", "negative"),
        ("neutral", "neutral"),
    ):
        for phrase in lex.words.get(category, []):
            texts.append(phrase)
            labels.append(label)
    return texts, labels


def _emoji(raw: str) -> tuple[float, float]:
    pos = sum(1 for ch in raw if ch in POSITIVE_EMOJI)
    neg = sum(1 for ch in raw if ch in NEGATIVE_EMOJI)
    low = raw.casefold()
    pos += len(EMOTICONS_POSITIVE.findall(low))
    neg += len(EMOTICONS_NEGATIVE.findall(low))
    for value in RATING.findall(raw):
        score = int(value)
        if score >= 8:
            pos += 2
        elif score <= 4:
            neg += 2
    return float(pos), float(neg)


def score_tokens(tokens: list[str], lang: str) -> tuple[list[float], int, int, list[int]]:
    """Valence per word of one text's tokens (punctuation included), negations, neutral markers and sentence per word."""
    lex = lexicon(lang)
    words = [t for t in tokens if t not in CLAUSE_END and t != ","]
    stems = [stem(w, lang) for w in words]
    # where clauses (commas included) and sentences begin, counted in words
    boundary_before = [False] * (len(words) + 1)
    sentence = [0] * len(words)
    j = current = 0
    for t in tokens:
        if t in CLAUSE_END or t == ",":
            boundary_before[j] = True
            if t in CLAUSE_END:
                current += 1
        else:
            sentence[j] = current
            j += 1
    kinds: list[dict[str, float]] = [{} for _ in words]
    span = [1] * len(words)
    i = 0
    while i < len(words):
        n, cats = lex.match(stems, i, words)
        if n:
            kinds[i] = cats
            span[i] = n
            i += n
        else:
            i += 1
    # a German verb and its particle at the end of the clause ("stürzt ständig ab")
    for i in range(len(words)):
        for particle, cats in lex.separable.get(stems[i], ()):
            end = next((k for k in range(i + 1, len(words)) if boundary_before[k]), len(words))
            for j in range(i + 2, end):
                if stems[j] == particle and not kinds[j] and (j + 1 == end):
                    kinds[i], span[i] = cats, 1

    def denial(i: int) -> bool:
        """Whether the negative entry at word ``i`` is itself a denial ("nije stigao", "keegi
        ei", "no reply"): a negator before it agrees with it ("nikad nije stigao", "kunagi ...
        keegi ei vasta": negative concord), it does not turn it round."""
        cats = kinds[i]
        if not any(cats.get(c, 0) < 0 for c in VALENCE):
            return False
        return "negators" in cats or any(
            "negators" in lex.entries.get((s,), {}) for s in stems[i : i + span[i]]
        )

    valence = [0.0] * len(words)
    base = [0.0] * len(words)  # valence before negation
    negated_by: list[int | None] = [None] * len(words)
    agreeing: set[int] = set()  # negators that agree with a denial after them
    negations = neutral = 0
    for i, cats in enumerate(kinds):
        if not cats:
            continue
        if "neutral" in cats and not any(k in cats for k in VALENCE):
            neutral += 1
            continue
        sentiment = next((cats[k] for k in VALENCE if k in cats), None)
        is_modifier = "intensifiers" in cats or "diminishers" in cats
        nxt = next(
            (k for k in range(i + span[i], min(i + span[i] + 2, len(words))) if kinds[k]), None
        )
        if sentiment is not None and is_modifier and nxt is not None and not boundary_before[nxt]:
            nk = kinds[nxt]
            if any(k in nk for k in VALENCE):
                continue  # "super fast": an intensifier here, not a sentiment of its own
        if sentiment is None and "expected" not in cats:
            continue
        v = sentiment if sentiment is not None else 0.0
        # modifiers and negators in the words just before, within the clause
        for back in range(1, NEGATION_SCOPE + 1):
            k = i - back
            if k < 0 or boundary_before[k + 1]:
                break
            before = kinds[k]
            if "contrast" in before or "concessive" in before:
                break
            if back <= 2 and v and "intensifiers" in before:
                v *= INTENSIFY
            elif back <= 2 and v and "diminishers" in before:
                v *= DIMINISH
            if "negators" in before and negated_by[i] is None:
                if denial(i):
                    agreeing.add(k)
                else:
                    negated_by[i] = k
        if negated_by[i] is not None:
            earlier = [j for j in range(i) if negated_by[j] == negated_by[i]]
            for j in earlier:  # "ei ole vieläkään tullut": the verb is denied, "still" stays
                valence[j] = base[j]
                negated_by[j] = None
            v = _negate(v, sentiment)
        base[i] = sentiment if sentiment is not None else 0.0
        valence[i] = v
    # "too long", "liian pitkä", "viel zu lange": an excess is a complaint about a word
    # no entry knows, unless it is denied ("not too long")
    for k, cats in enumerate(kinds):
        j = k + span[k]
        if "excess" not in cats or j >= len(words) or boundary_before[j] or kinds[j]:
            continue
        if not any("negators" in kinds[b] for b in range(max(0, k - 2), k)):
            valence[j] = EXCESS
    # negators with nothing ahead reach back to a positive or expected word
    used = {k for k in negated_by if k is not None} | agreeing
    bare: list[int] = []
    for k, cats in enumerate(kinds):
        if "negators" not in cats or any(c in cats for c in VALENCE):
            continue
        negations += 1
        if k in used:
            continue
        reached = False
        for back in (1, 2):
            i = k - back
            if i < 0 or boundary_before[i + 1]:
                break
            cats_i = kinds[i]
            sentiment = next((cats_i[c] for c in VALENCE if c in cats_i), None)
            # only what a trailing negator can deny: "funktioniert nicht", "gefällt mir nicht"
            if negated_by[i] is None and (
                (sentiment or 0) > 0 or (sentiment is None and "expected" in cats_i)
            ):
                negated_by[i] = k
                valence[i] = _negate(valence[i], sentiment)
                reached = True
                break
        # alone in its clause ("No.", "nothing") a negator answers a question, denies nothing
        alone = (k == 0 or boundary_before[k]) and (k + 1 == len(words) or boundary_before[k + 1])
        if not reached and not alone and words[k] not in JOINING_NEGATORS:
            bare.append(k)
    # a clause that denies something the lexicon does not know is a complaint, once
    clause = list(itertools.accumulate(int(boundary_before[k]) for k in range(len(words))))
    denied = {clause[i] for i, k in enumerate(negated_by) if k is not None}
    for k in bare:
        if clause[k] not in denied:
            denied.add(clause[k])
            valence[k] = BARE_NEGATION
    # "neither good nor bad", "ei hyvä eikä huono": a denied pair is a neutral verdict
    for sent in set(sentence):
        flipped = [i for i, k in enumerate(negated_by) if k is not None and sentence[i] == sent]
        signs = {kinds[i].get(c, 0) > 0 for i in flipped for c in VALENCE if c in kinds[i]}
        if signs == {True, False}:
            for i in flipped:
                valence[i] = 0.0
            neutral += 1
    # a wish or suggestion ("would be nice if", "wäre schön, wenn", "olisi kiva"): the
    # praise after it in its sentence is what the customer would like, not what they got
    for i, cats in enumerate(kinds):
        if "wish" in cats and not any(c in cats for c in VALENCE):
            neutral += 1
            for k in range(i + span[i], len(words)):
                if sentence[k] == sentence[i] and valence[k] > 0:
                    valence[k] *= WISHED
    # contrast: what follows outweighs what came before, within the sentence
    for i, cats in enumerate(kinds):
        if "contrast" in cats and not any(c in cats for c in VALENCE):
            for k in range(len(words)):
                if sentence[k] == sentence[i] and k != i:
                    valence[k] *= BEFORE_CONTRAST if k < i else AFTER_CONTRAST
    # a concession ("although", "obwohl", "vaikka", "kuigi", "iako", "макар че"): the
    # clause it opens weighs less than the rest of its sentence
    for i, cats in enumerate(kinds):
        if "concessive" in cats and not any(c in cats for c in VALENCE):
            end = next(
                (k for k in range(i + span[i], len(words)) if boundary_before[k]), len(words)
            )
            for k in range(len(words)):
                if sentence[k] == sentence[i] and not i <= k < i + span[i]:
                    valence[k] *= BEFORE_CONTRAST if i < k < end else AFTER_CONTRAST
    return valence, negations, neutral, sentence


def _negate(value: float, sentiment: float | None) -> float:
    """A negated word's valence: "not good" negative, "not bad" mildly positive, "didn't arrive" a complaint."""
    if sentiment is None:
        return NEGATED_EXPECTED
    if value > 0:
        return value * NEGATED_POSITIVE
    return abs(value) * NEGATED_NEGATIVE


def lexicon_features(text: str | None, lang: str | None) -> np.ndarray:
    """The FEATURES of one comment in ``lang`` (all six lexicons pooled when it is unknown)."""
    raw = str(text or "")
    norm = normalise(raw)
    tokens = TOKEN.findall(norm)
    langs: Iterable[str] = (lang,) if lang in LANGUAGES else LANGUAGES
    best: tuple[list[float], int, int, list[int]] | None = None
    for code in langs:
        scored = score_tokens(tokens, code)
        if best is None or sum(map(abs, scored[0])) > sum(map(abs, best[0])):
            best = scored
    valence, negations, neutral, sentence = best if best is not None else ([], 0, 0, [])
    if any(ch in SARCASM_EMOJI for ch in raw):
        valence = [-abs(v) for v in valence]
    emoji_pos, emoji_neg = _emoji(raw)
    exclamations = raw.count("!")
    questions = raw.count("?")
    letters = [c for c in raw if c.isalpha()]
    shouting = sum(1 for c in letters if c.isupper()) / len(letters) if len(letters) > 8 else 0.0
    boost = 1.0 + 0.1 * min(exclamations, 3)
    pos = sum(v for v in valence if v > 0) * boost + 0.8 * emoji_pos
    neg = -sum(v for v in valence if v < 0) * boost + 0.8 * emoji_neg
    net = pos - neg
    last = (
        float(sum(v for v, s in zip(valence, sentence, strict=True) if s == sentence[-1]))
        if sentence
        else 0.0
    )
    n_words = sum(1 for t in tokens if t not in CLAUSE_END and t != ",")
    return np.array(
        [
            pos,
            neg,
            net,
            math.tanh(net / 2),
            float(neutral),
            float(negations),
            min(pos, neg),
            last,
            emoji_pos,
            emoji_neg,
            float(min(exclamations, 5)),
            float(min(questions, 5)),
            shouting if shouting > 0.5 else 0.0,
            1.0 if pos == 0 and neg == 0 else 0.0,
            math.log1p(n_words),
        ]
    )
