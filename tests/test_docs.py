"""The README stays true: every command and every metric is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from cxlens.cli import app
from cxlens.metrics.catalog import load_catalog

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def command_names() -> list[str]:
    click_app = typer.main.get_command(app)
    names = []
    for name, cmd in click_app.commands.items():  # type: ignore[attr-defined]
        sub = getattr(cmd, "commands", None)
        names += [f"{name} {s}" for s in sub] if sub else [name]
    return names


def test_every_command_is_in_the_readme():
    missing = [n for n in command_names() if f"cxlens {n}" not in README]
    assert missing == []


def test_every_metric_is_in_the_readme():
    missing = [m for m in load_catalog() if f"`{m}`" not in README]
    assert missing == []


def test_every_preset_is_in_the_readme():
    from cxlens.ingest.presets import all_presets

    missing = [name for name in all_presets() if f"`{name}`" not in README]
    assert missing == []
