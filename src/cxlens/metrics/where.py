"""A small, safe filter language for ``--where``.

    country = 'EE' and channel in ('search', 'social')
    score >= 9 or not (touchpoint is null)

Comparisons (=, !=, <>, <, <=, >, >=), ``in (...)``, ``not in (...)``,
``is null``, ``is not null``, ``and``, ``or``, ``not`` and parentheses. Values are
quoted strings, numbers, true or false. The text is parsed into Ibis predicates;
it never reaches an engine as SQL.

A filter is bounded so that it cannot exhaust the parser or the engine: at most
``MAX_LENGTH`` characters, ``MAX_DEPTH`` nested parentheses or ``not``, and
``MAX_COMPARISONS`` comparisons.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cxlens.errors import CxlensError

if TYPE_CHECKING:
    import ibis.expr.types as ir

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|<>|=|<|>)"
    r"|(?P<punct>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
KEYWORDS = {"and", "or", "not", "in", "is", "null", "true", "false"}
MAX_LENGTH = 4000
MAX_DEPTH = 20
MAX_COMPARISONS = 100

Resolver = Callable[[str], "ir.Column"]


def tokenize(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    if len(text) > MAX_LENGTH:
        raise CxlensError(
            f"--where is {len(text):,} characters long; a filter has at most {MAX_LENGTH:,}."
        )
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise CxlensError(
                f"--where: cannot read {text[pos : pos + 20]!r} (at character {pos + 1})."
            )
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind or "")
        if kind == "string":
            tokens.append(("value", value[1:-1].replace("''", "'")))
        elif kind == "number":
            tokens.append(("value", float(value) if "." in value else int(value)))
        elif kind == "word" and value.lower() in KEYWORDS:
            word = value.lower()
            if word in ("true", "false"):
                tokens.append(("value", word == "true"))
            else:
                tokens.append((word, word))
        elif kind == "word":
            tokens.append(("name", value))
        else:
            tokens.append((value, value))
    return tokens


class Parser:
    def __init__(self, text: str, resolve: Resolver):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.resolve = resolve
        self.depth = 0
        self.comparisons = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self, kind: str) -> Any:
        if self.peek() != kind:
            found = self.tokens[self.i][1] if self.i < len(self.tokens) else "the end"
            raise CxlensError(f"--where {self.text!r}: expected {kind}, found {found!r}.")
        value = self.tokens[self.i][1]
        self.i += 1
        return value

    def parse(self) -> ir.BooleanValue:
        if not self.tokens:
            raise CxlensError("--where is empty.")
        expr = self.disjunction()
        if self.i != len(self.tokens):
            raise CxlensError(f"--where {self.text!r}: unexpected {self.tokens[self.i][1]!r}.")
        return expr

    def disjunction(self) -> ir.BooleanValue:
        expr = self.conjunction()
        while self.peek() == "or":
            self.i += 1
            expr = expr | self.conjunction()
        return expr

    def conjunction(self) -> ir.BooleanValue:
        expr = self.negation()
        while self.peek() == "and":
            self.i += 1
            expr = expr & self.negation()
        return expr

    def negation(self) -> ir.BooleanValue:
        if self.peek() not in ("not", "("):
            return self.comparison()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CxlensError(
                f"--where nests parentheses or 'not' more than {MAX_DEPTH} deep; "
                "write the filter more simply."
            )
        if self.peek() == "not":
            self.i += 1
            expr = ~self.negation()
        else:
            self.i += 1
            expr = self.disjunction()
            self.take(")")
        self.depth -= 1
        return expr

    def comparison(self) -> ir.BooleanValue:
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            raise CxlensError(
                f"--where has more than {MAX_COMPARISONS} comparisons; use 'in (...)' "
                "for a list of values."
            )
        col = self.resolve(self.take("name"))
        kind = self.peek()
        if kind == "is":
            self.i += 1
            negate = self.peek() == "not"
            if negate:
                self.i += 1
            self.take("null")
            return col.notnull() if negate else col.isnull()
        if kind in ("in", "not"):
            negate = kind == "not"
            self.i += 1
            if negate:
                self.take("in")
            self.take("(")
            values = [self.take("value")]
            while self.peek() == ",":
                self.i += 1
                values.append(self.take("value"))
            self.take(")")
            return ~col.isin(values) if negate else col.isin(values)
        if kind in ("=", "!=", "<>", "<", "<=", ">", ">="):
            self.i += 1
            value = self.take("value")
            ops = {
                "=": col.__eq__,
                "!=": col.__ne__,
                "<>": col.__ne__,
                "<": col.__lt__,
                "<=": col.__le__,
                ">": col.__gt__,
                ">=": col.__ge__,
            }
            return ops[kind](value)
        raise CxlensError(f"--where {self.text!r}: expected a comparison after a column name.")


def parse_where(text: str, resolve: Resolver) -> ir.BooleanValue:
    """Parse ``text`` into a predicate, resolving column names with ``resolve``."""
    return Parser(text, resolve).parse()


def column_names(text: str) -> set[str]:
    """The column names a filter refers to."""
    return {v for k, v in tokenize(text) if k == "name"}
