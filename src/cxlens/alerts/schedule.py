"""The scheduler of ``cxlens serve``: what runs every ``[collection] schedule_minutes``.

Each round dispatches the active surveys' invitations (logged in ``dispatch_runs``
and on the ``cxlens.schedule`` log, which ``cxlens serve`` prints), copies the
collection store into the warehouse and sends the alerts, then assigns new
follow-up cases, reminds their owners and escalates overdue ones
(:mod:`cxlens.collect.followup`), and sends the digests whose period has ended
(:mod:`cxlens.alerts.digest`). A job that fails is
logged and tried again next round; the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxlens.collect.service import Collector
    from cxlens.data import WorkspaceData

log = logging.getLogger("cxlens.schedule")


def run_round(ws: WorkspaceData, collector: Collector, now: datetime | None = None) -> list[str]:
    """One round of the scheduler at ``now`` (the clock: default the real one); the jobs
    that failed."""
    from cxlens.alerts.deliver import sync_and_alert
    from cxlens.alerts.digest import send_due_digests
    from cxlens.collect.followup import follow_up
    from cxlens.collect.triggers import dispatch

    def loop() -> None:
        done = follow_up(ws, collector, now)
        if done.assigned or done.reminded or done.escalated or done.unannounced:
            log.info(
                "follow-up: %d cases assigned, %d owners reminded, %d cases escalated, "
                "%d overdue with nobody to tell (no team lead or [alerting] emails, or no SMTP)",
                done.assigned, done.reminded, done.escalated, done.unannounced,
            )  # fmt: skip

    jobs: list[tuple[str, Callable[[], object]]] = [
        ("dispatch", lambda: dispatch(ws, collector, now=now, origin="schedule")),
        ("sync", lambda: sync_and_alert(ws, collector)),
        ("follow-up", loop),
        ("digests", lambda: send_due_digests(ws, collector, now)),
    ]
    failed = []
    for name, job in jobs:
        try:
            job()
        except Exception:
            log.exception("scheduled %s failed; it is tried again next round", name)
            failed.append(name)
    return failed


def show_on_console() -> None:
    """Print the scheduler's log lines (each dispatch with its counts) on standard error."""
    logger = logging.getLogger("cxlens.schedule")
    if any(getattr(h, "cxlens_console", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    handler.cxlens_console = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
