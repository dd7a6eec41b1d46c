"""Tables that fit the screen without cutting what matters.

Every command prints its tables through :func:`print_table`:

* On a terminal the table takes the terminal's width. The first column (the row's
  name or id) and right-aligned columns (numbers, amounts) never wrap and are never
  shortened; text columns wrap between words.
* When that does not fit, the table is drawn compactly (no outer border, no
  vertical rules). When even that does not fit, its columns are split into several
  tables that each repeat the key columns; when not even one more column fits
  beside it, every row is printed as a block of ``header: value`` lines.
* When output goes to a file or a pipe, tables are written at their full width,
  unless ``COLUMNS`` names a width.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

#: wider than any table cxlens prints; used to measure a table's natural width
UNLIMITED = 100_000


def available_width(console: Console) -> int | None:
    """The width to fit into: the terminal's, else ``$COLUMNS``, else none (full width)."""
    if console.is_terminal:
        return console.width
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


def _protect(table: Table, keys: int) -> None:
    for i, column in enumerate(table.columns):
        if i < keys or column.justify == "right":
            column.no_wrap = True


def _natural_width(console: Console, table: Table) -> int:
    return console.measure(table, options=console.options.update_width(UNLIMITED)).maximum


def _ellipses(table: Table) -> int:
    texts = [str(table.title or "")]
    for column in table.columns:
        texts.append(str(column.header))
        texts += [str(getattr(cell, "plain", cell)) for cell in column.cells]
    return sum(t.count("…") for t in texts)


def _unwrapped(table: Table) -> list[str]:
    """The headers and cells of the columns that never wrap, as plain text."""
    texts = []
    for column in table.columns:
        if column.no_wrap:
            texts.append(str(getattr(column.header, "plain", column.header)))
            texts += [str(getattr(cell, "plain", cell)) for cell in column.cells]
    return [t for t in texts if t]


def _fits(console: Console, table: Table, width: int) -> bool:
    """Whether ``table`` renders at ``width`` without Rich shortening any cell ("…").

    Counting the "…" alone is not enough: a cell holding an interval ("12 (10 … 14)")
    that Rich cuts to "12 (1…" keeps the count. So every cell of a column that never
    wraps must also appear whole in what was drawn.
    """
    with console.capture() as captured:
        console.print(table, width=width)
    drawn = captured.get()
    if drawn.count("…") > _ellipses(table):
        return False
    return all(cell in drawn for cell in _unwrapped(table))


def _copy(table: Table, columns: list[int], compact: bool) -> Table:
    """A table with the given columns of ``table`` (and all its rows)."""
    out = Table(
        title=table.title,
        caption=table.caption,
        box=box.SIMPLE_HEAD if compact else table.box,
        show_edge=not compact and table.show_edge,
        padding=(0, 1) if compact else table.padding,
        collapse_padding=compact,
        pad_edge=not compact,
        title_justify=table.title_justify,
        show_header=table.show_header,
        show_lines=table.show_lines,
    )
    cells = [list(table.columns[i].cells) for i in columns]
    for i in columns:
        c = table.columns[i]
        out.add_column(c.header, justify=c.justify, no_wrap=c.no_wrap, style=c.style)
    for row in range(table.row_count):
        out.add_row(*(column[row] for column in cells))
    return out


def _chunks(console: Console, table: Table, width: int, keys: int) -> list[Table] | None:
    """The columns split into compact tables that each repeat the key columns and fit."""
    key = list(range(min(keys, len(table.columns) - 1)))
    rest = list(range(len(key), len(table.columns)))
    parts: list[Table] = []
    while rest:
        if not _fits(console, _copy(table, [*key, rest[0]], True), width):
            return None
        take = 1
        while take < len(rest) and _fits(
            console, _copy(table, [*key, *rest[: take + 1]], True), width
        ):
            take += 1
        parts.append(_copy(table, [*key, *rest[:take]], True))
        rest = rest[take:]
    for part in parts[1:]:
        part.title = None
    return parts


def _records(table: Table) -> list[RenderableType]:
    """Each row as a block: the first cell as its heading, then ``header: value`` lines."""
    from rich.text import Text

    columns = [list(c.cells) for c in table.columns]
    blocks: list[RenderableType] = []
    if table.title:
        blocks.append(
            Text.from_markup(str(table.title), style="bold")
            if isinstance(table.title, str)
            else table.title
        )
    for row in range(table.row_count):
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim")
        grid.add_column(overflow="fold")
        heading = columns[0][row] if columns else ""
        for column, cells in zip(table.columns[1:], columns[1:], strict=True):
            grid.add_row(column.header, cells[row])
        blocks.append(
            Text.assemble(
                "\n", heading if isinstance(heading, Text) else Text(str(heading)), style="bold"
            )
        )
        blocks.append(grid)
    return blocks


def print_table(table: Table, console: Console | None = None, keys: int = 1) -> None:
    """Print ``table`` so that it fits the output's width, cutting no id or number.

    ``keys`` is how many leading columns name a row (repeated when the columns are split).
    """
    if console is None:
        from cxlens.cli.common import console as default

        console = default
    _protect(table, keys)
    width = available_width(console)
    if width is None:
        # Rich caps a print at the console's width: a console as wide as the table
        from rich.console import Console as WideConsole

        wide = WideConsole(
            file=console.file,
            width=_natural_width(console, table),
            highlight=False,
            soft_wrap=False,
        )
        wide.print(table)
        return
    for candidate in (table, _copy(table, list(range(len(table.columns))), True)):
        if _fits(console, candidate, width):
            console.print(candidate, width=width)
            return
    parts = _chunks(console, table, width, keys)
    if parts is not None:
        for i, part in enumerate(parts):
            if i:
                console.print()
            console.print(part, width=width)
        return
    for block in _records(table):
        console.print(block, width=width)
