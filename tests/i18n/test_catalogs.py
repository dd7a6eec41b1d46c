"""The gettext catalogs: complete, in step with the code, with plural forms and placeholders intact."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from cxlens.i18n import catalogs, gettext, ngettext, pgettext
from cxlens.i18n.catalogs import LOCALE_DIR, catalog_path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "cxlens"
POT = LOCALE_DIR / "cxlens.pot"
TRANSLATED = ("et", "bg", "de", "hr", "fi")


def read(path: Path, lang: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def keys(catalog) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


@pytest.fixture(scope="module")
def template():
    return read(POT)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_text_of_the_template_is_translated_and_confirmed(template, lang):
    catalog = read(catalog_path(lang), lang)
    plurals = get_plural(lang).num_plurals
    problems = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        label = f"{message.context or ''}|{message.id}"
        if found is None:
            problems.append(f"missing: {label}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {label}")
        elif isinstance(message.id, tuple):
            forms = found.string if isinstance(found.string, tuple) else (found.string,)
            if len(forms) != plurals or not all(forms):
                problems.append(f"needs {plurals} plural forms: {label}")
        elif not found.string:
            problems.append(f"untranslated: {label}")
    assert not problems, f"{lang}: " + "; ".join(problems[:20])


@pytest.mark.parametrize("lang", TRANSLATED)
def test_plural_forms_header_is_the_languages_own(lang):
    catalog = read(catalog_path(lang), lang)
    expected = get_plural(lang)
    assert catalog.num_plurals == expected.num_plurals == (3 if lang == "hr" else 2)
    assert catalog.plural_expr == expected.plural_expr


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders_of_their_text(lang):
    catalog = read(catalog_path(lang), lang)
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalog.check()]
    assert not errors
    # every text is filled with %: a translation with a stray "%" or a lost placeholder breaks
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        values = _dummy_values(ids[-1])
        for text in (*ids, *strings):
            text % values  # raises on a broken placeholder


def _dummy_values(text: str) -> dict[str, object]:
    import re

    return {name: 1 for name in re.findall(r"%\((\w+)\)", text)} | {"num": 1}


def test_the_template_is_up_to_date_with_the_code_and_templates(tmp_path):
    fresh = tmp_path / "cxlens.pot"
    subprocess.run(
        ["make", "-s", "-C", str(ROOT), "i18n-extract", f"POT={fresh}"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip

    def described(catalog):
        return {
            (m.context, m.id): (m.string, sorted(f for f, _ in m.locations), sorted(m.flags))
            for m in catalog
            if m.id
        }

    stored, extracted = described(read(POT)), described(read(fresh))
    added = sorted(map(str, set(extracted) - set(stored)))
    gone = sorted(map(str, set(stored) - set(extracted)))
    assert not added and not gone, f"run `make i18n-update`: new {added[:10]}, gone {gone[:10]}"
    assert stored == extracted, "run `make i18n-update`: locations or flags changed"


GETTEXT_CALLS = {"gettext": (None, 0), "ngettext": (None, 0), "N_": (None, 0),
                 "pgettext": (0, 1), "npgettext": (0, 1), "NP_": (0, 1)}  # fmt: skip


def test_every_text_the_code_asks_for_is_in_the_template(template):
    """Calls the extractor cannot see (inside f-strings, say) would show in English."""
    known = keys(template)
    missing = []
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            spec = GETTEXT_CALLS.get(node.func.id)
            if spec is None:
                continue
            context_at, text_at = spec
            args = node.args
            if len(args) <= text_at or not isinstance(args[text_at], ast.Constant):
                continue  # a text chosen at run time: its table is marked where it is written
            context = args[context_at].value if context_at is not None else None  # type: ignore[attr-defined]
            if (context, args[text_at].value) not in known:
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {args[text_at].value!r}")
    assert not missing, missing


def test_tables_of_names_are_looked_up_in_the_context_they_are_marked_with(template):
    from cxlens.alerts.rules import WHEN_NAMES
    from cxlens.i18n.builtin_labels import BUILTIN, DIMENSION_NAMES
    from cxlens.journeys import DRIVER_NAMES
    from cxlens.metrics.catalog import BETTER, INTERVALS, TESTS, UNITS
    from cxlens.web.admin import USER_ACTIONS, USER_STATES

    known = keys(template)
    tables = {**BUILTIN, "dimension": DIMENSION_NAMES, "driver": DRIVER_NAMES,
              "alert when": WHEN_NAMES, "unit": UNITS, "interval method": dict(enumerate(INTERVALS)),
              "test method": dict(enumerate(TESTS)), "better when": BETTER,
              "user action": USER_ACTIONS, "user state": USER_STATES}  # fmt: skip
    wrong = [(ctx, text) for ctx, table in tables.items() for text in table.values()]
    assert [entry for entry in wrong if entry not in known] == []


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1 sesija"), (2, "2 sesije"), (4, "4 sesije"), (5, "5 sesija"), (11, "11 sesija"),
     (12, "12 sesija"), (21, "21 sesija"), (22, "22 sesije"), (25, "25 sesija"),
     (104, "104 sesije"), (111, "111 sesija")],
)  # fmt: skip
def test_croatian_has_three_plural_forms(n, expected):
    title = ngettext(
        "Most common paths (%(num)s session)", "Most common paths (%(num)s sessions)", n, "hr"
    )
    assert title == f"Najčešći putovi ({expected})"


def test_english_plural_and_numbers_as_the_language_writes_them():
    one = ngettext(
        "Wrote %(num)s row to %(path)s", "Wrote %(num)s rows to %(path)s", 1, "en", path="x"
    )
    many = ngettext(
        "Wrote %(num)s row to %(path)s", "Wrote %(num)s rows to %(path)s", 1200, "en", path="x"
    )
    assert (one, many) == ("Wrote 1 row to x", "Wrote 1,200 rows to x")
    de = ngettext(
        "Wrote %(num)s row to %(path)s", "Wrote %(num)s rows to %(path)s", 1200, "de", path="x"
    )
    assert de == "1.200 Zeilen nach x geschrieben"


def test_one_english_word_with_two_meanings_has_two_translations():
    assert pgettext("date range", "From", "et") == "Alates"
    assert pgettext("transition", "From", "et") == "Kust"
    assert gettext("95%% interval", "de") == "95-%-Intervall"


@pytest.fixture
def locale_copy(tmp_path, monkeypatch):
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, copy)
    monkeypatch.setattr(catalogs, "LOCALE_DIR", copy)
    catalogs.forget()
    yield copy
    catalogs.forget()


def _retranslate(po: Path, lang: str, msgid: str, text: str, fuzzy: bool = False) -> None:
    catalog = read(po, lang)
    message = catalog.get(msgid)
    message.string = text
    if fuzzy:
        message.flags.add("fuzzy")
    with po.open("wb") as f:
        write_po(f, catalog, width=100)


def test_without_compiled_catalogs_the_po_files_are_read(locale_copy):
    for mo in locale_copy.rglob("*.mo"):
        mo.unlink()
    assert gettext("Value", "fi") == "Arvo"
    assert "babel" in sys.modules


def test_a_po_edited_after_compiling_wins_over_the_stale_mo(locale_copy):
    po = locale_copy / "de" / "LC_MESSAGES" / "cxlens.po"
    mo = po.with_suffix(".mo")
    if not mo.exists():
        pytest.skip("no compiled catalog (make i18n-compile)")
    _retranslate(po, "de", "Value", "Wert (neu)")
    os.utime(po, (mo.stat().st_mtime + 10, mo.stat().st_mtime + 10))
    assert gettext("Value", "de") == "Wert (neu)"


def test_fuzzy_translations_are_not_shown(locale_copy):
    po = locale_copy / "et" / "LC_MESSAGES" / "cxlens.po"
    for mo in locale_copy.rglob("*.mo"):
        mo.unlink()
    _retranslate(po, "et", "Value", "Väärtus (pakkumine)", fuzzy=True)
    assert gettext("Value", "et") == "Value"


def test_importing_the_package_loads_no_catalog_and_not_babel():
    code = (
        "import sys, cxlens.cli, cxlens.i18n.catalogs as c; "
        "assert not c._loaded, c._loaded; "
        "assert 'babel' not in sys.modules, 'babel imported at start-up'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
