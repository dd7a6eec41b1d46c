"""Validation rules for import files, declared as data.

Each :class:`Check` is an SQL condition over the staged table (``typed``) that is
true on a bad row. All checks are counted in one pass, so a rejected file gets
every problem at once, with the first few rows of each kind.
"""

# SQL here is built from quoted identifiers (quote_ident) and escaped literals only.

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cxlens.schema import RESPONSE_KINDS, SCORE_RANGES, Column, Table
from cxlens.warehouse.staging import quote_ident as q
from cxlens.warehouse.staging import quote_literal

RAW_PREFIX = "__raw_"
ROW = "__row"

TYPE_WORDS = {
    "timestamp": "a date and time",
    "date": "a date",
    "float": "a number",
    "integer": "a whole number",
    "boolean": "true/false (also 1/0, yes/no)",
}

TRUE_WORDS = ("1", "true", "t", "yes", "y")
FALSE_WORDS = ("0", "false", "f", "no", "n")


@dataclass(frozen=True)
class Check:
    kind: str
    column: str
    condition: str
    message: str
    #: SQL giving the offending value shown in the message
    value: str


#: numbers beyond this are taken for a broken export (sums of them lose all precision
#: or overflow): no amount, spend or count in a CX warehouse comes near it
MAX_MAGNITUDE = 1e15

DST_CHOICES = ("reject", "before", "after")


@dataclass(frozen=True)
class ParseOptions:
    timezone: str = "UTC"
    date_format: str | None = None
    decimal_comma: bool = False
    #: local times that occur twice or not at all: rejected, or read with the offset
    #: in force before or after the daylight-saving change
    dst: str = "reject"

    @property
    def has_dst(self) -> bool:
        """Whether local times in the import's time zone can be ambiguous or missing."""
        return self.timezone.upper() not in ("UTC", "ETC/UTC", "GMT", "Z")


def raw(name: str) -> str:
    return q(RAW_PREFIX + name)


def cleaned(expr: str) -> str:
    return f"NULLIF(TRIM({expr}), '')"


def typed_expr(col: Column, source: str, opts: ParseOptions) -> str:
    """SQL turning the text ``source`` into the column's logical type (NULL when it does not parse)."""
    v = cleaned(source)
    if col.type == "string":
        return v
    if col.type in ("float", "integer"):
        num = f"REPLACE({v}, ',', '.')" if opts.decimal_comma else v
        d = f"TRY_CAST({num} AS DOUBLE)"
        if col.type == "float":
            return f"CASE WHEN isfinite({d}) THEN {d} END"
        return f"CASE WHEN {d} = floor({d}) AND abs({d}) < 9e18 THEN CAST({d} AS BIGINT) END"
    if col.type == "boolean":
        t = ", ".join(f"'{w}'" for w in TRUE_WORDS)
        f = ", ".join(f"'{w}'" for w in FALSE_WORDS)
        return f"CASE WHEN lower({v}) IN ({t}) THEN TRUE WHEN lower({v}) IN ({f}) THEN FALSE END"
    if col.type == "date":
        if opts.date_format:
            fmt = opts.date_format.replace("'", "''")
            return f"CAST(try_strptime({v}, '{fmt}') AS DATE)"
        return f"TRY_CAST({v} AS DATE)"
    # timestamp: text with an offset (Z, +02:00, or " +0200" as Shopify writes it) is
    # exact; text without one is local time in the import's time zone.
    spaced = rf"regexp_replace({v}, '\s+([+-]\d\d:?\d\d)$', '\1')"
    v = f"CASE WHEN contains({v}, ' +') OR contains({v}, ' -') THEN {spaced} ELSE {v} END"
    source = v
    if opts.date_format and ("%z" in opts.date_format or "%Z" in opts.date_format):
        fmt = opts.date_format.replace("'", "''")
        return f"CAST(try_strptime({v}, '{fmt}') AS TIMESTAMPTZ)"
    local = local_time_expr(source, opts)
    from_local = _from_local(local, opts)
    if opts.date_format:
        return from_local
    return f"CASE WHEN {_has_offset(v)} THEN TRY_CAST({v} AS TIMESTAMPTZ) ELSE {from_local} END"


def _has_offset(v: str) -> str:
    """SQL: the text ends in a UTC offset after a time of day (a bare date's "-01" is no offset)."""
    return rf"regexp_matches({v}, '\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|z|[+-]\d\d(:?\d\d)?)$')"


def local_time_expr(source: str, opts: ParseOptions, times_only: bool = False) -> str:
    """The wall-clock time (TIMESTAMP) of text without an offset; NULL for text with one.

    ``times_only`` leaves out bare dates too: a day is read from its first instant,
    even where the clocks skip midnight, and is never ambiguous.
    """
    v = cleaned(source)
    if times_only:
        v = f"CASE WHEN contains({v}, ':') THEN {v} END"
    if opts.date_format:
        if "%z" in opts.date_format or "%Z" in opts.date_format:
            return "CAST(NULL AS TIMESTAMP)"
        fmt = opts.date_format.replace("'", "''")
        return f"CAST(try_strptime({v}, '{fmt}') AS TIMESTAMP)"
    return f"CASE WHEN {_has_offset(v)} THEN NULL ELSE TRY_CAST({v} AS TIMESTAMP) END"


def _candidates(local: str, tz: str) -> tuple[str, str]:
    """The instants ``local`` names with the UTC offset of a day before and of a day after."""
    before = f"(timezone('{tz}', {local} - INTERVAL 1 DAY) + INTERVAL 1 DAY)"
    after = f"(timezone('{tz}', {local} + INTERVAL 1 DAY) - INTERVAL 1 DAY)"
    return before, after


#: the years whose daylight-saving changes are listed; times outside get the full test
DST_YEARS = (1970, 2100)


@lru_cache(maxsize=32)
def _change_days(timezone: str) -> tuple[str, ...]:
    """Local days on which the UTC offset of ``timezone`` changes, and the day either side."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)

    def offset(at: datetime) -> timedelta | None:
        return at.astimezone(zone).utcoffset()

    week = datetime(DST_YEARS[0], 1, 1, 12, tzinfo=UTC)
    end = datetime(DST_YEARS[1], 1, 1, 12, tzinfo=UTC)
    days: set[str] = set()
    while week < end:  # week by week, then day by day where the offset moved
        following = week + timedelta(days=7)
        if offset(following) != offset(week):
            for n in range(7):
                day = week + timedelta(days=n + 1)
                if offset(day) != offset(day - timedelta(days=1)):
                    for d in (-2, -1, 0, 1):
                        days.add((day + timedelta(days=d)).date().isoformat())
        week = following
    return tuple(sorted(days))


def _near_change(local: str, opts: ParseOptions) -> str:
    """SQL: ``local`` falls on a day around a change of offset (cheap: a lookup by date)."""
    days = _change_days(opts.timezone)
    listed = ", ".join(f"DATE '{d}'" for d in days) or "NULL"
    lo, hi = DST_YEARS
    return (
        f"(CAST({local} AS DATE) IN ({listed}) OR {local} < TIMESTAMP '{lo}-01-01' "
        f"OR {local} >= TIMESTAMP '{hi}-01-01')"
    )


def dst_condition(local: str, opts: ParseOptions) -> tuple[str, str]:
    """SQL true when ``local`` does not exist, and when it occurs twice, in the time zone.

    Near a change the offsets of a day before and of a day after differ; a wall-clock
    time that neither names back exists not at all (the hour skipped in spring), one
    that both name, at different instants, occurs twice (the hour repeated in autumn).
    The conversions run only on the days around a change, found by date first.
    """
    tz = opts.timezone.replace("'", "''")
    before, after = _candidates(local, tz)
    back_b = f"(timezone('{tz}', {before}) = {local})"
    back_a = f"(timezone('{tz}', {after}) = {local})"
    # CASE, not AND: only the rows near a change reach the conversions
    near = f"{local} IS NOT NULL AND {_near_change(local, opts)}"
    missing = f"(CASE WHEN {near} THEN NOT {back_b} AND NOT {back_a} ELSE FALSE END)"
    twice = f"(CASE WHEN {near} THEN {back_b} AND {back_a} AND {before} <> {after} ELSE FALSE END)"
    return missing, twice


def _from_local(local: str, opts: ParseOptions) -> str:
    tz = opts.timezone.replace("'", "''")
    plain = f"timezone('{tz}', {local})"
    if not opts.has_dst or opts.dst == "reject":
        return plain
    before, after = _candidates(local, tz)
    missing, twice = dst_condition(local, opts)
    chosen = before if opts.dst == "before" else after
    near = _near_change(local, opts)
    return (
        f"CASE WHEN NOT {near} THEN {plain} WHEN {missing} OR {twice} THEN {chosen} "
        f"ELSE {plain} END"
    )


def checks_for(
    table: Table,
    present: set[str],
    currency: str,
    rates: dict[str, float],
    opts: ParseOptions | None = None,
) -> list[Check]:
    """Every rule that applies to a file of ``table`` holding the columns ``present``."""
    opts = opts or ParseOptions()
    checks: list[Check] = []
    for col in table.columns:
        if col.name not in present:
            continue
        c, r = q(col.name), raw(col.name)
        checks.append(
            Check(
                "NUL characters",
                col.name,
                f"contains({r}, chr(0))",
                "holds a NUL character (0x00), which no text value may hold",
                f"replace({r}, chr(0), '\\0')",
            )
        )
        if col.type in ("float", "integer"):
            checks.append(
                Check(
                    "implausibly large numbers",
                    col.name,
                    f"abs({c}) > {MAX_MAGNITUDE:.0e}",
                    f"is beyond {MAX_MAGNITUDE:.0e} in size; sums of such values overflow, so "
                    "the export is taken to be broken",
                    r,
                )
            )
        if col.type == "timestamp" and opts.has_dst and opts.dst == "reject":
            missing, twice = dst_condition(local_time_expr(r, opts, times_only=True), opts)
            zone = opts.timezone
            checks.append(
                Check(
                    "local times that do not exist",
                    col.name,
                    missing,
                    f"does not exist in {zone} (the clocks skip it at a daylight-saving "
                    "change); fix it, or read such times with --dst before|after (the UTC "
                    "offset in force before or after the change)",
                    r,
                )
            )
            checks.append(
                Check(
                    "local times that occur twice",
                    col.name,
                    twice,
                    f"occurs twice in {zone} (the clocks go back at a daylight-saving "
                    "change); give the offset (+03:00), or choose with --dst before|after",
                    r,
                )
            )
        if col.type != "string":
            hint = TYPE_WORDS[col.type]
            if col.type in ("timestamp", "date"):
                hint += " (for example 2026-03-31 14:05; set --date-format for other layouts)"
            checks.append(
                Check(
                    "values that do not parse",
                    col.name,
                    f"{r} IS NOT NULL AND TRIM({r}) <> '' AND {c} IS NULL",
                    f"is not {hint}",
                    r,
                )
            )
        if col.required:
            checks.append(
                Check(
                    "missing required values",
                    col.name,
                    f"{c} IS NULL AND ({r} IS NULL OR TRIM({r}) = '')",
                    "is empty, but every row needs it",
                    r,
                )
            )
        if col.minimum is not None:
            checks.append(
                Check(
                    "values out of range",
                    col.name,
                    f"{c} < {col.minimum}",
                    f"must be at least {col.minimum:g}",
                    r,
                )
            )
    if table.name == "responses" and "kind" in present:
        kinds = ", ".join(f"'{k}'" for k in RESPONSE_KINDS)
        checks.append(
            Check(
                "unknown response kinds",
                "kind",
                f"kind IS NOT NULL AND kind NOT IN ({kinds})",
                f"must be one of {', '.join(RESPONSE_KINDS)}",
                raw("kind"),
            )
        )
        if "score" in present:
            for kind, (lo, hi) in SCORE_RANGES.items():
                checks.append(
                    Check(
                        "scores out of range",
                        "score",
                        f"kind = '{kind}' AND score IS NOT NULL AND (score < {lo} OR score > {hi} OR score <> floor(score))",
                        f"a {kind.upper()} score must be a whole number from {lo} to {hi}",
                        raw("score"),
                    )
                )
            scored = ", ".join(f"'{k}'" for k in SCORE_RANGES)
            checks.append(
                Check(
                    "missing scores",
                    "score",
                    f"kind IN ({scored}) AND score IS NULL AND ({raw('score')} IS NULL OR TRIM({raw('score')}) = '')",
                    "is empty; NPS, CSAT and CES answers need a score",
                    raw("kind"),
                )
            )
    if table.name == "tickets":
        for later in ("first_response_at", "resolved_at"):
            if later in present and "opened_at" in present:
                checks.append(
                    Check(
                        "times out of order",
                        later,
                        f"{q(later)} < opened_at",
                        "is before opened_at",
                        raw(later),
                    )
                )
    if "currency" in present:
        allowed = ", ".join(quote_literal(c) for c in [currency, *rates])
        checks.append(
            Check(
                "foreign currencies",
                "currency",
                f"currency IS NOT NULL AND currency NOT IN ({allowed})",
                f"differs from the workspace currency {currency}; convert it with --rate CODE=RATE "
                f"(1 CODE = RATE {currency})",
                raw("currency"),
            )
        )
    return checks
