"""One type per column: the text of each source column, and mixed JSON columns refused.

DuckDB reads a JSON Lines column whose rows hold different kinds of value (text in
some, numbers in others) as a ``JSON`` column. Cast to text, its strings would keep
their quotes (``"spring"``), so such a column is an error naming the rows of each
kind, unless the import asks to read it as text (``--as-text COL``), in which case
strings lose their quotes and numbers become their digits.
"""

# SQL here is built from quoted identifiers only.
# ruff: noqa: S608

from __future__ import annotations

import shlex
from collections.abc import Iterable

from cxlens.errors import Problem, ProblemReport
from cxlens.ingest.files import normalise_name
from cxlens.warehouse.staging import StagingDB
from cxlens.warehouse.staging import quote_ident as q

#: json_type() results grouped into the kinds a person would name
KIND_OF_JSON_TYPE = (
    "CASE json_type({c}) WHEN 'VARCHAR' THEN 'text' WHEN 'BOOLEAN' THEN 'true/false' "
    "WHEN 'OBJECT' THEN 'record' WHEN 'ARRAY' THEN 'list' WHEN 'NULL' THEN NULL "
    "ELSE 'number' END"
)


def text_expressions(
    db: StagingDB,
    described: Iterable[tuple[str, str]],
    as_text: Iterable[str],
    report: ProblemReport,
    relation: str = "src",
) -> dict[str, str]:
    """SQL giving each column of ``relation`` as text; mixed JSON columns go to ``report``."""
    wanted = {normalise_name(c) for c in as_text}
    texts: dict[str, str] = {}
    for name, sql_type in described:
        c = q(name)
        if sql_type != "JSON":
            texts[name] = f"CAST({c} AS VARCHAR)"
            continue
        texts[name] = f"json_extract_string({c}, '$')"
        if normalise_name(name) in wanted:
            continue
        kinds = db.fetchall(
            f"SELECT kind, count(*), list(r ORDER BY r)[1:{report.limit}] FROM "
            f"(SELECT {KIND_OF_JSON_TYPE.format(c=c)} AS kind, row_number() OVER () AS r "
            f"FROM {relation}) WHERE kind IS NOT NULL GROUP BY kind ORDER BY count(*) DESC"
        )
        if len(kinds) < 2:
            continue
        parts = "; ".join(
            f"{kind} in {count} row(s) ({', '.join(map(str, rows))}"
            + (", ..." if count > len(rows) else "")
            + ")"
            for kind, count, rows in kinds
        )
        first_odd = min(int(rows[0]) for _, _, rows in kinds[1:])
        report.add(
            Problem(
                "columns mixing types",
                f"holds {parts}; a column needs one type per file. Fix the file, or read the "
                f"column as text with --as-text {shlex.quote(name)}",
                row=first_odd,
                column=name,
            )
        )
    return texts
