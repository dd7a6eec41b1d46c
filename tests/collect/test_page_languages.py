"""Every page in Estonian, Bulgarian, German, Croatian and Finnish shows no English UI text.

The English texts are the template catalog's own (cxlens.pot): a page in another
language fails when it shows one of them, in its text, in an attribute people read
(aria-label, placeholder, title) or in the labels of its charts. What people wrote
(comments, rule and survey names, ids) is marked ``translate="no"`` or carries its
own ``lang`` on the page, and is left out. A text the target language writes the
same way ("NPS", "Segment" in German) is not counted.
"""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import cxlens
from cxlens.cli import app as cli_app
from cxlens.collect.invitation_mail import score_url, unsubscribe_url
from cxlens.collect.service import Collector
from cxlens.i18n import catalogs
from cxlens.metrics.catalog import load_catalog
from cxlens.reports import build_report
from cxlens.web.app import create_app

PASSWORD = "correct horse battery"
LANGS = ("et", "bg", "de", "hr", "fi")
POT = catalogs.LOCALE_DIR / "cxlens.pot"
#: attributes whose text people read (or hear)
READ_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt", "data-show")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
RULES = """
[[alerts]]
name = "NPS under 90 in a country"
metric = "nps"
when = "below"
threshold = 90
by = ["country"]
period = "quarter"

[[alerts]]
# a rule's name is the user's own text, also in the aria-label of its Remove button,
# which the check reads; "Detractors" alone is a catalog text (the value page's groups)
name = "Unanswered cases"
when = "open_cases"
older_than = "1h"
threshold = 0

[labels.touchpoint]
store_visit = { de = "Besuch im Laden" }
"""


class _Visible(HTMLParser):
    """The text a reader of ``lang`` sees on a page, and the labels of its charts."""

    def __init__(self, lang: str):
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.texts: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.chart: list[str] | None = None

    def skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        other_language = a.get("lang") not in (None, self.lang) and tag != "html"
        skip = a.get("translate") == "no" or other_language or tag in ("style", "script")
        if tag == "script" and a.get("type") == "application/json":
            self.chart = []
        if not (skip or self.skipping()):
            self.texts += [str(a[k]) for k in READ_ATTRIBUTES if a.get(k)]
            if (
                tag in ("input", "button")
                and a.get("type") in ("submit", "button")
                and a.get("value")
            ):
                self.texts.append(str(a["value"]))
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.chart is not None:
            self.texts += _chart_labels(json.loads("".join(self.chart).replace("<\\/", "</")))
            self.chart = None
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.chart is not None:
            self.chart.append(data)
        elif not self.skipping() and data.strip():
            self.texts.append(data)


def _chart_labels(figure: dict) -> list[str]:
    """What a Plotly figure writes on the screen: trace names, categories, node labels, titles."""
    out: list[str] = []
    for trace in figure.get("data", []):
        out += [str(trace["name"])] if trace.get("name") else []
        for key in ("x", "y", "labels"):
            values = trace.get(key)
            if isinstance(values, list):
                out += [v for v in values if isinstance(v, str)]
        out += [v for v in (trace.get("node") or {}).get("label", []) if isinstance(v, str)]
    layout = figure.get("layout", {})
    for value in layout.values():
        if isinstance(value, dict):
            title = value.get("title")
            out += [title["text"]] if isinstance(title, dict) and title.get("text") else []
            out += [
                v
                for v in value.get("ticktext", []) + value.get("categoryarray", [])
                if isinstance(v, str)
            ]
    return out


Fragment = tuple[str, "re.Pattern[str]", list[str]]
_FOUND: dict[tuple[str, str, float], list[Fragment]] = {}
_PLACEHOLDER = r"%\(\w+\)[sdr]|\n"


def _fragments(text: str) -> list[str]:
    parts = (p.strip(" :;,.()·") for p in re.split(_PLACEHOLDER, text.replace("%%", "%")))
    return [p for p in parts if p]


def english_texts(lang: str) -> list[Fragment]:
    """The English UI texts (fragments between placeholders) that ``lang``'s catalog writes
    otherwise, each with the texts of that language that contain it (German writes
    "Customer Journeys": there "Journeys" is German, not a text left in English)."""
    po = catalogs.catalog_path(lang)
    key = (lang, str(po), po.stat().st_mtime)
    if key not in _FOUND:
        _FOUND[key] = _english_texts(lang, po)
    return _FOUND[key]


def _english_texts(lang: str, po: Path) -> list[Fragment]:
    template = read_po(POT.open("rb"))
    catalog = read_po(po.open("rb"), locale=lang)
    own: set[str] = set()
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        own.update(f for text in strings if text for f in _fragments(text))
    for metric in load_catalog().values():
        own.update((metric.name(lang), metric.definition(lang), metric.formula(lang)))
    found = []
    for message in template:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        declared = catalog.get(message.id, message.context)
        strings = () if declared is None else declared.string
        strings = strings if isinstance(strings, tuple) else (strings,)
        if declared is not None and not declared.fuzzy and tuple(strings[: len(ids)]) == ids:
            continue  # the language writes it the same way ("NPS", "Segment")
        for msgid in ids:
            for fragment in _fragments(msgid):
                if sum(ch.isalpha() for ch in fragment) < 3:
                    continue
                pattern = re.compile(r"(?<!\w)" + re.escape(fragment) + r"(?!\w)")
                inside = [t for t in own if pattern.search(t)]
                found.append((fragment, pattern, sorted(inside, key=len, reverse=True)))
    return found


def english_leftovers(html: str, lang: str) -> list[str]:
    """The English UI texts shown on a page meant for ``lang``."""
    page = _Visible(lang)
    page.feed(html)
    shown = "\n".join(page.texts)
    leftovers = set()
    for fragment, pattern, inside in english_texts(lang):
        if fragment not in shown or not pattern.search(shown):  # the first test is quicker
            continue
        rest = shown
        for text in inside:
            rest = rest.replace(text, "\n")
        if pattern.search(rest):
            leftovers.add(fragment)
    return sorted(leftovers)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("languages") / "ws"
    runner = CliRunner()
    result = runner.invoke(cli_app, ["demo", str(root), "--customers", "1500", "--seed", "5"])
    assert result.exit_code == 0, result.output
    toml = root / "cxlens.toml"
    settings = toml.read_text().replace(
        "[collection]\n", "[collection]\nschedule_minutes = 0\nrate_limit_per_minute = 0\n"
    )
    toml.write_text(settings + RULES)
    assert (
        runner.invoke(cli_app, ["text", "analyse", "--folds", "2", "-w", str(root)]).exit_code == 0
    )
    collector = Collector(cxlens.open(root).config)
    collector.accounts.add_user("boss", PASSWORD, "admin", "en")
    # a detractor's answer opens a follow-up case
    invitation = collector.invite("nps-relational", "C0000001", "en")
    inv, survey = collector.resolve(invitation.token)
    collector.submit(survey, inv, {"nps": "2"}, "Slow delivery", "en", "127.0.0.1")
    return root, collector


@pytest.fixture(scope="module")
def web_app(site):
    """One app for every language, as one server serves readers of each: the analyses its
    pages show are computed for the first reader and kept for the others (per warehouse
    version), so every later language is checked on pages made from results kept by then."""
    root, _ = site
    return create_app(root, schedule=False, warm=False)


def _sign_in(client: TestClient) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf": csrf})


def signed_in_pages(client: TestClient, case_id: int) -> dict[str, str]:
    pages = {}
    paths = [
        "/dashboard", "/dashboard?period=quarter", "/dashboard?period=year",
        "/dashboard/trends", "/dashboard/trends?metric=cac&by=channel&period=quarter",
        "/dashboard/trends?metric=nps&by=segment", "/dashboard/trends?metric=csat&by=touchpoint",
        "/dashboard/trends?metric=nps&by=theme&period=quarter",
        "/dashboard/trends?metric=nps&by=sentiment", "/dashboard/trends?metric=nps&f_country=DE",
        "/dashboard/customers", "/dashboard/journeys", "/dashboard/feedback", "/dashboard/alerts",
        "/dashboard/value", "/dashboard/value?kind=csat",
        "/admin", "/admin/cases", "/admin/cases?status=open", f"/admin/cases/{case_id}",
        "/admin/users", "/admin/scheduler", "/no/such/page",
        *(f"/metrics/{m}" for m in load_catalog()),
    ]  # fmt: skip
    for path in paths:
        r = client.get(path)
        assert r.status_code in (200, 404), (path, r.status_code)
        pages[path] = r.text
    alerts = pages["/dashboard/alerts"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', alerts).group(1)
    bad = client.post(
        "/dashboard/alerts",
        data={"csrf": csrf, "name": "x", "metric": "nps", "when": "below", "threshold": ""},
    )
    assert bad.status_code == 422
    pages["alert rule refused"] = bad.text
    return pages


def public_pages(client: TestClient, collector: Collector, lang: str) -> dict[str, str]:
    pages = {"/login": client.get(f"/login?lang={lang}").text}
    csrf = re.search(r'name="csrf" value="([^"]+)"', pages["/login"]).group(1)
    wrong = client.post(
        "/login", data={"username": "boss", "password": "no", "csrf": csrf, "lang": lang}
    )
    assert wrong.status_code == 401
    pages["wrong password"] = wrong.text
    invitation = collector.invite("csat-delivery", None, lang)
    pages["survey"] = client.get(f"/s/{invitation.token}").text
    refused = client.post(f"/s/{invitation.token}", data={"lang": lang})
    pages["survey without an answer"] = refused.text
    pages["survey answered"] = client.post(
        f"/s/{invitation.token}", data={"lang": lang, "q_csat": "4"}
    ).text
    pages["survey answered twice"] = client.get(f"/s/{invitation.token}").text
    pages["broken link"] = client.get(f"/s/not-a-token?lang={lang}").text
    scored = collector.invite("nps-relational", "C0000003", lang)
    _, survey = collector.resolve(scored.token)
    score_link = score_url(collector, scored, survey.questions[0].id, 9)
    pages["score from the e-mail"] = client.get(_local(score_link)).text
    opt_out = _local(unsubscribe_url(collector, "C0000003", lang))
    pages["opt-out"] = client.get(opt_out).text
    pages["opted out"] = client.post(opt_out, data={"choice": "out", "lang": lang}).text
    pages["opted in again"] = client.post(opt_out, data={"choice": "in", "lang": lang}).text
    return pages


def _local(url: str) -> str:
    """A link of an e-mail as the test client asks for it: its path and query."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_is_in_the_readers_language(site, web_app, lang, monkeypatch):
    from cxlens.web import alerts_page

    root, collector = site
    monkeypatch.setattr(alerts_page, "today", lambda: date(2026, 10, 15))  # the demo's data
    client = TestClient(web_app)
    public = public_pages(client, collector, lang)
    _sign_in(client)
    client.post("/language", data={"csrf": _csrf(client), "lang": lang, "next": "/dashboard"})
    case_id = collector.cases()[0]["id"]
    pages = {**signed_in_pages(client, case_id), **public}
    pages["report"] = build_report(cxlens.open(root), "2026-Q3", lang)
    pages["e-mails and alerts"] = _messages(root, collector, lang)
    assert 'lang="' + lang + '"' in pages["/dashboard"]
    found = {name: english_leftovers(html, lang) for name, html in pages.items()}
    assert {name: texts for name, texts in found.items() if texts} == {}


def _messages(root: Path, collector: Collector, lang: str) -> str:
    """The invitation e-mail, the team's case e-mail and the alert messages, as one page."""
    from html import escape

    from cxlens.alerts import check_alerts
    from cxlens.collect.delivery import case_email
    from cxlens.collect.invitation_mail import invitation_email

    invitation = collector.invite("nps-relational", "C0000002", lang)
    _, survey = collector.resolve(invitation.token)
    mail = invitation_email(collector, survey, invitation, "c@example.com", "C0000002")
    texts = [str(mail["Subject"]), mail.get_body(("plain",)).get_content()]
    texts.append(re.sub(r"<[^>]+>", " ", mail.get_body(("html",)).get_content()))
    texts += case_email(collector, collector.cases()[0], lang)
    alerts = check_alerts(cxlens.open(root), today=date(2026, 10, 15), lang=lang)
    assert alerts, "the rules fire on the demo's data"
    texts += [a.message for a in alerts]
    return f'<html lang="{lang}"><body>' + "".join(f"<p>{escape(t)}</p>" for t in texts)


def _csrf(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/admin").text).group(1)


def test_the_check_finds_a_text_left_in_english(site, tmp_path, monkeypatch):
    """Untranslate one entry: the page check must then report it."""
    import shutil

    from babel.messages.pofile import write_po

    root, _ = site
    copy = tmp_path / "locale"
    shutil.copytree(catalogs.LOCALE_DIR, copy)
    for mo in copy.rglob("*.mo"):
        mo.unlink()
    po = copy / "de" / "LC_MESSAGES" / "cxlens.po"
    catalog = read_po(po.open("rb"), locale="de")
    catalog.get("Alerts").string = ""
    catalog.get("Apply").flags.add("fuzzy")
    with po.open("wb") as f:
        write_po(f, catalog)
    monkeypatch.setattr(catalogs, "LOCALE_DIR", copy)
    catalogs.forget()
    try:
        client = TestClient(create_app(root, schedule=False, warm=False))
        _sign_in(client)
        client.post("/language", data={"csrf": _csrf(client), "lang": "de", "next": "/dashboard"})
        html = client.get("/dashboard").text
        assert "Alerts" in english_leftovers(html, "de")
        assert "Apply" in english_leftovers(html, "de")
    finally:
        catalogs.forget()


def test_what_people_wrote_is_not_counted():
    html = (
        '<html lang="de"><body><p>Übersicht</p>'
        '<td lang="en">Delivery was slow</td><td translate="no">Customers first</td></body></html>'
    )
    assert english_leftovers(html, "de") == []
    assert english_leftovers(html.replace(' lang="en"', ""), "de") == ["Delivery"]
