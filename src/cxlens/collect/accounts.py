"""Users of the web app: sign-in with throttling, server-side sessions, API tokens, the audit log.

* **Sessions** live in the store. The cookie holds a random 256-bit token and the
  store only its SHA-256, so signing out, a new password, disabling or removing a
  user and an admin's "sign out everywhere" end a session at once: there is
  nothing left to sign or verify on the client's side.
* **Sign-in** costs one Argon2 verification whether the user exists or not (an
  unknown name is checked against a hash made once at start), so timing tells
  nothing about which names exist. Failures are counted per account name and per
  address in the store (shared by every worker process): after
  ``FREE_FAILURES`` an account must wait a delay that doubles with each further
  failure (at most ``MAX_DELAY``), and after ``LOCK_AFTER`` it is locked until an
  admin unlocks it. An address gets the same growing delay after
  ``ADDRESS_FREE_FAILURES``. A refused attempt checks no password and counts
  nothing. Unknown names are counted like known ones.
* **API tokens** are random, kept as SHA-256, expire (``TOKEN_DAYS`` by default)
  and can be listed and revoked.
* Every change to users, sessions and tokens, every sign-in and lock, is written
  to the **audit log** with who did it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

import sqlalchemy as sa

from cxlens.collect import db
from cxlens.collect.security import (
    hash_password,
    new_api_token,
    new_session_token,
    token_hash,
    verify_password,
)
from cxlens.collect.surveys import LANGUAGES
from cxlens.errors import CxlensError
from cxlens.periods import as_utc

ROLES = ("viewer", "analyst", "admin")
SESSION_HOURS = 12.0
TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650
FREE_FAILURES = 5
LOCK_AFTER = 20
ADDRESS_FREE_FAILURES = 20
MAX_DELAY = 900.0
#: failures older than this are forgotten (a locked account stays locked)
FORGET_AFTER = timedelta(hours=24)
#: how often a session's or token's last use is written (not on every request)
TOUCH_EVERY = timedelta(minutes=5)

T = TypeVar("T")
#: runs a change in the store writer's next transaction and returns its result once committed
Write = Callable[[Callable[[sa.Connection], T]], T]


def now_utc() -> datetime:
    return datetime.now(UTC)


@cache
def _unknown_user_hash() -> str:
    """A hash to verify unknown names against: the same work as for a real user."""
    return hash_password("no user has this password")


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: a user and a session token, or why not."""

    user: dict[str, Any] | None = None
    token: str | None = None
    #: "wrong" (name or password), "wait" (throttled, see retry_after) or "locked"
    refused: str | None = None
    retry_after: int = 0
    #: the first sign-in of a user added without a language: the pages follow the browser
    follows_browser: bool = False


def _delay(failures: int, free: int) -> float:
    """Seconds to wait after ``failures`` failures: none for the first ``free``, then 1, 2, 4 ..."""
    if failures < free:
        return 0.0
    return float(min(MAX_DELAY, 2.0 ** (failures - free)))


class Accounts:
    """The users, sessions, tokens and audit log in one collection store."""

    def __init__(self, engine: sa.Engine, write: Write[Any]):
        self.engine = engine
        self.write = write

    # -- audit -----------------------------------------------------------------------

    def audit(
        self,
        conn: sa.Connection,
        actor: str,
        action: str,
        target: str | None = None,
        ip: str | None = None,
        **detail: Any,
    ) -> None:
        """Add an entry to the audit log, inside the caller's transaction."""
        conn.execute(
            db.audit_log.insert().values(
                ts=now_utc(), actor=actor[:100], action=action, target=(target or None),
                ip=ip, detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
            )
        )  # fmt: skip

    def record(self, actor: str, action: str, target: str | None = None, **detail: Any) -> None:
        """Add an entry to the audit log in a transaction of its own."""
        self.write(lambda conn: self.audit(conn, actor, action, target, **detail))

    def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(db.audit_log).order_by(db.audit_log.c.id.desc()).limit(limit)
            )
            return [dict(r._mapping) for r in rows]

    # -- users -----------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str,
        role: str,
        language: str | None = None,
        actor: str = "cli",
    ) -> bool:
        """Add a user, or set an existing one's password, role and language (which ends the
        user's sessions). True if the user is new.

        Without a ``language``, a new user's pages follow the browser of their first
        sign-in (English until then), and an existing user keeps theirs.
        """
        if role not in ROLES:
            raise CxlensError(f"A role is one of {', '.join(ROLES)}, not {role!r}.")
        plain = username.replace("-", "").replace("_", "").replace(".", "").replace("@", "")
        if not username or len(username) > 64 or not plain.isalnum():
            raise CxlensError("A user name is 1-64 letters, digits and . _ - @.")
        if len(password) < 10:
            raise CxlensError("A password needs at least 10 characters.")
        if len(password) > 1024:
            raise CxlensError("A password has at most 1,024 characters.")
        if language is not None and language not in LANGUAGES:
            raise CxlensError(f"A language is one of {', '.join(LANGUAGES)}, not {language!r}.")
        row = {"password_hash": hash_password(password), "role": role}
        given = {"language": language} if language is not None else {}
        row.update(given)

        def change(conn: sa.Connection) -> bool:
            exists = conn.execute(
                sa.select(db.users.c.username).where(db.users.c.username == username)
            ).first()
            if exists:
                conn.execute(db.users.update().where(db.users.c.username == username).values(**row))
                ended = self._end_sessions(conn, username)
                self.audit(
                    conn, actor, "password_changed", username, role=role, sessions_ended=ended,
                    **given,
                )  # fmt: skip
                return False
            new = {"language": "en", **row}
            conn.execute(db.users.insert().values(username=username, created_at=now_utc(), **new))
            self.audit(conn, actor, "user_added", username, role=role, **given)
            return True

        return bool(self.write(change))

    def users(self) -> list[dict[str, Any]]:
        """Every user with role, language, state (active, disabled or locked), whether failed
        sign-ins locked the account, and the number of open sessions."""
        at = now_utc()
        with self.engine.connect() as conn:
            sessions: dict[str, int] = dict(
                conn.execute(
                    sa.select(db.sessions.c.username, sa.func.count())
                    .where(db.sessions.c.expires_at > at)
                    .group_by(db.sessions.c.username)
                ).all()
            )
            locked = {
                r.key[len("user:") :]
                for r in conn.execute(
                    sa.select(db.login_throttle.c.key).where(
                        db.login_throttle.c.locked_at.isnot(None)
                    )
                )
            }
            rows = conn.execute(
                sa.select(
                    db.users.c.username, db.users.c.role, db.users.c.language,
                    db.users.c.created_at, db.users.c.disabled_at,
                ).order_by(db.users.c.username)
            )  # fmt: skip
            out = []
            for r in rows:
                user = dict(r._mapping)
                is_locked = user["username"].lower() in locked
                state = "disabled" if user["disabled_at"] else "locked" if is_locked else "active"
                out.append(
                    {**user, "state": state, "locked": is_locked,
                     "sessions": int(sessions.get(r.username, 0))}
                )  # fmt: skip
            return out

    def user(self, username: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(db.users).where(db.users.c.username == username)).first()
        return dict(row._mapping) if row else None

    def _need_user(self, conn: sa.Connection, username: str) -> None:
        found = conn.execute(
            sa.select(db.users.c.username).where(db.users.c.username == username)
        ).first()
        if found is None:
            raise CxlensError(f"There is no user '{username}'; `cxlens user list` shows them.")

    def set_disabled(self, username: str, disabled: bool, actor: str = "cli") -> int:
        """Disable a user (ending their sessions; their tokens stop working) or enable them
        again. Returns the number of sessions ended."""

        def change(conn: sa.Connection) -> int:
            self._need_user(conn, username)
            conn.execute(
                db.users.update()
                .where(db.users.c.username == username)
                .values(disabled_at=now_utc() if disabled else None)
            )
            ended = self._end_sessions(conn, username) if disabled else 0
            action = "user_disabled" if disabled else "user_enabled"
            self.audit(conn, actor, action, username, sessions_ended=ended)
            return ended

        return int(self.write(change))

    def remove_user(self, username: str, actor: str = "cli") -> None:
        """Remove a user with their sessions and API tokens (their case notes stay)."""

        def change(conn: sa.Connection) -> None:
            self._need_user(conn, username)
            ended = self._end_sessions(conn, username)
            tokens = conn.execute(
                db.api_tokens.delete().where(db.api_tokens.c.username == username)
            ).rowcount
            conn.execute(db.users.delete().where(db.users.c.username == username))
            self.audit(conn, actor, "user_removed", username, sessions_ended=ended, tokens=tokens)

        self.write(change)

    def set_language(self, username: str, language: str) -> None:
        if language in LANGUAGES:
            self.write(
                lambda conn: conn.execute(
                    db.users.update()
                    .where(db.users.c.username == username)
                    .values(language=language)
                )
            )

    # -- signing in ------------------------------------------------------------------

    def sign_in(
        self, username: str, password: str, ip: str | None, hours: float = SESSION_HOURS
    ) -> SignIn:
        """Check a name and password within the throttling rules; a new session if they fit."""
        at = now_utc()
        name_key, ip_key = "user:" + username.lower()[:190], "ip:" + (ip or "unknown")[:190]
        with self.engine.connect() as conn:
            rows = {
                r.key: r
                for r in conn.execute(
                    sa.select(db.login_throttle).where(
                        db.login_throttle.c.key.in_([name_key, ip_key])
                    )
                )
            }
        account, address = rows.get(name_key), rows.get(ip_key)
        if account is not None and account.locked_at is not None:
            return SignIn(refused="locked")
        wait = max(
            self._wait(account, FREE_FAILURES, at), self._wait(address, ADDRESS_FREE_FAILURES, at)
        )
        if wait > 0:
            return SignIn(refused="wait", retry_after=int(wait) + 1)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(db.users).where(db.users.c.username == username)).first()
        user = dict(row._mapping) if row else None
        stored = user["password_hash"] if user else _unknown_user_hash()
        good = verify_password(stored, password) and user is not None
        if not good or user is None or user["disabled_at"] is not None:
            self._fail(name_key, ip_key, username, ip, at)
            return SignIn(refused="wrong")
        token, digest = new_session_token()
        name = str(user["username"])
        follows_browser = self._language_unset(name)

        def change(conn: sa.Connection) -> None:
            conn.execute(db.login_throttle.delete().where(db.login_throttle.c.key == name_key))
            conn.execute(
                db.sessions.insert().values(
                    id=digest, username=name, created_at=at,
                    expires_at=at + timedelta(hours=hours), last_seen_at=at, ip=ip,
                )
            )  # fmt: skip
            self.audit(conn, name, "signed_in", name, ip)

        self.write(change)
        return SignIn(user=user, token=token, follows_browser=follows_browser)

    def _language_unset(self, username: str) -> bool:
        """Whether ``username`` has never signed in and was never given a language."""
        log = db.audit_log.c
        with self.engine.connect() as conn:
            entries = conn.execute(
                sa.select(log.action, log.detail).where(
                    log.target == username,
                    log.action.in_(["signed_in", "user_added", "password_changed"]),
                )
            ).all()
        if any(e.action == "signed_in" for e in entries):
            return False
        return not any("language" in json.loads(e.detail or "{}") for e in entries)

    @staticmethod
    def _wait(row: Any, free: int, at: datetime) -> float:
        if row is None:
            return 0.0
        last = as_utc(row.last_failure_at)
        assert last is not None
        if at - last > FORGET_AFTER:
            return 0.0
        return max(0.0, _delay(row.failures, free) - (at - last).total_seconds())

    def _fail(
        self, name_key: str, ip_key: str, username: str, ip: str | None, at: datetime
    ) -> None:
        def change(conn: sa.Connection) -> None:
            for key in (name_key, ip_key):
                row = conn.execute(
                    sa.select(db.login_throttle).where(db.login_throttle.c.key == key)
                ).first()
                if row is None:
                    conn.execute(
                        db.login_throttle.insert().values(key=key, failures=1, last_failure_at=at)
                    )
                    continue
                last = as_utc(row.last_failure_at)
                fresh = last is not None and at - last <= FORGET_AFTER
                failures = (row.failures if fresh or row.locked_at else 0) + 1
                values: dict[str, Any] = {"failures": failures, "last_failure_at": at}
                if key == name_key and row.locked_at is None and failures >= LOCK_AFTER:
                    values["locked_at"] = at
                    self.audit(
                        conn, "(sign-in)", "account_locked", username[:190], ip, failures=failures
                    )
                conn.execute(
                    db.login_throttle.update()
                    .where(db.login_throttle.c.key == key)
                    .values(**values)
                )

        self.write(change)

    def unlock(self, username: str, actor: str = "cli") -> bool:
        """Lift a lock (and forget the failures) of an account name. True if it was locked."""
        key = "user:" + username.lower()

        def change(conn: sa.Connection) -> bool:
            row = conn.execute(
                sa.select(db.login_throttle.c.locked_at).where(db.login_throttle.c.key == key)
            ).first()
            conn.execute(db.login_throttle.delete().where(db.login_throttle.c.key == key))
            was_locked = row is not None and row.locked_at is not None
            self.audit(conn, actor, "account_unlocked", username, was_locked=was_locked)
            return was_locked

        return bool(self.write(change))

    # -- sessions --------------------------------------------------------------------

    def session_user(self, token: str | None) -> dict[str, Any] | None:
        """The user of a live session token (None if it ended, expired or the user is disabled)."""
        return self._credential_user(token, db.sessions, "id", "last_seen_at")

    def sign_out(self, token: str | None, actor: str) -> None:
        """End one session (signing out)."""
        if not token:
            return
        digest = token_hash(token)

        def change(conn: sa.Connection) -> None:
            conn.execute(db.sessions.delete().where(db.sessions.c.id == digest))
            self.audit(conn, actor, "signed_out", actor)

        self.write(change)

    def sign_out_everywhere(self, username: str, actor: str = "cli") -> int:
        """End every session of a user; returns how many there were."""

        def change(conn: sa.Connection) -> int:
            self._need_user(conn, username)
            ended = self._end_sessions(conn, username)
            self.audit(conn, actor, "signed_out_everywhere", username, sessions_ended=ended)
            return ended

        return int(self.write(change))

    @staticmethod
    def _end_sessions(conn: sa.Connection, username: str) -> int:
        done = conn.execute(db.sessions.delete().where(db.sessions.c.username == username))
        return int(done.rowcount or 0)

    def sessions_prune(self) -> int:
        """Remove expired sessions; returns how many."""
        at = now_utc()

        def change(conn: sa.Connection) -> int:
            done = conn.execute(db.sessions.delete().where(db.sessions.c.expires_at <= at))
            return int(done.rowcount or 0)

        return int(self.write(change))

    # -- API tokens ------------------------------------------------------------------

    def add_token(
        self, username: str, name: str, days: int = TOKEN_DAYS, actor: str = "cli"
    ) -> str:
        """A new API token for ``username`` valid ``days`` days (shown once; the store keeps a hash)."""
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise CxlensError(f"A token is valid 1 to {MAX_TOKEN_DAYS} days, not {days}.")
        token, digest = new_api_token()
        at = now_utc()

        def change(conn: sa.Connection) -> None:
            self._need_user(conn, username)
            result = conn.execute(
                db.api_tokens.insert().values(
                    token_hash=digest, username=username, name=name[:100], created_at=at,
                    expires_at=at + timedelta(days=days),
                )
            )  # fmt: skip
            token_id = result.inserted_primary_key[0]  # type: ignore[index]
            self.audit(conn, actor, "token_added", username, token_id=token_id, name=name[:100])

        self.write(change)
        return token

    def tokens(self, username: str | None = None) -> list[dict[str, Any]]:
        """The API tokens (never the tokens themselves): id, user, name, created, expires, last used."""
        q = sa.select(
            db.api_tokens.c.id, db.api_tokens.c.username, db.api_tokens.c.name,
            db.api_tokens.c.created_at, db.api_tokens.c.expires_at, db.api_tokens.c.last_used_at,
        ).order_by(db.api_tokens.c.id)  # fmt: skip
        if username:
            q = q.where(db.api_tokens.c.username == username)
        at = now_utc()
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
        for r in rows:
            expires = as_utc(r["expires_at"])
            r["expired"] = expires is not None and expires <= at
        return rows

    def revoke_token(self, token_id: int, actor: str = "cli") -> None:
        def change(conn: sa.Connection) -> None:
            row = conn.execute(
                sa.select(db.api_tokens.c.username, db.api_tokens.c.name).where(
                    db.api_tokens.c.id == token_id
                )
            ).first()
            if row is None:
                raise CxlensError(
                    f"There is no API token {token_id}; `cxlens token list` shows them."
                )
            conn.execute(db.api_tokens.delete().where(db.api_tokens.c.id == token_id))
            self.audit(conn, actor, "token_revoked", row.username, token_id=token_id, name=row.name)

        self.write(change)

    def token_user(self, token: str) -> dict[str, Any] | None:
        """The user an API token acts as (None if unknown, expired or the user is disabled)."""
        return self._credential_user(token, db.api_tokens, "token_hash", "last_used_at")

    def _credential_user(
        self, token: str | None, table: sa.Table, key: str, seen: str
    ) -> dict[str, Any] | None:
        """The user behind a session or API token stored by its hash in ``table.key``.

        None if the token is unknown, expired or its user disabled; its ``seen`` time is
        brought up to date at most every TOUCH_EVERY.
        """
        if not token or len(token) > 200:
            return None
        digest = token_hash(token)
        at = now_utc()
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(db.users, table.c.expires_at, table.c[seen])
                .join(table, table.c.username == db.users.c.username)
                .where(table.c[key] == digest)
            ).first()
        if row is None:
            return None
        found = dict(row._mapping)
        expires, last = as_utc(found.pop("expires_at")), as_utc(found.pop(seen))
        if expires is None or expires <= at or found["disabled_at"] is not None:
            return None
        if last is None or at - last > TOUCH_EVERY:
            self.write(
                lambda conn: conn.execute(
                    table.update().where(table.c[key] == digest).values({seen: at})
                )
            )
        return found
