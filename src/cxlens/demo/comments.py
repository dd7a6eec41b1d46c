"""Composing demo comments from the phrase lists in :mod:`cxlens.demo.texts`."""

from __future__ import annotations

import numpy as np

from cxlens.demo.texts import CLOSERS, JOINERS, OPENERS, SENTIMENTS, SHORT, THEME_PHRASES, THEMES

#: English asides that make a few comments mixed-language
ASIDES = ("thanks!", "good job", "not ok", "whatever")


def sentiment_of(kind: str, score: float) -> str:
    """The sentiment a score stands for: detractors, low CSAT and high effort are negative."""
    if kind == "nps":
        return "negative" if score <= 6 else "neutral" if score <= 8 else "positive"
    if kind == "csat":
        return "negative" if score <= 2 else "neutral" if score == 3 else "positive"
    return "negative" if score <= 3 else "neutral" if score == 4 else "positive"


def _pick(pool: tuple[str, ...], draw: int) -> str:
    return pool[int(draw) % len(pool)]


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def compose(
    rng: np.random.Generator, languages: list[str], sentiments: list[str], themes: list[str]
) -> list[str]:
    """One comment per (language, sentiment, main theme)."""
    n = len(languages)
    draws = rng.random((n, 8))
    second_theme = rng.integers(0, len(THEMES), n)
    picks = rng.integers(0, 1 << 30, (n, 5))
    out = []
    for i in range(n):
        lang, sentiment, theme = languages[i], sentiments[i], themes[i]
        u = draws[i]
        if u[0] < 0.06:
            out.append(_pick(SHORT[lang][sentiment], picks[i, 0]))
            continue
        phrases = THEME_PHRASES[lang]
        body = _pick(phrases[theme][sentiment], picks[i, 1])
        if u[1] < 0.35:
            other = THEMES[second_theme[i]]
            if other != theme:
                if sentiment == "neutral" or u[2] < 0.2:
                    flip = "positive" if u[3] < 0.5 else "negative"
                    body += JOINERS[lang]["contrast"] + _pick(phrases[other][flip], picks[i, 2])
                else:
                    body += JOINERS[lang]["same"] + _pick(phrases[other][sentiment], picks[i, 2])
        if u[4] < 0.003:
            body = f"<b>{body}</b>"
        text = _capitalise(body) + "."
        if u[5] < 0.7:
            opener = _pick(OPENERS[lang][sentiment], picks[i, 3])
            start = _capitalise(body) if opener.endswith(("!", ".")) else body
            text = f"{opener} {start}."
        closer = _pick(CLOSERS[lang][sentiment], picks[i, 4])
        if closer:
            text = f"{text} {closer}"
        if lang != "en" and u[6] < 0.01:
            text = f"{text} {ASIDES[picks[i, 0] % len(ASIDES)]}"
        if u[7] < 0.03:
            text += (
                " 🙂" if sentiment == "positive" else " 😕" if sentiment == "negative" else " 😐"
            )
        out.append(text)
    return out


__all__ = ["SENTIMENTS", "compose", "sentiment_of"]
