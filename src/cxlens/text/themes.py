"""Themes of comments: what customers talk about, in every language, and what it does to NPS.

A theme is found by keywords: a shipped multilingual map for the themes CX teams
meet most (delivery, price, quality, support, app/website, returns, billing), plus
any a workspace defines in ``cxlens.toml``::

    [text.themes.packaging]
    en = ["packaging", "box"]
    de = ["verpackung", "karton"]

Keywords match the start of a word, so "deliver" finds "delivery" and "delivered",
and "tarne" finds "tarne" and "tarnega". Each theme then gets its own most telling
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
from dataclasses import dataclass

import pandas as pd

from cxlens.stats import nps_difference_test
from cxlens.text.normalise import normalise, words

SEED_THEMES: dict[str, dict[str, tuple[str, ...]]] = {
    "delivery": {
        "en": ("deliver", "courier", "parcel", "package", "shipping", "shipment", "arriv"),
        "et": ("tarne", "kuller", "pakk", "pakki", "saatmi", "kohaletoimet", "jõudis"),
        "bg": ("достав", "куриер", "пратк", "пристигн"),
        "de": ("liefer", "bote", "kurier", "paket", "versand", "zugestellt", "angekommen"),
        "hr": ("dostav", "paket", "pošilj", "stigl", "stigao"),
        "fi": ("toimitu", "kuriiri", "paketti", "paketin", "saapu", "perillä"),
    },
    "price": {
        "en": ("price", "expensive", "cheap", "discount", "value for money", "cost"),
        "et": ("hind", "kallis", "odav", "allahindlus", "soodus"),
        "bg": ("цен", "скъп", "евтин", "отстъпк", "намален"),
        "de": ("preis", "teuer", "günstig", "billig", "rabatt"),
        "hr": ("cijen", "skup", "jeftin", "popust"),
        "fi": ("hinta", "hinnat", "kallis", "halpa", "alennu"),
    },
    "quality": {
        "en": ("quality", "broke", "material", "well made", "defect"),
        "et": ("kvaliteet", "katki", "materjal"),
        "bg": ("качеств", "счупи", "материал"),
        "de": ("qualität", "kaputt", "material", "verarbeitet"),
        "hr": ("kvalitet", "pokvar", "materijal"),
        "fi": ("laatu", "hajos", "materiaali", "rikki"),
    },
    "support": {
        "en": ("support", "customer service", "agent", "staff", "call", "phone", "email", "chat"),
        "et": ("klienditugi", "klienditeenindus", "teenindaja", "personal", "telefon", "kõne"),
        "bg": ("поддръжк", "обслужване", "служител", "персонал", "телефон", "обажд"),
        "de": (
            "support",
            "kundenservice",
            "mitarbeiter",
            "personal",
            "telefon",
            "warteschleife",
            "anruf",
        ),
        "hr": ("podršk", "korisnička služba", "djelatnik", "osoblje", "telefon", "poziv"),
        "fi": ("asiakaspalvelu", "asiakastuki", "palvelija", "henkilökunta", "puhelin", "puhelu"),
    },
    "app": {
        "en": ("app", "website", "site", "log in", "login", "checkout"),
        "et": ("äpp", "veebileht", "veebis", "sisse logi"),
        "bg": ("приложение", "сайт", "профил"),
        "de": ("app", "webseite", "website", "einlogg", "konto"),
        "hr": ("aplikacij", "web stranic", "stranica", "prijavi"),
        "fi": ("sovellu", "verkkosivu", "sivusto", "kirjautu"),
    },
    "returns": {
        "en": ("return", "refund", "exchange"),
        "et": ("tagast", "raha tagasi", "vahetus"),
        "bg": ("връщ", "върн", "замян"),
        "de": ("rücksend", "rückgabe", "retoure", "erstattung", "umtausch"),
        "hr": ("povrat", "vraćen", "zamjen"),
        "fi": ("palautu", "palautt", "hyvity", "vaihto"),
    },
    "billing": {
        "en": ("bill", "invoice", "charged", "payment", "fee"),
        "et": ("arve", "maks", "tasu"),
        "bg": ("фактур", "сметк", "такс", "плащане"),
        "de": ("rechnung", "abbuch", "zahlung", "gebühr", "abrechnung"),
        "hr": ("račun", "naplat", "plaćanj", "naknad"),
        "fi": ("lasku", "veloit", "maksu", "maksami"),
    },
}

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "a",
            "an",
            "and",
            "or",
            "but",
            "is",
            "was",
            "were",
            "be",
            "been",
            "it",
            "i",
            "my",
            "me",
            "we",
            "you",
            "your",
            "our",
            "to",
            "of",
            "in",
            "on",
            "at",
            "for",
            "with",
            "this",
            "that",
            "so",
            "not",
            "no",
            "very",
        ]
    ),
    "et": frozenset(
        [
            "ja",
            "ning",
            "aga",
            "et",
            "on",
            "oli",
            "olid",
            "see",
            "seda",
            "mu",
            "minu",
            "mind",
            "ma",
            "me",
            "te",
            "teie",
            "ei",
            "ka",
            "nii",
            "väga",
            "kui",
            "oma",
            "siis",
            "veel",
        ]
    ),
    "bg": frozenset(
        [
            "и",
            "но",
            "а",
            "е",
            "са",
            "беше",
            "бяха",
            "на",
            "в",
            "с",
            "за",
            "от",
            "да",
            "не",
            "си",
            "ми",
            "ме",
            "то",
            "това",
            "много",
            "по",
            "че",
            "как",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "oder",
            "aber",
            "ist",
            "war",
            "waren",
            "ein",
            "eine",
            "einen",
            "mein",
            "meine",
            "ich",
            "wir",
            "sie",
            "es",
            "nicht",
            "sehr",
            "mit",
            "für",
            "von",
            "zu",
            "auf",
            "im",
            "in",
            "am",
        ]
    ),
    "hr": frozenset(
        [
            "i",
            "ali",
            "a",
            "je",
            "su",
            "bio",
            "bila",
            "bilo",
            "na",
            "u",
            "s",
            "za",
            "od",
            "da",
            "ne",
            "se",
            "mi",
            "me",
            "to",
            "ovo",
            "vrlo",
            "jako",
            "sam",
            "smo",
        ]
    ),
    "fi": frozenset(
        [
            "ja",
            "mutta",
            "on",
            "oli",
            "olivat",
            "se",
            "sen",
            "minä",
            "minun",
            "me",
            "te",
            "ei",
            "myös",
            "niin",
            "hyvin",
            "kuin",
            "että",
            "ole",
        ]
    ),
}


@dataclass(frozen=True)
class ThemeSet:
    """Keywords per theme and language."""

    keywords: dict[str, dict[str, tuple[str, ...]]]

    @classmethod
    def from_config(cls, section: Mapping[str, object] | None) -> ThemeSet:
        themes = {name: dict(langs) for name, langs in SEED_THEMES.items()}
        for name, langs in dict((section or {}).get("themes", {}) or {}).items():  # type: ignore[call-overload]
            merged = dict(themes.get(name, {}))
            for lang, words_ in dict(langs).items():
                merged[lang] = tuple(str(w).casefold() for w in words_)
            themes[name] = merged
        return cls(themes)

    def find(self, text: str, lang: str | None) -> list[str]:
        """Themes a normalised text mentions, most mentioned first."""
        if not text:
            return []
        hits: Counter[str] = Counter()
        padded = " " + text
        for theme, langs in self.keywords.items():
            pools = [langs.get(lang, ())] if lang else list(langs.values())
            for pool in pools:
                for kw in pool:
                    count = padded.count(" " + kw)
                    if count:
                        hits[theme] += count
        return [t for t, _ in hits.most_common()]


def assign(
    texts: Sequence[str | None], languages: Sequence[str | None], themes: ThemeSet
) -> list[list[str]]:
    return [themes.find(normalise(t), lang) for t, lang in zip(texts, languages, strict=True)]


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
    """One row per theme: volume, average score, NPS impact with interval, top words, examples.

    ``frame`` has one row per comment with columns comment, comment_language, kind,
    score and themes (a list).
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
        rows.append(
            {
                "theme": theme,
                "comments": len(g),
                "share": len(g) / max(len(frame), 1),
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
    vectors = TfidfVectorizer(min_df=2, sublinear_tf=True).fit_transform([docs[i] for i in usable])
    labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(vectors)
    members: dict[str, list[str]] = {}
    for i, label in zip(usable, labels, strict=True):
        members.setdefault(str(label), []).append(docs[i])
    top = c_tf_idf(members, lang, top=8)
    title = {c: " / ".join(top.get(c, [])[:3]) or f"cluster {c}" for c in members}
    for i, label in zip(usable, labels, strict=True):
        names[i] = title[str(label)]
    return names, {title[c]: top.get(c, []) for c in members}
