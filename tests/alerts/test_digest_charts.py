"""The digest's trend charts: PNG parts of the e-mail named by cid:, in six languages, a
preview that shows them, and an e-mail that still goes out without a browser."""

from __future__ import annotations

import logging
import re
import struct
import zlib
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxlens.alerts import digest_charts
from cxlens.alerts.digest import build_digest, digest_email, digest_settings, send_due_digests
from cxlens.cli import app
from cxlens.i18n import format_period_tick
from cxlens.metrics.catalog import load_catalog
from cxlens.reports.charts import period_start
from tests.alerts.test_digest import DIGEST, NOW, _workspace
from tests.collect.conftest import CHROMIUM, browser, smtp  # noqa: F401 - the fixtures

LANGUAGES = ("en", "et", "bg", "de", "hr", "fi")
#: the alt text's words for "the last 8 days" in each language
LAST_DAYS = {"en": "the last 8 days", "et": "viimased 8 päeva", "bg": "последните 8 дни",
             "de": "die letzten 8 Tage", "hr": "posljednjih 8 dana", "fi": "viimeiset 8 päivää"}  # fmt: skip
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Chromium is not installed (make setup installs it)"
)


def png_facts(data: bytes) -> tuple[int, int, int]:
    """Width and height from a PNG's IHDR chunk, and how many distinct bytes its pixels hold
    (a blank image has one or two)."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    pixels, at = b"", 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        if kind == b"IDAT":
            pixels += data[at + 8 : at + 8 + length]
        at += 12 + length
    return width, height, len(set(zlib.decompress(pixels)))


def html_and_images(msg: EmailMessage) -> tuple[str, dict[str, bytes], dict[str, str]]:
    """The HTML, and each image part by Content-ID: its bytes and its content type."""
    html = msg.get_body(("html",)).get_content()
    images, types = {}, {}
    for part in msg.walk():
        cid = part.get("Content-ID")
        if cid:
            images[cid.strip("<>")] = part.get_content()
            types[cid.strip("<>")] = part.get_content_type()
    return html, images, types


@needs_chromium
def test_the_sent_digest_carries_each_chart_as_an_inline_png(tmp_path, smtp):  # noqa: F811
    inbox, port = smtp
    ws, c, _ = _workspace(
        tmp_path,
        DIGEST + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsender = "cx@example.com"\n',
    )
    assert send_due_digests(ws, c, NOW) == 1
    msg = message_from_bytes(inbox.messages[0], policy=policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    plain, rich = msg.get_payload()
    assert plain.get_content_type() == "text/plain" and "█" in plain.get_content()  # sparkline
    assert rich.get_content_type() == "multipart/related"
    html, images, types = html_and_images(msg)
    cids = re.findall(r'<img src="cid:([^"]+)"', html)
    # NPS had answers in the trend's days; CSAT had none, so it has no chart
    assert len(cids) == 1 and set(cids) == set(images)
    for cid in cids:
        assert types[cid] == "image/png"
        width, height, shades = png_facts(images[cid])
        # 480 × 200 CSS pixels at twice the density, with lines, band, text: not blank
        assert (width, height) == (960, 400) and shades > 20
        assert 5_000 < len(images[cid]) < 300_000
    alt = re.search(r'alt="([^"]+)"', html)[1]
    # the digest's language (German): the eight days with their figures, unknown ones named
    assert alt.startswith("Net Promoter Score, die letzten 8 Tage, die ältesten zuerst: ")
    assert alt.count("keine Daten") == 6 and alt.count("(95-%-Intervall ") == 2
    assert alt.endswith(": 0,0 (95-%-Intervall -29,6 … 29,6, n 40).")
    assert "data:" not in html  # mail programs block data: images


@needs_chromium
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_digest_preview_draws_its_charts_in_every_language(tmp_path, lang):
    ws, c, _ = _workspace(tmp_path, DIGEST)
    [settings] = digest_settings(c)
    digest = build_digest(ws, c, settings, NOW, lang=lang)
    [chart] = digest.images
    assert f'src="cid:{chart.cid}"' in digest.html
    nps = load_catalog()["nps"].name(lang)
    assert chart.alt.startswith(nps) and LAST_DAYS[lang] in chart.alt
    # yesterday's NPS: 20 promoters, 20 detractors of 40 -> 0, in the language's digits
    yesterday = format_period_tick_full(lang)
    assert f"{yesterday}: 0" in chart.alt and "n 40" in chart.alt
    page = digest.standalone_html()
    assert "cid:" not in page and page.count('src="data:image/png;base64,') == 1
    assert png_facts(chart.png)[:2] == (960, 400)


def format_period_tick_full(lang: str) -> str:
    from cxlens.i18n import format_period

    return format_period((NOW - timedelta(days=1)).date().isoformat(), "day", lang)


@needs_chromium
def test_the_preview_file_shows_the_charts_on_a_phone(tmp_path, browser):  # noqa: F811
    ws, _c, _ = _workspace(tmp_path, DIGEST)
    out = tmp_path / "digest.html"
    done = CliRunner().invoke(
        app, ["digest", "preview", "--lang", "bg", "--out", str(out), "-w", str(ws.root)]
    )
    assert done.exit_code == 0, done.output
    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.goto(out.as_uri())
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        shown = page.evaluate(
            "[...document.images].map(i => [i.naturalWidth, i.getBoundingClientRect().right])"
        )
    finally:
        page.close()
    assert overflow == 0
    # the chart loaded (960 px wide) and shrank to fit inside the phone's 390 px
    assert shown and all(w == 960 and right <= 390 for w, right in shown)


@pytest.mark.parametrize("browser_path", [None, "/bin/false"])
def test_without_a_browser_the_digest_goes_out_with_text_lines(
    tmp_path, monkeypatch, caplog, browser_path
):
    from cxlens.errors import CxlensError
    from cxlens.reports import build

    def no_chromium() -> str:
        if browser_path is None:
            raise CxlensError("PDF reports need Chromium")
        return browser_path  # a program that exits at once, as a broken Chromium would

    monkeypatch.setattr(build, "find_chromium", no_chromium)
    monkeypatch.setattr(digest_charts, "_warned", [])
    ws, c, _ = _workspace(tmp_path, DIGEST)
    [settings] = digest_settings(c)
    with caplog.at_level(logging.WARNING, logger="cxlens.schedule"):
        digest = build_digest(ws, c, settings, NOW)
        again = build_digest(ws, c, settings, NOW, lang="fi")
    assert digest.images == () and again.images == ()
    warnings = [r for r in caplog.records if "text lines, not charts" in r.getMessage()]
    assert len(warnings) == 1  # once, not per digest
    msg = message_from_bytes(
        bytes(digest_email(c, digest, "ann@example.com")), policy=policy.default
    )
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/alternative", "text/plain", "text/html",
    ]  # fmt: skip
    html = msg.get_body(("html",)).get_content()
    assert "<img" not in html and "cid:" not in html
    assert "Trends" in html and "█" in html  # the sparkline stands in for the chart
    assert "Signifikante Änderungen" in html and "█" in msg.get_body(("plain",)).get_content()


def test_short_period_ticks_worked_by_hand():
    assert format_period_tick("2026-11-30", "day", "de") == "30. Nov."
    assert format_period_tick("2026-11-30", "day", "fi") == "30.11."
    assert format_period_tick("2026-W49", "week", "de") == "KW 49"
    assert format_period_tick("2026-W49", "week", "en") == "wk 49"
    assert format_period_tick("2026-03", "month", "en") == "Mar 2026"
    # ISO week 49 of 2026 starts on Monday 30 November (1 January 2026 is a Thursday)
    assert period_start("2026-W49", "week") == date(2026, 11, 30)
    assert period_start("2026-W01", "week") == date(2025, 12, 29)


def test_a_failed_start_of_chromium_is_tried_once_more_before_text_lines(monkeypatch):
    """Under load Kaleido can call into its page before the page has loaded
    ("kaleido_scopes is not defined"); a second start draws the charts."""
    from cxlens.reports import build

    monkeypatch.setattr(build, "find_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(digest_charts, "_warned", [])
    png = digest_charts.PNG_SIGNATURE + b"rest"
    starts = []

    def flaky(kaleido, path, figures):
        starts.append(path)
        if len(starts) == 1:
            raise RuntimeError("ReferenceError: kaleido_scopes is not defined")
        return [png for _ in figures]

    monkeypatch.setattr(digest_charts, "_draw", flaky)
    assert digest_charts.render_pngs(["figure"]) == [png] and len(starts) == 2
    assert digest_charts._warned == []

    def broken(kaleido, path, figures):
        starts.append(path)
        raise RuntimeError("Chromium crashed")

    starts.clear()
    monkeypatch.setattr(digest_charts, "_draw", broken)
    assert digest_charts.render_pngs(["figure"]) is None and len(starts) == digest_charts.ATTEMPTS
    assert "Chromium crashed" in digest_charts._warned[0]
