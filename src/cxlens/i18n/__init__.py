"""Languages and locale formatting: the one place that turns numbers and dates into text.

>>> format_number(1234.5, "de", 1)
'1.234,5'
>>> format_percent(41.2, "fi", 1)
'41,2 %'
>>> text("value", "et")
'Väärtus'
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import TYPE_CHECKING

from cxlens.config import LANGUAGES
from cxlens.errors import CxlensError
from cxlens.i18n.messages import MESSAGES

if TYPE_CHECKING:
    from babel import Locale

#: Babel locale used for each language
LOCALES = {"en": "en_GB", "et": "et_EE", "bg": "bg_BG", "de": "de_DE", "hr": "hr_HR", "fi": "fi_FI"}
UNDEFINED = "–"


def check_language(lang: str | None, default: str = "en") -> str:
    lang = (lang or default).lower()
    if lang not in LANGUAGES:
        raise CxlensError(f"Unknown language '{lang}'; choose one of {', '.join(LANGUAGES)}.")
    return lang


def text(key: str, lang: str, **values: object) -> str:
    """The UI text ``key`` in ``lang`` (English if missing), with ``{placeholders}`` filled."""
    entry = MESSAGES[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template


def locale(lang: str) -> Locale:
    from babel import Locale

    return Locale.parse(LOCALES[lang])


def _undefined(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float | None, lang: str, decimals: int = 1) -> str:
    if value is None or _undefined(value):
        return UNDEFINED
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def format_percent(value: float | None, lang: str, decimals: int = 1) -> str:
    """``value`` is already in percent (41.2 means 41.2 %)."""
    if _undefined(value):
        return UNDEFINED
    number = format_number(value, lang, decimals)
    sign = locale(lang).number_symbols.get("latn", {}).get("percentSign", "%")
    return f"{number} {sign}" if lang in ("et", "bg", "de", "hr", "fi") else f"{number}{sign}"


def format_currency(value: float | None, currency: str, lang: str) -> str:
    if value is None or _undefined(value):
        return UNDEFINED
    from babel.numbers import format_currency as babel_currency

    return babel_currency(value, currency, locale=LOCALES[lang])


def format_date(value: date | datetime, lang: str) -> str:
    from babel.dates import format_date as _fd

    return _fd(value, format="medium", locale=LOCALES[lang])


def format_value(value: float | None, unit: str, lang: str, currency: str = "EUR") -> str:
    """A metric value in its unit: points, percent, score, hours, currency, ratio, years, count."""
    if unit == "percent":
        small = value is not None and not _undefined(value) and abs(value) < 10
        return format_percent(value, lang, 2 if small else 1)
    if unit == "currency":
        return format_currency(value, currency, lang)
    if unit == "points":
        return format_number(value, lang, 1)
    if unit in ("score", "ratio", "years", "count"):
        return format_number(value, lang, 2)
    if unit == "hours":
        return format_number(value, lang, 1) + " h"
    return format_number(value, lang, 2)


def with_sign(formatted_magnitude: str, change: float) -> str:
    """A change's formatted size with its sign: "+4.2", "-3.1", "±0.0".

    The minus is the one the number formatting itself writes, so a negative change
    and a negative value in one table look alike.
    """
    return ("+" if change > 0 else "-" if change < 0 else "±") + formatted_magnitude


def format_change(value: float | None, unit: str, lang: str, currency: str = "EUR") -> str:
    """A signed change in the metric's unit; percent metrics change in percentage points.

    A change that rounds to nothing is written with ±.

    >>> format_change(2.5, "percent", "en")
    '+2.5 pp'
    >>> format_change(-3.0, "points", "de")
    '-3,0'
    """
    if value is None or _undefined(value):
        return UNDEFINED
    size = abs(value)
    if unit == "percent":
        shown = (
            f"{format_number(size, lang, 2 if size < 1 else 1)} {text('percentage_points', lang)}"
        )
    else:
        shown = format_value(size, unit, lang, currency)
    rounds_to_zero = not any(ch in "123456789" for ch in shown)
    return with_sign(shown, 0.0 if rounds_to_zero else value)


__all__ = [
    "LANGUAGES",
    "check_language",
    "format_change",
    "format_currency",
    "format_date",
    "format_number",
    "format_percent",
    "format_value",
    "text",
    "with_sign",
]
