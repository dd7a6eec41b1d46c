"""Every command's table read at 80 columns: no id, number or amount is cut short.

Rich shortens a cell that does not fit with "…". cxlens' own texts use "…" only
between the two ends of an interval, with a space on either side, so an "…" right
after a letter or digit is a cut.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.cli.tables import print_table

CUT = re.compile(r"[^\s│┃|(]…")
BORDERS = re.compile(r"[│┃─━]")

COMMANDS = [
    ["tables"],
    ["metrics", "list"],
    ["metrics", "list", "--lang", "bg"],
    [
        "kpi",
        "nps",
        "csat",
        "ces",
        "--by",
        "country",
        "--period",
        "quarter",
        "--compare",
        "previous",
    ],
    ["kpi", "cac", "ctr", "conversion_rate", "--by", "channel", "--lang", "de"],
    ["kpi", "nps", "--by", "segment", "--lang", "fi"],
    ["rfm"],
    ["rfm", "--lang", "de", "--compare", "2026-01-01"],
    ["cohorts"],
    ["cohorts", "--period", "quarter", "--lang", "hr"],
    ["lifecycle", "--lang", "et"],
    ["churn"],
    ["clv"],
    ["clv", "--holdout", "6m"],
    ["journey-map", "--lang", "bg"],
    ["funnel", "website_visit", "product_page", "cart", "order", "--by", "country"],
    ["paths"],
    ["attribution"],
    ["attribution", "--dimension", "campaign"],
    ["drivers", "--lang", "de"],
    ["drivers", "--by", "attribute"],
    ["text", "sentiment"],
    ["text", "themes"],
    ["survey", "list"],
    ["cases"],
    ["alerts", "list"],
]


@pytest.fixture(scope="module")
def analysed(demo_root: Path, tmp_path_factory) -> Path:
    """A copy of the demo workspace with its comments analysed (text commands need that).

    Two folds are enough for the accuracy the text commands show: its figures, not its
    precision, are what these tables must fit (five folds take half a minute).
    """
    root = tmp_path_factory.mktemp("widths") / "ws"
    shutil.copytree(demo_root, root)
    result = CliRunner().invoke(app, ["text", "analyse", "--folds", "2", "-w", str(root)])
    assert result.exit_code == 0, result.output
    return root


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_tables_read_cleanly_at_80_columns(analysed: Path, args: list[str]) -> None:
    env = {"COLUMNS": "80", "CXLENS_WORKSPACE": str(analysed)}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    # a second run reads what the first computed (the result store) and shows the same
    assert CliRunner().invoke(app, args, env=env).output == result.output
    cuts = [line for line in result.output.splitlines() if CUT.search(line)]
    assert not cuts, "cut short at 80 columns:\n" + "\n".join(cuts)
    # notes are printed as one line for the terminal to wrap; tables must fit themselves
    table_lines = [line for line in result.output.splitlines() if BORDERS.search(line)]
    assert max(map(len, table_lines), default=0) <= 80, result.output


def test_ids_stay_whole_and_output_to_a_file_is_full_width(analysed: Path) -> None:
    listing = CliRunner().invoke(app, ["metrics", "list"], env={"COLUMNS": "80"})
    assert "average_customer_lifespan " in listing.output
    assert "cost_per_conversion " in listing.output
    # not a terminal and no COLUMNS: one line per row, however wide
    wide = CliRunner().invoke(app, ["attribution", "-w", str(analysed)], env={"COLUMNS": ""})
    header = next(line for line in wide.output.splitlines() if "Markov chain" in line)
    assert "First touch" in header and "Time decay" in header and len(header) > 80


def _interval_table(channels: int = 8, models: int = 7) -> Table:
    """Attribution-like: a name, then credit with interval and rank per model."""
    table = Table(title="Attribution")
    table.add_column("Channel")
    for m in range(models):
        table.add_column(f"Model {m}", justify="right")
    for c in range(channels):
        table.add_row(
            f"Channel {c}", *(f"{18_859 + c:,} ({18_404 + c:,} … {19_371 + c:,}) #{c}"
                              for _ in range(models))
        )  # fmt: skip
    return table


@pytest.mark.parametrize("width", [80, 120])
def test_cells_holding_an_interval_are_never_cut(width: int) -> None:
    # Rich cuts "18,859 (18,404 … 19,371) #2" to "18,859 (1…": the "…" count stays the
    # same, so counting them alone took the cut table for one that fits
    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system=None)
    table = _interval_table()
    print_table(table, console=console)
    out = console.file.getvalue()
    for c in range(8):
        assert f"Channel {c}" in out
        assert f"{18_859 + c:,} ({18_404 + c:,} … {19_371 + c:,}) #{c}" in out
    assert not [line for line in out.splitlines() if CUT.search(line)], out
    assert max(map(len, out.splitlines())) <= width
