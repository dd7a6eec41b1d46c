"""Text clean-up shared by sentiment and themes: markup, links and numbers out, case folded."""

from __future__ import annotations

import html
import re

TAGS = re.compile(r"<[^>]{0,200}>")
URLS = re.compile(r"https?://\S+|www\.\S+")
NUMBERS = re.compile(r"\d+([.,]\d+)?")
SPACES = re.compile(r"\s+")
WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)
#: longest text analysed (characters); longer comments are cut
MAX_CHARS = 5000


def normalise(text: str | None) -> str:
    """Lower-cased text without markup, links and digits (emoji are kept: they carry sentiment)."""
    if not text:
        return ""
    text = html.unescape(TAGS.sub(" ", str(text)[:MAX_CHARS]))
    text = URLS.sub(" ", text)
    text = NUMBERS.sub(" 0 ", text)
    return SPACES.sub(" ", text).strip().casefold()


def words(text: str) -> list[str]:
    return WORDS.findall(text)
