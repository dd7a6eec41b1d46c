"""The theme taxonomy: keywords and phrases per theme and language, matched on stems.

The built-in taxonomy (``cxlens/text/themes.toml``: delivery, price, quality,
support, app, returns, billing) can be copied into a workspace's ``cxlens.toml``
with ``cxlens text themes --seed`` and edited there::

    [text.themes.packaging]
    en = ["packaging", "bubble wrap"]
    de = ["verpackung", "karton"]

A theme defined in ``cxlens.toml`` replaces the built-in keywords of the languages
it lists and adds a theme when the name is new; ``[text] builtin_themes = false``
keeps only the workspace's own. Keywords are stemmed with
:mod:`cxlens.text.morphology` and match the start of a word's stem, so "deliver"
finds "delivery" and "delivered" and "tarne" finds "tarnega"; a phrase matches
consecutive words that way. Keywords with signs ("€", "10/10") match the text as
written.

A comment's primary theme is the one mentioned most (the first mentioned on a
tie). Each theme also gets the clause that mentions it, so that "fast delivery,
but far too expensive" praises delivery and complains about price.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from cxlens.text.lexicon import LANGUAGES, lexicon
from cxlens.text.morphology import stem, tokens
from cxlens.text.normalise import normalise

SENTENCE = re.compile(r"[.!?;…\n]+")
#: keyword stems shorter than this match whole stems only ("app" is not "appreciate")
EXACT_BELOW = 4
#: languages that write compounds as one word, whose parts are matched too
COMPOUNDING = frozenset({"de", "fi", "et"})
#: shortest keyword stem matched inside a compound, and shortest first part before it
COMPOUND_PART_MIN = 4
COMPOUND_MODIFIER_MIN = 3
#: distinct word stems whose theme is remembered per language
WORD_CACHE = 200_000
LETTERS_ONLY = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+)*$")


@cache
def builtin_themes() -> dict[str, dict[str, tuple[str, ...]]]:
    """The shipped taxonomy: theme -> language -> keywords."""
    source = resources.files("cxlens.text") / "themes.toml"
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    return {
        theme: {lang: tuple(str(k).casefold() for k in kws) for lang, kws in langs.items()}
        for theme, langs in data.items()
    }


@dataclass(frozen=True)
class Keyword:
    theme: str
    stems: tuple[str, ...]
    literal: str | None = None
    words: tuple[str, ...] = ()


@dataclass
class ThemeSet:
    """Keywords per theme and language, compiled to stems per language."""

    keywords: dict[str, dict[str, tuple[str, ...]]]
    _compiled: dict[str | None, _Index] = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(cls, section: Mapping[str, object] | None) -> ThemeSet:
        section = section or {}
        use_builtin = bool(section.get("builtin_themes", True))
        themes = (
            {name: dict(langs) for name, langs in builtin_themes().items()} if use_builtin else {}
        )
        configured = section.get("themes", {}) or {}
        if not isinstance(configured, Mapping):
            from cxlens.errors import CxlensError

            raise CxlensError("cxlens.toml: [text.themes] must be a table of themes.")
        for name, langs in configured.items():
            if not isinstance(langs, Mapping):
                from cxlens.errors import CxlensError

                raise CxlensError(
                    f"cxlens.toml: [text.themes.{name}] must list keywords per language, "
                    'for example en = ["packaging", "box"].'
                )
            merged = dict(themes.get(str(name), {}))
            for lang, kws in langs.items():
                if isinstance(kws, str) or not isinstance(kws, Sequence):
                    from cxlens.errors import CxlensError

                    raise CxlensError(
                        f"cxlens.toml: [text.themes.{name}] {lang} must be a list of keywords."
                    )
                merged[str(lang)] = tuple(str(w).casefold().strip() for w in kws if str(w).strip())
            themes[str(name)] = merged
        return cls(themes)

    def _index(self, lang: str | None) -> _Index:
        """Keywords of ``lang`` (all languages when None): single stems and phrases."""
        if lang in self._compiled:
            return self._compiled[lang]
        index = _Index(compounding=lang in COMPOUNDING)
        for theme, langs in self.keywords.items():
            for code, kws in langs.items():
                if lang is not None and code != lang:
                    continue
                for kw in kws:
                    if not LETTERS_ONLY.match(kw):
                        index.literals.append(Keyword(theme, (), kw))
                        continue
                    words = tuple(tokens(kw))
                    stems = tuple(stem(w, code) for w in words)
                    if len(stems) == 1:
                        index.single.append(Keyword(theme, stems, words=words))
                    elif stems:
                        index.phrases.setdefault(stems[0][:2], []).append(
                            Keyword(theme, stems, words=words)
                        )
        self._compiled[lang] = index
        return index

    def mentions(self, text: str, lang: str | None) -> list[tuple[str, int]]:
        """(theme, word position) of every keyword found in a normalised text.

        A word names at most one theme through a single keyword: in German, Finnish
        and Estonian the keyword found furthest into the word, the head of a compound
        ("liefer|gebühr" is a fee, "netti|liittymä" a subscription), else the longest.
        Phrases are matched besides.
        """
        if not text:
            return []
        code = lang if lang in LANGUAGES else None
        index = self._index(code)
        words = tokens(text)
        stems = [stem(w, code) for w in words]
        found: list[tuple[str, int]] = []
        for i, s in enumerate(stems):
            theme = index.theme_of(words[i], s)
            if theme is not None:
                found.append((theme, i))
            for kw in index.phrases.get(s[:2], ()):
                n = len(kw.stems)
                if i + n <= len(stems) and all(
                    _matches(stems[i + k], kw.stems[k]) or _matches(words[i + k], kw.words[k])
                    for k in range(n)
                ):
                    found.append((kw.theme, i))
        for kw in index.literals:
            at = text.find(kw.literal or "")
            if at >= 0:
                found.append((kw.theme, len(tokens(text[:at]))))
        return found

    def find(self, text: str, lang: str | None) -> list[str]:
        """Themes a normalised text mentions: most mentioned first, then the first mentioned."""
        counts: dict[str, list[int]] = {}
        for theme, position in self.mentions(text, lang):
            counts.setdefault(theme, []).append(position)
        return sorted(counts, key=lambda t: (-len(set(counts[t])), min(counts[t])))


@dataclass
class _Index:
    """One language's compiled keywords, with the theme each word stem names cached."""

    compounding: bool
    single: list[Keyword] = field(default_factory=list)
    phrases: dict[str, list[Keyword]] = field(default_factory=dict)
    literals: list[Keyword] = field(default_factory=list)
    _by_word: dict[str, str | None] = field(default_factory=dict)

    def theme_of(self, word: str, word_stem: str) -> str | None:
        """The theme a word names through a single keyword, if any.

        A keyword matches when its stem starts the word's stem or the keyword as
        written starts the word (stemmers cut Finnish "ruoka" and "ruokaa"
        differently); in compounding languages also when it starts a later part.
        """
        if word in self._by_word:
            return self._by_word[word]
        found: list[tuple[int, int, str]] = []  # (where in the word, length, theme)
        for kw in self.single:
            for k, w in ((kw.stems[0], word_stem), (kw.words[0], word)):
                if _matches(w, k):
                    found.append((0, len(k), kw.theme))
                elif (
                    self.compounding
                    and len(k) >= COMPOUND_PART_MIN
                    and len(w) >= len(k) + COMPOUND_MODIFIER_MIN
                ):
                    at = w.find(k, COMPOUND_MODIFIER_MIN)
                    if at >= 0:
                        found.append((at, len(k), kw.theme))
        # a part that starts inside a longer keyword is no head: "rücksend|ung" is not "sendung"
        heads = [f for f in found if not any(o[0] < f[0] < o[0] + o[1] for o in found)]
        best = max(heads, default=None, key=lambda f: (f[0], f[1]))
        theme = best[2] if best else None
        if len(self._by_word) < WORD_CACHE:
            self._by_word[word] = theme
        return theme


def _matches(word: str, keyword: str) -> bool:
    """A keyword stem matches the start of a word's stem; short ones ("app", "fit") the whole stem."""
    return word == keyword if len(keyword) < EXACT_BELOW else word.startswith(keyword)


def clauses(text: str, lang: str | None) -> list[str]:
    """Sentences of a normalised text, cut again at contrast words ("but", "aber", "mutta")
    and concessions ("although", "obwohl", "vaikka")."""
    words_: set[str] = set()
    for code in [lang] if lang in LANGUAGES else list(LANGUAGES):
        for part in ("contrast", "concessive"):
            words_.update(w for w in lexicon(str(code)).words.get(part, []) if " " not in w)
    pattern = (
        re.compile(r"(?:,\s*|\s)(?:" + "|".join(map(re.escape, sorted(words_))) + r")\s", re.I)
        if words_
        else None
    )
    out: list[str] = []
    for sentence in SENTENCE.split(text):
        parts = pattern.split(f" {sentence} ") if pattern else [sentence]
        out.extend(p.strip(" ,") for p in parts if p.strip(" ,"))
    return out


def theme_clauses(text: str | None, lang: str | None, themes: ThemeSet) -> dict[str, str]:
    """Each theme a comment mentions, with the clauses that mention it (joined)."""
    norm = normalise(text)
    found: dict[str, list[str]] = {}
    for clause in clauses(norm, lang):
        for theme in themes.find(clause, lang):
            found.setdefault(theme, []).append(clause)
    # a keyword split across clauses is still a mention: fall back to the whole comment
    for theme in themes.find(norm, lang):
        found.setdefault(theme, [norm])
    return {theme: ". ".join(parts) for theme, parts in found.items()}


def assign(
    texts: Sequence[str | None], languages: Sequence[str | None], themes: ThemeSet
) -> list[list[str]]:
    """The themes of each text, primary first."""
    return [themes.find(normalise(t), lang) for t, lang in zip(texts, languages, strict=True)]
