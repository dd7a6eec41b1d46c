"""``cxlens customer erase ID``: a customer's right to erasure (GDPR article 17).

The person's rows are anonymised, not deleted, so that every total stays as it
was (revenue, NPS, response rates, the number of customers): their id becomes a
random pseudonym that nothing links back to them, the same one in every table
so that per-customer figures (frequency, CLV) stay consistent, and everything
that could name them is removed:

* warehouse: in every table, the rows with their ``customer_id`` get the
  pseudonym; the columns marked as personal data (e-mail, comments), and in
  ``customers`` every column cxlens does not define (names, phones...) become
  empty; any other text cell equal to their id or e-mail address becomes empty;
* collection store: invitations, displays, submissions (and the IP address),
  answers and their comments, follow-up cases with their comments, actions and notes,
  opt-outs (kept under the pseudonym, so nothing is sent to it), and
  the e-mail delivery log (the address);
* the audit log: entries that named them (exports) name the erasure instead;
* the results the commands keep in ``cache/`` are removed.

The erasure is recorded without the personal data (:mod:`cxlens.privacy.register`),
and SQLite's free pages are wiped (VACUUM) so that the old values are not left in
the store's file.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cxlens.collect import db
from cxlens.errors import CxlensError
from cxlens.privacy import register
from cxlens.results import ResultStore
from cxlens.schema import TABLE_NAMES, get_table
from cxlens.warehouse.rewrite import Rows, change_rows

if TYPE_CHECKING:
    from cxlens.collect.service import Collector
    from cxlens.data import WorkspaceData

ERASED_NOTE = "(erased)"


@dataclass
class Erasure:
    number: int
    changed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.changed.values())


def new_pseudonym() -> str:
    """A random customer id for an erased person: unique, and derived from nothing."""
    return "erased-" + secrets.token_hex(8)


def customer_email(ws: WorkspaceData, customer_id: str) -> str | None:
    if not ws.warehouse.exists("customers"):
        return None
    t = ws.table("customers")
    if "email" not in t.columns:
        return None
    rows = t.filter(t.customer_id == customer_id).select("email").execute()
    emails = [e for e in rows["email"] if isinstance(e, str) and e.strip()]
    return emails[0] if emails else None


def erase_customer(
    ws: WorkspaceData, collector: Collector, customer_id: str, actor: str
) -> Erasure:
    """Anonymise ``customer_id`` everywhere cxlens keeps data; see the module's description."""
    from cxlens.collect.accounts import now_utc

    if not customer_id.strip():
        raise CxlensError("Give the id of the customer to erase.")
    email = customer_email(ws, customer_id)
    pseudonym = new_pseudonym()
    changed = _erase_in_store(collector, customer_id, email, pseudonym)
    changed.update(_erase_in_warehouse(ws, customer_id, email, pseudonym))
    if not any(changed.values()):
        raise CxlensError(
            f"cxlens holds nothing about customer {customer_id!r}"
            + (" (it was erased before)." if register.find(collector, customer_id) else ".")
        )
    summary = {k: v for k, v in changed.items() if v}
    number = register.record(collector, customer_id, email, actor, now_utc(), summary)
    _scrub_audit_log(collector, customer_id, number)
    _wipe_free_pages(collector)
    ResultStore(ws).clear()  # kept results were computed from the person's rows
    return Erasure(number, summary)


def _erase_in_warehouse(
    ws: WorkspaceData, customer_id: str, email: str | None, pseudonym: str
) -> dict[str, int]:
    changed = {}
    for name in TABLE_NAMES:
        spec = get_table(name)
        if "customer_id" not in spec.column_names or not ws.warehouse.exists(name):
            continue
        set_values: dict[str, Any] = {"customer_id": pseudonym}
        set_values.update({c.name: None for c in spec.columns if c.pii})
        if name == "customers":  # columns of the source system may name the person
            extra = [c for c in ws.table(name).columns if c not in spec.column_names]
            set_values.update(dict.fromkeys(extra))
        equal = [customer_id, *([email] if email else [])]
        changed[f"warehouse.{name}"] = change_rows(
            ws.warehouse, name, Rows(column="customer_id", values=[customer_id]), set_values, equal
        )
    return changed


def _erase_in_store(
    collector: Collector, customer_id: str, email: str | None, pseudonym: str
) -> dict[str, int]:

    def change(conn: sa.Connection) -> dict[str, int]:
        changed: dict[str, int] = {}

        def update(table: sa.Table, **values: Any) -> int:
            done = conn.execute(
                table.update().where(table.c.customer_id == customer_id).values(**values)
            )
            return int(done.rowcount or 0)

        case_ids = [
            r.id
            for r in conn.execute(
                sa.select(db.cases.c.id).where(db.cases.c.customer_id == customer_id)
            )
        ]
        if case_ids:
            notes = conn.execute(
                db.case_notes.update()
                .where(db.case_notes.c.case_id.in_(case_ids))
                .values(text=ERASED_NOTE)
            )
            changed["store.case_notes"] = int(notes.rowcount or 0)
        changed["store.invitations"] = update(db.invitations, customer_id=pseudonym)
        changed["store.displays"] = update(db.displays, customer_id=pseudonym)
        changed["store.submissions"] = update(db.submissions, customer_id=pseudonym, ip=None)
        changed["store.answers"] = update(db.answers, customer_id=pseudonym, comment=None)
        changed["store.cases"] = update(db.cases, customer_id=pseudonym, comment=None, action=None)
        # the opt-out stays, under the pseudonym: nothing is ever sent to it
        changed["store.opt_outs"] = update(db.opt_outs, customer_id=pseudonym)
        if email:
            deliveries = conn.execute(
                db.deliveries.update()
                .where(sa.func.lower(db.deliveries.c.target) == register.normalise_email(email))
                .values(target=ERASED_NOTE, last_error=None)
            )
            changed["store.deliveries"] = int(deliveries.rowcount or 0)
        return changed

    return dict(collector.write(change))


def _scrub_audit_log(collector: Collector, customer_id: str, number: int) -> None:
    collector.execute(
        db.audit_log.update()
        .where(db.audit_log.c.target == customer_id)
        .where(db.audit_log.c.action.like("customer_%"))
        .values(target=f"erasure #{number}")
    )


def _wipe_free_pages(collector: Collector) -> None:
    """Leave no old value in the store's files: rewrite SQLite's file and empty its log; on
    PostgreSQL, let VACUUM reclaim the old row versions."""
    engine = collector.engine
    if engine.dialect.name == "sqlite":
        # outside any transaction; a writer meanwhile waits (SQLite's busy timeout)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in (db.invitations, db.displays, db.submissions, db.answers, db.cases,
                          db.case_notes, db.deliveries, db.audit_log):  # fmt: skip
                conn.exec_driver_sql(f'VACUUM "{table.name}"')
