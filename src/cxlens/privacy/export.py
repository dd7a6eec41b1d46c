"""``cxlens customer export ID``: everything cxlens holds about one person (GDPR article 15).

One JSON document: the person's rows of every warehouse table, and from the
collection store their invitations, displays, submissions, answers, follow-up
cases with notes and the e-mails sent to their address. Values are given as
stored, times in ISO 8601.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cxlens.collect import db
from cxlens.errors import CxlensError
from cxlens.privacy import register
from cxlens.privacy.erase import customer_email
from cxlens.schema import TABLE_NAMES, get_table

if TYPE_CHECKING:
    from cxlens.collect.service import Collector
    from cxlens.data import WorkspaceData


def _plain(value: Any) -> Any:
    """A value as JSON writes it: times as ISO text, NaN and NaT as null."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        try:
            return value.isoformat()
        except ValueError:  # NaT
            return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in r.items()} for r in records]


def customer_export(
    ws: WorkspaceData, collector: Collector, customer_id: str, actor: str
) -> dict[str, Any]:
    """Everything about ``customer_id``; :class:`CxlensError` if cxlens holds nothing."""
    from cxlens.collect.accounts import now_utc

    warehouse: dict[str, list[dict[str, Any]]] = {}
    for name in TABLE_NAMES:
        if "customer_id" not in get_table(name).column_names or not ws.warehouse.exists(name):
            continue
        t = ws.table(name)
        rows = _rows(t.filter(t.customer_id == customer_id).execute().to_dict(orient="records"))
        if rows:
            warehouse[name] = rows
    email = customer_email(ws, customer_id)
    store: dict[str, list[dict[str, Any]]] = {}
    with collector.engine.connect() as conn:
        for table in (
            db.invitations, db.displays, db.submissions, db.answers, db.cases, db.opt_outs,
        ):  # fmt: skip
            found = conn.execute(sa.select(table).where(table.c.customer_id == customer_id))
            rows = _rows([dict(r._mapping) for r in found])
            if rows:
                store[table.name] = rows
        case_ids = [c["id"] for c in store.get("cases", [])]
        if case_ids:
            notes = conn.execute(
                sa.select(db.case_notes).where(db.case_notes.c.case_id.in_(case_ids))
            )
            store["case_notes"] = _rows([dict(r._mapping) for r in notes])
        if email:
            sent = conn.execute(
                sa.select(db.deliveries).where(
                    sa.func.lower(db.deliveries.c.target) == register.normalise_email(email)
                )
            )
            rows = _rows([dict(r._mapping) for r in sent])
            if rows:
                store["deliveries"] = rows
    if not warehouse and not store:
        erased = register.find(collector, customer_id)
        note = f" (it was erased on {erased.erased_at:%Y-%m-%d})" if erased else ""
        raise CxlensError(f"cxlens holds nothing about customer {customer_id!r}{note}.")
    at = now_utc()
    collector.accounts.record(actor, "customer_exported", customer_id)
    return {
        "customer_id": customer_id,
        "exported_at": at.isoformat(),
        "workspace": str(ws.config.get("workspace", "name")),
        "warehouse": warehouse,
        "collection": store,
    }
