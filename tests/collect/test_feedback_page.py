"""The feedback page's search: filters in the URL, bounded, and downloads of what is shown."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient

import cxlens
from cxlens.collect.service import Collector
from cxlens.web.app import create_app
from tests.collect.conftest import make_ws

PASSWORD = "correct horse battery"
RESPONSES = """response_id,customer_id,ts,survey_id,kind,score,comment,language,touchpoint
R1,C1,2026-03-02 10:00,nps,nps,2,Delivery was late again,en,checkout
R2,C2,2026-03-05 10:00,nps,nps,10,Great service,en,checkout
R3,C3,2026-03-07 10:00,nps,nps,8,"=HYPERLINK(""http://x"")",fi,website_visit
R4,C4,2026-04-01 10:00,csat,csat,2,Toimitus myöhässä,fi,delivery
R5,C1,2026-04-03 10:00,csat,csat,5,Kõik oli hea,et,delivery
R6,C2,2026-04-04 10:00,ces,ces,6,,en,support_chat
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = make_ws(tmp_path_factory.mktemp("feedback") / "ws")
    (root / "responses.csv").write_text(RESPONSES)
    ws = cxlens.open(root)
    ws.import_file("responses", root / "responses.csv")
    accounts = Collector(ws.config).accounts
    accounts.add_user("ana", PASSWORD, "analyst", "en")
    accounts.add_user("vic", PASSWORD, "viewer", "de")
    return TestClient(create_app(root, schedule=False, warm=False))


def login(client: TestClient, user: str) -> None:
    client.cookies.clear()
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": user, "password": PASSWORD, "csrf": csrf},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303


def count(html: str) -> int:
    return int(re.search(r'data-count="(\d+)"', html).group(1))


def test_filters_narrow_the_comments_and_stay_in_the_form(client):
    login(client, "ana")
    assert count(client.get("/dashboard/feedback").text) == 5  # R6 has no comment
    # poor: NPS 0-6 and CSAT 1-2, whatever the kind
    poor = client.get("/dashboard/feedback?group=poor").text
    assert count(poor) == 2 and "Delivery was late again" in poor and "Toimitus" in poor
    assert '<option value="poor" selected>' in poor
    assert count(client.get("/dashboard/feedback?group=good&kind=nps").text) == 1
    assert count(client.get("/dashboard/feedback?language=fi").text) == 2
    assert count(client.get("/dashboard/feedback?touchpoint=delivery").text) == 2
    # from/to are local days of the workspace's time zone
    assert count(client.get("/dashboard/feedback?from=2026-04-01&to=2026-04-30").text) == 2
    found = client.get("/dashboard/feedback?q=LATE").text  # case does not matter
    assert count(found) == 1 and 'value="LATE"' in found
    # quotes and SQL in the text are a value to look for, nothing more
    assert count(client.get("/dashboard/feedback?q=%27%20or%201%3D1%20--").text) == 0
    # no themes before `cxlens text analyse`: a theme asked for matches nothing, and the
    # table says how to get them instead of showing empty sentiment and theme columns
    assert count(client.get("/dashboard/feedback?theme=delivery").text) == 0
    page = client.get("/dashboard/feedback").text
    assert "cxlens text analyse" in page and "<th>Sentiment</th>" not in page


@pytest.mark.parametrize(
    "query, says",
    [
        ("group=awful", "group= is one of poor, neutral, good"),
        ("kind=text", "kind= is one of nps, csat, ces"),
        ("language=fr", "language= is one of"),
        ("q=" + "x" * 201, "q= is at most 200 characters"),
        ("touchpoint=" + "t" * 101, "touchpoint= is at most 100"),
        ("from=2026-13-01", "from"),
        ("from=2026-05-01&to=2026-04-01", "is before from="),
    ],
)
def test_bad_filters_are_refused_with_what_was_wrong(client, query, says):
    login(client, "ana")
    r = client.get(f"/dashboard/feedback?{query}")
    assert r.status_code == 422 and says in r.text


def test_downloads_hold_what_is_shown_and_neutralise_formulas(client):
    login(client, "ana")
    page = client.get("/dashboard/feedback?kind=nps").text
    assert 'href="/dashboard/feedback.csv?kind=nps"' in page
    r = client.get("/dashboard/feedback.csv?kind=nps")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["Date", "Kind", "Score"] and len(rows) == 4
    assert rows[1][0] == "2026-03-07" and rows[1][2] == "8.0"  # newest first, score a number
    assert rows[1][7] == '\'=HYPERLINK("http://x")'  # a formula kept as text
    x = client.get("/dashboard/feedback.xlsx?kind=nps")
    book = zipfile.ZipFile(io.BytesIO(x.content))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet  # no cell is a formula
    assert "=HYPERLINK(&quot;http://x&quot;)" in strings or '=HYPERLINK("http://x")' in strings
    assert 'quotePrefix="1"' in book.read("xl/styles.xml").decode()
    assert sheet.count("<row ") == 4


def test_viewers_search_but_do_not_download(client):
    login(client, "vic")
    page = client.get("/dashboard/feedback?group=poor")
    assert page.status_code == 200 and count(page.text) == 2
    assert "feedback.csv" not in page.text
    assert client.get("/dashboard/feedback.csv", follow_redirects=False).status_code in (403, 303)
