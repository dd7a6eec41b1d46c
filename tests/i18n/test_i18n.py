"""Locale formatting and UI texts in the six languages."""

from __future__ import annotations

import pytest

from cxlens.config import LANGUAGES
from cxlens.errors import CxlensError
from cxlens.i18n import check_language, format_value, text
from cxlens.i18n.messages import MESSAGES


@pytest.mark.parametrize(
    ("lang", "currency", "percent"),
    [
        ("en", "€12,345.68", "41.2%"),
        ("de", "12.345,68\xa0€", "41,2 %"),
        ("fi", "12\xa0345,68\xa0€", "41,2 %"),
    ],
)
def test_locale_formats(lang, currency, percent):
    assert format_value(12345.678, "currency", lang) == currency
    assert format_value(41.23, "percent", lang) == percent


def test_every_message_in_every_language():
    for key, texts in MESSAGES.items():
        for lang in LANGUAGES:
            assert texts.get(lang), f"{key} has no {lang} text"


def test_undefined_values_and_languages():
    assert format_value(float("nan"), "percent", "et") == "–"
    assert text("value", "bg") == "Стойност"
    with pytest.raises(CxlensError, match="Unknown language"):
        check_language("sv")
