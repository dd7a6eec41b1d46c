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
#: comments are judged by their first part: a few sentences tell the language
MAX_CHARS = 300
#: from this length on, lingua's faster trigram-only mode is as accurate as the full one
LONG_TEXT = 60


@cache
def _detector(fast: bool) -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = (
        Language.ENGLISH,
        Language.ESTONIAN,
        Language.BULGARIAN,
        Language.GERMAN,
        Language.CROATIAN,
        Language.FINNISH,
    )
    builder = LanguageDetectorBuilder.from_languages(*languages)
    if fast:
        builder = builder.with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()


def detect_languages(texts: Sequence[str | None]) -> list[str | None]:
    """ISO 639-1 code (en, et, bg, de, hr, fi) of each text, or None when it cannot be told.

    Repeated texts are detected once; texts of at least LONG_TEXT characters use
    lingua's low-accuracy mode (trigrams only), which is three times faster and
    tells long texts apart just as well; short ones get the full model.
    """
    unique = {
        t[:MAX_CHARS] for t in texts if t and len(LETTERS.findall(t[:MAX_CHARS])) >= MIN_LETTERS
    }
    found: dict[str, str | None] = {}
    for fast in (False, True):
        batch = sorted(t for t in unique if (len(t) >= LONG_TEXT) == fast)
        if batch:
            result = _detector(fast).detect_languages_in_parallel_of(batch)
            for text, lang in zip(batch, result, strict=True):
                found[text] = lang.iso_code_639_1.name.lower() if lang is not None else None
    return [found.get(t[:MAX_CHARS]) if t else None for t in texts]
