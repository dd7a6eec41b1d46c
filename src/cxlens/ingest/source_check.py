"""``cxlens check``: the import rules run as queries on a database source, loading nothing.

Each rule becomes an aggregate query the database answers itself (counts, and the
first few offending keys as examples), so checking a table of millions of rows
moves a handful of values over the network: missing columns, columns whose type
cannot hold the canonical one, empty required values, duplicate keys, scores out of
their scale, unknown response kinds and negative amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cxlens.errors import CxlensError, Problem, ProblemReport
from cxlens.schema import RESPONSE_KINDS, SCORE_RANGES, Column
from cxlens.warehouse.engines import IBIS_TYPES
from cxlens.warehouse.sources import SourceSpec, plan_columns

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.warehouse import Warehouse

EXAMPLES = 5

#: which database types can hold each logical type without conversion
COMPATIBLE = {
    "string": ("is_string",),
    "timestamp": ("is_timestamp", "is_date"),
    "date": ("is_date", "is_timestamp"),
    "float": ("is_numeric",),
    "integer": ("is_integer",),
    "boolean": ("is_boolean",),
}
#: text that a database reads as each type, as regular expressions
TEXT_PATTERNS = {
    "float": r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$",
    "integer": r"^[+-]?[0-9]+$",
    "timestamp": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
}
TYPE_WORDS = {
    "string": "text",
    "timestamp": "a timestamp",
    "date": "a date",
    "float": "a number",
    "integer": "a whole number",
    "boolean": "a boolean",
}


@dataclass
class SourceReport:
    table: str
    source: str
    rows: int = 0
    report: ProblemReport = field(default_factory=lambda: ProblemReport(file=""))

    @property
    def ok(self) -> bool:
        return not self.report

    def render(self) -> str:
        if self.ok:
            return f"{self.table} ({self.source}): {self.rows:,} rows, no problems"
        body = self.report.render().split("\n", 1)[1]
        return f"{self.table} ({self.source}): {self.rows:,} rows, {self.report.total} problem(s)\n{body}"


def _compatible(dtype: Any, col: Column) -> bool:
    return any(getattr(dtype, test)() for test in COMPATIBLE[col.type])


def _examples(t: ir.Table, condition: Any, shown: Any) -> tuple[int, list[str]]:
    """How many rows meet ``condition``, and the first values of ``shown`` among them."""
    bad = t.filter(condition)
    count = int(bad.count().execute())
    if not count:
        return 0, []
    values = bad.select(v=shown.cast("string")).limit(EXAMPLES).execute()["v"]
    return count, [str(v) for v in values]


def check_source(warehouse: Warehouse, table: str) -> SourceReport:
    """Every rule for ``table`` run in its source database; nothing is loaded."""
    source: SourceSpec = warehouse.live.sources[table]
    spec = source.spec
    out = SourceReport(table, source.describe())
    out.report = ProblemReport(file=f"{table} ({source.source_table})", limit=EXAMPLES)
    raw = warehouse.live.raw(table)
    schema = raw.schema()
    plan = plan_columns(source, list(raw.columns))
    out.rows = int(raw.count().execute())

    def add(kind: str, column: str, message: str, count: int, examples: list[str]) -> None:
        shown = f" (for example {', '.join(repr(e) for e in examples)})" if examples else ""
        out.report.add(Problem(kind, f"{message}: {count:,} row(s){shown}", column=column), count)

    for name in plan.missing_required(spec):
        wanted = source.mapping.get(name, name)
        out.report.add(
            Problem(
                "missing columns",
                f"required column '{name}' has no column '{wanted}' in the table (its columns: "
                f'{", ".join(raw.columns)}); name one with map = {{ {name} = "COLUMN" }}',
                column=name,
            )
        )
    usable: dict[str, Any] = {}
    for col in spec.columns:
        src = plan.canonical.get(col.name)
        if src is None:
            continue
        dtype = schema[src]
        if _compatible(dtype, col):
            usable[col.name] = raw[src]
            continue
        if col.type in TEXT_PATTERNS and dtype.is_string():
            # a database's CAST fails the whole query on one bad value: test the text first
            text = raw[src].strip()
            readable = text.re_search(TEXT_PATTERNS[col.type])
            count, examples = _examples(raw, text.notnull() & (text != "") & ~readable, raw[src])
            if count:
                add(
                    "bad types",
                    f"{col.name} ({src})",
                    f"is text ({dtype}) and does not read as {TYPE_WORDS[col.type]}",
                    count,
                    examples,
                )
            else:
                usable[col.name] = raw[src].nullif("").cast(IBIS_TYPES[col.type])
            continue
        out.report.add(
            Problem(
                "bad types",
                f"{src} is {dtype} in the database; {col.name} needs {TYPE_WORDS[col.type]}",
                column=f"{col.name} ({src})",
            )
        )
    key_cols = [k for k in spec.key if k in usable]
    first_key = usable[key_cols[0]] if key_cols else None
    for col in spec.columns:
        if col.required and col.name in usable:
            count, examples = _examples(
                raw,
                usable[col.name].isnull(),
                first_key if first_key is not None else usable[col.name],
            )
            if count:
                add(
                    "missing required values",
                    col.name,
                    "is empty, but every row needs it",
                    count,
                    examples,
                )
        if col.minimum is not None and col.name in usable:
            count, examples = _examples(raw, usable[col.name] < col.minimum, usable[col.name])
            if count:
                add(
                    "values out of range",
                    col.name,
                    f"must be at least {col.minimum:g}",
                    count,
                    examples,
                )
    if key_cols and len(key_cols) == len(spec.key):
        keyed = raw.select(**{k: usable[k] for k in key_cols})
        groups = keyed.group_by(key_cols).aggregate(n=keyed.count()).filter(lambda g: g.n > 1)
        count = int(groups.count().execute())
        if count:
            sample = groups.order_by(key_cols).limit(EXAMPLES).execute()
            examples = [
                ", ".join(f"{k}={row[k]!r}" for k in key_cols) + f" ({row['n']} times)"
                for row in sample.to_dict("records")
            ]
            out.report.add(
                Problem(
                    "duplicate keys",
                    f"{count:,} key(s) appear more than once (for example {'; '.join(examples)}); "
                    "each key may appear once",
                    column=", ".join(key_cols),
                ),
                count,
            )
    if table == "responses" and "kind" in usable:
        kind = usable["kind"].lower()
        count, examples = _examples(
            raw, kind.notnull() & ~kind.isin(list(RESPONSE_KINDS)), usable["kind"]
        )
        if count:
            add(
                "unknown response kinds",
                "kind",
                f"must be one of {', '.join(RESPONSE_KINDS)}",
                count,
                examples,
            )
        if "score" in usable:
            score = usable["score"]
            for k, (lo, hi) in SCORE_RANGES.items():
                bad = (
                    (kind == k)
                    & score.notnull()
                    & ((score < lo) | (score > hi) | (score != score.floor()))
                )
                count, examples = _examples(raw, bad, score)
                if count:
                    add(
                        "scores out of range",
                        "score",
                        f"a {k.upper()} score must be a whole number from {lo} to {hi}",
                        count,
                        examples,
                    )
    return out


def check_sources(warehouse: Warehouse) -> list[SourceReport]:
    reports = []
    for table, source in warehouse.live.sources.items():
        try:
            reports.append(check_source(warehouse, table))
        except CxlensError:
            raise
        except Exception as exc:  # the database's own error, e.g. a value it cannot cast
            raise CxlensError(f"checking {table} in {source.describe()} failed: {exc}") from None
    return reports
