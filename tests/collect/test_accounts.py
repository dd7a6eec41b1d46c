"""Users, sessions, tokens and sign-in throttling in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import cxlens
from cxlens.collect import accounts as accounts_module
from cxlens.collect import db
from cxlens.collect.accounts import (
    ADDRESS_FREE_FAILURES,
    FREE_FAILURES,
    LOCK_AFTER,
    MAX_DELAY,
)
from cxlens.collect.service import Collector
from cxlens.errors import CxlensError

PASSWORD = "correct horse battery"


class Clock:
    """A controllable ``now_utc`` for the throttling rules."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(accounts_module, "now_utc", c)
    return c


@pytest.fixture
def verifications(monkeypatch) -> list[str]:
    """Every Argon2 verification the sign-in makes, by the hash it checks against."""
    seen: list[str] = []
    real = accounts_module.verify_password

    def counting(stored: str, password: str) -> bool:
        seen.append(stored)
        return real(stored, password)

    monkeypatch.setattr(accounts_module, "verify_password", counting)
    return seen


def accounts_of(root):
    return Collector(cxlens.open(root).config).accounts


def actions(acc) -> list[str]:
    return [e["action"] for e in reversed(acc.audit_log())]


def test_sessions_end_on_sign_out_password_change_disable_and_sign_out_everywhere(store_ws):
    acc = accounts_of(store_ws)
    acc.add_user("ann", PASSWORD, "analyst")
    first = acc.sign_in("ann", PASSWORD, "10.0.0.1")
    assert first.user["username"] == "ann" and acc.session_user(first.token)["role"] == "analyst"
    acc.sign_out(first.token, "ann")
    assert acc.session_user(first.token) is None
    second = acc.sign_in("ann", PASSWORD, "10.0.0.1")
    acc.add_user("ann", "a new long password", "analyst")  # a new password ends it
    assert acc.session_user(second.token) is None
    assert acc.sign_in("ann", PASSWORD, "10.0.0.1").refused == "wrong"
    third = acc.sign_in("ann", "a new long password", "10.0.0.1")
    token = acc.add_token("ann", "ci")
    assert acc.set_disabled("ann", True) == 1
    assert acc.session_user(third.token) is None and acc.token_user(token) is None
    assert acc.sign_in("ann", "a new long password", "10.0.0.1").refused == "wrong"
    acc.set_disabled("ann", False)
    assert acc.token_user(token)["username"] == "ann"
    sessions = [acc.sign_in("ann", "a new long password", f"10.0.0.{i}").token for i in range(3)]
    assert acc.users()[0]["sessions"] == 3
    assert acc.sign_out_everywhere("ann") == 3
    assert all(acc.session_user(s) is None for s in sessions)
    acc.remove_user("ann")
    assert acc.user("ann") is None and acc.token_user(token) is None and acc.tokens() == []
    assert actions(acc) == [
        "user_added", "signed_in", "signed_out", "signed_in", "password_changed", "signed_in",
        "token_added", "user_disabled", "user_enabled", "signed_in", "signed_in", "signed_in",
        "signed_out_everywhere", "user_removed",
    ]  # fmt: skip
    with pytest.raises(CxlensError, match="no user 'ann'"):
        acc.set_disabled("ann", True)


def test_a_session_expires(store_ws, clock):
    acc = accounts_of(store_ws)
    acc.add_user("ann", PASSWORD, "viewer")
    token = acc.sign_in("ann", PASSWORD, None, hours=1).token
    clock.advance(3599)
    assert acc.session_user(token) is not None
    clock.advance(2)
    assert acc.session_user(token) is None
    assert acc.sessions_prune() == 1


def test_tokens_expire_are_listed_and_revoked(store_ws, clock):
    acc = accounts_of(store_ws)
    acc.add_user("ann", PASSWORD, "viewer")
    short = acc.add_token("ann", "ci", days=1)
    long = acc.add_token("ann", "dashboard", days=365)
    listed = acc.tokens()
    assert [(t["name"], t["expired"]) for t in listed] == [("ci", False), ("dashboard", False)]
    assert "token_hash" not in listed[0] and short not in json.dumps(listed, default=str)
    assert acc.token_user(short)["username"] == "ann"
    assert acc.tokens()[0]["last_used_at"] is not None
    clock.advance(86_401)
    assert acc.token_user(short) is None and acc.tokens()[0]["expired"]
    acc.revoke_token(listed[1]["id"])
    assert acc.token_user(long) is None
    with pytest.raises(CxlensError, match="no API token"):
        acc.revoke_token(listed[1]["id"])
    with pytest.raises(CxlensError, match="1 to 3650 days"):
        acc.add_token("ann", "forever", days=100_000)
    assert actions(acc)[-3:] == ["token_added", "token_added", "token_revoked"]


def test_failed_sign_ins_wait_longer_then_lock_until_an_admin_unlocks(
    sqlite_ws, clock, verifications
):
    acc = accounts_of(sqlite_ws)
    acc.add_user("ann", PASSWORD, "viewer")
    for _ in range(FREE_FAILURES):
        assert acc.sign_in("ann", "guess", "10.0.0.9").refused == "wrong"
    verified = len(verifications)
    refused = acc.sign_in("ann", PASSWORD, "10.0.0.9")  # even the right password must wait
    assert refused.refused == "wait" and refused.retry_after == 2
    assert len(verifications) == verified  # a refused attempt costs no hash
    # each further failure doubles the wait, up to MAX_DELAY
    waits = []
    for _ in range(LOCK_AFTER - FREE_FAILURES - 1):
        waits.append(acc.sign_in("ann", "guess", "10.0.0.9").retry_after)
        clock.advance(MAX_DELAY)
        assert acc.sign_in("ann", "guess", "10.0.0.9").refused == "wrong"
    assert waits[:4] == [2, 3, 5, 9] and max(waits) == int(MAX_DELAY) + 1
    clock.advance(MAX_DELAY)
    assert acc.sign_in("ann", "guess", "10.0.0.9").refused == "wrong"  # the 20th failure
    clock.advance(10 * 86_400)
    assert acc.sign_in("ann", PASSWORD, "10.0.0.1").refused == "locked"  # from anywhere
    assert acc.users()[0]["state"] == "locked"
    assert acc.unlock("ann", actor="boss") is True
    assert acc.sign_in("ann", PASSWORD, "10.0.0.1").user["username"] == "ann"
    log = acc.audit_log()
    assert {"account_locked", "account_unlocked"} <= {e["action"] for e in log}
    assert next(e for e in log if e["action"] == "account_unlocked")["actor"] == "boss"


def test_unknown_names_cost_one_hash_and_are_throttled_alike(sqlite_ws, clock, verifications):
    acc = accounts_of(sqlite_ws)
    acc.add_user("ann", PASSWORD, "viewer")
    known = acc.sign_in("ann", "guess", "10.0.0.1")
    unknown = acc.sign_in("nobody", "guess", "10.0.0.2")
    assert known == unknown and known.refused == "wrong"
    assert len(verifications) == 2 and verifications[0] != verifications[1]  # one hash each
    for _ in range(FREE_FAILURES - 1):
        acc.sign_in("ann", "guess", "10.0.0.1")
        acc.sign_in("nobody", "guess", "10.0.0.2")
    assert acc.sign_in("ann", "x", "10.0.0.3") == acc.sign_in("nobody", "x", "10.0.0.4")


def test_one_address_trying_many_names_waits(sqlite_ws, clock):
    acc = accounts_of(sqlite_ws)
    for i in range(ADDRESS_FREE_FAILURES):
        assert acc.sign_in(f"user{i}", "guess", "10.6.6.6").refused == "wrong"
    assert acc.sign_in("someone-else", "guess", "10.6.6.6").refused == "wait"
    assert acc.sign_in("someone-else", "guess", "10.0.0.1").refused == "wrong"  # others may try
    clock.advance(2)
    assert acc.sign_in("someone-else", "guess", "10.6.6.6").refused == "wrong"


def test_a_store_from_before_keeps_its_users_and_tokens(tmp_path):
    """Upgrading from the first schema: users stay, old tokens get an expiry and keep working."""
    from alembic import command
    from alembic.config import Config

    from cxlens.collect.security import hash_password, new_api_token

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = db.create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    token, digest = new_api_token()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            sa.text(
                "INSERT INTO users (username, password_hash, role, language, created_at) "
                "VALUES ('ann', :h, 'admin', 'et', :at)"
            ),
            {"h": hash_password(PASSWORD), "at": at},
        )
        conn.execute(
            sa.text(
                "INSERT INTO api_tokens (token_hash, username, name, created_at) "
                "VALUES (:d, 'ann', 'old', :at)"
            ),
            {"d": digest, "at": at},
        )
    db.migrate(engine)

    def write(apply):
        with engine.begin() as conn:
            return apply(conn)

    acc = accounts_module.Accounts(engine, write)
    assert acc.token_user(token)["username"] == "ann"
    expires = acc.tokens()[0]["expires_at"]
    expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
    assert timedelta(days=89) < expires - datetime.now(UTC) <= timedelta(days=90)
    assert acc.sign_in("ann", PASSWORD, None).user["language"] == "et"
