"""Sending fired alerts: e-mail to the addresses in ``[alerting]`` and the webhooks listening to "alert".

    [alerting]
    emails = ["cx-team@example.com"]

Each alert is sent once: a delivery log entry per alert (rule, period and
breakdown) keeps a later check from sending it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from cxlens.collect import db
from cxlens.collect.delivery import email_team, notify, team_emails
from cxlens.collect.service import now_utc

if TYPE_CHECKING:
    from cxlens.alerts.rules import Alert
    from cxlens.collect.service import Collector
    from cxlens.collect.sync import SyncReport
    from cxlens.data import WorkspaceData


def alert_key(alert: Alert) -> str:
    dims = ",".join(f"{k}={v}" for k, v in sorted(alert.dims.items()))
    return f"alert:{alert.rule.name}:{alert.period}:{dims}"[:100]


def _sent_before(collector: Collector, key: str) -> bool:
    with collector.engine.connect() as conn:
        row = conn.execute(
            sa.select(db.deliveries.c.id)
            .where(db.deliveries.c.topic == key)
            .where(db.deliveries.c.status == "sent")
            .limit(1)
        ).first()
    return row is not None


def deliver_alerts(collector: Collector, alerts: list[Alert]) -> dict[str, int]:
    """Send each new alert by e-mail and webhook; counts of sent, skipped (sent before) and failed."""
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    emails = team_emails(collector)
    for alert in alerts:
        key = alert_key(alert)
        if _sent_before(collector, key):
            counts["skipped"] += 1
            continue
        ok = True
        results = notify(collector, "alert", {**alert.as_dict(), "key": key})
        ok &= all(results)
        ok &= email_team(
            collector, f"[cxlens] {alert.rule.name}", f"{alert.message}\n\n{alert.link}\n", key
        )
        if not results and not emails:
            continue  # nowhere to send it
        if ok:
            # a marker entry, so the next check knows this alert went out
            stmt = db.deliveries.insert().values(
                channel="alert", target="-", topic=key, status="sent", attempts=1,
                created_at=now_utc(),
            )  # fmt: skip
            collector.execute(stmt)
            counts["sent"] += 1
        else:
            counts["failed"] += 1
    return counts


def sync_and_alert(ws: WorkspaceData, collector: Collector) -> SyncReport:
    """Sync, then check the alert rules on the new data and send what fires for the first time."""
    from cxlens.alerts.rules import check_alerts, load_rules
    from cxlens.collect.sync import sync

    report = sync(ws, collector)
    if load_rules(ws):
        report.alerts = deliver_alerts(collector, check_alerts(ws))
    return report
