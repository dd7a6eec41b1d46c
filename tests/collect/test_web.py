"""The web app: survey pages, the JSON endpoint, sign-in, roles, CSRF and escaping."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import cxlens
from cxlens.collect import db
from cxlens.collect.service import Collector
from cxlens.web.app import create_app
from tests.collect.conftest import make_ws

PASSWORD = "correct horse battery"


@pytest.fixture
def site(tmp_path):
    root = make_ws(tmp_path / "ws")
    c = Collector(cxlens.open(root).config)
    for role in ("viewer", "analyst", "admin"):
        c.accounts.add_user(role, PASSWORD, role, "de" if role == "viewer" else "en")
    client = TestClient(create_app(root, schedule=False))
    return client, c


def login(client: TestClient, user: str) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login",
        data={"username": user, "password": PASSWORD, "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def path_of(c: Collector, survey: str = "nps", customer: str = "C1", lang: str = "et") -> str:
    inv = c.invite(survey, customer, lang)
    return "/s/" + inv.token


def test_survey_page_in_the_invitations_language_with_a_switch(site):
    client, c = site
    path = path_of(c)
    page = client.get(path)
    assert page.status_code == 200
    assert '<html lang="et">' in page.text
    assert "Kui tõenäoliselt soovitaksite ettevõtet Näide OÜ" in page.text
    assert page.text.count('type="radio"') == 11 and 'name="q_nps" value="0"' in page.text
    assert '<label for="comment">' in page.text
    # one script, from the app (it saves each question as it is answered), none inline
    assert re.findall(r"<script[^>]*>", page.text) == [
        re.search(r'<script src="/static/survey.js" nonce="[\w-]+">', page.text).group(0)
    ]
    assert client.get(path + "?lang=bg").text.count("Колко вероятно") == 1
    with c.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.displays)).scalar_one() == 2
        assert conn.execute(sa.select(db.invitations.c.displayed_at)).scalar_one() is not None
    csat = client.get(path_of(c, "csat", "C2", "de"))
    assert csat.text.count('type="radio"') == 5 and "Sehr zufrieden" in csat.text


def test_answer_then_thanks_then_already_answered(site):
    client, c = site
    path = path_of(c)
    r = client.post(
        path, data={"q_nps": "4", "comment": "<script>alert('x')</script> aeglane", "lang": "et"}
    )
    assert r.status_code == 200 and "Täname tagasiside eest!" in r.text
    again = client.post(path, data={"q_nps": "9", "lang": "et"})
    assert again.status_code == 409 and "Olete juba vastanud" in again.text
    assert client.get(path).status_code == 409
    assert len(c.cases()) == 1


def test_form_errors_keep_the_answer_and_store_nothing(site):
    client, c = site
    path = path_of(c)
    r = client.post(path, data={"comment": "", "lang": "de"})
    assert r.status_code == 422 and "Bitte wählen Sie eine Bewertung" in r.text
    r = client.post(path, data={"q_nps": "12", "lang": "en"})
    assert r.status_code == 422
    r = client.post(path, data={"q_nps": "3", "comment": "x" * 6000, "lang": "en"})
    assert r.status_code == 422 and "checked" in r.text
    assert c.cases() == []


def test_friendly_pages_for_bad_links(site):
    client, _ = site
    r = client.get("/s/00000000000000000000000000000000.1.abc?lang=hr")
    assert r.status_code == 404 and "Ova poveznica ne radi" in r.text and "Traceback" not in r.text
    assert client.get("/nowhere").status_code == 404


def test_json_endpoint(site):
    client, c = site
    token = c.invite("nps", "C1", "en").token
    r = client.post(
        "/api/v1/responses",
        json={"token": token, "scores": {"nps": 2}, "comment": "slow", "language": "en"},
    )
    assert r.status_code == 201 and r.json()["case_id"] is not None
    assert (
        client.post("/api/v1/responses", json={"token": token, "scores": {"nps": 2}}).status_code
        == 409
    )
    fresh = c.invite("nps", "C2", "en").token
    for body in (
        {"token": fresh, "scores": {"nps": 11}},
        {"token": fresh, "scores": {"nope": 1}},
        {"token": fresh},
        {"token": fresh, "scores": {"nps": 5}, "comment": "x" * 5001},
        {"scores": {"nps": 5}},
    ):
        assert client.post("/api/v1/responses", json=body).status_code == 422, body
    assert (
        client.post("/api/v1/responses", json={"token": "bad", "scores": {"nps": 1}}).status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/responses", json={"survey_id": "nps", "scores": {"nps": 1}}
        ).status_code
        == 404
    )
    bad_utf8 = b'{"token": "' + fresh.encode() + b'", "scores": {"nps": 5}, "comment": "\xff\xfe"}'
    r = client.post(
        "/api/v1/responses", content=bad_utf8, headers={"content-type": "application/json"}
    )
    assert 400 <= r.status_code < 500
    r = client.post(
        "/s/" + fresh,
        content=b"q_nps=5&comment=%FF%FE",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code < 500
    schema = client.get("/openapi.json").json()
    assert "/api/v1/responses" in schema["paths"]


def test_rate_limit(tmp_path):
    root = make_ws(tmp_path / "ws")
    toml = root / "cxlens.toml"
    toml.write_text(
        toml.read_text().replace("rate_limit_per_minute = 0", "rate_limit_per_minute = 5")
    )
    client = TestClient(create_app(root, schedule=False))
    codes = [client.post("/api/v1/responses", json={"token": "x"}).status_code for _ in range(7)]
    assert codes[:5] == [404] * 5 and codes[5:] == [429, 429]


ROUTES = [
    ("get", "/admin", "viewer"),
    ("get", "/admin/cases", "viewer"),
    ("get", "/api/v1/surveys", "viewer"),
    ("get", "/api/v1/cases", "viewer"),
    ("get", "/api/v1/responses.csv", "analyst"),
    ("post", "/api/v1/surveys/nps/invitations", "admin"),
]


@pytest.mark.parametrize("method, path, least", ROUTES)
def test_roles_with_api_tokens(site, method, path, least):
    client, c = site
    order = ["viewer", "analyst", "admin"]
    assert (
        getattr(client, method)(path, headers={"authorization": "Bearer nope"}).status_code == 401
    )
    for role in order:
        token = c.accounts.add_token(role, "test")
        kwargs = {"json": {"customer_id": "C1"}} if method == "post" else {}
        r = getattr(client, method)(path, headers={"authorization": f"Bearer {token}"}, **kwargs)
        allowed = order.index(role) >= order.index(least)
        assert (r.status_code < 400) == allowed, (role, path, r.status_code)
        if not allowed:
            assert r.status_code == 403


def test_pages_need_sign_in_and_csrf(site):
    client, _c = site
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/login?next=/admin"
    page = client.get("/login")
    csrf = csrf_of(page.text)
    r = client.post(
        "/login", data={"username": "admin", "password": "wrong password", "csrf": csrf}
    )
    assert r.status_code == 401
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403
    login(client, "admin")
    cookie = client.cookies.get("cxl_session")
    assert cookie
    admin = client.get("/admin")
    assert admin.status_code == 200 and "Create link" in admin.text
    raw = [h for k, h in admin.request.headers.items() if k == "cookie"]
    assert raw
    r = client.post("/admin/surveys/nps/invite", data={"customer_id": "C3", "language": "fi"})
    assert r.status_code == 403  # no CSRF token
    r = client.post(
        "/admin/surveys/nps/invite",
        data={"customer_id": "C3", "language": "fi", "csrf": csrf_of(admin.text)},
    )
    assert r.status_code == 200 and "/s/" in r.text
    r = client.post(
        "/admin/surveys",
        data={"definition": "id: ces-new\nkind: ces\n", "csrf": csrf_of(admin.text)},
    )
    assert r.status_code == 200 and "ces-new" in r.text
    r = client.post(
        "/admin/surveys",
        data={"definition": "id: Bad Id\nkind: ces\n", "csrf": csrf_of(admin.text)},
    )
    assert r.status_code == 422


def test_session_cookie_flags(site):
    client, _ = site
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": "viewer", "password": PASSWORD, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    header = r.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header


def test_cases_pages_escape_comments_and_respect_roles(site):
    client, c = site
    token = c.invite("nps", "C1", "en").token
    client.post(
        "/api/v1/responses",
        json={"token": token, "scores": {"nps": 0}, "comment": "<img src=x onerror=alert(1)>"},
    )
    case_id = c.cases()[0]["id"]
    login(client, "viewer")
    listing = client.get("/admin/cases")
    assert "&lt;img src=x onerror=alert(1)&gt;" in listing.text and "<img src=x" not in listing.text
    assert "Nachfassfälle" in listing.text  # the viewer reads German
    detail = client.get(f"/admin/cases/{case_id}")
    assert '<form method="post" action="/admin/cases/' not in detail.text
    # one case, named in the singular, in the page and in its tab
    assert f"<h1>Nachfassfall #{case_id}</h1>" in detail.text
    assert f"<title>Nachfassfall #{case_id}" in detail.text
    r = client.post(
        f"/admin/cases/{case_id}", data={"status": "closed", "csrf": csrf_of(detail.text)}
    )
    assert r.status_code == 403
    client.cookies.clear()
    login(client, "analyst")
    detail = client.get(f"/admin/cases/{case_id}")
    assert '<option value="delivery">Delivery</option>' in detail.text  # the root causes, named
    closing = {"status": "closed", "owner": "analyst", "note": "<b>done</b>"}
    refused = client.post(f"/admin/cases/{case_id}", data={**closing, "csrf": csrf_of(detail.text)})
    assert refused.status_code == 422 and "root cause" in refused.text
    r = client.post(
        f"/admin/cases/{case_id}",
        data={
            **closing, "root_cause": "delivery", "action": "Re-sent <i>the parcel</i>",
            "csrf": csrf_of(detail.text),
        },
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    after = client.get(f"/admin/cases/{case_id}").text
    assert "&lt;b&gt;done&lt;/b&gt;" in after and c.case(case_id)[0]["status"] == "closed"
    assert "Re-sent &lt;i&gt;the parcel&lt;/i&gt;" in after
    r = client.post(
        "/language",
        data={"lang": "fi", "csrf": csrf_of(after), "next": "/admin/cases"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and c.accounts.user("analyst")["language"] == "fi"
    assert "Seurantatapaukset" in client.get("/admin/cases").text


def test_export_csv(site):
    client, c = site
    token = c.invite("nps", "C1", "en").token
    client.post(
        "/api/v1/responses",
        json={"token": token, "scores": {"nps": 9}, "comment": 'a, "quoted" text'},
    )
    api = c.accounts.add_token("analyst", "export")
    r = client.get("/api/v1/responses.csv", headers={"authorization": f"Bearer {api}"})
    lines = r.text.splitlines()
    assert (
        lines[0].startswith("submission_id,survey_id,question_id")
        and '"a, ""quoted"" text"' in lines[1]
    )


def test_admins_manage_users(site):
    client, c = site
    login(client, "analyst")
    assert client.get("/admin/users").status_code == 403
    client.cookies.clear()
    login(client, "admin")
    page = client.get("/admin/users")
    assert page.status_code == 200 and "viewer" in page.text
    r = client.post(
        "/admin/users",
        data={
            "username": "eva",
            "role": "analyst",
            "language": "fi",
            "password": "another long one",
            "csrf": csrf_of(page.text),
        },
    )
    assert r.status_code == 200 and c.accounts.user("eva")["language"] == "fi"
    r = client.post(
        "/admin/users",
        data={
            "username": "x",
            "role": "boss",
            "password": "another long one",
            "csrf": csrf_of(page.text),
        },
    )
    assert r.status_code == 422 and "role is one of" in r.text
    assert (
        client.post(
            "/admin/users", data={"username": "y", "role": "admin", "password": "another long one"}
        ).status_code
        == 403
    )


def test_admins_turn_surveys_on_and_everyone_sees_the_scheduler_log(site):
    from cxlens.collect.service import now_utc
    from cxlens.collect.triggers import log_run

    client, c = site
    log_run(c, now_utc(), "schedule", [])
    log_run(c, datetime(2026, 12, 2, 14, 44), "command", [])  # read back without a zone: UTC
    login(client, "viewer")
    page = client.get("/admin/scheduler")
    assert page.status_code == 200 and "Keine Umfrage ist aktiv" in page.text
    assert "<td>02.12.2026, 14:44</td>" in page.text  # as the viewer's language writes it
    assert "<td>Zeitplan</td>" in page.text  # the run, by the scheduler
    assert client.get("/admin").text.count("Einschalten") == 0  # viewers cannot
    login(client, "admin")
    listing = client.get("/admin")
    assert listing.text.count("Turn on") == 2
    turned = client.post(
        "/admin/surveys/nps/active", data={"active": "1", "csrf": csrf_of(listing.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert turned.status_code == 303 and c.active_survey_ids() == {"nps"}
    assert client.post("/admin/surveys/nps/active", data={"active": "0"}).status_code == 403
    assert "nps" in client.get("/admin/scheduler").text


def test_the_workers_leave_their_start_up_objects_out_of_the_collectors_way(sqlite_ws, monkeypatch):
    """Full garbage collections do not walk the modules and app made at start-up
    (one took about 90 ms, with requests waiting on it)."""
    import gc

    from cxlens.config import ENV_WORKSPACE
    from cxlens.web.app import app_from_environment

    monkeypatch.setenv(ENV_WORKSPACE, str(sqlite_ws))
    monkeypatch.setenv("CXLENS_SCHEDULE", "0")
    gc.unfreeze()
    try:
        app_from_environment()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_cases_page_shows_times_in_the_workspaces_zone_with_the_deadline_and_team(tmp_path):
    """A case opened at 14:44 UTC on 2 December reads 16:44 in Tallinn (UTC+2 in winter),
    in the viewer's language, with the zone named; its deadline (past and still open, so
    overdue) and its team are in their own columns."""
    root = make_ws(tmp_path / "ws")
    toml = root / "cxlens.toml"
    toml.write_text(re.sub(r'timezone = "UTC"', 'timezone = "Europe/Tallinn"', toml.read_text()))
    c = Collector(cxlens.open(root).config)
    c.accounts.add_user("viewer", PASSWORD, "viewer", "en")
    c.accounts.add_user("betrachter", PASSWORD, "viewer", "de")
    client = TestClient(create_app(root, schedule=False))
    token = c.invite("nps", "C1", "en").token
    client.post("/api/v1/responses", json={"token": token, "scores": {"nps": 0}, "comment": "x"})
    case_id = c.cases()[0]["id"]
    with c.engine.begin() as conn:
        conn.execute(
            db.cases.update()
            .where(db.cases.c.id == case_id)
            .values(
                opened_at=datetime(2026, 1, 2, 14, 44, tzinfo=UTC),
                deadline_at=datetime(2026, 1, 3, 8, 5, tzinfo=UTC),
                team="baltics",
                status="open",
            )
        )
    login(client, "viewer")
    page = client.get("/admin/cases").text
    assert "2 Jan 2026, 16:44" in page and "14:44" not in page
    assert "3 Jan 2026, 10:05" in page and ">overdue<" in page
    assert "Europe/Tallinn" in page and ">Team</th>" in page and ">Due</th>" in page
    assert '<td data-label="Team" translate="no">baltics</td>' in page
    assert "Times are in the workspace's time zone, Europe/Tallinn." in page
    assert "2 Jan 2026, 16:44" in client.get(f"/admin/cases/{case_id}").text
    client.cookies.clear()
    login(client, "betrachter")
    page = client.get("/admin/cases").text
    assert "02.01.2026, 16:44" in page and "03.01.2026, 10:05" in page
    assert "Europe/Tallinn" in page and ">Team</th>" in page and ">überfällig<" in page
    with c.engine.begin() as conn:
        conn.execute(db.cases.update().values(status="closed"))
    assert ">überfällig<" not in client.get("/admin/cases").text  # a closed case is not late
