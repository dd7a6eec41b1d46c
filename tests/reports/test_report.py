"""The CX report: real values, six languages, escaped comments, and a PDF that has pages and text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cxlens
from cxlens.cli import app
from cxlens.config import LANGUAGES
from cxlens.errors import CxlensError
from cxlens.i18n import format_value, gettext
from cxlens.reports import build_report, parse_period
from tests.collect.conftest import CHROMIUM, browser  # noqa: F401 - the browser fixture
from tests.collect.test_browser import SHOTS

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("report") / "ws"
    assert (
        runner.invoke(
            app, ["demo", str(root), "--customers", "1500", "--seed", "3", "--end", "2026-09-30"]
        ).exit_code
        == 0
    )
    ws = cxlens.open(root)
    ws.append_rows(
        "responses",
        __import__("pandas").DataFrame(
            {
                "response_id": ["X1"],
                "customer_id": ["C0000001"],
                "ts": [__import__("pandas").Timestamp("2026-05-05T10:00:00Z")],
                "kind": ["nps"],
                "score": [0.0],
                "comment": ["<script>alert('x')</script> awful"],
            }
        ),
    )
    return cxlens.open(root)


def test_periods():
    assert (parse_period("2026-Q3").start.isoformat(), parse_period("2026-Q3").end.isoformat()) == (
        "2026-07-01",
        "2026-10-01",
    )
    assert parse_period("2026-05").end.isoformat() == "2026-06-01"
    with pytest.raises(CxlensError, match="--period"):
        parse_period("Q3")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_report_in_every_language_shows_the_kpi_values(demo_ws, lang):
    html = build_report(demo_ws, "2026-Q2", lang)
    assert gettext("Customer experience report", lang) in html
    nps = demo_ws.kpi("nps", period="quarter", start="2026-04-01", end="2026-06-30").iloc[0]
    assert format_value(nps["value"], "points", lang) in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


@pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("pdftoppm")),
    reason="needs chromium and poppler-utils",
)
def test_pdf_has_pages_and_text(demo_ws, tmp_path):
    out = tmp_path / "report.pdf"
    result = runner.invoke(
        app,
        [
            "report",
            "--out",
            str(out),
            "--period",
            "2026-Q2",
            "--lang",
            "de",
            "-w",
            str(demo_ws.root),
        ],
    )
    assert result.exit_code == 0, result.output
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    words = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Bericht zur Customer Experience" in words and "Net Promoter Score" in words


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_report_fits_a_phone_in_every_language(demo_ws, browser, tmp_path, lang):  # noqa: F811
    """At 390 px no heading or table pushes the page sideways; wide tables scroll in their box."""
    out = tmp_path / f"report-{lang}.html"
    out.write_text(build_report(demo_ws, "2026-Q2", lang), encoding="utf-8")
    widths = ((390, 844), (1440, 900)) if lang in ("fi", "en") else ((390, 844),)
    for width, height in widths:
        page = browser.new_page(viewport={"width": width, "height": height})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)  # noqa: B023
        page.on("pageerror", lambda e: problems.append(str(e)))  # noqa: B023
        page.goto(out.as_uri())
        page.wait_for_selector("#trend .main-svg")
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= width, f"{lang}: the page is {page_width} px wide at {width} px"
        for chart in ("trend", "countries"):
            box = page.locator(f"#{chart}").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
            svg = page.locator(f"#{chart} .main-svg").first.bounding_box()
            assert svg is not None and svg["width"] <= box["width"] + 1, f"{lang}: {chart} spills"
        assert problems == [], problems
        if lang in ("fi", "en"):
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"report-{lang}-{width}.png"), full_page=True)
        page.close()
