"""Names people read for the ids in the data: touchpoints, stages, channels, segments, models, periods.

Ids stay ids in the data, in JSON output and in URLs; only what is shown changes.
:meth:`Labels.name` is the one place that turns an id into its name, for the
dashboard, the reports and the commands alike. It looks in turn at

1. the workspace's own names, ``[labels.<dimension>]`` in ``cxlens.toml``::

       [labels.touchpoint]
       loyalty_app = "Loyalty app"                              # every language
       ad_impression = { en = "Ad seen", de = "Anzeige gesehen" }  # per language

2. the built-in names of :mod:`cxlens.i18n.builtin_labels` (the demo's values and
   those the import presets write: GA4's channel groups and event names, Shopify's
   sales channels and financial statuses, Zendesk's and Freshdesk's ticket channels,
   types and statuses, Stripe's payment and dispute statuses, HubSpot's lifecycle
   stages), translated in the gettext catalogs with the dimension as context;
3. countries and languages by their ISO codes, named by Babel (CLDR);
4. for the dimensions above, a readable form of the id (``gift_card`` -> "Gift card");
   other columns (campaigns, ad groups) are shown as they are.

Ids match whatever their case and separators: "Organic Search", "organic-search"
and ``organic_search`` are one channel.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cxlens.config import LANGUAGES
from cxlens.errors import CxlensError
from cxlens.i18n.builtin_labels import ALIASES, BUILTIN, DIMENSION_NAMES, FALLBACKS

_SEPARATORS = re.compile(r"[^0-9a-z]+")
_ID = re.compile(r"[a-z0-9]+(?:[_\-.][a-z0-9]+)*")


def normalise(value: str) -> str:
    """The form ids are matched in: lower case, words joined by ``_``."""
    return _SEPARATORS.sub("_", value.strip().casefold()).strip("_")


def readable(value: str) -> str:
    """A lower-case id as words (``ad_impression`` -> "Ad impression"); any other text as it is."""
    if not _ID.fullmatch(value):
        return value
    words = re.sub(r"[_\-.]+", " ", value)
    return words[:1].upper() + words[1:]


def _table_of(dimension: str) -> str:
    return ALIASES.get(dimension, dimension)


@dataclass(frozen=True)
class Labels:
    """Display names of ids, with the workspace's own names first (see the module's help)."""

    custom: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    """dimension -> normalised id -> language -> name"""

    @classmethod
    def from_config(cls, config: Any) -> Labels:
        """The names of ``[labels]`` in a workspace's :class:`~cxlens.config.Config`."""
        where = f"{config.root / 'cxlens.toml'}, [labels]"
        return cls(parse_labels(config.values.get("labels") or {}, where))

    def name(self, dimension: str, value: Any, lang: str) -> str:
        """What a reader of ``lang`` sees for ``value`` of ``dimension`` (a column name)."""
        from cxlens.i18n import pgettext

        if value is None or (isinstance(value, float) and value != value):
            return "–"
        raw = str(value)
        key = normalise(raw)
        table = _table_of(dimension)
        own = self.custom.get(table, {}).get(key) or self.custom.get(dimension, {}).get(key)
        if own and own.get(lang):
            return own[lang]
        for source in (table, *FALLBACKS.get(table, ())):
            builtin = BUILTIN.get(source, {})
            message = builtin.get(raw) or builtin.get(key)
            if message is not None:
                return pgettext(source, message, lang)
        if own and own.get("en"):
            return own["en"]
        if table == "country":
            return _territory(raw, lang)
        if table == "language":
            return _language(raw, lang)
        return readable(raw) if table in BUILTIN else raw

    def dimension(self, dimension: str, lang: str) -> str:
        """The name of a dimension itself ("Touchpoint", "Kontaktpunkt")."""
        from cxlens.i18n import pgettext

        message = DIMENSION_NAMES.get(dimension)
        return pgettext("dimension", message, lang) if message else readable(dimension)

    def path(self, sequence: str, lang: str, arrow: str = " → ") -> str:
        """A path of touchpoints joined by ``arrow``, each named."""
        return arrow.join(self.name("touchpoint", step, lang) for step in sequence.split(arrow))


def parse_labels(raw: Mapping[str, Any], where: str) -> dict[str, dict[str, dict[str, str]]]:
    """``[labels]`` of cxlens.toml as dimension -> id -> language -> name; every problem at once."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    problems = []
    for dimension, names in raw.items():
        if not isinstance(names, Mapping):
            problems.append(f"[labels.{dimension}] is a table of ids and their names")
            continue
        table: dict[str, dict[str, str]] = {}
        for value_id, name in names.items():
            spot = f"[labels.{dimension}] {value_id}"
            if isinstance(name, str):
                per_lang = dict.fromkeys(LANGUAGES, name)
            elif isinstance(name, Mapping):
                unknown = sorted(set(name) - set(LANGUAGES))
                if unknown:
                    problems.append(
                        f"{spot}: unknown language(s) {', '.join(unknown)}; use {', '.join(LANGUAGES)}"
                    )
                    continue
                per_lang = {lang: str(text) for lang, text in name.items() if str(text).strip()}
            else:
                problems.append(
                    f'{spot}: give a name ("...") or names per language ({{ en = "..." }})'
                )
                continue
            table[normalise(str(value_id))] = per_lang
        out[_table_of(str(dimension))] = {**out.get(_table_of(str(dimension)), {}), **table}
    if problems:
        raise CxlensError(f"{where} has problems:\n  " + "\n  ".join(problems))
    return out


def _territory(code: str, lang: str) -> str:
    from cxlens.i18n import locale

    name = locale(lang).territories.get(code.upper()) if len(code) == 2 else None
    return str(name) if name else code


def _language(code: str, lang: str) -> str:
    from cxlens.i18n import locale

    name = locale(lang).languages.get(code.lower()) if 2 <= len(code) <= 3 else None
    return str(name) if name else code


#: names with no workspace of their own (tests, examples)
DEFAULT = Labels()
