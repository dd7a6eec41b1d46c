"""Composing demo comments that read like customers', from the phrases in :mod:`cxlens.demo.texts`.

Real comments are not templates, and a model that looks perfect on templates
fails on them. So a demo comment varies the way real ones do:

* what the customer writes does not always say what the score says: about one in
  eight is one step off (a passive who praises, a detractor who only says "ok");
* its shape: a one-liner, one theme or two, praise and complaint joined by a
  contrast, with or without an opening and a closing remark;
* its surface: typos (a letter dropped, doubled or swapped), no capitals, no
  final stop, missing diacritics, stretched words ("sooo"), emoji, "!!!".
"""

from __future__ import annotations

import unicodedata

import numpy as np

from cxlens.demo.texts import CLOSERS, JOINERS, OPENERS, SENTIMENTS, SHORT, THEME_PHRASES, THEMES

#: English asides that make a few comments mixed-language
ASIDES = ("thanks!", "good job", "not ok", "whatever")
#: share of comments whose words are one step away from their score's sentiment
MISMATCH = 0.12
EMOJI = {
    "negative": ("😡", "😞", "🙄", "👎", "😤", "😕"),
    "neutral": ("😐", "🤷", "🙂", ""),
    "positive": ("😊", "👍", "❤️", "🙌", "😍", "🙂"),
}
CONTRAST_FORMS = ("{a}{j}{b}", "{a}. {J}{b}", "{a} - {j2}{b}")


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


def _typo(word: str, u: float, k: int) -> str:
    """One typing slip in a word of four or more letters: a letter dropped, doubled or swapped."""
    if len(word) < 4 or not word.isalpha():
        return word
    i = 1 + k % (len(word) - 2)
    if u < 1 / 3:
        return word[:i] + word[i + 1 :]
    if u < 2 / 3:
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _plain_letters(text: str) -> str:
    """Latin letters without diacritics ("odlično" -> "odlicno"), as typed on a foreign keyboard."""
    out = []
    for ch in text:
        if "a" <= unicodedata.normalize("NFD", ch)[:1].lower() <= "z":
            out.append(unicodedata.normalize("NFD", ch)[0])
        else:
            out.append(ch)
    return "".join(out)


def _written_sentiment(sentiment: str, u: float, v: float) -> str:
    if u >= MISMATCH:
        return sentiment
    if sentiment == "neutral":
        return "positive" if v < 0.6 else "negative"
    return "neutral"


def _contrast(lang: str, first: str, second: str, draw: int) -> str:
    joiner = JOINERS[lang]["contrast"]
    word = joiner.strip(" ,")
    form = CONTRAST_FORMS[draw % len(CONTRAST_FORMS)]
    return form.format(a=first, b=second, j=joiner, J=_capitalise(word) + " ", j2=word + " ")


def _surface(text: str, lang: str, sentiment: str, u: np.ndarray, k: np.ndarray) -> str:
    """Typos, case, punctuation, diacritics and emoji of one comment."""
    words = text.split(" ")
    for n, w in enumerate(words):
        if u[n % len(u)] < 0.035:
            words[n] = _typo(w, u[(n + 3) % len(u)], int(k[n % len(k)]))
    text = " ".join(words)
    if u[0] < 0.25:
        text = text.lower()
    if u[1] < 0.3:
        text = text.rstrip(".!")
    if lang in ("et", "de", "hr", "fi") and u[2] < 0.06:
        text = _plain_letters(text)
    if sentiment != "neutral" and u[3] < 0.1:
        text = text.rstrip(".!") + "!" * (2 + int(k[0]) % 3)
    if u[4] < 0.03:
        text = text.replace("o", "ooo", 1) if "o" in text else text
    if u[5] < 0.12:
        emoji = _pick(EMOJI[sentiment], int(k[1]))
        text = f"{text} {emoji}".strip()
    return text


def compose(
    rng: np.random.Generator, languages: list[str], sentiments: list[str], themes: list[str]
) -> list[str]:
    """One comment per (language, the score's sentiment, main theme)."""
    n = len(languages)
    draws = rng.random((n, 10))
    noise = rng.random((n, 12))
    second_theme = rng.integers(0, len(THEMES), n)
    picks = rng.integers(0, 1 << 30, (n, 6))
    out = []
    for i in range(n):
        lang, theme = languages[i], themes[i]
        u = draws[i]
        sentiment = _written_sentiment(sentiments[i], u[8], u[9])
        if u[0] < 0.08:
            out.append(
                _surface(
                    _pick(SHORT[lang][sentiment], picks[i, 0]), lang, sentiment, noise[i], picks[i]
                )
            )
            continue
        phrases = THEME_PHRASES[lang]
        body = _pick(phrases[theme][sentiment], picks[i, 1])
        if u[1] < 0.35:
            other = THEMES[second_theme[i]]
            if other != theme:
                if sentiment == "neutral" or u[2] < 0.25:
                    flip = "positive" if u[3] < 0.5 else "negative"
                    extra = _pick(phrases[other][flip], picks[i, 2])
                    # the complaint or praise that counts comes last
                    body = (
                        _contrast(lang, extra, body, int(picks[i, 5]))
                        if sentiment != "neutral" and u[3] < 0.6
                        else _contrast(lang, body, extra, int(picks[i, 5]))
                    )
                else:
                    body += JOINERS[lang]["same"] + _pick(phrases[other][sentiment], picks[i, 2])
        if u[4] < 0.003:
            body = f"<b>{body}</b>"
        text = _capitalise(body) + "."
        if u[5] < 0.45:
            opener = _pick(OPENERS[lang][sentiment], picks[i, 3])
            start = _capitalise(body) if opener.endswith(("!", ".")) else body
            text = f"{opener} {start}."
        if u[6] < 0.45:
            closer = _pick(CLOSERS[lang][sentiment], picks[i, 4])
            if closer:
                text = f"{text} {closer}"
        if lang != "en" and u[7] < 0.01:
            text = f"{text} {ASIDES[picks[i, 0] % len(ASIDES)]}"
        out.append(_surface(text, lang, sentiment, noise[i], picks[i]))
    return out


__all__ = ["SENTIMENTS", "compose", "sentiment_of"]
