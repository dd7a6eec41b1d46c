"""Commands for customers' rights: customer export, erase and retention."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from cxlens.cli.accounts import cli_actor
from cxlens.cli.common import WorkspaceOption, console, fail, open_ws, user_errors


def _workspace_and_store(workspace: Path | None) -> tuple[Any, Any]:
    from cxlens.collect.service import Collector

    ws = open_ws(workspace)
    return ws, Collector(ws.config)


def register(app: typer.Typer) -> None:
    customer_app = typer.Typer(
        help="Customers' rights: export their data, erase them, apply retention periods.",
        no_args_is_help=True,
    )
    app.add_typer(customer_app, name="customer")

    @customer_app.command("export")
    def export(
        customer_id: str = typer.Argument(..., help="The customer's id."),
        out: Path | None = typer.Option(None, "--out", help="Write the JSON to this file."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Everything cxlens holds about one customer, as JSON (the right of access)."""
        from cxlens.privacy import customer_export

        with user_errors():
            ws, collector = _workspace_and_store(workspace)
            data = customer_export(ws, collector, customer_id, cli_actor())
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        if out is None:
            typer.echo(text)
            return
        out.write_text(text + "\n", encoding="utf-8")
        console.print(f"Wrote everything about {customer_id} to {out}", markup=False)

    @customer_app.command("erase")
    def erase(
        customer_id: str = typer.Argument(..., help="The customer's id."),
        yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Erase a customer (the right to erasure): anonymise them in every table, the
        collection store, the delivery log and cases; totals stay as they were."""
        from cxlens.privacy import erase_customer

        if not yes and not typer.confirm(
            f"Erase customer {customer_id} everywhere? This cannot be undone."
        ):
            fail("Nothing was erased.")
        with user_errors():
            ws, collector = _workspace_and_store(workspace)
            done = erase_customer(ws, collector, customer_id, cli_actor())
        console.print(
            f"Customer {customer_id} erased (erasure #{done.number}): {done.total:,} rows "
            "anonymised.",
            markup=False,
        )
        for place, rows in done.changed.items():
            console.print(f"  {place}: {rows:,}", markup=False)

    @customer_app.command("retention")
    def retention(workspace: Path | None = WorkspaceOption) -> None:
        """Remove comments and e-mail addresses older than the [privacy] retention periods now
        (the server does it once a day)."""
        from cxlens.privacy import apply_retention

        with user_errors():
            ws, collector = _workspace_and_store(workspace)
            done = apply_retention(ws, collector, actor=cli_actor())
        if not done.comment_days and not done.email_days:
            console.print(
                "No retention period is set: add comment_retention_days or "
                "email_retention_days under [privacy] in cxlens.toml.",
                markup=False,
            )
            return
        if not done.removed:
            console.print("Nothing is older than its retention period.")
        for place, rows in done.removed.items():
            console.print(f"{place}: {rows:,} removed", markup=False)
