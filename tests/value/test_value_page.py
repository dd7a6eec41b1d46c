"""The dashboard's value page: the commands' numbers, the export for analysts, and a real browser
at desktop and phone widths with no console error, no policy violation and no overflow."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import cxlens
from cxlens.collect.service import Collector
from cxlens.i18n import format_currency, format_number
from cxlens.web.app import create_app
from tests.collect.conftest import free_port, quiet_demo, sign_in
from tests.collect.test_browser import CHROMIUM, SHOTS
from tests.collect.test_reliability import start_server

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("value-page") / "ws"
    quiet_demo(root, 1500, 9)
    c = Collector(cxlens.open(root).config)
    for role, lang in (("viewer", "de"), ("analyst", "en")):
        c.accounts.add_user(role, PASSWORD, role, lang)
    return root


def login(client: TestClient, user: str) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login", data={"username": user, "password": PASSWORD, "csrf": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303


def test_the_page_shows_the_commands_numbers_and_only_analysts_export(demo):
    client = TestClient(create_app(demo, schedule=False, warm=False))
    assert client.get("/dashboard/value", follow_redirects=False).status_code == 303
    login(client, "viewer")
    page = client.get("/dashboard/value").text
    ws = cxlens.open(demo)
    report = ws.value("nps")
    promoters = report.groups.set_index("group").loc["promoter"]
    # German: the group names, the CLV of promoters with its interval, and n
    assert f"Promotoren (n={format_number(promoters.customers, 'de', 0)})" in page
    assert format_currency(promoters.clv, ws.config.currency, "de") in page
    assert format_currency(promoters.clv_low, ws.config.currency, "de") in page
    total = report.risk_summary.set_index("part").loc["all", "clv"]
    assert format_currency(total, ws.config.currency, "de") in page
    acquired = ws.acquisition("channel").summary.dropna(subset=["cac"])
    assert format_currency(acquired.cac.iloc[0], ws.config.currency, "de") in page
    assert "at-risk.csv" not in page  # viewers see no export
    assert client.get("/dashboard/value/at-risk.csv").status_code == 403
    assert client.get("/dashboard/value?kind=csat").status_code == 200
    client.cookies.clear()
    login(client, "analyst")
    assert "at-risk.csv?kind=nps" in client.get("/dashboard/value").text
    r = client.get("/dashboard/value/at-risk.csv?kind=nps")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(r.text))
    assert list(frame.customer_id) == list(report.risk_customers.customer_id)
    hashed = client.get("/dashboard/value/at-risk.csv?kind=nps&hash=1")
    emails = pd.read_csv(io.StringIO(hashed.text)).email.dropna()
    plain = frame.email.dropna()
    assert list(emails) == [hashlib.sha256(e.strip().lower().encode()).hexdigest() for e in plain]
    assert client.get("/dashboard/value/at-risk.csv?kind=xyz").status_code == 404


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")
def test_the_page_in_a_browser_at_desktop_and_phone_widths(demo):
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
            for width, height in ((1440, 900), (390, 844)):
                page = browser.new_page(viewport={"width": width, "height": height})
                problems: list[str] = []
                page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)  # noqa: B023
                page.on("pageerror", lambda e: problems.append(str(e)))  # noqa: B023
                page.add_init_script(
                    "document.addEventListener('securitypolicyviolation', e => "
                    "console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI));"
                )
                page.goto(f"{base}/login")
                sign_in(page, "analyst", PASSWORD, f"{base}/dashboard")
                page.goto(f"{base}/dashboard/value", timeout=120_000)
                page.wait_for_load_state("networkidle")
                # three charts drawn by Plotly from the app's own files
                assert page.locator(".chart .main-svg").count() >= 3
                for chart in ("worth-chart", "risk-chart", "curves-chart"):
                    box = page.locator(f"#{chart}").bounding_box()
                    assert box is not None and box["width"] <= width
                    legend = page.locator(f"#{chart} .legend")
                    if legend.count():
                        lbox = legend.first.bounding_box()
                        assert lbox["x"] >= box["x"] - 1
                        assert lbox["x"] + lbox["width"] <= box["x"] + box["width"] + 1
                assert not page.evaluate(
                    "document.documentElement.scrollWidth > window.innerWidth + 1"
                ), f"horizontal overflow at {width} px"
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / f"dashboard-value-{width}.png"), full_page=True)
                for chart in ("worth-chart", "risk-chart", "curves-chart"):
                    page.locator(f"#{chart}").screenshot(
                        path=str(SHOTS / f"value-{chart}-{width}.png")
                    )
                page.screenshot(path=str(SHOTS / f"dashboard-value-{width}-top.png"))
                assert problems == [], problems
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait()
