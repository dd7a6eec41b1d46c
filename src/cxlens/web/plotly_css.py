"""Plotly's own style rules as a stylesheet, so that charts look right under ``style-src 'self'``.

Plotly.js puts the rules its charts need (the layers of a chart stacked on top of
each other, cursors, the hover box) into a ``<style>`` element it adds to the
page. The app's Content-Security-Policy refuses inline style elements, so those
rules never applied and a chart's legend and axis titles drifted away from it.
Plotly skips adding the element when the page already has one with the id
``plotly.js-style-global`` and the class ``no-inline-styles``; the pages with
charts link this stylesheet under that id instead. The bundle also adds the
stylesheet of its map library when no element has that stylesheet's id; the pages
link it as well (:func:`map_css`, under :func:`map_style_id`). Both are read from
the Plotly bundle the app serves (the same installed version), never written here.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

#: where the bundle keeps its rules: an object literal of selector -> declarations whose
#: selectors use X for the chart's root and Y for the notifier
_START = '={"X,X div":'
_STRING = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
#: a key is a string or a bare name (``Y:``)
_PAIR = re.compile(rf"\s*(?:{_STRING}|([A-Za-z_$][\w$]*))\s*:\s*{_STRING}\s*([,}}])")
ROOT, NOTIFIER = ".js-plotly-plot .plotly", ".plotly-notifier"


def _unescape(text: str) -> str:
    """A JavaScript string literal's text: ``\\\\``, ``\\'`` and ``\\"`` as the characters."""
    return re.sub(r"""\\([\\'"])""", r"\1", text)


def bundle() -> str:
    return resources.files("plotly").joinpath("package_data", "plotly.min.js").read_text("utf-8")


def rules_of(source: str) -> dict[str, str]:
    """The selector -> declarations object of Plotly's global styles in the bundle's text."""
    at = source.find(_START)
    if at < 0:
        return {}
    pos, rules = at + 2, {}
    while True:
        m = _PAIR.match(source, pos)
        if m is None:
            return {}
        key = next(k for k in m.group(1, 2, 3) if k is not None)
        value = m.group(4) if m.group(4) is not None else m.group(5)
        rules[key] = _unescape(value)
        pos = m.end()
        if m.group(6) == "}":
            return rules


_MAP_STYLE = re.compile(
    r'document\.getElementById\("(\w+)"\)\)\{var (\w+)=document\.createElement\("style"\);'
    rf"\2\.id=\"\1\",\2\.textContent={_STRING}"
)


@cache
def _map_style() -> tuple[str, str]:
    m = _MAP_STYLE.search(bundle())
    if m is None:
        return "", ""
    return m.group(1), m.group(3) if m.group(3) is not None else m.group(4)


def map_style_id() -> str:
    """The id under which the bundle looks for its map stylesheet ("" if it has none)."""
    return _map_style()[0]


def map_css() -> str:
    return _unescape(_map_style()[1]) + "\n"


@cache
def plotly_css() -> str:
    """The stylesheet: each selector as Plotly writes it into its style element."""
    out = []
    for key, declarations in rules_of(bundle()).items():
        selector = re.sub(r"^,", " ,", key).replace("X", ROOT).replace("Y", NOTIFIER)
        out.append(f"{selector}{{{declarations}}}")
    return "\n".join(out) + "\n"
