"""The register of erased customers: who was erased, without keeping who it was.

An erasure keeps a salted SHA-256 of the customer's id and of their e-mail
address (lower-cased), with a salt derived from the workspace's secret key, and
counts of what was changed: never the id, the address or any other value. That is
enough to notice when a later import brings the same person back (the engine
computes the same hash over the imported ids), and not enough to tell who it was
without the key. A new secret key makes older entries unrecognisable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cxlens.collect import db

if TYPE_CHECKING:
    from cxlens.collect.service import Collector
    from cxlens.data import WorkspaceData


@dataclass(frozen=True)
class Entry:
    id: int
    erased_at: datetime
    subject_hash: str
    email_hash: str | None


def salt(secret_key: str) -> str:
    """The register's salt: derived from the secret key, never stored."""
    return hmac.new(secret_key.encode(), b"cxlens erasure register", hashlib.sha256).hexdigest()


def digest(secret_key: str, value: str) -> str:
    return hashlib.sha256((salt(secret_key) + value).encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def record(
    collector: Collector,
    customer_id: str,
    email: str | None,
    actor: str,
    at: datetime,
    summary: dict[str, Any],
) -> int:
    """Add an erasure to the register; returns its number."""
    key = collector.key

    def change(conn: sa.Connection) -> int:
        result = conn.execute(
            db.erasures.insert().values(
                erased_at=at, actor=actor[:100], subject_hash=digest(key, customer_id),
                email_hash=digest(key, normalise_email(email)) if email else None,
                summary=json.dumps(summary, sort_keys=True),
            )
        )  # fmt: skip
        number = int(result.inserted_primary_key[0])  # type: ignore[index]
        collector.accounts.audit(conn, actor, "customer_erased", f"erasure #{number}", **summary)
        return number

    number = int(collector.write(change))
    return number


def entries(collector: Collector) -> list[Entry]:
    with collector.engine.connect() as conn:
        rows = conn.execute(sa.select(db.erasures).order_by(db.erasures.c.id)).all()
    return [Entry(r.id, r.erased_at, r.subject_hash, r.email_hash) for r in rows]


def find(collector: Collector, customer_id: str) -> Entry | None:
    """The erasure of ``customer_id``, if there was one."""
    wanted = digest(collector.key, customer_id)
    return next((e for e in entries(collector) if e.subject_hash == wanted), None)


def returned(ws: WorkspaceData, collector: Collector, table: str) -> list[str]:
    """Warnings for the erased people that ``table`` holds again (by id, or by e-mail in
    customers), naming them as the imported data does."""
    import ibis

    from cxlens.schema import get_table

    found = entries(collector)
    spec = get_table(table)
    if not found or not ws.warehouse.exists(table):
        return []
    t = ws.table(table)
    secret_salt = ibis.literal(salt(collector.key))
    by_hash = {e.subject_hash: e for e in found}
    by_email = {e.email_hash: e for e in found if e.email_hash}
    hits: dict[str, tuple[Entry, str]] = {}
    if "customer_id" in t.columns and (spec.references_customers or table == "customers"):
        hashed = (secret_salt + t.customer_id).hexdigest("sha256")
        rows = t.filter(hashed.isin(list(by_hash))).select("customer_id", h=hashed)
        for r in rows.distinct().execute().to_dict(orient="records"):
            hits[str(r["customer_id"])] = (by_hash[r["h"]], "was erased")
    if "email" in t.columns and by_email:
        hashed = (secret_salt + t.email.strip().lower()).hexdigest("sha256")
        rows = t.filter(hashed.isin(list(by_email))).select("customer_id", h=hashed)
        for r in rows.distinct().execute().to_dict(orient="records"):
            hits.setdefault(
                str(r["customer_id"]),
                (by_email[r["h"]], "has the e-mail address of a customer erased"),
            )
    return [
        f"{table}: customer {cid} {how} on {entry.erased_at:%Y-%m-%d} (erasure #{entry.id}) "
        f"and is in the data again; run `cxlens customer erase {cid}` if it must not be kept."
        for cid, (entry, how) in sorted(hits.items())
    ]
