"""Turning a preset's column conversions into SQL over the staged export (``v``).

Every value comes out as text, as if the export had held the canonical columns
itself, so the importer's own parsing and checks apply unchanged. A number that a
conversion cannot read comes out as the source's own text, so the check names it
with its row. Names from the preset are quoted identifiers and its constants quoted
literals: a preset cannot inject SQL.
"""

# ruff: noqa: S608

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cxlens.errors import CxlensError
from cxlens.ingest.presets import Preset
from cxlens.warehouse.staging import quote_ident as q
from cxlens.warehouse.staging import quote_literal as lit

ROW = "__row"
PERSON = "cx_customer_id"

#: a GA4 parameter list (event_params, user_properties) in one fixed shape
PARAMS_SHAPE = (
    '[{"key": "VARCHAR", "value": {"string_value": "VARCHAR", "int_value": "VARCHAR", '
    '"float_value": "VARCHAR", "double_value": "VARCHAR"}}]'
)


@dataclass
class Context:
    """What the conversions of one file may refer to."""

    preset: Preset
    columns: dict[str, str]  # staged column -> SQL giving its text
    decimal: str = "."
    thousands: str = ""
    groups: dict[str, str] = field(default_factory=dict)  # header_group name -> value
    labels: dict[str, str] = field(default_factory=dict)  # canonical column -> source label

    def has(self, name: str) -> bool:
        return name in self.columns

    def text(self, name: str) -> str:
        if name not in self.columns:
            raise CxlensError(f"column '{name}' is not in the file")
        return self.columns[name]


def choose_numbers(preset: Preset, header: list[str]) -> tuple[str, str]:
    """(decimal mark, thousands separator) for this file: the first rule whose column is there."""
    for rule in preset.numbers:
        when = rule.get("when")
        if when is None or when in header:
            return str(rule.get("decimal", ".")), str(rule.get("thousands", ""))
    return ".", ""


def number(ctx: Context, text: str) -> str:
    """SQL reading ``text`` as a number written with the file's separators (NULL if not one)."""
    v = f"NULLIF(TRIM({text}), '')"
    if ctx.thousands:
        v = f"replace({v}, {lit(ctx.thousands)}, '')"
    v = f"replace({v}, '\u00a0', '')"
    if ctx.decimal != ".":
        v = f"replace({v}, {lit(ctx.decimal)}, '.')"
    return f"TRY_CAST({v} AS DOUBLE)"


def _bad_number(ctx: Context, text: str) -> str:
    return f"(NULLIF(TRIM({text}), '') IS NOT NULL AND {number(ctx, text)} IS NULL)"


def _pick_column(ctx: Context, spec: dict[str, Any]) -> str | None:
    """The first of ``col`` (a name or list) that the file has, or the header matching ``pattern``."""
    if "pattern" in spec:
        rx = re.compile(str(spec["pattern"]))
        for name in ctx.columns:
            m = rx.fullmatch(name)
            if m:
                ctx.groups.update({k: v for k, v in m.groupdict().items() if v})
                return name
        return None
    names = spec.get("col")
    if names is None:
        return None
    for name in [names] if isinstance(names, str) else list(names):
        if ctx.has(str(name)):
            return str(name)
    return None


def available(ctx: Context, spec: Any) -> bool:
    """Whether the file has what ``spec`` reads (alternatives: any of them)."""
    if isinstance(spec, str):
        return ctx.has(spec)
    if isinstance(spec, list):
        return any(available(ctx, alt) for alt in spec)
    if "any_of" in spec:
        return any(available(ctx, alt) for alt in spec["any_of"])
    if "value" in spec or "identity" in spec or "header_group" in spec:
        return True
    if "concat" in spec:
        return all(available(ctx, alt) for alt in spec["concat"])
    if "field" in spec or "param" in spec:
        base = (
            str(spec["field"]).split(".", 1)[0]
            if "field" in spec
            else spec.get("params_of", "event_params")
        )
        return ctx.has(base)
    if "key" in spec:
        return all(ctx.has(c) for c in spec["key"])
    return _pick_column(ctx, spec) is not None


def value_sql(ctx: Context, target: str, spec: Any) -> str:
    """SQL giving the text of one canonical column for each staged row."""
    if isinstance(spec, str):
        ctx.labels.setdefault(target, spec)
        return ctx.text(spec)
    if isinstance(spec, list):
        for alt in spec:
            if available(ctx, alt):
                return value_sql(ctx, target, alt)
        raise CxlensError(f"none of the columns for {target} is in the file")
    if "any_of" in spec:
        parts = [value_sql(ctx, target, alt) for alt in spec["any_of"] if available(ctx, alt)]
        first = ", ".join(f"NULLIF(TRIM({p}), '')" for p in parts)
        base = f"COALESCE({first})" if parts else "CAST(NULL AS VARCHAR)"
        return _convert(ctx, target, spec, base)
    if "concat" in spec:
        parts = [value_sql(ctx, target, alt) for alt in spec["concat"]]
        missing = " OR ".join(f"NULLIF(TRIM({p}), '') IS NULL" for p in parts)
        joined = f"concat_ws({lit(str(spec.get('sep', '.')))}, {', '.join(parts)})"
        return _convert(ctx, target, spec, f"CASE WHEN {missing} THEN NULL ELSE {joined} END")
    return _convert(ctx, target, spec, _base(ctx, target, spec))


def _base(ctx: Context, target: str, spec: dict[str, Any]) -> str:
    if "value" in spec:
        return lit(str(spec["value"]))
    if "identity" in spec:
        return q(PERSON)
    if "header_group" in spec:
        value = ctx.groups.get(str(spec["header_group"]))
        return lit(value) if value else "CAST(NULL AS VARCHAR)"
    if "param" in spec:
        params = q(str(spec.get("params_of", "event_params")))
        found = (
            f"list_filter(from_json(to_json({params}), {lit(PARAMS_SHAPE)}), "
            f"p -> p.key = {lit(str(spec['param']))})[1].value"
        )
        return (
            f"COALESCE({found}.string_value, {found}.int_value, "
            f"{found}.double_value, {found}.float_value)"
        )
    if "field" in spec:
        base, _, path = str(spec["field"]).partition(".")
        ctx.labels.setdefault(target, str(spec["field"]))
        return f"json_extract_string(to_json({q(base)}), {lit('$.' + path)})"
    if "key" in spec:
        cols = [ctx.text(c) for c in spec["key"]]
        parts = ", ".join(f"COALESCE({c}, '')" for c in cols)
        occurrence = f"row_number() OVER (PARTITION BY {', '.join(cols)} ORDER BY {q(ROW)})"
        return f"concat_ws(':', {parts}, CAST({occurrence} AS VARCHAR))"
    name = _pick_column(ctx, spec)
    if name is None:
        raise CxlensError(f"none of the columns for {target} is in the file")
    ctx.labels.setdefault(target, name)
    return ctx.text(name)


def _convert(ctx: Context, target: str, spec: dict[str, Any], v: str) -> str:
    if "if_empty" in spec:
        v = f"COALESCE(NULLIF(TRIM({v}), ''), {lit(str(spec['if_empty']))})"
    if "map" in spec:
        cases = " ".join(
            f"WHEN {lit(str(k).lower())} THEN {lit(str(val))}"
            for k, val in dict(spec["map"]).items()
        )
        default = lit(str(spec["default"])) if "default" in spec else "NULL"
        v = f"CASE lower(TRIM({v})) {cases} ELSE {default} END"
    if spec.get("lower"):
        v = f"lower(TRIM({v}))"
    if "prefix" in spec:
        v = f"({lit(str(spec['prefix']))} || NULLIF(TRIM({v}), ''))"
    if spec.get("utc"):  # a time without an offset that the export states is UTC
        v = f"CASE WHEN NULLIF(TRIM({v}), '') IS NULL THEN NULL ELSE TRIM({v}) || 'Z' END"
    if spec.get("epoch_us"):
        us = f"TRY_CAST({v} AS BIGINT)"
        v = f"CASE WHEN {us} IS NULL THEN {v} ELSE strftime(make_timestamp({us}), '%Y-%m-%dT%H:%M:%S.%fZ') END"
    if "date_format" in spec:
        formats = spec["date_format"]
        formats = [formats] if isinstance(formats, str) else list(formats)
        parsed = ", ".join(f"try_strptime(TRIM({v}), {lit(f)})" for f in formats)
        v = f"COALESCE(strftime(COALESCE({parsed}), '%Y-%m-%d %H:%M:%S'), {v})"
    for key, unit in (("plus_minutes", 60e6), ("plus_hours", 3600e6)):
        if key not in spec:
            continue
        amount = ctx.text(str(spec[key]))
        start = f"TRY_CAST(NULLIF(TRIM({v}), '') AS TIMESTAMP)"
        later = (
            f"{start} + to_microseconds(CAST(round({number(ctx, amount)} * {unit!r}) AS BIGINT))"
        )
        v = (
            f"CASE WHEN {_bad_number(ctx, amount)} THEN {amount} "
            f"ELSE strftime({later}, '%Y-%m-%d %H:%M:%S') END"
        )
    if "greater_than" in spec:
        v = (
            f"CASE WHEN {_bad_number(ctx, v)} THEN {v} WHEN {number(ctx, v)} IS NULL THEN NULL "
            f"WHEN {number(ctx, v)} > {float(spec['greater_than'])!r} THEN 'true' ELSE 'false' END"
        )
    if "not_empty" in spec:
        other = ctx.text(str(spec["not_empty"]))
        v = f"CASE WHEN NULLIF(TRIM({other}), '') IS NOT NULL THEN 'true' ELSE 'false' END"
    if spec.get("number") or "minus" in spec or "divide" in spec or spec.get("round"):
        v = _arithmetic(ctx, spec, v)
    return v


def _arithmetic(ctx: Context, spec: dict[str, Any], v: str) -> str:
    result = number(ctx, v)
    bad = [(_bad_number(ctx, v), v)]
    if "minus" in spec:
        other = ctx.text(str(spec["minus"]))
        result = f"({result} - COALESCE({number(ctx, other)}, 0))"
        bad.append((_bad_number(ctx, other), other))
    if "divide" in spec:
        result = f"({result} / {float(spec['divide'])!r})"
    if spec.get("round"):
        result = f"round({result})"
    whens = " ".join(f"WHEN {cond} THEN {text}" for cond, text in bad)
    return f"CASE {whens} ELSE CAST({result} AS VARCHAR) END"


def aggregate(spec: Any, expr: str) -> str:
    """``expr`` over the rows of one group (``group_by``): the first non-empty value by default."""
    how = spec.get("agg", "first") if isinstance(spec, dict) else "first"
    if how == "sum":
        return f"CAST(sum(TRY_CAST({expr} AS DOUBLE)) AS VARCHAR)"
    if how in ("max", "min"):
        return f"{how}({expr})"
    if how == "count":
        return f"CAST(count({expr}) AS VARCHAR)"
    if how == "any":
        return f"CASE WHEN bool_or({expr} = 'true') THEN 'true' ELSE 'false' END"
    return f"arg_min({expr}, {q(ROW)}) FILTER (WHERE NULLIF(TRIM({expr}), '') IS NOT NULL)"


def condition_sql(ctx: Context, cond: dict[str, Any]) -> str:
    """One row filter of a table (``where``): ``in``, ``not_in``, ``not_empty``, ``matches``."""
    if "field" in cond or "param" in cond:
        spec = {k: cond[k] for k in ("field", "param", "params_of") if k in cond}
        if not available(ctx, spec):
            return "TRUE" if cond.get("optional") else "FALSE"
        text = value_sql(ctx, "_where", spec)
    else:
        names = cond.get("col")
        present = [
            n for n in ([names] if isinstance(names, str) else list(names or [])) if ctx.has(n)
        ]
        if not present:
            return "TRUE" if cond.get("optional") else "FALSE"
        text = ctx.text(present[0])
    v = f"lower(TRIM({text}))"
    if "in" in cond:
        return f"{v} IN ({', '.join(lit(str(x).lower()) for x in cond['in'])})"
    if "not_in" in cond:
        return (
            f"COALESCE({v} NOT IN ({', '.join(lit(str(x).lower()) for x in cond['not_in'])}), TRUE)"
        )
    if cond.get("not_empty"):
        return f"NULLIF({v}, '') IS NOT NULL"
    if "matches" in cond:
        return f"regexp_matches(TRIM({text}), {lit(str(cond['matches']))})"
    raise CxlensError(f"a 'where' condition needs in, not_in, not_empty or matches: {cond}")


def table_sql(ctx: Context, table: str, spec: dict[str, Any]) -> tuple[str, list[str]]:
    """SELECT giving ``table``'s rows as text columns plus ``__row``; and the columns it fills."""
    columns = {
        name: col
        for name, col in (spec.get("columns") or {}).items()
        if available(ctx, col) or (isinstance(col, dict) and "identity" in col)
    }
    filled = list(columns)
    exprs = {name: value_sql(ctx, name, col) for name, col in columns.items()}
    wheres = [condition_sql(ctx, c) for c in spec.get("where", [])]
    group = ctx.preset.group_by
    if group and ctx.has(group):
        # a filter reads the group's first non-empty value, like any order-level field
        flags = [f"CASE WHEN {w} THEN 'true' ELSE 'false' END" for w in wheres]
        inner = ", ".join(
            [f"min({q(ROW)}) AS {q(ROW)}"]
            + [f"{aggregate(columns[n], e)} AS {q(n)}" for n, e in exprs.items()]
            + [f"{aggregate({}, flag)} AS _w{i}" for i, flag in enumerate(flags)]
        )
        keep = " AND ".join(f"_w{i} = 'true'" for i in range(len(wheres))) or "TRUE"
        cols = ", ".join([q(ROW), *(q(n) for n in exprs)])
        sql = f"SELECT {cols} FROM (SELECT {inner} FROM v GROUP BY {ctx.text(group)}) WHERE {keep}"
        return sql, filled
    select = ", ".join([q(ROW), *(f"{e} AS {q(n)}" for n, e in exprs.items())])
    where = " AND ".join(wheres) or "TRUE"
    return f"SELECT {select} FROM v WHERE {where}", filled
