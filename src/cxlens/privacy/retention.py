"""Retention periods for personal data, from ``[privacy]`` in cxlens.toml.

* ``comment_retention_days``: comments older than this are removed (the score
  stays): in the warehouse's responses and in the store's answers and cases.
* ``email_retention_days``: the e-mail address of a customer with no order,
  event, ticket or answer for this long is removed, and so is the address of
  every e-mail sent this long ago from the delivery log.

0 (the default) keeps them. ``cxlens serve`` applies the periods once a day and
``cxlens customer retention`` at once; each run that removes something is in the
audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from cxlens.collect import db
from cxlens.errors import CxlensError
from cxlens.results import ResultStore
from cxlens.warehouse.rewrite import Rows, change_rows

if TYPE_CHECKING:
    from cxlens.collect.service import Collector
    from cxlens.data import WorkspaceData

EXPIRED = "(expired)"
#: the tables whose rows show that a customer is active, with their time column
ACTIVITY = {"orders": "ts", "events": "ts", "tickets": "opened_at", "responses": "ts"}


@dataclass
class Retention:
    comment_days: float
    email_days: float
    removed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def periods(ws: WorkspaceData) -> tuple[float, float]:
    """(comment days, e-mail days) from the settings; 0 keeps."""
    section = ws.config.section("privacy")
    out = []
    for name in ("comment_retention_days", "email_retention_days"):
        value = section.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise CxlensError(
                f"cxlens.toml: [privacy] {name} is a number of days (0 keeps), got {value!r}."
            )
        out.append(float(value))
    return out[0], out[1]


def apply_retention(
    ws: WorkspaceData, collector: Collector, now: datetime | None = None, actor: str = "scheduler"
) -> Retention:
    """Remove the comments and e-mail addresses older than their retention periods."""
    from cxlens.collect.accounts import now_utc

    comment_days, email_days = periods(ws)
    at = now or now_utc()
    done = Retention(comment_days, email_days)
    if comment_days > 0:
        cutoff = at - timedelta(days=comment_days)
        done.removed["warehouse.responses.comment"] = change_rows(
            ws.warehouse, "responses", Rows(before_column="ts", before=cutoff, present="comment"),
            {"comment": None},
        )  # fmt: skip

        def clear_comments(conn: sa.Connection) -> dict[str, int]:
            removed = {}
            for table, time_column in ((db.answers, "ts"), (db.cases, "opened_at")):
                result = conn.execute(
                    table.update()
                    .where(table.c[time_column] < cutoff)
                    .where(table.c.comment.is_not(None))
                    .values(comment=None)
                )
                removed[f"store.{table.name}.comment"] = int(result.rowcount or 0)
            return removed

        done.removed.update(collector.write(clear_comments))
    if email_days > 0:
        cutoff = at - timedelta(days=email_days)
        inactive = _inactive_with_email(ws, cutoff)
        done.removed["warehouse.customers.email"] = change_rows(
            ws.warehouse, "customers", Rows(column="customer_id", values=inactive), {"email": None}
        )

        def expire_addresses(conn: sa.Connection) -> int:
            result = conn.execute(
                db.deliveries.update()
                .where(db.deliveries.c.channel == "email")
                .where(db.deliveries.c.created_at < cutoff)
                .where(db.deliveries.c.target != EXPIRED)
                .values(target=EXPIRED, last_error=None)
            )
            return int(result.rowcount or 0)

        done.removed["store.deliveries.target"] = collector.write(expire_addresses)
    done.removed = {k: v for k, v in done.removed.items() if v}
    if done.removed:
        ResultStore(ws).clear()  # none may still hold what was removed
        collector.accounts.record(actor, "retention_applied", None, **done.removed)
    return done


def _inactive_with_email(ws: WorkspaceData, cutoff: datetime) -> list[str]:
    """Customers with an e-mail address and no activity since ``cutoff`` (nor joining)."""
    import ibis

    if not ws.warehouse.exists("customers"):
        return []
    c = ws.table("customers")
    if "email" not in c.columns:
        return []
    recent = [c.filter(c.created_at >= cutoff).select("customer_id")]
    for name, column in ACTIVITY.items():
        if ws.warehouse.exists(name):
            t = ws.table(name)
            recent.append(t.filter(t[column] >= cutoff).select("customer_id"))
    active = ibis.union(*recent, distinct=True) if len(recent) > 1 else recent[0]
    candidates = c.filter(c.email.notnull()).select("customer_id")
    quiet = candidates.anti_join(active, "customer_id")
    return [str(v) for v in quiet.execute()["customer_id"]]
