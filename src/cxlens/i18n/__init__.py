"""The reader's language: UI texts from gettext catalogs, and locale formatting.

Texts are written in English where they are used and looked up per call in the
language of the reader (a web request, a command's ``--lang``)::

    gettext("Value", lang)
    gettext("RFM segments as of %(date)s", lang, date=day)
    ngettext("%(num)s session", "%(num)s sessions", n, lang)    # Croatian: 1 sesija, 3 sesije
    pgettext("date range", "From", lang)      # one English word, two meanings

Every text is a python-format string: placeholders are ``%(name)s`` and a literal
percent sign is written ``%%`` (as in the templates' ``{{ _("...") }}``).
``ngettext`` fills ``%(num)s`` with the count written as the language writes numbers.
Texts chosen at run time from a table are marked with :func:`N_` (or :func:`NP_`
with a context) where the table is written, so that extraction finds them.

>>> gettext("Value", "et")
'Väärtus'
>>> ngettext("Most common paths (%(num)s session)", "Most common paths (%(num)s sessions)", 3, "hr")
'Najčešći putovi (3 sesije)'
"""

from __future__ import annotations

from typing import Any

from cxlens.config import LANGUAGES
from cxlens.errors import CxlensError
from cxlens.i18n.catalogs import translations
from cxlens.i18n.formats import (
    LOCALES,
    UNDEFINED,
    format_change,
    format_currency,
    format_date,
    format_duration,
    format_hours,
    format_local_time,
    format_month,
    format_number,
    format_percent,
    format_period,
    format_period_tick,
    format_value,
    local_time,
    locale,
    with_sign,
)


def check_language(lang: str | None, default: str = "en") -> str:
    lang = (lang or default).lower()
    if lang not in LANGUAGES:
        raise CxlensError(f"Unknown language '{lang}'; choose one of {', '.join(LANGUAGES)}.")
    return lang


def negotiate_language(accept_language: str | None, default: str = "en") -> str:
    """The first of our languages a browser's ``Accept-Language`` asks for, by its q-values.

    >>> negotiate_language("fr-CH, fr;q=0.9, de;q=0.8, en;q=0.7")
    'de'
    """
    wanted: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and quality > 0:
            wanted.append((-quality, i, primary))
    return min(wanted)[2] if wanted else default


def _fill(text: str, values: dict[str, Any]) -> str:
    return text % values


def gettext(message: str, lang: str, /, **values: Any) -> str:
    """``message`` in ``lang`` (English where the catalog has none), placeholders filled."""
    return _fill(translations(lang).gettext(message), values)


def pgettext(context: str, message: str, lang: str, /, **values: Any) -> str:
    """``message`` in the sense ``context`` (the catalog's msgctxt) in ``lang``."""
    return _fill(translations(lang).pgettext(context, message), values)


def ngettext(singular: str, plural: str, n: int, lang: str, /, **values: Any) -> str:
    """The form of ``lang`` for ``n`` things (Croatian has three); ``%(num)s`` is ``n``."""
    values.setdefault("num", format_number(n, lang, 0))
    return _fill(translations(lang).ngettext(singular, plural, int(n)), values)


def npgettext(context: str, singular: str, plural: str, n: int, lang: str, /, **values: Any) -> str:
    values.setdefault("num", format_number(n, lang, 0))
    return _fill(translations(lang).npgettext(context, singular, plural, int(n)), values)


def N_(message: str) -> str:
    """Mark ``message`` for extraction where it is written; translate it where it is shown."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark ``message`` with its ``context``; look it up with ``pgettext(context, ...)``."""
    return message


#: why a change between two periods was not tested (the engine's ``untested``)
UNTESTED = {
    "small_sample": N_("not tested: n < 30"),
    "to_date": N_("not tested: the period is still running"),
    "partial": N_("not tested: the data covers a period only in part"),
}


def untested_reason(reason: str, lang: str) -> str:
    """Why a change has no test, in ``lang`` (``reason`` as the engine writes it)."""
    message = UNTESTED.get(reason)
    return gettext(message, lang) if message else reason


def install_jinja(env: Any) -> Any:
    """Give a Jinja2 environment ``_``, ``gettext``, ``ngettext`` and ``pgettext`` in the
    language of each render (the template's ``lang`` variable), with ``{% trans %}``."""
    import jinja2

    env.add_extension("jinja2.ext.i18n")

    @jinja2.pass_context
    def _gettext(ctx: Any, message: str) -> str:
        return translations(ctx["lang"]).gettext(message)

    @jinja2.pass_context
    def _ngettext(ctx: Any, singular: str, plural: str, n: int) -> str:
        return translations(ctx["lang"]).ngettext(singular, plural, int(n))

    @jinja2.pass_context
    def _pgettext(ctx: Any, context: str, message: str) -> str:
        return translations(ctx["lang"]).pgettext(context, message)

    @jinja2.pass_context
    def _npgettext(ctx: Any, context: str, singular: str, plural: str, n: int) -> str:
        return translations(ctx["lang"]).npgettext(context, singular, plural, int(n))

    env.install_gettext_callables(
        gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext,
        newstyle=True,
    )  # fmt: skip
    return env


def labels_for(config: Any) -> Labels:
    """The display names of a workspace (its ``[labels]`` over the built-in ones)."""
    return Labels.from_config(config)


# after the markers above, which the built-in names use
from cxlens.i18n.labels import DEFAULT as DEFAULT_LABELS  # noqa: E402
from cxlens.i18n.labels import Labels  # noqa: E402

__all__ = [
    "DEFAULT_LABELS",
    "LANGUAGES",
    "LOCALES",
    "NP_",
    "N_",
    "UNDEFINED",
    "Labels",
    "check_language",
    "format_change",
    "format_currency",
    "format_date",
    "format_duration",
    "format_hours",
    "format_local_time",
    "format_month",
    "format_number",
    "format_percent",
    "format_period",
    "format_period_tick",
    "format_value",
    "gettext",
    "install_jinja",
    "labels_for",
    "local_time",
    "locale",
    "negotiate_language",
    "ngettext",
    "npgettext",
    "pgettext",
    "untested_reason",
    "with_sign",
]
