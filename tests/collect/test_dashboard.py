"""The dashboard in a real browser, in two languages, with the numbers of the commands; roles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import cxlens
from cxlens.collect.service import Collector
from cxlens.i18n import format_value
from cxlens.web.app import create_app
from tests.collect.conftest import free_port, quiet_demo, sign_in
from tests.collect.test_browser import CHROMIUM, SHOTS
from tests.collect.test_reliability import start_server

PASSWORD = "correct horse battery"
PAGES = [
    "/dashboard",
    "/dashboard/trends",
    "/dashboard/customers",
    "/dashboard/journeys",
    "/dashboard/feedback",
    "/dashboard/alerts",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("dash") / "ws"
    quiet_demo(root, 1500, 9)
    c = Collector(cxlens.open(root).config)
    for role, lang in (("viewer", "hr"), ("analyst", "en"), ("admin", "et")):
        c.accounts.add_user(role, PASSWORD, role, lang)
    return root


def login(client: TestClient, user: str) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login",
        data={"username": user, "password": PASSWORD, "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_pages_need_sign_in_and_every_role_sees_dashboards(demo):
    client = TestClient(create_app(demo, schedule=False))
    for path in [*PAGES, "/metrics/nps"]:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    for role in ("viewer", "analyst", "admin"):
        client.cookies.clear()
        login(client, role)
        for path in PAGES:
            r = client.get(path)
            assert r.status_code == 200, (role, path)
        admin_page = client.get("/admin").text
        assert ("Create link" in admin_page or "Loo link" in admin_page) == (role == "admin")


def test_alert_rules_are_shown_to_all_and_edited_by_analysts(demo, monkeypatch):
    from datetime import date

    from cxlens.web import alerts_page

    monkeypatch.setattr(alerts_page, "today", lambda: date(2026, 11, 25))  # the demo's data
    toml = demo / "cxlens.toml"
    before = toml.read_text()
    client = TestClient(create_app(demo, schedule=False))
    login(client, "viewer")
    page = client.get("/dashboard/alerts")
    assert page.status_code == 200 and 'action="/dashboard/alerts"' not in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    rule = {"csrf": csrf, "name": "NPS under 90", "metric": "nps", "when": "below",
            "threshold": "90", "by": "country", "period": "quarter"}  # fmt: skip
    assert client.post("/dashboard/alerts", data=rule).status_code == 403
    assert toml.read_text() == before
    client.cookies.clear()
    login(client, "analyst")
    page = client.get("/dashboard/alerts")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert client.post("/dashboard/alerts", data={**rule, "csrf": "forged"}).status_code == 403
    bad = client.post("/dashboard/alerts", data={**rule, "csrf": csrf, "threshold": ""})
    assert bad.status_code == 422 and "need a numeric threshold" in bad.text
    assert toml.read_text() == before
    added = client.post("/dashboard/alerts", data={**rule, "csrf": csrf})
    assert added.status_code == 200 and "✓ NPS under 90" in added.text
    assert 'name = "NPS under 90"' in toml.read_text()
    # in 2026-Q3, the latest full quarter then, every country's NPS interval lies under 90
    firing = added.text.split("<h2>", 2)[1]
    # the link keeps the id (f_country=DE); the page names the country
    assert firing.count("/dashboard/trends?metric=nps") >= 3 and "Country = Germany" in firing
    assert "f_country=DE" in firing
    removed = client.post("/dashboard/alerts/remove", data={"csrf": csrf, "name": "NPS under 90"})
    assert removed.status_code == 200 and toml.read_text() == before
    assert (
        client.post(
            "/dashboard/alerts/remove", data={"csrf": csrf, "name": "NPS under 90"}
        ).status_code
        == 404
    )


def test_trend_filters_stay_in_the_url_and_cache_follows_imports(demo):
    client = TestClient(create_app(demo, schedule=False))
    login(client, "analyst")
    r = client.get("/dashboard/trends?metric=nps&by=country&period=quarter&f_country=DE")
    assert r.status_code == 200
    assert 'name="f_country" value="DE"' in r.text and "Country = Germany" in r.text
    assert '<option value="quarter" selected>' in r.text
    assert client.get("/dashboard/trends?metric=nope").status_code == 404
    assert client.get("/dashboard/trends?metric=nps&f_x%27%3B=1").status_code == 422
    # an answer synced into the warehouse changes the version, so the feedback page shows it
    c = Collector(cxlens.open(demo).config)
    inv = c.invite("nps-relational", "C0000001", "en")
    row, survey = c.resolve(inv.token)
    c.submit(survey, row, {"nps": 0}, "<i>brand new complaint</i>", "en")
    before = client.get("/dashboard/feedback").text
    from cxlens.collect.sync import sync

    sync(cxlens.open(demo), c)
    after = client.get("/dashboard/feedback").text
    assert "brand new complaint" not in before.replace("&lt;i&gt;brand new complaint", "")
    assert "&lt;i&gt;brand new complaint&lt;/i&gt;" in after


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")
@pytest.mark.parametrize("user, lang", [("viewer", "hr"), ("analyst", "en")])
def test_dashboard_in_a_browser(demo, user, lang):
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = start_server(demo, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/login")
            sign_in(page, user, PASSWORD, f"{base}/dashboard")
            assert page.locator("html").get_attribute("lang") == lang
            # the NPS tile shows what `cxlens kpi nps` gives for the period on screen
            ws = cxlens.open(demo)
            heading = page.locator("h1").inner_text()
            start, end = _period_of(ws)
            expected = ws.kpi("nps", period="month", start=start, end=end)
            value = format_value(float(expected["value"].iloc[-1]), "points", lang)
            assert page.locator('[data-metric="nps"] [data-value]').inner_text() == value, heading
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"dashboard-overview-{lang}.png"), full_page=True)
            for path in PAGES[1:]:
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                assert page.locator("h1").count() >= 1
                if path in ("/dashboard/customers", "/dashboard/journeys", "/dashboard/trends"):
                    assert page.locator(".chart .main-svg").count() >= 1, (
                        path
                    )  # Plotly drew offline
                page.screenshot(
                    path=str(SHOTS / f"dashboard-{path.rsplit('/', 1)[-1]}-{lang}.png"),
                    full_page=True,
                )
            browser.close()
    finally:
        server.terminate()
        server.wait()


def _period_of(ws):
    """The dashboard's rule: the latest complete month the tiles' data covers with NPS n >= 30."""
    from cxlens.metrics.headline import headline_period
    from cxlens.reports.build import TILES

    return headline_period(ws, "month", metrics=TILES)
