"""The strict policy in a real browser: no inline script runs, yet every page still works."""

from __future__ import annotations

from pathlib import Path

import pytest

import cxlens
from cxlens.collect.service import Collector
from tests.collect.conftest import free_port, make_ws, sign_in
from tests.collect.test_browser import CHROMIUM, SHOTS
from tests.collect.test_reliability import start_server

PASSWORD = "correct horse battery"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = make_ws(tmp_path_factory.mktemp("strict") / "ws")
    c = Collector(cxlens.open(root).config)
    c.accounts.add_user("admin", PASSWORD, "admin", "de")
    c.accounts.add_user("ann", PASSWORD, "viewer", "fi")
    c.accounts.sign_in("ann", PASSWORD, "10.0.0.1")
    port = free_port()
    proc = start_server(root, port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """A small demo workspace, so that every dashboard page draws its charts."""
    from typer.testing import CliRunner

    from cxlens.cli import app

    root = tmp_path_factory.mktemp("strict-demo") / "ws"
    out = CliRunner().invoke(app, ["demo", str(root), "--customers", "300", "--seed", "5"])
    assert out.exit_code == 0, out.output
    Collector(cxlens.open(root).config).accounts.add_user("admin", PASSWORD, "admin", "de")
    port = free_port()
    proc = start_server(root, port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait()


def watched(browser, width: int):
    """A page that records console errors and policy violations."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return page, problems


def overflows(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"))


def test_users_page_and_language_switch_under_the_strict_policy(site, browser):
    page, problems = watched(browser, 390)
    page.goto(f"{site}/login?next=/admin/users")  # not through the dashboard: see below
    sign_in(page, "admin", PASSWORD, f"{site}/admin/users")
    assert page.get_by_role("button", name="Deaktivieren: ann").is_visible()
    assert page.get_by_role("button", name="Überall abmelden: ann").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "users-phone-de.png"), full_page=True)
    assert not overflows(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Überall abmelden: ann").click()
    assert "✓ Überall abmelden: ann" in page.locator("[role=status]").inner_text()
    # the language switch is a static script now: picking a language submits the form
    with page.expect_navigation(url=f"{site}/admin/users"):
        page.select_option("#ui-lang", "hr")
    assert page.locator("html").get_attribute("lang") == "hr"
    assert problems == []
    page.close()


def test_the_api_docs_work_offline_under_their_policy(site, browser):
    page, problems = watched(browser, 1280)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{site}/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() >= 5  # the operations of the schema
    assert "/api/v1/responses" in page.locator("#swagger-ui").inner_text()
    page.screenshot(path=str(SHOTS / "api-docs.png"))
    assert all(url.startswith(site) for url in requests)  # nothing from another site
    assert problems == []
    page.close()


def test_the_policy_refuses_nothing_on_the_dashboard(demo_site, browser):
    """Plotly's charts draw under the pages' own policy: no script and no style is refused.

    Plotly's style rules come from the app's own style sheet, so it injects no ``<style>``
    element that ``style-src 'self'`` would refuse; a refused resource or a failed
    request fails the test too.
    """
    site = demo_site
    page, problems = watched(browser, 1280)
    page.goto(f"{site}/login")
    sign_in(page, "admin", PASSWORD, f"{site}/dashboard")
    pages = ("/dashboard", "/dashboard/trends", "/dashboard/customers", "/dashboard/journeys",
             "/dashboard/feedback", "/dashboard/value", "/admin", "/admin/cases")  # fmt: skip
    charts = 0
    for path in pages:
        page.goto(site + path)
        page.wait_for_load_state("networkidle")
        drawn = page.locator(".js-plotly-plot .main-svg").count()
        assert drawn >= page.locator("script[data-chart]").count(), path  # every chart drew
        charts += drawn
    assert charts >= 6  # the pages have charts to draw
    assert problems == []
    page.close()


def test_a_page_without_its_tables_says_which(site, browser):
    """A workspace with customers only: the journeys page names the table it needs (no 500)."""
    page, problems = watched(browser, 1280)
    page.goto(f"{site}/login")
    sign_in(page, "admin", PASSWORD, f"{site}/dashboard")
    response = page.goto(f"{site}/dashboard/journeys")
    assert response is not None and response.status == 422
    assert "events" in page.content()
    assert [p for p in problems if "status of 422" not in p] == []
    page.close()


# Every page in six languages and two sizes under the policy: tests/collect/test_every_page.py.
