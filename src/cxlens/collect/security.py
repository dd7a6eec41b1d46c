"""Signing and secrets: invitation links, session cookies, CSRF tokens, passwords, API tokens.

* Invitation tokens are ``<invitation id>.<expiry>.<signature>``: the id is 128
  random bits, the signature an HMAC-SHA256 with the workspace's secret key over
  the invitation id, survey, customer and expiry, so a link can be neither guessed
  nor altered (another customer, a later expiry) without the key.
* Session cookies carry a random 256-bit token whose SHA-256 the store keeps
  (:mod:`cxlens.collect.accounts`), so a session ends when its row goes; CSRF
  tokens are an HMAC of the session cookie, checked on every form post.
* Passwords are hashed with Argon2id; API tokens are random and stored as SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(key: str, *parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return _b64(hmac.new(key.encode(), message, hashlib.sha256).digest())


def new_id() -> str:
    return secrets.token_hex(16)


def ordered_id() -> str:
    """A new id (32 hex digits) that sorts after those made before it, to the millisecond:
    48 bits of Unix time in milliseconds, then 80 random bits (the layout of a UUIDv7,
    RFC 9562). Rows keyed by such ids are added at the end of their index, one page for
    many rows, instead of a page each at random places."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


@dataclass(frozen=True)
class LinkToken:
    invitation_id: str
    expires: int
    signature: str

    @classmethod
    def parse(cls, token: str) -> LinkToken | None:
        parts = token.split(".")
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[0]) != 32:
            return None
        try:
            int(parts[0], 16)
        except ValueError:
            return None
        return cls(parts[0], int(parts[1]), parts[2])


def link_token(
    key: str, invitation_id: str, survey_id: str, customer_id: str | None, expires: int
) -> str:
    sig = sign(key, "invitation", invitation_id, survey_id, customer_id or "", str(expires))
    return f"{invitation_id}.{expires}.{sig}"


def check_link(key: str, token: LinkToken, survey_id: str, customer_id: str | None) -> bool:
    expected = sign(
        key, "invitation", token.invitation_id, survey_id, customer_id or "", str(token.expires)
    )
    return hmac.compare_digest(expected, token.signature)


def new_session_token() -> tuple[str, str]:
    """A session cookie's token to hand out and the hash the store keeps."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def csrf_token(key: str, cookie: str) -> str:
    return sign(key, "csrf", cookie)


def check_csrf(key: str, cookie: str | None, token: str | None) -> bool:
    return bool(cookie and token and hmac.compare_digest(csrf_token(key, cookie), token))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def new_api_token() -> tuple[str, str]:
    """A token to hand out once and the hash to keep."""
    token = "cxl_" + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def score_signature(key: str, invitation_id: str, question_id: str, score: int) -> str:
    """The signature of one score button of an invitation e-mail (132 bits of an HMAC-SHA256)."""
    return sign(key, "score", invitation_id, question_id, str(score))[:22]


def check_score(key: str, invitation_id: str, question_id: str, score: int, signature: str) -> bool:
    expected = score_signature(key, invitation_id, question_id, score)
    return hmac.compare_digest(expected, signature)


def unsubscribe_token(key: str, customer_id: str) -> str:
    """``<customer id, base64url>.<signature>``: the customer's opt-out link (it does not expire)."""
    return f"{_b64(customer_id.encode())}.{sign(key, 'unsubscribe', customer_id)[:22]}"


def unsubscribe_customer(key: str, token: str) -> str | None:
    """The customer behind a genuine opt-out token, else None."""
    encoded, _, signature = token.partition(".")
    if not encoded or not signature or len(token) > 600:
        return None
    try:
        customer_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    expected = sign(key, "unsubscribe", customer_id)[:22]
    return customer_id if hmac.compare_digest(expected, signature) else None
