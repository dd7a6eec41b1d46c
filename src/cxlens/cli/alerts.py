"""The alerts command: check the KPI alert rules of cxlens.toml."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from cxlens.cli.common import WorkspaceOption, console, open_ws, print_json, user_errors
from cxlens.errors import CxlensError


def register(app: typer.Typer) -> None:
    alerts_app = typer.Typer(
        help="KPI alerts: rules in cxlens.toml, fired only on significant changes.",
        no_args_is_help=True,
    )
    app.add_typer(alerts_app, name="alerts")

    @alerts_app.command("check")
    def check(
        today: str | None = typer.Option(
            None, help="Evaluate as if today were this day (YYYY-MM-DD)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the fired alerts as JSON."),
        send: bool = typer.Option(
            False, "--send", help="Also send new alerts by e-mail ([alerting] emails) and webhook."
        ),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Evaluate every [[alerts]] rule on the latest full period and list the alerts that fire."""
        from cxlens.alerts import check_alerts

        with user_errors():
            ws = open_ws(workspace)
            try:
                day = date.fromisoformat(today) if today else None
            except ValueError:
                raise CxlensError(f"--today {today!r}: use a date like 2026-04-05.") from None
            alerts = check_alerts(ws, today=day)
            sent = None
            if send and alerts:
                from cxlens.alerts.deliver import deliver_alerts
                from cxlens.collect.service import Collector

                sent = deliver_alerts(Collector(ws.config), alerts)
        if sent is not None:
            console.print(
                f"Sent {sent['sent']} new alert(s); {sent['skipped']} went out before; "
                f"{sent['failed']} failed (see the delivery log).",
                markup=False,
            )
        if as_json:
            print_json([a.as_dict() for a in alerts])
            return
        if not alerts:
            console.print("No alert fired: no rule is met by a significant change or interval.")
            return
        for a in alerts:
            console.print(f"ALERT {a.message}", markup=False, soft_wrap=True)
            console.print(f"  {a.link}", markup=False, soft_wrap=True)
