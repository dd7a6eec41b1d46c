"""The report command: a CX report as a self-contained HTML page or a PDF."""

from __future__ import annotations

from pathlib import Path

import typer

from cxlens.cli.common import LangOption, WorkspaceOption, console, open_ws, user_errors


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        out: Path = typer.Option(
            ..., "--out", "-o", help="File to write (report.html or report.pdf)."
        ),
        period: str | None = typer.Option(
            None,
            help="2026-Q3, 2026-05 or 2026 (default: the latest complete quarter with answers).",
        ),
        fmt: str | None = typer.Option(
            None, "--format", help="html or pdf (default: from the file name)."
        ),
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Write a CX report: KPIs with intervals and significant changes, trends, countries,
        touchpoints, channels and comments, with charts, readable offline."""
        from cxlens.reports import write_report

        with user_errors():
            ws = open_ws(workspace)
            path = write_report(ws, out, fmt=fmt, period=period, lang=lang)
        console.print(f"Wrote {path}")
