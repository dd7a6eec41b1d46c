"""The sign-in page speaks the reader's language before anyone is signed in."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import cxlens
from cxlens.collect import db
from cxlens.collect.accounts import FREE_FAILURES
from cxlens.collect.service import Collector
from cxlens.i18n import gettext
from cxlens.web.app import create_app
from tests.collect.conftest import make_ws

PASSWORD = "correct horse battery"
WRONG = "Wrong user name or password."


@pytest.fixture
def site(tmp_path):
    root = make_ws(tmp_path / "ws")
    collector = Collector(cxlens.open(root).config)
    collector.accounts.add_user("ana", PASSWORD, "viewer", "en")
    return TestClient(create_app(root, schedule=False)), collector


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client: TestClient, password: str, headers: dict[str, str] | None = None):
    page = client.get("/login", headers=headers)
    return client.post(
        "/login",
        data={"username": "ana", "password": password, "csrf": csrf_of(page.text)},
        headers=headers,
        follow_redirects=False,
    )


def test_the_page_and_its_error_follow_accept_language(site):
    client, _ = site
    browser = {"Accept-Language": "fr-CH, fr;q=0.9, de;q=0.8, en;q=0.5"}
    page = client.get("/login", headers=browser)
    assert '<html lang="de">' in page.text and gettext("Sign in", "de") in page.text
    refused = sign_in(client, "not it", browser)
    assert refused.status_code == 401
    assert gettext(WRONG, "de") in refused.text and WRONG not in refused.text
    nothing_we_speak = client.get("/login", headers={"Accept-Language": "fr, es;q=0.5"})
    assert '<html lang="en">' in nothing_we_speak.text  # the workspace's language


def test_the_language_picked_on_the_page_wins_and_becomes_the_users(site):
    client, collector = site
    browser = {"Accept-Language": "de"}
    picked = client.get("/login?lang=hr", headers=browser)
    assert '<html lang="hr">' in picked.text
    refused = client.post(
        "/login",
        data={"username": "ana", "password": "not it", "csrf": csrf_of(picked.text)},
        headers=browser,
    )
    assert gettext(WRONG, "hr") in refused.text  # the cookie keeps the choice
    assert sign_in(client, PASSWORD, browser).status_code == 303
    assert collector.accounts.user("ana")["language"] == "hr"
    assert '<html lang="hr">' in client.get("/dashboard/alerts").text


def test_throttled_and_locked_sign_ins_say_so_in_the_readers_language(site):
    client, collector = site
    browser = {"Accept-Language": "fi"}
    for _ in range(FREE_FAILURES):
        assert sign_in(client, "not it", browser).status_code == 401
    waiting = sign_in(client, "not it", browser)
    assert waiting.status_code == 429 and "Retry-After" in waiting.headers
    seconds = int(waiting.headers["Retry-After"])
    assert "sekunnin kuluttua" in waiting.text and f"{seconds} " in waiting.text
    with collector.engine.begin() as conn:
        conn.execute(sa.update(db.login_throttle).values(locked_at=sa.func.now()))
    locked = sign_in(client, PASSWORD, browser)
    assert locked.status_code == 423
    assert (
        gettext(
            "This account is locked after too many failed sign-ins. An admin can unlock it.", "fi"
        )
        in locked.text
    )


def test_a_user_added_without_a_language_gets_the_browsers_at_the_first_sign_in(tmp_path):
    root = make_ws(tmp_path / "ws")
    collector = Collector(cxlens.open(root).config)
    collector.accounts.add_user("ana", PASSWORD, "viewer")  # no language given
    client = TestClient(create_app(root, schedule=False))
    german = {"Accept-Language": "de-DE, de;q=0.9, en;q=0.5"}
    assert sign_in(client, PASSWORD, german).status_code == 303
    assert collector.accounts.user("ana")["language"] == "de"
    assert '<html lang="de">' in client.get("/dashboard/alerts").text
    # she picks English; a later sign-in from the German browser keeps her choice, and so
    # does a new password
    collector.accounts.set_language("ana", "en")
    collector.accounts.add_user("ana", PASSWORD + "!", "viewer")
    client.cookies.clear()
    assert sign_in(client, PASSWORD + "!", german).status_code == 303
    assert collector.accounts.user("ana")["language"] == "en"
    assert '<html lang="en">' in client.get("/dashboard/alerts").text


def test_a_language_given_to_the_user_outweighs_the_browser(site, tmp_path):
    client, collector = site  # ana was added with English
    assert sign_in(client, PASSWORD, {"Accept-Language": "fi"}).status_code == 303
    assert collector.accounts.user("ana")["language"] == "en"
    assert '<html lang="en">' in client.get("/dashboard/alerts").text
    # given later, before the first sign-in, it outweighs the browser too
    root = make_ws(tmp_path / "other")
    other = Collector(cxlens.open(root).config)
    other.accounts.add_user("ana", PASSWORD, "viewer")
    other.accounts.add_user("ana", PASSWORD, "viewer", "hr")
    fresh = TestClient(create_app(root, schedule=False))
    assert sign_in(fresh, PASSWORD, {"Accept-Language": "fi"}).status_code == 303
    assert other.accounts.user("ana")["language"] == "hr"
