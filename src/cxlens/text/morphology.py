"""Words and their stems in the six languages, so that lexicons and themes match inflected forms.

English, German, Estonian and Finnish use the Snowball stemmers (``snowballstemmer``,
BSD-3-Clause; its Estonian and Finnish stemmers strip case endings such as
"tarnega" -> "tarne", "toimituksen" -> "toimituks"). Croatian uses Snowball's
Serbian stemmer, which is written for the shared Latin-script inflection of
Serbo-Croatian ("dostavom", "dostava" -> "dostav"). Bulgarian has no Snowball
stemmer, so :func:`bulgarian_stem` strips its definite articles, plural, adjective
and common verb endings by rule ("доставката", "доставки" -> "доставк").

Stems are cached per word: a workspace's comments repeat their words many times.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

#: Snowball algorithm per language code
SNOWBALL = {
    "en": "english",
    "de": "german",
    "et": "estonian",
    "fi": "finnish",
    "hr": "serbian",
}

TOKENS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
#: n't and similar contractions become their own negating word
CONTRACTIONS = re.compile(r"n['’]t\b")

#: Bulgarian endings, longest first: articles, plural, adjective, verb
BULGARIAN_SUFFIXES = tuple(
    sorted(
        [
            "ията",
            "ието",
            "ията",
            "ите",
            "ият",
            "ията",
            "ата",
            "ото",
            "ета",
            "ята",
            "ът",
            "ят",
            "та",
            "то",
            "те",
            "овете",
            "ове",
            "еве",
            "ища",
            "ища",
            "ищата",
            "ища",
            "ения",
            "ение",
            "ението",
            "ения",
            "ност",
            "ността",
            "ности",
            "ният",
            "ната",
            "ното",
            "ните",
            "ния",
            "ен",
            "на",
            "но",
            "ни",
            "ен",
            "ах",
            "ях",
            "аш",
            "яш",
            "ам",
            "ям",
            "ат",
            "ят",
            "ме",
            "те",
            "ше",
            "ха",
            "ла",
            "ло",
            "ли",
            "л",
            "х",
            "ем",
            "ете",
            "ете",
            "ат",
            "ия",
            "ия",
            "ий",
            "ия",
            "ска",
            "ски",
            "ско",
            "ско",
            "а",
            "я",
            "о",
            "е",
            "и",
            "у",
            "ю",
            "й",
        ],
        key=len,
        reverse=True,
    )
)


def bulgarian_stem(word: str) -> str:
    """A Bulgarian word without its longest known ending, keeping at least three letters."""
    for suffix in BULGARIAN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@cache
def _snowball(lang: str) -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer(SNOWBALL[lang])


@lru_cache(maxsize=500_000)
def stem(word: str, lang: str | None) -> str:
    """The stem of a lower-case word in ``lang`` (the word itself for other languages)."""
    if lang == "bg":
        return bulgarian_stem(word)
    if lang in SNOWBALL:
        return str(_snowball(lang).stemWord(word))
    return word


def tokens(text: str) -> list[str]:
    """Lower-case words of a normalised text, with "n't" split off as "not"."""
    return TOKENS.findall(CONTRACTIONS.sub(" not", text))


def stems(text: str, lang: str | None) -> list[str]:
    """Stems of the words of a normalised text."""
    return [stem(w, lang) for w in tokens(text)]
