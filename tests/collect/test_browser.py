"""A customer answers an invitation in a real browser (Playwright driving Debian's Chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest

import cxlens
from cxlens.collect.service import Collector
from tests.collect.conftest import CHROMIUM, free_port, make_ws
from tests.collect.test_reliability import start_server

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Chromium is not installed (make setup installs it)"
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = make_ws(tmp_path_factory.mktemp("browser") / "ws")
    port = free_port()
    proc = start_server(root, port)
    yield root, f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait()


@pytest.mark.parametrize(
    "viewport, name",
    [({"width": 390, "height": 844}, "phone"), ({"width": 1280, "height": 800}, "desktop")],
)
def test_answer_in_estonian(server, browser, viewport, name):
    root, base = server
    c = Collector(cxlens.open(root).config)
    inv = c.invite("nps", "C1", "et")
    page = browser.new_page(viewport=viewport)
    page.goto(f"{base}/s/{inv.token}")
    assert page.locator("html").get_attribute("lang") == "et"
    assert "Kui tõenäoliselt soovitaksite" in page.locator("legend").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"survey-{name}.png"), full_page=True)
    # keyboard: focus the scale, move to a score with the arrow keys, as a keyboard user would
    page.get_by_label("0 – Üldse mitte tõenäoliselt").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.locator('input[name="q_nps"]:checked').get_attribute("value") == "3"
    page.get_by_label("Mis on teie hinnangu peamine põhjus?").fill("Tarne oli aeglane <b>väga</b>")
    page.get_by_role("button", name="Saada").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Täname tagasiside eest!"
    page.screenshot(path=str(SHOTS / f"thanks-{name}.png"))
    case = c.cases()[0]
    assert case["score"] == 3 and case["comment"] == "Tarne oli aeglane <b>väga</b>"
    page.goto(f"{base}/s/{inv.token}")
    assert page.locator("h1").inner_text() == "Olete juba vastanud. Aitäh!"
    page.close()


def test_language_switch_and_no_javascript(server, browser):
    root, base = server
    c = Collector(cxlens.open(root).config)
    inv = c.invite("csat", "C2", "de")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/s/{inv.token}")
    page.get_by_role("link", name="Suomi").click()
    assert "Kuinka tyytyväinen olit meihin tällä kertaa?" in page.locator("legend").inner_text()
    # without scripts nothing is saved by itself: the page offers to save and finish later
    assert page.get_by_role("button", name="Tallenna ja jatka myöhemmin").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "survey-no-script.png"), full_page=True)
    page.locator("label").filter(has_text="5").first.click()
    page.get_by_role("button", name="Lähetä").click()
    assert page.locator("h1").inner_text() == "Kiitos palautteestasi!"
    context.close()


def test_a_score_from_the_e_mail_on_a_phone(server, browser):
    """The e-mail's "8" opens the confirmation step; its button saves 8 and opens the rest."""
    from cxlens.collect.invitation_mail import score_url

    root, base = server
    c = Collector(cxlens.open(root).config)
    inv = c.invite("nps", "C2", "de")
    link = score_url(c, inv, "nps", 8).replace(c.public_url, base)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(r.url) if r.status == 404 else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(link)
    assert page.locator('input[name="q_nps"]:checked').get_attribute("value") == "8"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "score-confirm-phone.png"), full_page=True)
    assert c.progress(inv.id) is None  # opening the link stored nothing
    page.get_by_role("button", name="Antwort speichern").click()
    page.wait_for_load_state()
    assert c.progress(inv.id).scores == {"nps": 8.0}
    checked = page.locator('input[name="q_nps"]:checked')
    assert checked.get_attribute("value") == "8" and checked.is_enabled()  # changeable until sent
    assert page.locator("[data-saved-mark]").is_visible()
    assert "Ihre Antwort ist gespeichert" in page.locator('[role="status"]').inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "score-saved-phone.png"), full_page=True)
    page.get_by_label("Was ist der wichtigste Grund für Ihre Bewertung?").fill("Schnell")
    page.get_by_role("button", name="Senden").click()
    page.wait_for_load_state()
    assert c.progress(inv.id).complete and c.progress(inv.id).comment == "Schnell"
    assert problems == []
    page.close()


def test_opting_out_on_a_phone(server, browser):
    from cxlens.collect.invitation_mail import unsubscribe_url

    root, base = server
    c = Collector(cxlens.open(root).config)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(unsubscribe_url(c, "C4", "hr").replace(c.public_url, base))
    assert "Želite li prestati primati" in page.locator("main").inner_text()
    page.get_by_role("button", name="Odjavi me").click()
    page.wait_for_load_state()
    assert "Odjavljeni ste" in page.locator('[role="status"]').inner_text()
    assert c.opted_out("C4")["via"] == "page"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "opted-out-phone.png"), full_page=True)
    page.get_by_role("button", name="Ponovno primaj pozivnice").click()
    page.wait_for_load_state()
    assert c.opted_out("C4") is None and problems == []
    page.close()


def test_each_question_is_saved_as_it_is_answered_on_a_phone(server, browser):
    """The page's script saves a score when it is chosen and the comment when its box is
    left; a reload shows them, a change is saved over them, and the button completes it."""
    from playwright.sync_api import expect

    from cxlens.collect.surveys import survey_from_dict

    root, base = server
    c = Collector(cxlens.open(root).config)
    c.save_survey(
        survey_from_dict({"id": "two-questions", "kind": "custom", "questions": [
            {"id": "recommend", "kind": "nps"}, {"id": "delivery", "kind": "csat"}]}),
        replace=True,
    )  # fmt: skip
    inv = c.invite("two-questions", "C3", "hr")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base}/s/{inv.token}")
    assert not page.get_by_role("button", name="Spremi i završi kasnije").is_visible()
    with page.expect_response(lambda r: r.url.endswith("/save")) as saved:
        page.locator('input[name="q_recommend"][value="4"]').check()
    assert saved.value.ok and c.progress(inv.id).scores == {"recommend": 4.0}
    marks = page.locator("[data-saved-mark]")
    assert marks.nth(0).is_visible() and not marks.nth(1).is_visible()
    with page.expect_response(lambda r: r.url.endswith("/save")):
        page.get_by_label("Koji je glavni razlog vaše ocjene?").fill("Kasnilo je")
        page.locator('input[name="q_delivery"][value="2"]').check()  # leaving the box saves it
    expect(marks.nth(1)).to_be_visible()  # saved after the comment: the saves keep their order
    progress = c.progress(inv.id)
    assert (
        progress.scores == {"recommend": 4.0, "delivery": 2.0} and progress.comment == "Kasnilo je"
    )
    assert not progress.complete
    # back later: the answers are there and may still change
    page.reload()
    assert page.locator('input[name="q_recommend"]:checked').get_attribute("value") == "4"
    with page.expect_response(lambda r: r.url.endswith("/save")):
        page.locator('input[name="q_recommend"][value="9"]').check()
    assert c.progress(inv.id).scores["recommend"] == 9.0
    # the comment, emptied and left: deleted from the answer, not kept from before
    with page.expect_response(lambda r: r.url.endswith("/save")):
        page.get_by_label("Koji je glavni razlog vaše ocjene?").fill("")
        page.get_by_label("Koji je glavni razlog vaše ocjene?").blur()  # leaving the box
    assert c.progress(inv.id).comment is None
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "survey-saved-per-question-phone.png"), full_page=True)
    page.get_by_role("button", name="Pošalji").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Hvala vam na povratnim informacijama!"
    final = c.progress(inv.id)
    assert final.complete and final.scores == {"recommend": 9.0, "delivery": 2.0}
    assert problems == []
    page.close()
