"""Who each row of an export is about: one ``customer_id`` per person across sources.

A Shopify buyer, a Zendesk requester and a Stripe payer are one person when their
e-mail addresses agree once trimmed and lower-cased. A row whose address belongs to
a customer already in the workspace gets that customer's id (matched by the stored
address, or by its SHA-256 where the workspace keeps only hashes); a new address
gets an id derived from its hash (``cx-`` and 16 hex digits), so the same person
gets the same id from every source and on every re-import. Exports without
addresses (GA4) name people by the vendor's own id. Rows naming nobody are counted
and, where a table needs a customer, left out with their rows named.

``[identity] emails = "hash"`` in cxlens.toml keeps no address at all: customers
get ``email_sha256`` instead of ``email``.
"""

# SQL here is built from quoted identifiers and literals only.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxlens.ingest.presets import Preset
from cxlens.ingest.presets.compile import PERSON, ROW, Context
from cxlens.schema import get_table
from cxlens.warehouse.staging import StagingDB, parquet_sql, quote_literal
from cxlens.warehouse.staging import quote_ident as q

if TYPE_CHECKING:
    from cxlens.warehouse import Warehouse

HASH_COLUMN = "email_sha256"
ID_PREFIX = "cx-"


def normalised_email(text: str) -> str:
    """SQL: the address trimmed and lower-cased, NULL when it is not an address."""
    v = f"lower(TRIM({text}))"
    return f"CASE WHEN regexp_matches({v}, '^[^@\\s]+@[^@\\s]+$') THEN {v} END"


@dataclass
class IdentityStats:
    """How the rows of one export were tied to customers."""

    mode: str | None
    hash_emails: bool = False
    existing_only: bool = False
    primary: str | None = None
    matched: int = 0
    new: int = 0
    unmatched: int = 0
    unmatched_rows: list[int] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if self.mode is None:
            return "identity: the export names no people"
        what = "e-mail" if self.mode == "email" else "id"
        rows = f" (rows {', '.join(map(str, self.unmatched_rows))}{', ...' if self.unmatched > len(self.unmatched_rows) else ''})"
        text = (
            f"identity ({'hashed ' if self.hash_emails and self.mode == 'email' else ''}{what}): "
            f"{self.matched} {self.primary or 'row'} row(s) matched existing customers, "
            f"{self.new} new customer(s), {self.unmatched} row(s) could not be matched"
            + (rows if self.unmatched else "")
        )
        if self.left_out:
            text += "; left out: " + ", ".join(f"{n} {t} row(s)" for t, n in self.left_out.items())
        return text

    def count(self, db: StagingDB, table: str, sql: str) -> None:
        """Count matched, new and unmatched rows of the table that names the export's people."""
        if self.mode is None or self.primary is not None:
            return
        self.primary = table
        unknown = f"customer_id NOT IN (SELECT customer_id FROM {q('known_ids')})"
        matched, new, unmatched, rows = db.fetchone(
            f"SELECT count(*) FILTER (WHERE customer_id IS NOT NULL AND NOT ({unknown})), "
            f"count(DISTINCT customer_id) FILTER (WHERE {unknown}), "
            f"count(*) FILTER (WHERE customer_id IS NULL), "
            f"list({q(ROW)} ORDER BY {q(ROW)}) FILTER (WHERE customer_id IS NULL)[1:5] FROM ({sql})"
        )
        self.matched, self.new, self.unmatched = int(matched), int(new), int(unmatched)
        self.unmatched_rows = [int(r) for r in rows or []]
        if self.existing_only:  # a person not in the workspace yet is not matched either
            extra, extra_rows = db.fetchone(
                f"SELECT count(*), list({q(ROW)} ORDER BY {q(ROW)})[1:5] FROM ({sql}) WHERE {unknown}"
            )
            self.unmatched += int(extra)
            self.unmatched_rows = sorted([*self.unmatched_rows, *map(int, extra_rows or [])])[:5]
            self.new = 0

    def filter_sql(self, db: StagingDB, table: str, sql: str, filled: list[str]) -> str:
        """``sql`` without rows that name nobody where ``table`` needs a customer."""
        if self.mode is None or "customer_id" not in filled:
            return sql
        self.count(db, table, sql)
        spec = get_table(table)
        keep = "TRUE"
        if self.existing_only:
            keep = f"customer_id IN (SELECT customer_id FROM {q('known_ids')})"
        elif "customer_id" in spec.required:
            keep = "customer_id IS NOT NULL"
        left = int(db.fetchone(f"SELECT count(*) FROM ({sql}) WHERE NOT ({keep})")[0])
        if left:
            self.left_out[table] = left
        sql = f"SELECT * FROM ({sql}) WHERE {keep}"
        if table == "customers" and self.hash_emails:
            drop = " EXCLUDE (email)" if "email" in filled else ""
            sql = (
                f"SELECT t.*{drop}, p.h AS {q(HASH_COLUMN)} FROM ({sql}) t LEFT JOIN "
                f"(SELECT {q(PERSON)} AS id, any_value(cx_email_hash) AS h FROM person GROUP BY 1) p "
                "ON p.id = t.customer_id"
            )
        return sql

    def new_customers_sql(
        self, preset: Preset, files: dict[str, tuple[Path, dict[str, str]]]
    ) -> str | None:
        """Rows for the customers first seen in this export (when the preset fills no customers)."""
        if (
            self.mode is None
            or self.existing_only
            or "customers" in files
            or "customers" in preset.tables
            or self.primary not in files
        ):
            return None
        assert self.primary is not None
        spec = get_table(self.primary)
        path, _ = files[self.primary]
        source = parquet_sql(path)
        ts = q(spec.time_column or "ts")
        # only a purchase or a visit says how a customer was acquired, not a ticket
        acquired_by = preset.identity.get("acquisition_channel")
        channel = (
            f"arg_min({q(str(acquired_by))}, {ts})"
            if acquired_by in _columns_of(preset, self.primary)
            else "CAST(NULL AS VARCHAR)"
        )
        email = (
            f"CAST(NULL AS VARCHAR) AS email, any_value(p.cx_email_hash) AS {q(HASH_COLUMN)}"
            if self.hash_emails
            else "any_value(p.cx_email) AS email"
        )
        return (
            f"SELECT t.customer_id, min({ts}) AS created_at, {channel} AS acquisition_channel, "
            f"{email}, min(t.cx_source_row) AS {q(ROW)} "
            f"FROM {source} t LEFT JOIN person p ON p.{q(PERSON)} = t.customer_id "
            f"WHERE t.customer_id IS NOT NULL AND t.customer_id NOT IN "
            f"(SELECT customer_id FROM {q('known_ids')}) GROUP BY t.customer_id"
        )


def _columns_of(preset: Preset, table: str) -> set[str]:
    return set((preset.tables.get(table, {}).get("columns") or {}).keys())


def _source(ctx: Context, names: Any) -> str | None:
    for name in [names] if isinstance(names, str) else list(names or []):
        if ctx.has(str(name)):
            return ctx.text(str(name))
    return None


def resolve_identities(
    db: StagingDB,
    preset: Preset,
    ctx: Context,
    warehouse: Warehouse,
    hash_emails: bool,
    warnings: list[str],
) -> IdentityStats:
    """Give each staged row (view ``v``) its customer id, as column ``cx_customer_id``."""
    rule = preset.identity
    email_col = _source(ctx, rule.get("email"))
    id_col = _source(ctx, rule.get("id"))
    fallback = _source(ctx, rule.get("fallback_id"))
    mode = "email" if email_col else ("id" if id_col or fallback else None)
    stats = IdentityStats(mode, hash_emails, bool(rule.get("existing_only")))
    known_email = known_hash = "SELECT NULL::VARCHAR AS k, NULL::VARCHAR AS customer_id LIMIT 0"
    db.execute("CREATE TABLE known_ids (customer_id VARCHAR)")
    if warehouse.has_file("customers"):
        current = parquet_sql(warehouse.path("customers"))
        columns = {n for n, _ in db.columns(f"SELECT * FROM {current}")}
        db.execute(f"INSERT INTO known_ids SELECT DISTINCT customer_id FROM {current}")
        if "email" in columns:
            known_email = (
                f"SELECT {normalised_email('email')} AS k, min(customer_id) AS customer_id "
                f"FROM {current} GROUP BY 1"
            )
        if HASH_COLUMN in columns:
            known_hash = (
                f"SELECT {q(HASH_COLUMN)} AS k, min(customer_id) AS customer_id "
                f"FROM {current} GROUP BY 1"
            )
    if mode == "email":
        assert email_col is not None
        em = normalised_email(email_col)
        db.execute(
            f"CREATE TABLE person AS SELECT f.{q(ROW)}, e.em AS cx_email, sha256(e.em) AS cx_email_hash, "
            f"CASE WHEN e.em IS NOT NULL THEN COALESCE(a.customer_id, b.customer_id, "
            f"{quote_literal(ID_PREFIX)} || left(sha256(e.em), 16)) END AS {q(PERSON)} "
            f"FROM vf f, LATERAL (SELECT {em} AS em) e "
            f"LEFT JOIN ({known_email}) a ON a.k = e.em "
            f"LEFT JOIN ({known_hash}) b ON b.k = sha256(e.em)"
        )
    elif mode == "id":
        own = f"NULLIF(TRIM({id_col}), '')" if id_col else "NULL"
        other = (
            f"{quote_literal(str(rule.get('prefix', '')))} || NULLIF(TRIM({fallback}), '')"
            if fallback
            else "NULL"
        )
        db.execute(
            f"CREATE TABLE person AS SELECT {q(ROW)}, NULL::VARCHAR AS cx_email, "
            f"NULL::VARCHAR AS cx_email_hash, COALESCE({own}, {other}) AS {q(PERSON)} FROM vf"
        )
    else:
        db.execute(
            f"CREATE TABLE person AS SELECT {q(ROW)}, NULL::VARCHAR AS cx_email, "
            f"NULL::VARCHAR AS cx_email_hash, NULL::VARCHAR AS {q(PERSON)} FROM vf"
        )
    db.execute(
        f"CREATE VIEW v AS SELECT f.*, p.{q(PERSON)}, p.cx_email, p.cx_email_hash "
        f"FROM vf f JOIN person p USING ({q(ROW)})"
    )
    ctx.columns[PERSON] = q(PERSON)
    return stats
