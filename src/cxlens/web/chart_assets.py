"""What Plotly needs to draw under the pages' Content-Security-Policy, served from this site.

Plotly.js puts its own style rules (the chart's SVG layers, hover labels, the
mode bar) into a ``<style>`` element it creates when it loads. A policy without
``'unsafe-inline'`` for styles refuses that element, and the charts then lose
their layout: the SVG layers stop overlapping, legends and colour bars drift off
the chart. Plotly skips the element when the page already has one with the id
``plotly.js-style-global`` and the class ``no-inline-styles`` (plotly.js pull
request #7109), so the page links this stylesheet under that id instead. The
rules are read from the Plotly bundle that is installed, so they follow its version.

Everything else Plotly styles, it styles through the CSS object model
(``element.style``), which a policy does not restrict.

The locale scripts give Plotly the reader's month and day names and number
symbols (``Plotly.register`` of a locale module), from Babel's CLDR data.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from fastapi import FastAPI, HTTPException
from fastapi.responses import Response

from cxlens.config import LANGUAGES
from cxlens.reports.charts import plotly_locale

#: the id and class that tell Plotly its rules are on the page already
STYLE_ID = "plotly.js-style-global"
STYLE_CLASS = "no-inline-styles"
# the bundle's rule table: {"X,X div": "direction:ltr;…", …, Y: "…"}, X and Y placeholders
_TABLE_START = re.compile(r'\{"X,X div":')
_TOKEN = re.compile(r"\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[A-Za-z_$][\w$]*|[:,{}])")
_PLACEHOLDERS = {"X": ".js-plotly-plot .plotly", "Y": ".plotly-notifier"}
# bundled CSS (MapLibre's) that the bundle adds as a <style> unless an element has its id
_INJECTED = re.compile(
    r'if\(!document\.getElementById\("(?P<id>[\w-]+)"\)\)\{var (?P<v>\w+)=document\.'
    r'createElement\("style"\);(?P=v)\.id="(?P=id)",(?P=v)\.textContent='
    r"(?P<css>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
)


def plotly_bundle() -> bytes:
    """The minified Plotly.js that ships with the plotly wheel (no CDN)."""
    return resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()


def _string(token: str) -> str:
    if token[0] in "\"'":
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return token


def style_rules(bundle: str) -> list[tuple[str, str]]:
    """(selector, declarations) of every rule Plotly would inject, as it injects them."""
    start = _TABLE_START.search(bundle)
    if start is None:
        raise RuntimeError(
            "The installed plotly.min.js has no style rule table where one was expected; "
            "its charts would lose their layout under the pages' policy."
        )
    pos = start.start() + 1
    rules: list[tuple[str, str]] = []
    while True:
        key = _TOKEN.match(bundle, pos)
        colon = key and _TOKEN.match(bundle, key.end())
        value = colon and _TOKEN.match(bundle, colon.end())
        after = value and _TOKEN.match(bundle, value.end())
        if not (key and colon and value and after) or colon[1] != ":":
            raise RuntimeError(f"Could not read Plotly's style rules near offset {pos}.")
        selector = _string(key[1])
        # the same rewriting Plotly does: a leading comma, then the placeholders
        selector = re.sub(r"^,", " ,", selector)
        for mark, real in _PLACEHOLDERS.items():
            selector = selector.replace(mark, real)
        rules.append((selector, _string(value[1])))
        if after[1] == "}":
            return rules
        pos = after.end()


@cache
def injected_styles() -> dict[str, str]:
    """The bundle's other style elements, id -> CSS: the page links each under its id."""
    bundle = plotly_bundle().decode("utf-8")
    return {m["id"]: _string(m["css"]) for m in _INJECTED.finditer(bundle)}


@cache
def plotly_css() -> str:
    """Plotly's own style rules as a stylesheet."""
    rules = style_rules(plotly_bundle().decode("utf-8"))
    return "".join(f"{selector}{{{declarations}}}\n" for selector, declarations in rules)


@cache
def locale_script(lang: str) -> str:
    """A script that registers ``lang``'s month names and number symbols with Plotly."""
    module = json.dumps(plotly_locale(lang), ensure_ascii=False)
    return f"if (typeof Plotly !== 'undefined') {{ Plotly.register({module}); }}\n"


def register_assets(app: FastAPI) -> None:
    """Serve Plotly's script, its style rules and the locale scripts (public, cached a day)."""
    cached_day = {"Cache-Control": "public, max-age=86400"}

    @app.get("/assets/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        return Response(plotly_bundle(), media_type="text/javascript", headers=cached_day)

    @app.get("/assets/plotly.css", include_in_schema=False)
    def plotly_stylesheet() -> Response:
        return Response(plotly_css(), media_type="text/css", headers=cached_day)

    @app.get("/assets/plotly-style-{style_id}.css", include_in_schema=False)
    def plotly_injected(style_id: str) -> Response:
        css = injected_styles().get(style_id)
        if css is None:
            raise HTTPException(404, "No such style sheet.")
        return Response(css, media_type="text/css", headers=cached_day)

    @app.get("/assets/plotly-locale-{lang}.js", include_in_schema=False)
    def plotly_locale_js(lang: str) -> Response:
        if lang not in LANGUAGES:
            raise HTTPException(404, "No such language.")
        return Response(locale_script(lang), media_type="text/javascript", headers=cached_day)
