"""``cxlens digest preview``: a digest of cxlens.toml as it would be sent, without sending it."""

from __future__ import annotations

from pathlib import Path

import typer

from cxlens.cli.common import WorkspaceOption, console, fail, open_ws, user_errors


def register(app: typer.Typer) -> None:
    digest_app = typer.Typer(
        help="Daily and weekly digests by e-mail ([[digests]] in cxlens.toml).",
        no_args_is_help=True,
    )
    app.add_typer(digest_app, name="digest")

    @digest_app.command("preview")
    def preview(
        name: str | None = typer.Argument(None, help="The digest's name (default: the first)."),
        lang: str | None = typer.Option(None, "--lang", help="en, et, bg, de, hr or fi."),
        out: Path | None = typer.Option(
            None, "--out", help="Write the HTML e-mail, charts inside, to this file."
        ),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Build a digest for the last complete day or week and print it (or write its HTML)."""
        from cxlens.alerts.digest import DigestSettings, build_digest, digest_settings
        from cxlens.collect.service import Collector
        from cxlens.i18n import check_language

        with user_errors():
            ws = open_ws(workspace)
            collector = Collector(ws.config)
            digests = digest_settings(collector)
            if lang is not None:
                lang = check_language(lang)
            if name is None and not digests:
                # nothing configured: a daily digest of the default KPIs, to see what one holds
                digests = [DigestSettings("preview", "day", ("preview@localhost",), lang or "en", None,
                                          ("nps", "csat", "ces", "response_rate"))]  # fmt: skip
            chosen = next((d for d in digests if name in (None, d.name)), None)
            if chosen is None:
                names = ", ".join(d.name for d in digests) or "none"
                fail(f"There is no digest '{name}' in cxlens.toml (digests: {names}).")
            digest = build_digest(ws, collector, chosen, lang=lang)
        if out is not None:
            out.write_text(digest.standalone_html(), encoding="utf-8")
            console.print(f"{digest.subject}: HTML written to {out}", markup=False)
            return
        console.print(digest.text, markup=False, soft_wrap=True)
