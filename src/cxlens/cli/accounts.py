"""Commands for the users of the web app, their API tokens and the audit log."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table as RichTable

from cxlens.cli.common import JsonOption, WorkspaceOption, console, open_ws, print_json, user_errors


def _accounts(workspace: Path | None) -> Any:
    from cxlens.collect.service import Collector

    return Collector(open_ws(workspace).config).accounts


def cli_actor() -> str:
    """Who the audit log names for a command: the operating-system user."""
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "–"


def register(app: typer.Typer) -> None:
    user_app = typer.Typer(help="Users of the web app.", no_args_is_help=True)
    app.add_typer(user_app, name="user")
    token_app = typer.Typer(help="API tokens for machines.", no_args_is_help=True)
    app.add_typer(token_app, name="token")

    @user_app.command("add")
    def user_add(
        username: str = typer.Argument(...),
        role: str = typer.Option("viewer", help="viewer, analyst or admin."),
        lang: str | None = typer.Option(
            None,
            "--lang",
            "-l",
            help="Language of the pages (default: the browser's at the first sign-in; an "
            "existing user keeps theirs).",
        ),
        password_stdin: bool = typer.Option(
            False, "--password-stdin", help="Read the password from standard input."
        ),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Add a user (or change an existing one's password and role, which signs them out)."""
        with user_errors():
            accounts = _accounts(workspace)
            if password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
            accounts.add_user(username, password, role, lang, actor=cli_actor())
        console.print(f"User '{username}' ({role}) saved.", markup=False)

    @user_app.command("list")
    def user_list(as_json: bool = JsonOption, workspace: Path | None = WorkspaceOption) -> None:
        """The users with role, language, state (active, disabled, locked) and open sessions."""
        with user_errors():
            users = _accounts(workspace).users()
        if as_json:
            print_json(users)
            return
        table = RichTable(title="Users")
        for col in ("user", "role", "language", "state", "sessions", "created"):
            table.add_column(col, justify="right" if col == "sessions" else "left")
        for u in users:
            table.add_row(
                u["username"], u["role"], u["language"], u["state"], str(u["sessions"]),
                _when(u["created_at"]),
            )  # fmt: skip
        console.print(table)

    @user_app.command("disable")
    def user_disable(
        username: str = typer.Argument(...), workspace: Path | None = WorkspaceOption
    ) -> None:
        """Disable a user: their sessions end at once and their API tokens stop working."""
        with user_errors():
            ended = _accounts(workspace).set_disabled(username, True, actor=cli_actor())
        console.print(f"User '{username}' disabled; {ended} session(s) ended.", markup=False)

    @user_app.command("enable")
    def user_enable(
        username: str = typer.Argument(...), workspace: Path | None = WorkspaceOption
    ) -> None:
        """Enable a disabled user again."""
        with user_errors():
            _accounts(workspace).set_disabled(username, False, actor=cli_actor())
        console.print(f"User '{username}' enabled.", markup=False)

    @user_app.command("remove")
    def user_remove(
        username: str = typer.Argument(...), workspace: Path | None = WorkspaceOption
    ) -> None:
        """Remove a user with their sessions and API tokens (case notes keep the name)."""
        with user_errors():
            _accounts(workspace).remove_user(username, actor=cli_actor())
        console.print(f"User '{username}' removed.", markup=False)

    @user_app.command("sign-out")
    def user_sign_out(
        username: str = typer.Argument(...), workspace: Path | None = WorkspaceOption
    ) -> None:
        """Sign a user out everywhere: every session of theirs ends at once."""
        with user_errors():
            ended = _accounts(workspace).sign_out_everywhere(username, actor=cli_actor())
        console.print(f"{ended} session(s) of '{username}' ended.", markup=False)

    @user_app.command("unlock")
    def user_unlock(
        username: str = typer.Argument(...), workspace: Path | None = WorkspaceOption
    ) -> None:
        """Lift the lock that failed sign-ins put on an account."""
        with user_errors():
            was = _accounts(workspace).unlock(username, actor=cli_actor())
        state = "unlocked" if was else "was not locked; its failed sign-ins are forgotten"
        console.print(f"'{username}' {state}.", markup=False)

    @token_app.command("add")
    def token_add(
        username: str = typer.Argument(..., help="The user the token acts as."),
        name: str = typer.Option("api", help="What the token is for."),
        days: int = typer.Option(90, "--days", help="How many days the token works (1-3650)."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Create an API token (shown once; send it as Authorization: Bearer ...)."""
        with user_errors():
            token = _accounts(workspace).add_token(username, name, days, actor=cli_actor())
        typer.echo(token)

    @token_app.command("list")
    def token_list(
        username: str | None = typer.Option(None, "--user", help="Only this user's tokens."),
        as_json: bool = JsonOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """The API tokens: id, user, name, created, expires, last used (never the token itself)."""
        with user_errors():
            tokens = _accounts(workspace).tokens(username)
        if as_json:
            print_json(tokens)
            return
        table = RichTable(title="API tokens")
        for col in ("id", "user", "name", "created", "expires", "last used"):
            table.add_column(col)
        for t in tokens:
            expires = _when(t["expires_at"]) + (" (expired)" if t["expired"] else "")
            table.add_row(
                str(t["id"]), t["username"], t["name"], _when(t["created_at"]), expires,
                _when(t["last_used_at"]),
            )  # fmt: skip
        console.print(table)

    @token_app.command("revoke")
    def token_revoke(
        token_id: int = typer.Argument(..., help="The token's id (see `cxlens token list`)."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Revoke an API token: it stops working at once."""
        with user_errors():
            _accounts(workspace).revoke_token(token_id, actor=cli_actor())
        console.print(f"Token {token_id} revoked.", markup=False)

    @app.command("audit")
    def audit(
        limit: int = typer.Option(50, help="How many entries, newest first."),
        as_json: bool = JsonOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """The audit log: sign-ins, locks, changes to users, sessions and tokens, erasures."""
        with user_errors():
            entries = _accounts(workspace).audit_log(limit)
        if as_json:
            print_json(entries)
            return
        table = RichTable(title="Audit log")
        for col in ("when", "who", "what", "whom", "address", "detail"):
            table.add_column(col)
        for e in entries:
            table.add_row(
                _when(e["ts"]), e["actor"], e["action"], e["target"] or "–", e["ip"] or "–",
                e["detail"] or "",
            )  # fmt: skip
        console.print(table)
