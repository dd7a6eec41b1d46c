"""Every page, as people see it: all six languages, on a desktop (1440×900) and a phone (390×844).

One server on the demo's data, one Chromium, one signed-in tab per language that
visits every page at both sizes. A page fails on

- any console error, uncaught script error or Content-Security-Policy violation;
- a page wider than a 390 px screen (it would scroll sideways);
- a tile or journey card whose text runs out of its box;
- a navigation that takes more than one row at 1440 px;
- a chart whose legend or colour bar lies outside the chart's box, a chart with
  several named series and no legend, a chart with axes and no axis title;
- a page in another language than the reader's.

Every page is saved as a screenshot in ``test-artifacts/screenshots/pages/``
(the folder is printed at the end), so that anyone can look at them after a run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cxlens
from cxlens.collect.service import Collector
from cxlens.collect.surveys import template_survey
from tests.collect.conftest import free_port, quiet_demo
from tests.collect.test_browser import CHROMIUM, SHOTS
from tests.collect.test_reliability import start_server

PASSWORD = "correct horse battery"
LANGUAGES = ("en", "et", "bg", "de", "hr", "fi")
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
FOLDER = SHOTS / "pages"
SIGNED_IN = (
    "/dashboard",
    "/dashboard/trends",
    "/dashboard/trends?metric=csat&by=country&period=quarter",
    "/dashboard/customers",
    "/dashboard/journeys",
    "/dashboard/value",
    "/dashboard/feedback",
    "/dashboard/alerts",
    "/metrics/nps",
    "/admin",
    "/admin/users",
    "/admin/cases",
    "/admin/cases/{case}",
    "/admin/scheduler",
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed"),
]

#: what the page reports: console errors and policy violations are collected by the listeners
WATCH = """
document.addEventListener('securitypolicyviolation', e =>
  console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI + ' at '
                + e.sourceFile + ':' + e.lineNumber));
"""
#: per chart: its box, its legend's and colour bars' boxes, its named series and axis titles
CHARTS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
  const box = gd.getBoundingClientRect();
  const inside = el => { const r = el.getBoundingClientRect();
    return r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1
           && r.bottom <= box.bottom + 1; };
  const data = gd._fullData || [];
  const named = data.filter(t => t.visible !== false && t.showlegend !== false && t.name).length;
  const cartesian = !!gd.querySelector('.xaxislayer-above');
  const titles = Array.from(gd.querySelectorAll('.xtitle, .ytitle'))
                      .map(t => t.textContent.trim()).filter(Boolean);
  return {
    id: gd.id, named, cartesian, titles,
    legend: !!gd.querySelector('g.legend'),
    outside: Array.from(gd.querySelectorAll('g.legend, g.colorbar')).filter(el => !inside(el)).length,
    drawn: !!gd.querySelector('.main-svg'),
  };
})
"""


#: how many rows the navigation's entries take (one on a wide screen, in every language)
NAV_ROWS = """
() => new Set(Array.from(document.querySelectorAll(
  'header.bar nav > a, header.bar nav > details > summary'))
  .filter(el => el.offsetParent !== null)
  .map(el => Math.round(el.getBoundingClientRect().top))).size
"""

#: tiles and journey cards whose content is wider than the box that frames it
SPILLED = """
() => Array.from(document.querySelectorAll('.tile, .card'))
  .filter(el => el.scrollWidth > el.clientWidth + 1)
  .map(el => (el.dataset.metric || el.dataset.touchpoint || el.className))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages") / "ws"
    quiet_demo(root, 1200, 5)
    collector = Collector(cxlens.open(root).config)
    for lang in LANGUAGES:
        collector.accounts.add_user(f"reader_{lang}", PASSWORD, "admin", lang)
    collector.save_survey(template_survey("nps", "nps-page", touchpoint="delivery"), replace=True)
    links = {lang: collector.invite("nps-page", "C0000001", lang).token for lang in LANGUAGES}
    detractor = collector.invite("nps-page", "C0000002", "en")
    row, survey = collector.resolve(detractor.token)
    collector.submit(survey, row, {"nps": 2}, "Die Lieferung kam zu spät.", "de")
    case = collector.cases(limit=1)[0]["id"]
    port = free_port()
    server = start_server(root, port)
    yield f"http://127.0.0.1:{port}", links, case
    server.terminate()
    server.wait()


@pytest.fixture(scope="module", autouse=True)
def _where_the_screenshots_are():
    yield
    print(f"\nscreenshots of every page: {FOLDER}")


def _name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"


def _look(page, base: str, path: str, lang: str, problems: list[str], found: list[str]) -> None:
    """Visit ``path`` at both sizes, note what a person would notice, save the screenshots."""
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        problems.clear()
        response = page.goto(base + path)
        page.wait_for_load_state("load")
        where = f"{path} [{lang}, {size}]"
        if response is None or response.status >= 400:
            found.append(f"{where}: HTTP {response.status if response else '?'}")
        if page.title().strip() in ("", "cxlens"):
            found.append(f"{where}: the tab does not name the page")
        if page.locator("html").get_attribute("lang") != lang:
            found.append(f"{where}: the page is not in {lang}")
        if size == "desktop" and page.evaluate(NAV_ROWS) > 1:
            found.append(f"{where}: the navigation takes more than one row")
        if page.locator("script[data-chart]").count():
            page.wait_for_function(
                "document.querySelectorAll('script[data-chart]').length"
                " <= document.querySelectorAll('.js-plotly-plot .main-svg').length",
                timeout=15_000,
            )
            for chart in page.evaluate(CHARTS):
                if not chart["drawn"]:
                    found.append(f"{where}: chart {chart['id']} was not drawn")
                if chart["outside"]:
                    found.append(f"{where}: chart {chart['id']} has its legend or scale outside")
                if chart["named"] > 1 and not chart["legend"]:
                    found.append(f"{where}: chart {chart['id']} has several series, no legend")
                if chart["cartesian"] and not chart["titles"]:
                    found.append(f"{where}: chart {chart['id']} has no axis title")
        spilled = page.evaluate(SPILLED)
        if spilled:
            found.append(f"{where}: text runs out of its box: {spilled}")
        if size == "phone":
            wide = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
            if wide > 0:
                found.append(f"{where}: {wide} px wider than the screen")
        found += [f"{where}: {p}" for p in problems]
        page.screenshot(path=str(FOLDER / f"{_name(path)}-{lang}-{size}.png"), full_page=True)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_reads_well_in_every_language_and_size(site, browser, lang):
    base, links, case = site
    FOLDER.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale=lang)  # the login page follows Accept-Language
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.add_init_script(WATCH)
    found: list[str] = []
    _look(page, base, "/login", lang, problems, found)
    _look(page, base, f"/s/{links[lang]}", lang, problems, found)
    page.goto(f"{base}/login")
    page.locator("#username").fill(f"reader_{lang}")
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/dashboard")
    for path in SIGNED_IN:
        _look(page, base, path.format(case=case), lang, problems, found)
    context.close()
    assert not found, "\n".join(found)
