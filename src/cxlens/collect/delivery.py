"""Delivery: e-mails over SMTP and signed webhooks, each attempt logged.

Settings in ``cxlens.toml``::

    [smtp]
    host = "smtp.example.com"
    port = 587
    starttls = true
    username = "surveys@example.com"   # the password comes from $CXLENS_SMTP_PASSWORD
    sender = "Example <surveys@example.com>"

    [[webhooks]]
    url = "https://hooks.example.com/cx"
    events = ["case.opened", "response.created", "alert"]
    secret_env = "CX_WEBHOOK_SECRET"     # else the workspace's secret key signs

A webhook is a JSON POST with ``X-Cxlens-Event``, ``X-Cxlens-Delivery`` and
``X-Cxlens-Signature: sha256=<hex HMAC-SHA256 of the body>``; it is tried up to
four times with waits of 0.5, 1 and 2 seconds, and every delivery ends up in
the ``deliveries`` table with its status and last error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cxlens.collect import db
from cxlens.collect.security import new_id
from cxlens.collect.service import case_json, now_utc
from cxlens.errors import CxlensError
from cxlens.i18n import format_number, gettext

if TYPE_CHECKING:
    from cxlens.collect.service import Collector

RETRY_WAITS = (0.5, 1.0, 2.0)


def _log(collector: Collector, channel: str, target: str, topic: str) -> int:
    stmt = db.deliveries.insert().values(
        channel=channel, target=target, topic=topic, status="pending", attempts=0,
        created_at=now_utc(),
    )  # fmt: skip
    return collector.write(
        lambda conn: int(conn.execute(stmt).inserted_primary_key[0])  # type: ignore[index]
    )


def _finish(
    collector: Collector, delivery_id: int, status: str, attempts: int, error: str | None
) -> None:
    stmt = (
        db.deliveries.update()
        .where(db.deliveries.c.id == delivery_id)
        .values(status=status, attempts=attempts, last_error=error, finished_at=now_utc())
    )
    collector.execute(stmt)


def smtp_configured(collector: Collector) -> bool:
    return bool(collector.config.section("smtp").get("host"))


def send_email(collector: Collector, msg: EmailMessage, topic: str) -> bool:
    """Send over the configured SMTP server; False (and a logged error) when it fails."""
    smtp = collector.config.section("smtp")
    if not smtp.get("host"):
        raise CxlensError("No [smtp] host in cxlens.toml; e-mails cannot be sent.")
    delivery = _log(collector, "email", str(msg["To"]), topic)
    try:
        with smtplib.SMTP(str(smtp["host"]), int(smtp.get("port", 25)), timeout=20) as server:
            if smtp.get("starttls"):
                server.starttls()
            user = smtp.get("username")
            if user:
                server.login(str(user), os.environ.get("CXLENS_SMTP_PASSWORD", ""))
            server.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        _finish(collector, delivery, "failed", 1, str(exc)[:500])
        return False
    _finish(collector, delivery, "sent", 1, None)
    return True


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhooks(collector: Collector) -> list[dict[str, Any]]:
    hooks: Any = collector.config.values.get("webhooks", [])
    if not isinstance(hooks, list):
        raise CxlensError("cxlens.toml: webhooks are written as [[webhooks]] tables.")
    for i, hook in enumerate(hooks, start=1):
        url = str(hook.get("url", ""))
        if not url.startswith(("http://", "https://")):
            raise CxlensError(
                f"cxlens.toml, webhook {i}: 'url' must start with http:// or https://."
            )
    return hooks


def notify(
    collector: Collector,
    topic: str,
    payload: dict[str, Any],
    waits: tuple[float, ...] = RETRY_WAITS,
) -> list[bool]:
    """Send ``payload`` to every webhook that listens to ``topic``; one result per webhook."""
    results = []
    for hook in webhooks(collector):
        events = hook.get("events")
        if events and topic not in events:
            continue
        secret_env = hook.get("secret_env")
        secret = os.environ.get(str(secret_env), "") if secret_env else collector.key
        results.append(post_webhook(collector, str(hook["url"]), secret, topic, payload, waits))
    return results


def post_webhook(
    collector: Collector, url: str, secret: str, topic: str, payload: dict[str, Any],
    waits: tuple[float, ...] = RETRY_WAITS,
) -> bool:  # fmt: skip
    body = json.dumps({"event": topic, "data": payload}, default=str, ensure_ascii=False).encode()
    delivery = _log(collector, "webhook", url, topic)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "cxlens",
        "X-Cxlens-Event": topic,
        "X-Cxlens-Delivery": new_id(),
        "X-Cxlens-Signature": signature(secret, body),
    }
    error = None
    attempts = 0
    for wait in (*waits, None):
        attempts += 1
        try:
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=10) as response:
                if 200 <= response.status < 300:
                    _finish(collector, delivery, "sent", attempts, None)
                    return True
                error = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code}"
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                break  # the receiver refuses it; trying again will not help
        except (OSError, urllib.error.URLError) as exc:
            error = str(exc)[:500]
        if wait is not None:
            time.sleep(wait)
    _finish(collector, delivery, "failed", attempts, error)
    return False


def delivery_log(collector: Collector, limit: int = 50) -> list[dict[str, Any]]:
    with collector.engine.connect() as conn:
        rows = conn.execute(
            sa.select(db.deliveries).order_by(db.deliveries.c.id.desc()).limit(limit)
        )
        return [dict(r._mapping) for r in rows]


def team_emails(collector: Collector) -> list[str]:
    """The addresses of ``[alerting] emails``, when there is also an SMTP server to send through."""
    emails: Any = collector.config.section("alerting").get("emails", [])
    return [str(e) for e in emails] if emails and smtp_configured(collector) else []


def email_team(collector: Collector, subject: str, body: str, topic: str) -> bool:
    """Send a plain message to every team address; True when all went out."""
    sender = str(collector.config.section("smtp").get("sender") or "cxlens <alerts@localhost>")
    ok = True
    for address in team_emails(collector):
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = address
        msg["Subject"] = subject
        msg.set_content(body)
        ok &= send_email(collector, msg, topic)
    return ok


def case_email(collector: Collector, case: dict[str, Any], lang: str) -> tuple[str, str]:
    """Subject and body of the team's e-mail about a new follow-up case, in ``lang``."""
    link = f"{collector.public_url.rstrip('/')}/admin/cases/{case['id']}"
    score = f"{case['kind'].upper()} {format_number(case['score'], lang, 0)}"
    customer = case["customer_id"] or gettext("(anonymous)", lang)
    subject = "[cxlens] " + gettext(
        "Follow-up case %(id)s: %(score)s", lang, id=case["id"], score=score
    )
    body = gettext(
        "Customer: %(customer)s\nSurvey: %(survey)s\nScore: %(score)s\nComment: %(comment)s\n",
        lang, customer=customer, survey=case["survey_id"], score=score,
        comment=case["comment"] or "",
    )  # fmt: skip
    return subject, f"{body}\n{link}\n"


def announce_case(collector: Collector, case_id: int) -> None:
    """Tell the team about a new follow-up case: webhooks on "case.opened", e-mail to [alerting] emails
    (in the workspace's language)."""
    case, _ = collector.case(case_id)
    notify(collector, "case.opened", case_json(case))
    subject, body = case_email(collector, case, collector.config.language)
    email_team(collector, subject, body, f"case:{case_id}")
