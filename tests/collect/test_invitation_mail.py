"""The invitation e-mail with the first question inside: sent to a local SMTP server, read
back, and its score links followed the way a customer (and a mail scanner) would."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from html.parser import HTMLParser
from urllib.parse import urlsplit

import sqlalchemy as sa
from fastapi.testclient import TestClient

import cxlens
from cxlens.collect import db
from cxlens.collect.service import Collector
from cxlens.collect.surveys import survey_from_dict
from cxlens.collect.sync import sync
from cxlens.collect.triggers import dispatch
from cxlens.web.app import create_app
from tests.collect.conftest import make_ws

NOW = datetime.now(UTC).replace(microsecond=0)
RESOLVED = NOW - timedelta(days=1, hours=2)  # a day after it was resolved the survey is due
TICKETS = f"""ticket_id,customer_id,opened_at,resolved_at
T1,C1,{(RESOLVED - timedelta(hours=5)):%Y-%m-%d %H:%M},{RESOLVED:%Y-%m-%d %H:%M}
"""


class Links(HTMLParser):
    """The links of an HTML document: (text, href) in order."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), ""

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._text.strip(), self._href))
            self._href = None


def _sent_invitation(tmp_path, smtp):
    """A workspace whose NPS survey (turned on) was dispatched to C1 (Estonian) by e-mail."""
    inbox, port = smtp
    root = make_ws(
        tmp_path / "ws",
        extra=f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsender = "Näide <cx@example.com>"\n',
    )
    ws = cxlens.open(root)
    (root / "tickets.csv").write_text(TICKETS)
    ws.import_file("tickets", root / "tickets.csv")
    c = Collector(ws.config)
    c.save_survey(
        survey_from_dict({"id": "nps-support", "kind": "nps", "touchpoint": "support",
                          "trigger": {"after": "ticket_resolved", "delay": "1d"}})
    )  # fmt: skip
    c.set_active("nps-support", True)
    [report] = dispatch(ws, c, now=NOW)
    assert report.emailed == 1 and len(inbox.messages) == 1
    msg = message_from_bytes(inbox.messages[0], policy=policy.default)
    return ws, c, msg


def _answers(c: Collector) -> list[tuple[str, float | None, str | None, str]]:
    with c.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                db.answers.c.question_id, db.answers.c.score, db.answers.c.comment,
                db.submissions.c.status,
            ).join(db.submissions, db.submissions.c.id == db.answers.c.submission_id)
        ).all()  # fmt: skip
    return [tuple(r) for r in rows]


def _form(html: str) -> tuple[str, dict[str, str]]:
    """The form's action and the values it would send (hidden fields, checked radios)."""
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    for name, value, rest in re.findall(
        r'<input type="radio" name="([^"]+)" value="([^"]+)"([^>]*)>', html
    ):
        if " checked" in rest and " disabled" not in rest:
            fields[name] = value
    return action, fields


def test_a_click_on_8_stores_one_answer_of_8_once_and_opens_the_survey_with_8(tmp_path, smtp):
    ws, c, msg = _sent_invitation(tmp_path, smtp)
    assert msg["Subject"] == "Näide OÜ: üks kiire küsimus" and msg["Content-Language"] == "et"
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Kui tõenäoliselt soovitaksite ettevõtet Näide OÜ" in plain
    assert '<html lang="et"' in html and 'role="presentation"' in html and "<div" not in html
    parser = Links()
    parser.feed(html)
    scores = {label: href for label, href in parser.links if label.isdigit()}
    assert sorted(scores, key=int) == [str(v) for v in range(11)]
    client = TestClient(create_app(ws.root, schedule=False))

    def path(url: str) -> str:
        return urlsplit(url).path

    # a mail scanner opens every link of the message: nothing is stored
    for url in scores.values():
        assert client.get(path(url)).status_code == 200
    assert _answers(c) == []
    # the customer clicks 8: the confirmation step shows 8 chosen; its button saves it
    step = client.get(path(scores["8"]))
    assert 'name="q_nps" value="8" checked' in step.text and "Salvesta minu vastus" in step.text
    action, fields = _form(step.text)
    assert fields == {"lang": "et", "part": "first", "q_nps": "8"}
    saved = client.post(action, data=fields, follow_redirects=False)
    assert saved.status_code == 303
    assert _answers(c) == [("nps", 8.0, None, "partial")]
    survey = client.get(saved.headers["location"])
    assert re.search(r'name="q_nps" value="8" checked aria-label', survey.text)
    assert re.search(r"<small data-saved-mark>\(salvestatud\)</small>", survey.text)
    assert "vastus on salvestatud" in survey.text and 'name="comment"' in survey.text
    # a second click (and sending the confirmation again) changes nothing
    again = client.get(path(scores["8"]), follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == saved.headers["location"]
    assert client.post(action, data=fields, follow_redirects=False).status_code == 303
    assert re.search(r'value="8" checked', client.get(path(scores["8"])).text)
    assert _answers(c) == [("nps", 8.0, None, "partial")]
    # until the survey is sent the score may change: the survey page saves it as it is chosen
    changed = client.post(f"{action}/save", data={"lang": "et", "q_nps": "7"})
    assert changed.json() == {"complete": False, "questions": ["nps"]}
    assert _answers(c) == [("nps", 7.0, None, "partial")]
    # the e-mail's 8 clicked again shows the stored 7, and changes nothing
    assert re.search(r'value="7" checked', client.get(path(scores["8"])).text)
    assert _answers(c) == [("nps", 7.0, None, "partial")]
    client.post(f"{action}/save", data={"lang": "et", "q_nps": "8"})
    # the partial answer counts in the warehouse before the rest is sent
    sync(ws, c)
    responses = ws.table("responses").execute()
    assert responses[["score", "complete"]].values.tolist() == [[8.0, False]]
    # the rest of the survey: the comment joins the score, the answer is complete
    done = client.post(action, data={"lang": "et", "comment": "Kiire abi"})
    assert done.status_code == 200 and "Täname" in done.text
    assert _answers(c) == [("nps", 8.0, "Kiire abi", "complete")]
    sync(ws, c)
    responses = ws.table("responses").execute()
    assert responses[["score", "comment", "complete"]].values.tolist() == [[8.0, "Kiire abi", True]]
    assert client.get(path(scores["8"])).status_code == 409  # the link is used now


def test_score_links_are_signed_per_invitation_question_and_score(tmp_path, smtp):
    ws, c, msg = _sent_invitation(tmp_path, smtp)
    parser = Links()
    parser.feed(msg.get_body(("html",)).get_content())
    eight = next(urlsplit(h).path for label, h in parser.links if label == "8")
    client = TestClient(create_app(ws.root, schedule=False))
    token, _, sig = eight.split("/")[2:]
    assert client.get(f"/s/{token}/9/{sig}").status_code == 404  # another score
    forged = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    assert client.get(f"/s/{token}/8/{forged}").status_code == 404
    other = c.invite("nps-support", "C2", "de")
    assert client.get(f"/s/{other.token}/8/{sig}").status_code == 404  # another invitation
    assert _answers(c) == []


def test_a_poor_score_from_the_e_mail_opens_its_case_at_once(tmp_path, smtp):
    ws, c, msg = _sent_invitation(tmp_path, smtp)
    parser = Links()
    parser.feed(msg.get_body(("html",)).get_content())
    three = next(urlsplit(h).path for label, h in parser.links if label == "3")
    client = TestClient(create_app(ws.root, schedule=False))
    action, fields = _form(client.get(three).text)
    client.post(action, data=fields)
    [case] = c.cases()
    assert case["score"] == 3 and case["comment"] is None
    client.post(action, data={"lang": "et", "comment": "Liiga kaua"})
    [case] = c.cases()
    assert case["comment"] == "Liiga kaua"  # the reason joins the case when it comes
