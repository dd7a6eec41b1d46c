"""CSV that spreadsheets open safely: the one writer behind every CSV cxlens produces.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and one that starts with a tab or a carriage return may become one
after trimming. A respondent's comment such as ``=cmd|' /C calc'!A0`` would then
run when an analyst opens the export ("CSV injection"). Following OWASP's rule
(https://owasp.org/www-community/attacks/CSV_Injection), every *text* cell that
starts with one of those characters is written with a leading apostrophe, which
spreadsheets show as text and do not evaluate.

XLSX files (:func:`rows_xlsx`) store every text as a text cell, never as a formula,
and mark a text that starts with one of those characters with Excel's own "quote
prefix" (the cell shows the text as typed, without an apostrophe in its value), so
that it stays text when someone edits the cell or saves the sheet as CSV.

Numbers stay numbers: a numeric value (an amount of -12.5, a score) is written as
is, because it cannot be a formula and a prefix would turn it into text. The rule
applies to text only, so a text column whose value is ``-5`` gets ``'-5``.

>>> safe_cell("=1+2")
"'=1+2"
>>> safe_cell(-12.5)
-12.5
>>> safe_cell("Good service")
'Good service'
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading apostrophe if it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are neutralised; numeric columns are untouched."""
    import pandas as pd

    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue
        out[name] = column.map(safe_cell)
    return out


def frame_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (with a header, without the index), neutralised."""
    return str(safe_frame(frame).to_csv(index=False))


def write_frame_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` as UTF-8 CSV, neutralised."""
    safe_frame(frame).to_csv(path, index=False, encoding="utf-8")


def rows_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows of plain values as CSV text: None as an empty cell, text neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue()


def rows_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "cxlens") -> bytes:
    """Rows of plain values as an XLSX workbook (one sheet, the header bold and frozen).

    Text is written as text (no formula, link or number is read into it); text a
    spreadsheet would evaluate gets the quote prefix; numbers and dates keep their type.
    """
    import datetime as dt
    import math

    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    bold = book.add_format({"bold": True})
    quoted = book.add_format({"quote_prefix": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws = book.add_worksheet(sheet[:31])
    for col, name in enumerate(header):
        ws.write_string(0, col, str(name), bold)
    ws.freeze_panes(1, 0)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if isinstance(value, bool):
                ws.write_boolean(r, col, value)
            elif isinstance(value, int | float):
                ws.write_number(r, col, value)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(r, col, value, stamp)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, col, dt.datetime(value.year, value.month, value.day), day)
            else:
                text = str(value)
                ws.write_string(r, col, text, quoted if text.startswith(FORMULA_STARTS) else None)
    book.close()
    return out.getvalue()
