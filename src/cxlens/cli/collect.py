"""Commands for collecting feedback: survey, serve, sync, cases."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table as RichTable

from cxlens.cli.common import WorkspaceOption, console, fail, open_ws, print_json, user_errors
from cxlens.cli.tables import print_table


def _switch(survey_id: str, workspace: Path | None, active: bool) -> None:
    """Turn ``survey_id`` on or off and say so."""
    with user_errors():
        _, collector = _collector(workspace)
        collector.set_active(survey_id, active)
    console.print(f"Survey '{survey_id}' is {'active' if active else 'inactive'}.", markup=False)


def _collector(workspace: Path | None) -> tuple[Any, Any]:
    from cxlens.collect.service import Collector

    ws = open_ws(workspace)
    return ws, Collector(ws.config)


def demo_surveys(collector: Any) -> list[str]:
    """The three template surveys every demo workspace gets, with triggers, all inactive:
    the demo invites nobody until an admin turns a survey on."""
    from cxlens.collect.surveys import template_survey

    surveys = [
        template_survey("nps", "nps-relational", name="Relational NPS", touchpoint="relationship",
                        trigger={"every": "90d", "active": "365d"}),
        template_survey("csat", "csat-delivery", name="Delivery CSAT", touchpoint="delivery",
                        trigger={"after": "order", "delay": "2d"}, sampling=0.3),
        template_survey("ces", "ces-support", name="Support CES", touchpoint="support",
                        trigger={"after": "ticket_resolved", "delay": "1d"}),
    ]  # fmt: skip
    for survey in surveys:
        collector.save_survey(survey, replace=True)
        collector.set_active(survey.id, False)
    return [s.id for s in surveys]


def _check_port_free(host: str, port: int) -> None:
    """Stop with a clear message when another server already listens on ``host:port``."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        fail(f"--host {host!r} is not an address of this machine: {exc.strerror}.")
    family, kind, _, _, address = infos[0]
    with socket.socket(family, kind) as probe:
        # as the server binds: a port left in TIME_WAIT by a stopped server is free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            fail(
                f"Port {port} on {host} is in use ({exc.strerror}): another server is "
                f"listening there. Stop it, or serve on another port with --port."
            )


def register(app: typer.Typer) -> None:
    survey_app = typer.Typer(help="Surveys: create, list, invite, dispatch.", no_args_is_help=True)
    app.add_typer(survey_app, name="survey")

    @survey_app.command("create")
    def survey_create(
        file: Path | None = typer.Argument(None, help="A survey definition in YAML or TOML."),
        template: str | None = typer.Option(None, help="Start from a template: nps, csat or ces."),
        survey_id: str | None = typer.Option(None, "--id", help="Id for a template survey."),
        touchpoint: str | None = typer.Option(None, help="Touchpoint for a template survey."),
        replace: bool = typer.Option(False, "--replace", help="Replace a survey with the same id."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Create a survey from a YAML/TOML file or a template (NPS, CSAT, CES in six languages)."""
        from cxlens.collect.surveys import load_survey_file, template_survey

        with user_errors():
            if (file is None) == (template is None):
                fail("Give a survey FILE or --template nps|csat|ces.")
            _, collector = _collector(workspace)
            if file is not None:
                survey = load_survey_file(file)
            else:
                assert template is not None
                fields = {"touchpoint": touchpoint} if touchpoint else {}
                survey = template_survey(template, survey_id, **fields)
            collector.save_survey(survey, replace=replace)
        console.print(
            f"Survey '{survey.id}' ({survey.kind}) saved; it invites nobody until it is turned "
            f"on. Next: cxlens survey invite {survey.id} (a link by hand), or cxlens survey "
            f"activate {survey.id} (its trigger invites who is due)",
            markup=False,
        )

    @survey_app.command("activate")
    def survey_activate(
        survey_id: str = typer.Argument(..., help="The survey's id."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Turn a survey on: its trigger invites (and e-mails) who is due at each dispatch."""
        _switch(survey_id, workspace, True)

    @survey_app.command("deactivate")
    def survey_deactivate(
        survey_id: str = typer.Argument(..., help="The survey's id."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Turn a survey off: no more invitations; its links already sent still work."""
        _switch(survey_id, workspace, False)

    @survey_app.command("runs")
    def survey_runs(
        limit: int = typer.Option(20, help="How many of the latest runs."),
        as_json: bool = typer.Option(False, "--json"),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """The latest dispatch runs (the server's scheduler and this command) with their counts."""
        from cxlens.collect.triggers import dispatch_runs

        with user_errors():
            ws, collector = _collector(workspace)
            runs = dispatch_runs(collector, limit)
        if as_json:
            print_json(runs)
            return
        if not runs:
            console.print("No dispatch has run yet.")
            return
        zone = ZoneInfo(ws.config.timezone)
        table = RichTable(title="Dispatch runs")
        table.add_column(f"started ({ws.config.timezone})")
        table.add_column("by")
        for col in ("surveys", "due", "invited", "emailed", "failed"):
            table.add_column(col, justify="right")
        table.add_column("error")
        for r in runs:
            table.add_row(
                _local(r["started_at"], zone), r["origin"],
                *(str(r[c]) for c in ("surveys", "due", "invited", "emailed", "failed")),
                r["error"] or "",
            )  # fmt: skip
        print_table(table)

    @survey_app.command("list")
    def survey_list(
        as_json: bool = typer.Option(False, "--json"), workspace: Path | None = WorkspaceOption
    ) -> None:
        """The surveys with whether they are active, their kind, touchpoint, trigger and sampling."""
        with user_errors():
            _, collector = _collector(workspace)
            surveys = collector.surveys()
            active = collector.active_survey_ids()
        if as_json:
            print_json([{**asdict(s), "active": s.id in active} for s in surveys])
            return
        table = RichTable(title="Surveys")
        for col in ("id", "active", "kind", "touchpoint", "trigger", "sampling", "anonymous"):
            table.add_column(col)
        for s in surveys:
            table.add_row(
                s.id,
                "yes" if s.id in active else "no",
                s.kind,
                s.touchpoint or "–",
                _trigger(s.trigger),
                f"{s.sampling:g}",
                "yes" if s.anonymous else "no",
            )
        print_table(table)

    @survey_app.command("invite")
    def survey_invite(
        survey_id: str = typer.Argument(..., help="The survey's id."),
        customer: str | None = typer.Option(
            None, "--customer", help="The customer's id (none: an open link)."
        ),
        lang: str = typer.Option("en", "--lang", "-l", help="Language of the survey page."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Create a signed invitation link."""
        with user_errors():
            _, collector = _collector(workspace)
            inv = collector.invite(survey_id, customer, lang)
        assert inv is not None
        typer.echo(inv.url(collector.public_url))

    @survey_app.command("dispatch")
    def survey_dispatch(
        dry_run: bool = typer.Option(False, "--dry-run", help="Count who is due; invite nobody."),
        as_json: bool = typer.Option(False, "--json"),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Evaluate the active surveys' triggers: invite (and e-mail) customers who are due, within the fatigue rules."""
        from cxlens.collect.triggers import dispatch

        with user_errors():
            ws, collector = _collector(workspace)
            reports = dispatch(ws, collector, dry_run=dry_run)
        if as_json:
            print_json([asdict(r) for r in reports])
            return
        table = RichTable(title="Dispatch" + (" (dry run)" if dry_run else ""))
        cols = (
            "survey_id",
            "due",
            "no_consent",
            "opted_out",
            "fatigued",
            "not_sampled",
            "already",
            "invited",
            "emailed",
            "failed",
        )
        for col in cols:
            table.add_column(
                col.replace("_", " "), justify="left" if col == "survey_id" else "right"
            )
        for r in reports:
            table.add_row(*(str(getattr(r, c)) for c in cols))
        print_table(table)
        if not reports:
            console.print(
                "No active survey has a trigger: `cxlens survey list` shows them, "
                "`cxlens survey activate ID` turns one on."
            )

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on."),
        port: int = typer.Option(8000, help="Port."),
        schedule: bool = typer.Option(
            True,
            "--schedule/--no-schedule",
            help="Dispatch and sync every [collection] schedule_minutes.",
        ),
        workers: int = typer.Option(1, help="Worker processes (one per core serves the most)."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Run the web app: survey pages, the response API, cases and the signed-in pages."""
        import os
        import threading

        import uvicorn

        from cxlens.alerts.schedule import show_on_console
        from cxlens.collect.relay import ENV_RELAY, RelayServer
        from cxlens.collect.service import Collector
        from cxlens.config import ENV_WORKSPACE
        from cxlens.web.app import create_app, freeze_startup_objects, scheduled_jobs

        show_on_console()
        with user_errors():
            ws = open_ws(workspace)
            if workers < 1:
                fail("--workers must be at least 1.")
            _check_port_free(host, port)
            application = create_app(ws.root, schedule=schedule) if workers == 1 else None
        console.print(
            f"cxlens serves {ws.root} on http://{host}:{port} (Ctrl-C stops it)", markup=False
        )
        if application is not None:
            freeze_startup_objects()
            uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
            return
        os.environ[ENV_WORKSPACE] = str(ws.root)
        os.environ["CXLENS_SCHEDULE"] = (
            "0"  # the workers only serve; this process runs the schedule
        )
        minutes = float(ws.config.section("collection").get("schedule_minutes", 10))
        if schedule and minutes > 0:
            threading.Thread(
                target=scheduled_jobs,
                args=(ws, Collector(ws.config), minutes, threading.Event()),
                daemon=True,
            ).start()
        # this process writes the answers of every worker, so they share its commits
        relay = RelayServer(Collector(ws.config)).start()
        os.environ[ENV_RELAY] = str(relay.path)
        freeze_startup_objects()
        try:
            uvicorn.run(
                "cxlens.web.app:app_from_environment",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level="warning",
                access_log=False,
            )
        finally:
            relay.stop()

    @app.command("sync")
    def sync_command(
        alerts: bool = typer.Option(
            True, "--alerts/--no-alerts", help="Check and send the alert rules afterwards."
        ),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Copy new responses, invitations, displays and cases from the collection store into the warehouse."""
        from cxlens.alerts.deliver import sync_and_alert
        from cxlens.collect.sync import sync

        with user_errors():
            ws, collector = _collector(workspace)
            report = sync_and_alert(ws, collector) if alerts else sync(ws, collector)
        if not report.rows:
            console.print("Nothing new to sync.")
        for table, n in report.rows.items():
            console.print(f"{table}: {n:,} {'row' if n == 1 else 'rows'} merged", markup=False)
        if report.comments_analysed:
            console.print(
                f"comments: {report.comments_analysed:,} new ones given language, sentiment and themes",
                markup=False,
            )
        if report.text_problem:
            console.print(f"comments not analysed: {report.text_problem}", markup=False)
        if report.alerts:
            console.print(
                f"alerts: {report.alerts['sent']} sent, {report.alerts['failed']} failed",
                markup=False,
            )

    @app.command("cases")
    def cases_command(
        status: str | None = typer.Option(None, help="open, in progress or closed."),
        summary: bool = typer.Option(
            False,
            "--summary",
            help="How the follow-up goes: times, SLA kept, root causes, recovery.",
        ),
        as_json: bool = typer.Option(False, "--json"),
        lang: str | None = typer.Option(
            None,
            "--lang",
            "-l",
            help="Language of the list or --summary: en, et, bg, de, hr or fi (default: the "
            "workspace's).",
            show_default=False,
        ),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Follow-up cases opened by detractors and low CSAT/CES answers."""
        if summary:
            _case_summary(workspace, as_json, lang)
            return
        from cxlens.collect.business_hours import is_overdue
        from cxlens.collect.service import now_utc
        from cxlens.i18n import (
            check_language,
            format_local_time,
            format_number,
            gettext,
            labels_for,
            pgettext,
        )

        with user_errors():
            ws, collector = _collector(workspace)
            language = check_language(lang, ws.config.language)
            rows = collector.cases(status)
        if as_json:
            print_json(rows)
            return
        labels, zone = labels_for(ws.config), ws.config.timezone
        if not rows:
            console.print(
                gettext(
                    "No follow-up case has the status %(status)s.", language,
                    status=labels.name("status", status, language),
                )
                if status
                else gettext("No follow-up case yet.", language),
                markup=False,
            )  # fmt: skip
            return
        now = now_utc()
        table = RichTable(title=gettext("Follow-up cases", language))
        table.add_column("#", justify="right")
        table.add_column(f"{gettext('Opened', language)} ({zone})")
        for header in (gettext("Customer", language), gettext("Kind", language)):
            table.add_column(header)
        table.add_column(gettext("Score", language), justify="right")
        for header in ("Status", "Owner", "Team"):
            table.add_column(gettext(header, language))
        table.add_column(f"{pgettext('case', 'Due', language)} ({zone})")
        table.add_column(gettext("Comment", language))
        for c in rows:
            due = format_local_time(c["deadline_at"], zone, language) if c["deadline_at"] else "–"
            if is_overdue(c, now):
                due += f" ({pgettext('case', 'overdue', language)})"
            if c["escalated_at"]:
                due += f" ({pgettext('case', 'escalated', language)})"
            table.add_row(
                str(c["id"]),
                format_local_time(c["opened_at"], zone, language),
                c["customer_id"] or "–",
                labels.name("kind", c["kind"], language),
                format_number(c["score"], language, 0),
                labels.name("status", c["status"], language),
                c["owner"] or "–",
                c["team"] or "–",
                due,
                (c["comment"] or "")[:60],
            )
        print_table(table)


def _case_summary(workspace: Path | None, as_json: bool, lang: str | None) -> None:
    """``cxlens cases --summary``: the case analytics with their intervals, and the
    recovery of contacted against not contacted cases, in the reader's language."""
    from dataclasses import asdict

    from cxlens.collect.case_analytics import case_analytics, recovery_comparison
    from cxlens.i18n import check_language, format_number, gettext, labels_for
    from cxlens.reports import case_tables

    with user_errors():
        ws, collector = _collector(workspace)
        language = check_language(lang, ws.config.language)
        stats = case_analytics(collector)
        recovery = recovery_comparison(ws, collector)
    if as_json:
        print_json({**asdict(stats), "recovery_comparison": asdict(recovery)})
        return
    table = RichTable(title=gettext("Follow-up cases", language))
    table.add_column(gettext("Measure", language))
    table.add_column(gettext("Value", language), justify="right")
    for row in case_tables.summary_rows(stats, language, labels_for(ws.config)):
        table.add_row(*row)
    print_table(table)
    if not recovery.cases:
        days = format_number(recovery.days, language, 0)
        console.print(
            gettext(
                "Whether the follow-up helps is measured on cases opened at least %(days)s days "
                "ago; there is none yet.",
                language,
                days=days,
            ),
            markup=False,
        )
        return
    table = RichTable(
        title=gettext("Does the follow-up help?", language),
        caption=case_tables.recovery_intro(recovery, language),
    )
    for i, header in enumerate(case_tables.recovery_headers(language)):
        table.add_column(header, justify="right" if i else "left")
    for row in case_tables.recovery_rows(recovery, language):
        table.add_row(*row)
    print_table(table)


def _local(moment: Any, zone: ZoneInfo) -> str:
    """A stored UTC time as the workspace's local time, to the minute."""
    from cxlens.i18n import local_time

    if not isinstance(moment, datetime):
        return str(moment)[:16]
    return local_time(moment, zone.key).strftime("%Y-%m-%d %H:%M")


def _trigger(trigger: dict[str, Any] | None) -> str:
    if not trigger:
        return "–"
    if "after" in trigger:
        return f"{trigger['after']} + {trigger['delay'] / 3600:g} h"
    return f"every {trigger['every'] / 86400:g} d"
