"""The alerts commands: list, add, remove and check the KPI alert rules of cxlens.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cxlens.cli.common import WorkspaceOption, console, open_ws, print_json, user_errors
from cxlens.cli.tables import print_table
from cxlens.i18n import N_, gettext


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
        from cxlens.periods import parse_date

        with user_errors():
            ws = open_ws(workspace)
            out = ws.config.language
            day = parse_date(today, "--today")
            alerts = check_alerts(ws, today=day, lang=out)
            sent = None
            if send and alerts:
                from cxlens.alerts.deliver import deliver_alerts
                from cxlens.collect.service import Collector

                sent = deliver_alerts(Collector(ws.config), alerts)
        if sent is not None:
            console.print(
                gettext(
                    "Alerts sent: %(sent)s new, %(skipped)s sent before, %(failed)s failed (see the "
                    "delivery log).",
                    out, sent=sent["sent"], skipped=sent["skipped"], failed=sent["failed"],
                ),
                markup=False,
            )  # fmt: skip
        if as_json:
            print_json([a.as_dict() for a in alerts])
            return
        if not alerts:
            from cxlens.alerts.rules import load_rules

            with user_errors():
                rules = load_rules(ws, out)
            message = (
                N_("No alert fired: no rule is met by a significant change or interval.")
                if rules
                else N_(
                    "No alert rule is set, so none can fire. Add one with `cxlens alerts add` "
                    "(rules are [[alerts]] in cxlens.toml)."
                )
            )
            console.print(gettext(message, out), markup=False, soft_wrap=True)
            return
        for a in alerts:
            console.print(gettext("ALERT", out) + f" {a.message}", markup=False, soft_wrap=True)
            console.print(f"  {a.link}", markup=False, soft_wrap=True)

    @alerts_app.command("list")
    def list_rules(
        as_json: bool = typer.Option(False, "--json", help="Print the rules as JSON."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """List the alert rules of cxlens.toml."""
        from rich.table import Table as RichTable

        from cxlens.alerts import load_rules
        from cxlens.alerts.rules import WHEN_NAMES
        from cxlens.i18n import format_hours, labels_for, pgettext

        with user_errors():
            ws = open_ws(workspace)
            out = ws.config.language
            rules = load_rules(ws, out)
        if as_json:
            print_json([_rule_record(r) for r in rules])
            return
        if not rules:
            console.print(
                gettext("No alert rules yet; add one with `cxlens alerts add`.", out), markup=False
            )
            return
        labels = labels_for(ws.config)
        table = RichTable(title=gettext("Alert rules", out))
        for header in (
            gettext("Name", out), gettext("Metric", out), gettext("When", out),
            gettext("Threshold", out), gettext("By", out), gettext("Period", out),
            gettext("Waiting longer than", out), gettext("Filter", out),
        ):  # fmt: skip
            table.add_column(header)
        for r in rules:
            cases = r.when == "open_cases"
            table.add_row(
                r.name, "" if cases else r.metric, pgettext("alert when", WHEN_NAMES[r.when], out),
                "" if r.threshold is None else f"{r.threshold:g}",
                ", ".join(labels.dimension(d, out) for d in r.by),
                "" if cases else labels.name("period", r.period, out),
                format_hours(r.older_than_hours, out) if cases else "", r.where or "",
            )  # fmt: skip
        print_table(table)

    @alerts_app.command("add")
    def add(
        name: str = typer.Option(..., help="A name of your own, unique among the rules."),
        when: str = typer.Option(..., help="drops | rises | below | above | open_cases."),
        metric: str | None = typer.Option(None, help="A metric id (not for open_cases)."),
        by: str | None = typer.Option(None, help="Dimensions, comma-separated (country,channel)."),
        period: str = typer.Option("month", help="day | week | month | quarter | year."),
        threshold: float | None = typer.Option(
            None, help="For below/above: the line; for open_cases: how many cases may wait."
        ),
        older_than: str = typer.Option("48h", help="For open_cases: how long a case may wait."),
        where: str | None = typer.Option(
            None,
            help="A filter for the metric, or for open_cases the answer kinds (nps, csat, ces).",
        ),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Add an alert rule to cxlens.toml (checked, and tried once on the data, first)."""
        from cxlens.alerts.edit import add_rule

        with user_errors():
            ws = open_ws(workspace)
            out = ws.config.language
            rule = add_rule(
                ws,
                {"name": name, "when": when, "metric": metric, "by": by, "period": period,
                 "threshold": threshold, "older_than": older_than, "where": where},
                lang=out,
            )  # fmt: skip
        console.print(
            gettext("Added the rule %(name)r to cxlens.toml.", out, name=rule.name), markup=False
        )

    @alerts_app.command("remove")
    def remove(
        name: str = typer.Argument(..., help="The rule's name."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Remove an alert rule from cxlens.toml."""
        from cxlens.alerts.edit import remove_rule

        with user_errors():
            ws = open_ws(workspace)
            out = ws.config.language
            remove_rule(ws, name, lang=out)
        console.print(gettext("Removed the rule %(name)r.", out, name=name), markup=False)


def _rule_record(rule: Any) -> dict[str, Any]:
    cases = rule.when == "open_cases"
    return {
        "name": rule.name,
        "metric": None if cases else rule.metric,
        "when": rule.when,
        "threshold": None if rule.threshold is None else f"{rule.threshold:g}",
        "by": list(rule.by),
        "period": None if cases else rule.period,
        "older_than": f"{rule.older_than_hours:g}h" if cases else None,
        "where": rule.where,
    }
