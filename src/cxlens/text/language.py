"""Language detection of comments, restricted to the six languages cxlens speaks.

Uses lingua (a detector built for short texts). Empty, emoji-only and very short
texts (fewer than three letters) get no language rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
MIN_LETTERS = 3
#: very long comments are judged by their first part
MAX_CHARS = 2000


@cache
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = (
        Language.ENGLISH,
        Language.ESTONIAN,
        Language.BULGARIAN,
        Language.GERMAN,
        Language.CROATIAN,
        Language.FINNISH,
    )
    return (
        LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()
    )


def detect_languages(texts: Sequence[str | None]) -> list[str | None]:
    """ISO 639-1 code (en, et, bg, de, hr, fi) of each text, or None when it cannot be told."""
    todo = [
        i for i, t in enumerate(texts) if t and len(LETTERS.findall(t[:MAX_CHARS])) >= MIN_LETTERS
    ]
    out: list[str | None] = [None] * len(texts)
    if not todo:
        return out
    found = _detector().detect_languages_in_parallel_of([str(texts[i])[:MAX_CHARS] for i in todo])
    for i, lang in zip(todo, found, strict=True):
        out[i] = lang.iso_code_639_1.name.lower() if lang is not None else None
    return out
