"""The web app as an attacker probes it: exports, limits, sessions, headers and bad parameters."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from cxlens.collect.accounts import now_utc
from tests.collect.test_web import PASSWORD, csrf_of, login, site  # noqa: F401 - the fixture

FORMULAS = ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-1+1", "\t=1"]


def test_the_responses_export_neutralises_formulas(site):  # noqa: F811
    client, c = site
    for payload in FORMULAS:
        inv = c.invite("nps", "C1", "en")
        c.submit(c.survey("nps"), c.resolve(inv.token)[0], {"nps": 3}, payload, "en")
    token = c.accounts.add_token("analyst", "export")
    r = client.get("/api/v1/responses.csv", headers={"authorization": f"Bearer {token}"})
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    comments = sorted(row["comment"] for row in rows)
    assert comments == sorted("'" + p.strip() for p in FORMULAS)
    assert {row["score"] for row in rows} == {"3.0"}  # numbers stay numbers


def test_a_survey_definition_with_bad_values_is_a_422_naming_the_field(site):  # noqa: F811
    client, _ = site
    login(client, "admin")
    csrf = csrf_of(client.get("/admin").text)
    for line, problem in [
        ("sampling: abc", "'sampling' is a share between 0 and 1 (such as 0.3), got 'abc'"),
        ("sampling: [1]", "'sampling' is a share between 0 and 1"),
        ("expires: 99999999999d", "at most 100 years"),
        ("expires: .nan", "must be longer than zero"),
    ]:
        definition = f"id: probe\nkind: nps\n{line}\n"
        r = client.post("/admin/surveys", data={"definition": definition, "csrf": csrf})
        assert r.status_code == 422, line
        assert problem in r.text.replace("&#39;", "'"), line


def sign_in(client, user: str, password: str = PASSWORD) -> int:
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": user, "password": password, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    return r.status_code


def test_a_cookie_no_longer_works_after_logout_password_change_disable_or_sign_out_everywhere(
    site,  # noqa: F811
):
    client, c = site
    ends = {
        "logout": lambda cookie: client.post(
            "/logout", data={"csrf": csrf_of(client.get("/admin").text)}, follow_redirects=False
        ),
        "password": lambda cookie: c.accounts.add_user("viewer", PASSWORD, "viewer", "de"),
        "disable": lambda cookie: c.accounts.set_disabled("viewer", True),
        "everywhere": lambda cookie: c.accounts.sign_out_everywhere("viewer"),
    }
    for how, end in ends.items():
        c.accounts.set_disabled("viewer", False)
        client.cookies.clear()
        assert sign_in(client, "viewer") == 303
        cookie = client.cookies.get("cxl_session")
        assert client.get("/admin", follow_redirects=False).status_code == 200
        end(cookie)
        client.cookies.clear()
        client.cookies.set("cxl_session", cookie)  # the old cookie, sent again
        r = client.get("/admin", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), how
        assert client.get("/api/v1/cases").status_code == 401, how
    actions = [e["action"] for e in c.accounts.audit_log()]
    assert {"signed_out", "password_changed", "user_disabled", "signed_out_everywhere"} <= set(
        actions
    )


def test_a_hundred_wrong_passwords_are_throttled_without_hashing_each(site, monkeypatch):  # noqa: F811
    from cxlens.collect import accounts

    client, _ = site
    frozen = now_utc()  # the clock stands still, so no wait runs out however slow the machine
    monkeypatch.setattr(accounts, "now_utc", lambda: frozen)
    hashes = []
    real = accounts.verify_password
    monkeypatch.setattr(
        accounts, "verify_password", lambda stored, pw: hashes.append(1) or real(stored, pw)
    )
    page = client.get("/login")
    statuses = []
    for i in range(100):
        r = client.post(
            "/login",
            data={"username": "admin", "password": f"guess {i}", "csrf": csrf_of(page.text)},
        )
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) >= 1 and "Try again in" in r.text
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) <= {401, 429}
    assert statuses.count(429) >= 90 and len(hashes) <= 10
    assert sign_in(client, "admin") == 429  # the right password waits too


def test_users_page_disables_unlocks_signs_out_and_removes(site):  # noqa: F811
    client, c = site
    other = TestClient(client.app)
    assert sign_in(other, "viewer") == 303
    sign_in(client, "admin")
    page = client.get("/admin/users")
    assert page.status_code == 200
    csrf = csrf_of(page.text)
    assert 'action="/admin/users/viewer/disable"' in page.text
    assert 'action="/admin/users/admin/disable"' not in page.text  # not one's own account

    def act(name: str, action: str, token: str = csrf):
        return client.post(f"/admin/users/{name}/{action}", data={"csrf": token})

    assert act("viewer", "disable", "forged").status_code == 403
    assert act("viewer", "disable").status_code == 200
    assert other.get("/admin", follow_redirects=False).status_code == 303
    assert sign_in(other, "viewer") == 401
    assert act("viewer", "enable").status_code == 200 and sign_in(other, "viewer") == 303
    assert act("viewer", "sign_out_everywhere").status_code == 200
    assert other.get("/admin", follow_redirects=False).status_code == 303
    c.accounts.add_user("locked-out", PASSWORD, "viewer")
    for _ in range(25):
        c.accounts._fail("user:locked-out", "ip:x", "locked-out", None, now_utc())
    page = client.get("/admin/users")
    assert 'action="/admin/users/locked-out/unlock"' in page.text
    assert act("locked-out", "unlock").status_code == 200
    assert sign_in(other, "locked-out") == 303
    assert act("admin", "remove").status_code == 409  # not one's own account
    assert act("viewer", "remove").status_code == 200 and c.accounts.user("viewer") is None
    assert act("nobody", "disable").status_code == 404
    assert act("viewer", "promote").status_code == 404
    by_admin = [e for e in c.accounts.audit_log() if e["actor"] == "admin"]
    assert [e["action"] for e in reversed(by_admin)][-5:] == [
        "user_disabled", "user_enabled", "signed_out_everywhere", "account_unlocked",
        "user_removed",
    ]  # fmt: skip


def test_request_bodies_over_the_limit_are_refused_before_parsing(site):  # noqa: F811
    client, c = site
    big = b"x" * (1024 * 1024 + 1)
    path = "/s/" + c.invite("nps", "C1", "en").token
    for url in ("/api/v1/responses", "/login", path, "/admin/surveys"):
        r = client.post(url, content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413, url
        assert "larger than 1,024 KiB" in r.json()["detail"]
        assert r.headers["x-content-type-options"] == "nosniff"

    def chunks():  # no Content-Length: sent chunked
        for _ in range(300):
            yield b"y" * 8192

    r = client.post("/api/v1/responses", content=chunks())
    assert r.status_code == 413
    r = client.post("/api/v1/responses", content=b"1", headers={"content-length": "abc"})
    assert r.status_code == 400
    ok = client.post("/api/v1/responses", json={"survey_id": "nps", "scores": {"nps": 9}})
    assert ok.status_code == 404  # a small body reaches the app (this survey is not public)


def test_every_response_carries_the_security_headers(site):  # noqa: F811
    client, c = site
    login(client, "analyst")
    token = c.accounts.add_token("analyst", "headers")
    responses = {
        "json": client.get("/healthz"),
        "api": client.get("/api/v1/cases"),
        "csv": client.get("/api/v1/responses.csv", headers={"authorization": f"Bearer {token}"}),
        "static": client.get("/static/style.css"),
        "schema": client.get("/openapi.json"),
        "docs": client.get("/docs"),
        "docs asset": client.get("/docs/assets/swagger-ui-bundle.js"),
        "page": client.get("/admin"),
        "not found": client.get("/nowhere"),
        "plotly": client.get("/assets/plotly.min.js"),
    }
    for name, r in responses.items():
        assert r.status_code in (200, 404), name
        assert r.headers["x-content-type-options"] == "nosniff", name
        assert r.headers["referrer-policy"] == "no-referrer", name
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], name
    page = responses["page"]
    policy = page.headers["content-security-policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "'nonce-" in script_src
    nonce = script_src.split("'nonce-")[1].split("'")[0]
    assert f'<script src="/static/ui.js" nonce="{nonce}">' in page.text
    assert "onchange=" not in page.text and " on" not in page.text.split("<select")[1][:80]
    assert nonce not in client.get("/admin").text  # a new nonce for every page
    docs = responses["docs"].text
    assert "/docs/assets/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert (
        "unsafe-inline"
        not in responses["docs"]
        .headers["content-security-policy"]
        .split("script-src")[1]
        .split(";")[0]
    )


def test_an_unexpected_error_is_a_500_page_with_the_headers(site, monkeypatch):  # noqa: F811
    client, c = site
    login(client, "viewer")
    monkeypatch.setattr(c.__class__, "surveys", lambda self: 1 / 0)
    app_client = TestClient(client.app, raise_server_exceptions=False)
    app_client.cookies = client.cookies
    r = app_client.get("/admin")
    assert r.status_code == 500 and "Traceback" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_answers_go_past_the_router_with_the_replies_it_would_give(site, monkeypatch):  # noqa: F811
    from starlette.routing import Router

    from cxlens.collect.service import Collector

    client, c = site
    routed: list[str] = []
    plain = Router.__call__

    async def counted(self: Router, scope: Any, receive: Any, send: Any) -> None:
        routed.append(scope["path"])
        await plain(self, scope, receive, send)

    monkeypatch.setattr(Router, "__call__", counted)
    token, other = (c.invite("nps", f"C{i}", "en").token for i in (1, 2))  # type: ignore[union-attr]
    replies = {
        "stored": client.post("/api/v1/responses", json={"token": token, "scores": {"nps": 9}}),
        "used": client.post("/api/v1/responses", json={"token": token, "scores": {"nps": 9}}),
        "bad": client.post("/api/v1/responses", json={"token": other, "scores": {"nps": "x"}}),
        "neither": client.post("/api/v1/responses", json={"scores": {"nps": 9}}),
    }
    assert routed == []
    assert replies["stored"].status_code == 201 and replies["stored"].json()["submission_id"]
    assert replies["used"].status_code == 409
    assert replies["used"].json() == {"detail": "This survey link is used."}
    assert replies["bad"].status_code == 422
    assert replies["bad"].json()["detail"][0]["loc"] == ["body", "scores", "nps"]
    assert (
        replies["neither"].status_code == 422 and "'token'" in replies["neither"].json()["detail"]
    )
    for name, r in replies.items():
        assert r.headers["x-content-type-options"] == "nosniff", name
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], name
    # what no handler answers is the app's 500, with the headers
    monkeypatch.setattr(Collector, "submit_answer", lambda *args, **kw: 1 / 0)
    app_client = TestClient(client.app, raise_server_exceptions=False)
    r = app_client.post("/api/v1/responses", json={"token": other, "scores": {"nps": 9}})
    assert r.status_code == 500 and r.json() == {"detail": "Internal error; nothing was stored."}
    assert r.headers["x-content-type-options"] == "nosniff"
    # other methods of the address are routed as before
    assert client.get("/api/v1/responses").status_code == 405 and routed == ["/api/v1/responses"]
