"""Recovery: detractors whose case was contacted against those whose case was not, at equal
score and segment, with numbers worked by hand; on the command line and the cases page."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import cxlens
from cxlens.cli import app as cli_app
from cxlens.collect import db
from cxlens.collect.case_analytics import compare_recovery, recovery_comparison, recovery_frame
from cxlens.collect.service import Collector
from cxlens.collect.surveys import template_survey
from cxlens.web.app import create_app

NOW = datetime.now(UTC).replace(microsecond=0)
OPENED = NOW - timedelta(days=100)  # the 90-day window of these cases is over
PASSWORD = "correct horse battery"
# (customer, segment column, score, contacted, bought again within 90 days of the case).
# The workspace has orders, so the strata's segment is the RFM segment when the case
# opened, not the column: B5 alone had ordered by then (its order 5 days before), every
# other customer is "(no orders)" (tests/collect/test_recovery_segments.py works the
# RFM strata through; here the column would have split retail from business)
CASES = [
    # NPS 3, no orders: contacted 3 of 4 bought again, not contacted 0 of 2
    ("R1", "retail", 3, True, True),
    ("R2", "retail", 3, True, True),
    ("R3", "retail", 3, True, True),
    ("R4", "retail", 3, True, False),
    ("R5", "retail", 3, False, False),
    ("R6", "retail", 3, False, False),
    # NPS 5, no orders: contacted 2 of 2, not contacted 2 of 3 (B3, B4 yes, B6 no)
    ("B1", "business", 5, True, True),
    ("B2", "business", 5, True, True),
    ("B3", "business", 5, False, True),
    ("B4", "business", 5, False, True),
    # NPS 5, B5's own RFM segment: not contacted only, so it has no equal (and its order
    # before the case does not count as buying again)
    ("B5", "business", 5, False, False),
    ("B6", "business", 5, False, False),
    # NPS 0, no orders: contacted only, so it has no equal to be compared with
    ("R7", "retail", 0, True, True),
]
#: next answers within the window: R1 better (7 > 3), R2 worse, R5 the same, R6 worse
LATER = {"R1": 7, "R2": 2, "R5": 3, "R6": 1}


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    root = tmp_path_factory.mktemp("recovery") / "ws"
    cxlens.init(root)
    toml = root / "cxlens.toml"
    toml.write_text(
        toml.read_text().replace("[collection]\n", "[collection]\nschedule_minutes = 0\n")
    )
    ws = cxlens.open(root)
    people = ["customer_id,created_at,country,language,email,consent,segment"]
    people += [f"{c},2025-01-01,EE,en,,yes,{seg}" for c, seg, *_ in CASES]
    (root / "customers.csv").write_text("\n".join(people) + "\n")
    ws.import_file("customers", root / "customers.csv")
    orders = ["order_id,customer_id,ts,amount,currency"]
    for i, (c, _, _, _, bought) in enumerate(CASES):
        if bought:
            orders.append(f"O{i},{c},{(OPENED + timedelta(days=10)):%Y-%m-%d %H:%M},50,EUR")
    orders.append(f"OB5,B5,{(OPENED - timedelta(days=5)):%Y-%m-%d %H:%M},50,EUR")
    orders.append(f"OB6,B6,{(OPENED + timedelta(days=95)):%Y-%m-%d %H:%M},50,EUR")  # too late
    (root / "orders.csv").write_text("\n".join(orders) + "\n")
    ws.import_file("orders", root / "orders.csv")
    c = Collector(ws.config)
    c.save_survey(template_survey("nps", "nps"), replace=True)
    for customer, _, score, _, _ in CASES:
        c.submit_answer(
            c.invite("nps", customer, "en").token, None, {"nps": score}, None, "en"
        ).result()
    contact = OPENED + timedelta(hours=3)
    c.execute(db.cases.update().values(opened_at=OPENED))
    for customer, *_, contacted, _ in CASES:
        if contacted:
            c.execute(
                db.cases.update()
                .where(db.cases.c.customer_id == customer)
                .values(first_contact_at=contact)
            )
    with c.engine.connect() as conn:
        first_answers = {r.id for r in conn.execute(sa.select(db.answers.c.id))}
    for customer, score in LATER.items():
        c.submit_answer(
            c.invite("nps", customer, "en").token, None, {"nps": score}, None, "en"
        ).result()
    later = OPENED + timedelta(days=30)
    c.execute(db.answers.update().where(db.answers.c.id.not_in(first_answers)).values(ts=later))
    # the poor later answers opened cases of their own, whose window is not over: left out
    c.accounts.add_user("ann", PASSWORD, "analyst", "de")
    for lang in LANGUAGES:
        c.accounts.add_user(f"reader-{lang}", PASSWORD, "viewer", lang)
    return ws, c


def test_bought_again_contacted_against_not_contacted_at_equal_score_and_segment(loop):
    ws, c = loop
    recovery = recovery_comparison(ws, c, now=NOW)
    assert recovery.days == 90 and recovery.cases == 13
    assert recovery.by_segment and recovery.segments == "rfm_at_answer"
    bought = next(o for o in recovery.outcomes if o.outcome == "bought_again")
    # unmatched: 6 of 7 contacted bought again, 2 of 6 not contacted
    assert (bought.contacted_n, bought.not_contacted_n) == (7, 6)
    assert bought.contacted.value == pytest.approx(600 / 7)
    assert bought.not_contacted.value == pytest.approx(100 / 3)
    for share in (bought.contacted, bought.not_contacted):
        assert 0 <= share.low <= share.value <= share.high <= 100
    # matched, over the two strata holding both groups (6 and 5 cases, weights 6/11, 5/11):
    # contacted 6/11 × 3/4 + 5/11 × 2/2 = 9.5/11 = 0.863636, not contacted
    # 6/11 × 0/2 + 5/11 × 2/3 = 0.303030, difference 56.0606 points. Variances
    # w² s² / n with s² = k (1 - k/n) / (n - 1): contacted 36/121 × (3 × 1/4 / 3) / 4
    # = 0.0185950 (the NPS 5 stratum has none), not contacted 25/121 × (2 × 1/3 / 2) / 3
    # = 0.0229568; SE = √0.0415518 = 0.203843, 95 %: 56.0606 ± 1.959964 × 20.3843
    # = 16.108 … 96.013
    assert (bought.matched_contacted, bought.matched_not_contacted, bought.strata) == (6, 5, 2)
    assert bought.difference.value == pytest.approx(1850 / 33)  # (9.5 - 10 / 3) / 11
    assert bought.difference.low == pytest.approx(16.108, abs=1e-3)
    assert bought.difference.high == pytest.approx(96.013, abs=1e-3)
    assert bought.p_value < 0.05


def test_next_answer_better_counts_only_those_who_answered_again_and_stays_on_its_scale(loop):
    ws, c = loop
    recovery = recovery_comparison(ws, c, now=NOW)
    better = next(o for o in recovery.outcomes if o.outcome == "answered_better")
    # R1 (better) and R2 (worse) were contacted; R5 (the same) and R6 (worse) were not:
    # one stratum, 1/2 against 0/2; SE = √(1 × (1 × 1/2 / 1) / 2 + 0) = 0.5, so
    # 50 ± 98.0 points, cut at +100
    assert (better.contacted_n, better.not_contacted_n, better.strata) == (2, 2, 1)
    assert better.contacted.value == pytest.approx(50.0) and better.not_contacted.value == 0
    assert better.difference.value == pytest.approx(50.0)
    assert better.difference.low == pytest.approx(-47.998, abs=1e-3)
    assert better.difference.high == 100.0
    assert [o.outcome for o in recovery.outcomes] == ["bought_again", "answered_better"]


def test_cases_whose_window_is_not_over_and_customers_without_segment(loop):
    ws, c = loop
    frame = recovery_frame(ws, c, 90, now=NOW)
    assert len(frame) == 13  # the four later cases are 70 days old
    assert len(recovery_frame(ws, c, 120, now=NOW)) == 0  # no case is 120 days old
    segments = dict(zip(frame["customer_id"], frame["segment"], strict=True))
    # B5 alone had ordered when its case opened: recency, frequency and monetary all at
    # the (single buyer's) cut-offs score 1, 1, 1: "Lost"
    assert segments.pop("B5") == "lost" and set(segments.values()) == {"(no orders)"}
    # with every customer in one segment the strata are kind and score (B5 back in NPS 5:
    # contacted 2/2, not contacted 2/4; NPS 3 as above): 1/2 × (3/4 - 0) + 1/2 × (1 - 1/2)
    flat = frame.assign(segment="(none)")
    bought = compare_recovery(flat, "bought_again")
    assert bought.strata == 2 and bought.difference.value == pytest.approx(62.5)


LANGUAGES = ["en", "et", "bg", "de", "hr", "fi"]
NBSP = "\u00a0"
#: the recovery's heading, the "bought again" row's name, the contacted share (6 of 7,
#: Wilson 95 %) and the matched difference, as each language writes them (by hand)
SHOWN = {
    "en": ("Does the follow-up help?", "Bought again",
           "85.7% (48.7% … 97.4%), n = 7", "+56.1 pp (+16.1 pp … +96.0 pp)"),
    "et": ("Kas järeltegevus aitab?", "Ostis uuesti",
           f"85,7{NBSP}% (48,7{NBSP}% … 97,4{NBSP}%), n = 7", "+56,1 pp (+16,1 pp … +96,0 pp)"),
    "bg": ("Помага ли последващата работа?", "Купи отново",
           f"85,7{NBSP}% (48,7{NBSP}% … 97,4{NBSP}%), n = 7",
           "+56,1 пр. п. (+16,1 пр. п. … +96,0 пр. п.)"),
    "de": ("Hilft die Nachbetreuung?", "Erneut gekauft",
           f"85,7{NBSP}% (48,7{NBSP}% … 97,4{NBSP}%), n = 7", "+56,1 Pp. (+16,1 Pp. … +96,0 Pp.)"),
    "hr": ("Pomaže li naknadno postupanje?", "Ponovno kupio",
           f"85,7{NBSP}% (48,7{NBSP}% … 97,4{NBSP}%), n = 7",
           "+56,1 p. b. (+16,1 p. b. … +96,0 p. b.)"),
    "fi": ("Auttaako jatkotoimenpide?", "Osti uudelleen",
           f"85,7{NBSP}% (48,7{NBSP}% … 97,4{NBSP}%), n = 7",
           "+56,1 %-yks. (+16,1 %-yks. … +96,0 %-yks.)"),
}  # fmt: skip
#: words a translation keeps from the English: the RFM acronym; Estonian writes
#: percentage points "pp" (protsendipunkt) as English does, Croatian says "segment"
SAME_AS_ENGLISH = {"RFM"}
KEPT = {"et": {"pp"}, "hr": {"segment"}}


def _words(text: str) -> set[str]:
    """The words of a text (two letters or more, in any script), as written."""
    return set(re.findall(r"[^\W\d_]{2,}", text))


def _english_left(text: str, english: str, lang: str) -> set[str]:
    return _words(text) & _words(english) - SAME_AS_ENGLISH - KEPT.get(lang, set())


def _summary(ws, lang: str) -> str:
    done = CliRunner().invoke(
        cli_app, ["cases", "--summary", "--lang", lang, "-w", str(ws.root)], env={"COLUMNS": "250"}
    )
    assert done.exit_code == 0, done.output
    return done.output


@pytest.mark.parametrize("lang", LANGUAGES)
def test_cases_summary_prints_the_follow_up_and_the_recovery_in_the_language(loop, lang):
    ws, _c = loop
    text = _summary(ws, lang)
    heading, bought, contacted, difference = SHOWN[lang]
    assert heading in text
    [row] = [line for line in text.splitlines() if bought in line]
    assert contacted in row and difference in row
    if lang != "en":
        assert _english_left(text, _summary(ws, "en"), lang) == set()
    if lang == "de":  # the follow-up's times: 3 hours to the first contact, in German
        assert "Zeit bis zum ersten Kontakt, Median" in text and f"3,0{NBSP}h" in text
        assert "RFM-Segment (dem des Kunden bei Eröffnung des Falls)" in " ".join(text.split())


def test_cases_summary_exports_the_recovery_as_json(loop):
    ws, _c = loop
    as_json = CliRunner().invoke(cli_app, ["cases", "--summary", "--json", "-w", str(ws.root)])
    data = json.loads(as_json.output)
    assert data["recovery_comparison"]["segments"] == "rfm_at_answer"
    # the command measures at the time it runs: every first case is over 90 days old
    [bought] = [
        o for o in data["recovery_comparison"]["outcomes"] if o["outcome"] == "bought_again"
    ]
    assert bought["difference"]["value"] == pytest.approx(56.0606, abs=1e-4)


def test_cases_summary_refuses_an_unknown_language(loop):
    ws, _c = loop
    done = CliRunner().invoke(cli_app, ["cases", "--summary", "--lang", "xx", "-w", str(ws.root)])
    assert done.exit_code == 1 and "Unknown language 'xx'" in done.output


def _recovery_section(ws, lang: str) -> str:
    client = TestClient(create_app(ws.root, schedule=False, warm=False))
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"username": f"reader-{lang}", "password": PASSWORD, "csrf": csrf})
    page = client.get("/admin/cases")
    assert page.status_code == 200
    start = page.text.index("<h2>")
    return page.text[start : page.text.index("</table>", start)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_cases_page_shows_the_recovery_in_the_readers_language(loop, lang):
    ws, _c = loop
    section = html.unescape(_recovery_section(ws, lang))
    heading, bought, contacted, difference = SHOWN[lang]
    assert f"<h2>{heading}</h2>" in section
    row = re.search(rf"<tr><td>{re.escape(bought)}</td>.*?</tr>", section).group(0)
    cells = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert [cells[1], cells[3], cells[4]] == [contacted, difference, "11 (2)"]
    text = re.sub(r"<[^>]+>", " ", section)
    if lang != "en":
        english = re.sub(r"<[^>]+>", " ", html.unescape(_recovery_section(ws, "en")))
        assert _english_left(text, english, lang) == set()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1440, 390])
def test_the_cases_page_with_the_recovery_in_bulgarian_on_a_screen_and_a_phone(
    loop, browser, width
):
    """Looked at in Chromium at 1440 and 390 px, in Bulgarian (the longest texts of the six
    and another script): no console error, no policy violation, no overflow, the table's
    figures on the page."""
    from tests.collect.conftest import free_port, sign_in
    from tests.collect.test_browser import SHOTS
    from tests.collect.test_browser_security import overflows, watched
    from tests.collect.test_reliability import start_server

    ws, _c = loop
    port = free_port()
    proc = start_server(ws.root, port)
    try:
        page, problems = watched(browser, width)
        page.goto(f"http://127.0.0.1:{port}/login?next=/admin/cases")
        sign_in(page, "reader-bg", PASSWORD, f"http://127.0.0.1:{port}/admin/cases")
        heading = page.get_by_role("heading", name=SHOWN["bg"][0])
        assert heading.is_visible()
        row = page.get_by_role("row", name=re.compile(SHOWN["bg"][1]))
        assert row.is_visible() and "+56,1 пр. п." in row.inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        heading.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"cases-recovery-{width}-bg.png"), full_page=True)
        page.locator("table.figures").screenshot(
            path=str(SHOTS / f"cases-recovery-{width}-bg-table.png")
        )
        assert not overflows(page)
        assert problems == []
        page.close()
    finally:
        proc.terminate()
        proc.wait()
