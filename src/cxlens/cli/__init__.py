"""The ``cxlens`` command line: a thin face over the library.

Each concern registers its commands from its own module (``register(app)``).
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

import typer

from cxlens.cli.common import console, fail
from cxlens.errors import CxlensError

app = typer.Typer(
    name="cxlens",
    help="Customer-experience measurement: feedback, journeys, CX and marketing metrics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

#: modules that add commands; each has ``register(app)``
COMMAND_MODULES = (
    "cxlens.cli.data",
    "cxlens.cli.metrics",
    "cxlens.cli.customers",
    "cxlens.cli.journeys",
    "cxlens.cli.value",
    "cxlens.cli.collect",
    "cxlens.cli.accounts",
    "cxlens.cli.privacy",
    "cxlens.cli.reports",
    "cxlens.cli.alerts",
    "cxlens.cli.digest",
    "cxlens.cli.text",
)

for _name in COMMAND_MODULES:
    try:
        _module = import_module(_name)
    except ModuleNotFoundError as exc:  # a concern not installed in this build
        if exc.name != _name:
            raise
        continue
    _module.register(app)


def _literal(text: Any) -> Any:
    """``text`` with its square brackets kept as written (other values unchanged)."""
    from rich.markup import escape

    return escape(text) if isinstance(text, str) else text


def _keep_brackets(group: typer.Typer) -> None:
    """Help texts name settings such as ``[sources.*]`` and ``[[alerts]]``; Rich would
    read them as markup and print "( in cxlens.toml)". Every help is made literal."""
    import inspect

    for command in group.registered_commands:
        command.help = _literal(command.help or inspect.getdoc(command.callback))
        for default in (command.callback.__defaults__ or ()) if command.callback else ():
            if isinstance(default, typer.models.ParameterInfo):  # typer.Option / Argument
                default.help = _literal(default.help)
    for sub in group.registered_groups:
        sub.help = _literal(sub.help)
        if sub.typer_instance is not None:
            sub.typer_instance.info.help = _literal(sub.typer_instance.info.help)
            _keep_brackets(sub.typer_instance)


_keep_brackets(app)


def _show_version(value: bool) -> None:
    if value:
        from cxlens.version import __version__

        console.print(f"cxlens {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Show the version and exit.",
        is_eager=True,
        callback=_show_version,
        expose_value=False,
    ),
) -> None:
    """Customer-experience measurement: feedback, journeys, CX and marketing metrics."""


def main() -> None:
    """Entry point: run the CLI, turning user errors into one clear message and exit code 1."""
    try:
        app(standalone_mode=True)
    except CxlensError as exc:  # pragma: no cover - app() already handles these
        fail(str(exc))
    sys.exit(0)
