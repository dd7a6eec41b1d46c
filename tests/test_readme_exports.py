"""The README's walk-through: three vendor exports to KPIs and RFM with no mapping written.

The commands of the README section are run as written, and what they print must be
what the README shows, so the page cannot drift from the program.
"""

from __future__ import annotations

import itertools
import re
import shlex
import shutil
from pathlib import Path

from typer.testing import CliRunner

from cxlens.cli import app
from tests.conftest import FIXTURES

runner = CliRunner()
README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## From your own exports to KPIs"
SAMPLES = (
    ("shopify_orders_export.csv", "orders_export.csv"),
    ("zendesk_tickets_export.csv", "zendesk-tickets.csv"),
    ("google_ads_report_de.csv", "Kampagnenbericht.csv"),
)


def walkthrough() -> list[tuple[list[list[str]], str]]:
    """The section's (commands, printed output) pairs: a ```sh block, then a plain one."""
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    section = text[start : text.index("\n## ", start + len(SECTION))]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, flags=re.S)
    pairs = []
    for (kind, body), (next_kind, shown) in itertools.pairwise(blocks):
        if kind != "sh" or next_kind:
            continue
        commands = []
        for line in body.splitlines():
            line = line.split("#", 1)[0].strip()
            for part in line.split("&&"):
                words = shlex.split(part)
                if words and words[0] == "cxlens":
                    commands.append(words[1:])
        pairs.append((commands, shown))
    return pairs


def tidy(output: str) -> str:
    return "\n".join(line.rstrip() for line in output.strip().splitlines())


def test_the_readme_shows_what_the_commands_print(tmp_path, monkeypatch):
    exports = FIXTURES / "exports"
    for source, name in SAMPLES:
        shutil.copy(exports / source, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    pairs = walkthrough()
    assert len(pairs) == 2, "the section shows the import and the KPIs, each with its output"
    env = {"CXLENS_WORKSPACE": str(tmp_path / "shop"), "COLUMNS": ""}
    for commands, shown in pairs:
        printed = []
        for args in commands:
            result = runner.invoke(app, args, env=env)
            assert result.exit_code == 0, (args, result.output)
            if args[0] != "init":
                printed.append(result.output)
        assert tidy("".join(printed)) == tidy(shown), "README.md: " + " ; ".join(
            " ".join(args) for args in commands
        )


def test_the_walkthrough_numbers_worked_by_hand(tmp_path, monkeypatch):
    exports = FIXTURES / "exports"
    for source, name in SAMPLES:
        shutil.copy(exports / source, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init", "shop"]).exit_code == 0
    env = {"CXLENS_WORKSPACE": str(tmp_path / "shop"), "COLUMNS": "80"}
    out = runner.invoke(app, ["import", *(name for _, name in SAMPLES)], env=env)
    assert out.exit_code == 0, out.output
    for preset in ("shopify-orders", "zendesk", "google-ads"):
        assert f"recognised as {preset}" in out.output
    out = runner.invoke(
        app, ["kpi", "nps", "csat", "cac", "conversion_rate", "--by", "channel"], env=env
    )
    assert out.exit_code == 0, out.output
    assert "1.59%" in out.output  # 15 conversions / 941 clicks
    assert "100.0%" in out.output and "0.00%" in out.output  # Good by mail, Bad by web form
    out = runner.invoke(app, ["kpi", "cac"], env=env)
    assert "€449.22" in out.output  # 1,347.66 / 3 new customers
    out = runner.invoke(app, ["rfm", "--as-of", "2025-03-31"], env=env)
    assert out.exit_code == 0, out.output
    assert "€93.80" in out.output and "€80.00" in out.output
