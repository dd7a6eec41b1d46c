"""The gettext catalogs of the UI texts: found, loaded once per language, and looked up.

The texts are written in English in the code and templates (the ``msgid``); each
language other than English has a catalog ``locale/<lang>/LC_MESSAGES/cxlens.po``
next to this module, kept with Babel (``make i18n-extract``, ``i18n-update``,
``i18n-compile``). A catalog is read on the first text asked for in its language,
not at import, and kept for the life of the process:

* the compiled ``cxlens.mo`` when it is there and at least as new as the ``.po``
  (``make setup`` compiles them);
* otherwise the ``.po`` itself, parsed with Babel (an install without ``make``, or
  a ``.po`` edited since the last compile), so a translation never goes stale.

Fuzzy entries are left out either way: a text marked fuzzy shows in English until
a translator confirms it.
"""

from __future__ import annotations

import gettext as _gettext
import io
import threading
from pathlib import Path

DOMAIN = "cxlens"
LOCALE_DIR = Path(__file__).parent / "locale"
#: the language the msgids are written in; it has no catalog
SOURCE_LANGUAGE = "en"

_lock = threading.Lock()
_loaded: dict[str, _gettext.NullTranslations] = {}


def catalog_path(lang: str, suffix: str = ".po") -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def _read_po(po: Path) -> _gettext.NullTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f, locale=po.parents[1].name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def _load(lang: str) -> _gettext.NullTranslations:
    if lang == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    po, mo = catalog_path(lang), catalog_path(lang, ".mo")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as f:
            return _gettext.GNUTranslations(f)
    if po.is_file():
        return _read_po(po)
    raise LookupError(f"No catalog for language {lang!r} in {LOCALE_DIR}.")


def translations(lang: str) -> _gettext.NullTranslations:
    """The catalog of ``lang``, loaded on first use (thread-safe, once per process)."""
    found = _loaded.get(lang)
    if found is None:
        with _lock:
            found = _loaded.get(lang)
            if found is None:
                found = _loaded[lang] = _load(lang)
    return found


def forget() -> None:
    """Drop the loaded catalogs, so the next text reads the files again (tests use it)."""
    with _lock:
        _loaded.clear()
