"""Numbers, percentages, money, dates and period labels as the reader's language writes them.

Babel is imported on the first value formatted, not with this module, so that
commands that print nothing localised (``cxlens --help``) do not pay for it.

>>> format_number(1234.5, "de", 1)
'1.234,5'
>>> format_percent(41.2, "fi", 1)
'41,2\\xa0%'
>>> format_period("2026-03", "month", "de")
'März 2026'
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from babel import Locale

#: Babel locale used for each language
LOCALES = {"en": "en_GB", "et": "et_EE", "bg": "bg_BG", "de": "de_DE", "hr": "hr_HR", "fi": "fi_FI"}
UNDEFINED = "–"
#: languages that put a space between a number and its percent sign
_SPACED_PERCENT = ("et", "bg", "de", "hr", "fi")
_NBSP = "\xa0"


@cache
def locale(lang: str) -> Locale:
    from babel import Locale

    return Locale.parse(LOCALES[lang])


def _undefined(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float | None, lang: str, decimals: int = 1) -> str:
    if value is None or _undefined(value):
        return UNDEFINED
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if round(float(value), decimals) == 0:
        value = 0.0  # -0.3 shown without decimals is 0, not "-0"
    return str(format_decimal(value, format=pattern, locale=LOCALES[lang]))


def format_percent(value: float | None, lang: str, decimals: int = 1) -> str:
    """``value`` is already in percent (41.2 means 41.2 %); the sign never wraps onto a new line."""
    if _undefined(value):
        return UNDEFINED
    number = format_number(value, lang, decimals)
    sign = locale(lang).number_symbols.get("latn", {}).get("percentSign", "%")
    return f"{number}{_NBSP}{sign}" if lang in _SPACED_PERCENT else f"{number}{sign}"


def format_currency(value: float | None, currency: str, lang: str) -> str:
    if value is None or _undefined(value):
        return UNDEFINED
    from babel.numbers import format_currency as babel_currency

    return str(babel_currency(value, currency, locale=LOCALES[lang]))


def format_date(value: date | datetime, lang: str) -> str:
    from babel.dates import format_date as babel_date

    return str(babel_date(value, format="medium", locale=LOCALES[lang]))


def local_time(moment: datetime, timezone: str) -> datetime:
    """A stored time (UTC; a time without a zone is UTC) in the time zone named
    ``timezone``, such as the workspace's ``Europe/Tallinn``.

    >>> local_time(datetime(2026, 12, 2, 14, 44), "Europe/Tallinn").strftime("%Y-%m-%d %H:%M")
    '2026-12-02 16:44'
    """
    from zoneinfo import ZoneInfo

    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(timezone))


def format_local_time(moment: datetime, timezone: str, lang: str) -> str:
    """A stored time in the zone named ``timezone``, to the minute, as the reader's
    language writes a date and a time: the date as :func:`format_date` writes it, then
    the short time, joined as the language joins them.

    >>> format_local_time(datetime(2026, 12, 2, 14, 44), "Europe/Tallinn", "en")
    '2 Dec 2026, 16:44'
    >>> format_local_time(datetime(2026, 12, 2, 14, 44), "Europe/Tallinn", "fi")
    '2.12.2026 16.44'
    """
    from babel.dates import format_time, get_datetime_format

    local = local_time(moment, timezone)
    joined = str(get_datetime_format("medium", locale=LOCALES[lang]))
    time = str(format_time(local, format="short", locale=LOCALES[lang]))
    return joined.replace("{1}", format_date(local, lang)).replace("{0}", time)


def format_month(value: date, lang: str) -> str:
    """The month with its name and year: 'Mar 2026', 'märts 2026', 'мар 2026'."""
    from babel.dates import format_date as babel_date
    from babel.dates import format_skeleton

    shown = str(format_skeleton("yMMM", value, locale=LOCALES[lang]))
    if not any(ch.isalpha() for ch in shown.replace("г.", "")):
        # some locales write the month as a number here (bg: 03.2026 г.); a chart wants the name
        shown = str(babel_date(value, "LLL y", locale=LOCALES[lang]))
    return shown


_PERIOD_LABEL = {
    "month": re.compile(r"(\d{4})-(\d{2})"),
    "quarter": re.compile(r"(\d{4})-Q([1-4])"),
    "week": re.compile(r"(\d{4})-W(\d{2})"),
    "day": re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
}


def format_period(label: Any, period: str | None, lang: str) -> str:
    """A period label of the KPI engine ('2026-03', '2026-Q1', '2026-W09', '2026-03-05', '2026')
    as the reader's language writes it; anything else is returned as it is."""
    text = str(label)
    pattern = _PERIOD_LABEL.get(period or "")
    match = pattern.fullmatch(text) if pattern else None
    if match is None:
        return text
    from babel.dates import format_skeleton

    year = int(match[1])
    if period == "month":
        return format_month(date(year, int(match[2]), 1), lang)
    if period == "quarter":
        first = date(year, 3 * int(match[2]) - 2, 1)
        return str(format_skeleton("yQQQ", first, locale=LOCALES[lang]))
    if period == "week":
        from cxlens.i18n import pgettext

        return pgettext(
            "period label", "week %(week)s, %(year)s", lang, week=int(match[2]), year=year
        )
    return format_date(date(year, int(match[2]), int(match[3])), lang)


def format_period_tick(label: Any, period: str | None, lang: str) -> str:
    """A period label as short as a chart's axis needs it: a day as '30 Nov' / '30.11.', a week
    as 'wk 49' / 'KW 49'; longer periods as :func:`format_period` writes them."""
    text = str(label)
    pattern = _PERIOD_LABEL.get(period or "")
    match = pattern.fullmatch(text) if pattern else None
    if match is None or period not in ("day", "week"):
        return format_period(label, period, lang)
    if period == "week":
        from cxlens.i18n import pgettext

        return pgettext("period tick", "wk %(week)s", lang, week=int(match[2]))
    from babel.dates import format_skeleton

    day = date(int(match[1]), int(match[2]), int(match[3]))
    return str(format_skeleton("MMMd", day, locale=LOCALES[lang]))


def format_duration(span: timedelta, lang: str) -> str:
    """A length of time in the largest unit that states it exactly: '2 weeks', '36 Stunden'."""
    from babel.units import format_unit

    seconds = span.total_seconds()
    for unit, size in (("week", 604_800), ("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return str(format_unit(int(seconds // size), f"duration-{unit}", locale=LOCALES[lang]))
    return str(format_unit(round(seconds), "duration-second", locale=LOCALES[lang]))


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
        return format_hours(value, lang)
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
    from cxlens.i18n import pgettext

    size = abs(value)
    if unit == "percent":
        points = pgettext("unit symbol", "pp", lang)
        shown = f"{format_number(size, lang, 2 if size < 1 else 1)} {points}"
    else:
        shown = format_value(size, unit, lang, currency)
    rounds_to_zero = not any(ch in "123456789" for ch in shown)
    return with_sign(shown, 0.0 if rounds_to_zero else value)


def format_hours(value: float | None, lang: str, days_from: float | None = None) -> str:
    """A duration in hours ('5,2 h'); from ``days_from`` hours on, in days ('3,1 d')."""
    if value is None or _undefined(value):
        return UNDEFINED
    from cxlens.i18n import pgettext

    if days_from is not None and value >= days_from:
        return format_number(value / 24, lang, 1) + _NBSP + pgettext("unit symbol", "d", lang)
    return format_number(value, lang, 1) + _NBSP + pgettext("unit symbol", "h", lang)
