"""Shared pieces of the command line: the workspace option, output, errors."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from cxlens.config import ENV_WORKSPACE
from cxlens.errors import CxlensError

T = TypeVar("T")

console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False)

WorkspaceOption = typer.Option(
    None,
    "--workspace",
    "-w",
    help=f"Workspace folder (default: ${ENV_WORKSPACE}, else the current folder).",
    show_default=False,
)

LangOption = typer.Option(
    None,
    "--lang",
    "-l",
    help="Output language: en, et, bg, de, hr or fi (default: the workspace's).",
    show_default=False,
)


JsonOption = typer.Option(False, "--json", help="Print as JSON.")


def records(frame: Any) -> list[dict[str, Any]]:
    """A data frame's rows for JSON output, NaN as null."""
    return [
        {str(k): (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print("Error: " + message, markup=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Show :class:`CxlensError` as a message with exit code 1, never a traceback."""
    try:
        yield
    except CxlensError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err_console.print("Interrupted; nothing was changed by the unfinished step.")
        raise typer.Exit(130) from None


def open_ws(workspace: Path | None) -> Any:
    import cxlens

    return cxlens.open(workspace if workspace is not None else os.environ.get(ENV_WORKSPACE))


def open_ws_with_language(workspace: Path | None, lang: str | None) -> tuple[Any, str]:
    """The workspace and the output language: ``--lang``, else the workspace's own."""
    from cxlens.i18n import check_language

    ws = open_ws(workspace)
    return ws, check_language(lang, ws.config.language)


def remembered(ws: Any, name: str, params: Any, kind: type[T], compute: Callable[[], T]) -> T:
    """``compute()``'s result, reused from the workspace's result store while the data is unchanged."""
    from cxlens.results import ResultStore

    return ResultStore(ws).remember(name, params, kind, compute)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
