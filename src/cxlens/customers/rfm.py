"""RFM: recency, frequency and monetary value per customer, scores 1-5 and segments.

Definitions (as of the end of local day ``as_of``; only customers with an order by then):

* **recency**: days from the local day of the customer's last order to ``as_of``
  (0 = bought on that day).
* **frequency**: number of orders.
* **monetary**: total order amount, in the workspace currency.

Scores: each of the three is cut at its ``k/bins`` quantiles over all customers
(20, 40, 60 and 80 % for five bins). A customer's F (or M) score is 1 plus the
number of cut-offs its value lies strictly above; the R score is 1 plus the number
of cut-offs its recency lies strictly below, so recent buyers score high.
Equal values therefore always get equal scores (ties are never split by an
arbitrary order), and a value exactly on a cut-off gets the lower score. When many
customers share one value (most customers buy once), a bin can stay empty and the
others hold more than a fifth each.

On the embedded engine the cut-offs are exact quantiles (interpolated between
neighbouring values); on distributed engines (Spark) they are approximate
quantiles, so a customer whose value lies within the approximation error of a
cut-off (about 1/10,000 of the customers' ranks) may get the neighbouring score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from cxlens.customers.base import order_days
from cxlens.customers.segments import SegmentMap, segment_map
from cxlens.errors import CxlensError
from cxlens.periods import local_midnight_utc
from cxlens.stats import nps_interval

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

MEASURES = ("recency", "frequency", "monetary")
#: feedback joined to segments: the year before the as-of date
FEEDBACK_DAYS = 365


@dataclass(frozen=True)
class RFM:
    """Per-customer RFM as an Ibis table, with the cut-offs and the map that made it."""

    table: ir.Table
    cutoffs: dict[str, list[float]]
    as_of: date
    segments: SegmentMap

    def execute(self) -> pd.DataFrame:
        return self.table.order_by("customer_id").execute()


def check_bins(bins: int) -> int:
    if not 2 <= bins <= 10:
        raise CxlensError(f"--bins must be between 2 and 10, got {bins}.")
    return bins


def rfm(ws: WorkspaceData, as_of: object = None, bins: int = 5) -> RFM:
    """RFM values, scores and segments of every customer with an order up to ``as_of``."""
    check_bins(bins)
    segments = segment_map(ws.config.section("rfm"), bins)
    days = order_days(ws, as_of)
    t = days.table
    per = t.group_by("customer_id").aggregate(
        last_day=t.day.max(), frequency=t.count(), monetary=t.amount.sum()
    )
    per = per.mutate(recency=(days.as_of_day - per.last_day).cast("int64")).drop("last_day")
    cutoffs = quantile_cutoffs(per, bins, ws.warehouse.exact_quantiles)
    r = score_expression(per.recency, cutoffs["recency"], higher_is_better=False)
    f = score_expression(per.frequency, cutoffs["frequency"], higher_is_better=True)
    m = score_expression(per.monetary, cutoffs["monetary"], higher_is_better=True)
    scored = per.mutate(r_score=r, f_score=f, m_score=m)
    scored = scored.mutate(
        rfm_score=scored.r_score.cast("string")
        + scored.f_score.cast("string")
        + scored.m_score.cast("string"),
        segment=segments.expression(scored.r_score, scored.f_score, scored.m_score),
    )
    cols = ["customer_id", *MEASURES, "r_score", "f_score", "m_score", "rfm_score", "segment"]
    return RFM(scored.select(cols), cutoffs, days.as_of, segments)


def quantile_cutoffs(per: ir.Table, bins: int, exact: bool) -> dict[str, list[float]]:
    """The ``k/bins`` quantiles of ``recency``, ``frequency`` and ``monetary`` over ``per``."""
    qs = [k / bins for k in range(1, bins)]
    aggs = {}
    for name in MEASURES:
        col = per[name].cast("float64")
        for i, q in enumerate(qs):
            aggs[f"{name}_{i}"] = col.quantile(q) if exact else col.approx_quantile(q)
    aggs["n"] = per.count()
    row = per.aggregate(**aggs).execute().iloc[0]
    if not row["n"]:
        raise CxlensError("No customer has an order up to the as-of date.")
    return {name: [float(row[f"{name}_{i}"]) for i in range(len(qs))] for name in MEASURES}


def score_expression(
    value: ir.NumericValue, cuts: list[float], higher_is_better: bool
) -> ir.IntegerValue:
    """1 plus the cut-offs ``value`` lies strictly above (or below, when lower is better)."""
    score: ir.IntegerValue = ibis.literal(1)
    for cut in cuts:
        hit = value > cut if higher_is_better else value < cut
        score = score + hit.ifelse(1, 0)
    return score.cast("int64")


def score_values(values: np.ndarray, cuts: list[float], higher_is_better: bool) -> np.ndarray:
    """The same scoring in numpy, for checking and for small data."""
    values = np.asarray(values, dtype=float)[:, None]
    cut = np.asarray(cuts, dtype=float)[None, :]
    hits = values > cut if higher_is_better else values < cut
    return 1 + hits.sum(axis=1)


# -- segment summary ------------------------------------------------------------------


def segment_summary(ws: WorkspaceData, result: RFM) -> pd.DataFrame:
    """Per segment: customers, share, revenue, averages, and NPS / CSAT of its customers.

    Feedback is the answers given in the year up to the as-of date. NPS comes
    with its 95% interval; ``nps_n`` and ``csat_n`` are the answers behind them.
    """
    t = result.table
    base = (
        t.group_by("segment")
        .aggregate(
            customers=t.count(),
            revenue=t.monetary.sum(),
            recency=t.recency.mean(),
            frequency=t.frequency.mean(),
            monetary=t.monetary.mean(),
        )
        .execute()
        .set_index("segment")
    )
    feedback = _feedback(ws, result)
    out = base.join(feedback, how="left")
    total = float(out["customers"].sum())
    out["share"] = out["customers"] / total if total else np.nan
    for col in ("promoters", "detractors", "nps_n", "csat_top", "csat_n"):
        out[col] = out[col].fillna(0) if col in out else 0
    nps = [
        nps_interval(p, d, n)
        for p, d, n in zip(out.promoters, out.detractors, out.nps_n, strict=False)
    ]
    out["nps"] = [i.value for i in nps]
    out["nps_low"] = [i.low for i in nps]
    out["nps_high"] = [i.high for i in nps]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["csat"] = np.where(out["csat_n"] > 0, 100 * out["csat_top"] / out["csat_n"], np.nan)
    order = {key: i for i, key in enumerate(result.segments.keys())}
    out = out.reset_index()
    out["_order"] = out["segment"].map(lambda k: order.get(k, len(order)))
    out = out.sort_values("_order").drop(columns=["_order", "promoters", "detractors", "csat_top"])
    cols = [
        "segment", "customers", "share", "revenue", "recency", "frequency", "monetary",
        "nps", "nps_low", "nps_high", "nps_n", "csat", "csat_n",
    ]  # fmt: skip
    return out[cols].reset_index(drop=True)


def _feedback(ws: WorkspaceData, result: RFM) -> pd.DataFrame:
    empty = pd.DataFrame(
        {
            c: pd.Series(dtype=float)
            for c in ("promoters", "detractors", "nps_n", "csat_top", "csat_n")
        },
        index=pd.Index([], name="segment", dtype=object),
    )
    if not ws.warehouse.exists("responses"):
        return empty
    tz = ws.config.timezone
    end = local_midnight_utc(result.as_of + timedelta(days=1), tz)
    start = local_midnight_utc(result.as_of - timedelta(days=FEEDBACK_DAYS - 1), tz)
    r = ws.table("responses")
    r = r.filter((r.ts >= start) & (r.ts < end) & r.customer_id.notnull() & r.score.notnull())
    seg = result.table.select(_cid="customer_id", segment="segment")
    j = r.inner_join(seg, r.customer_id == seg._cid)
    is_nps, is_csat = j.kind == "nps", j.kind == "csat"
    frame = (
        j.group_by("segment")
        .aggregate(
            promoters=(is_nps & (j.score >= 9)).ifelse(1, 0).sum(),
            detractors=(is_nps & (j.score <= 6)).ifelse(1, 0).sum(),
            nps_n=is_nps.ifelse(1, 0).sum(),
            csat_top=(is_csat & (j.score >= 4)).ifelse(1, 0).sum(),
            csat_n=is_csat.ifelse(1, 0).sum(),
        )
        .execute()
    )
    return frame.set_index("segment").astype(float) if not frame.empty else empty


# -- migration ------------------------------------------------------------------------


NEW = "(new)"


def migration(ws: WorkspaceData, start: object, end: object, bins: int = 5) -> pd.DataFrame:
    """Customers moving from each segment at ``start`` (rows) to each at ``end`` (columns).

    The row "(new)" holds customers whose first order came after ``start``.
    """
    a = rfm(ws, start, bins)
    b = rfm(ws, end, bins)
    if a.as_of >= b.as_of:
        raise CxlensError(f"The first date ({a.as_of}) must come before the second ({b.as_of}).")
    before = a.table.select(_cid="customer_id", before="segment")
    after = b.table.select("customer_id", after="segment")
    j = after.left_join(before, after.customer_id == before._cid)
    j = j.mutate(before=j.before.fill_null(NEW))
    counts = j.group_by(["before", "after"]).aggregate(customers=j.count()).execute()
    keys = b.segments.keys()
    matrix = counts.pivot_table(
        index="before", columns="after", values="customers", aggfunc="sum", fill_value=0
    )
    rows = [k for k in keys if k in matrix.index] + [
        k for k in matrix.index if k not in keys and k != NEW
    ]
    if NEW in matrix.index:
        rows.append(NEW)
    cols = [k for k in keys if k in matrix.columns] + [k for k in matrix.columns if k not in keys]
    return matrix.reindex(index=rows, columns=cols, fill_value=0).astype(int)


# -- audiences ------------------------------------------------------------------------


def hashed_emails(emails: pd.Series) -> pd.Series:
    """E-mail addresses as SHA-256 of the trimmed, lower-cased address (what ad platforms match on).

    >>> hashed_emails(pd.Series([" Ann@Example.com", None])).tolist()[1] is None
    True
    >>> hashed_emails(pd.Series([" Ann@Example.com"]))[0][:12]
    '71d4f55f72fa'
    """
    import hashlib

    return emails.map(
        lambda e: (
            hashlib.sha256(e.strip().lower().encode()).hexdigest() if isinstance(e, str) else None
        )
    )


def audience(ws: WorkspaceData, segment: str, as_of: object = None) -> pd.DataFrame:
    """Customers of one segment: ``customer_id`` and, where they consented, ``email``.

    Customers without consent are listed without an e-mail address, so the file
    can be matched on ids in a CRM but never uploads a contact that said no.
    """
    result = rfm(ws, as_of)
    key = result.segments.key_of(segment)
    members = result.table.filter(result.table.segment == key).select("customer_id")
    c = ws.table("customers")
    contact = c.select(
        _cid=c.customer_id,
        email=(c.consent.fill_null(False) & c.email.notnull()).ifelse(c.email, ibis.null("string")),
    )
    j = members.left_join(contact, members.customer_id == contact._cid)
    return j.select("customer_id", "email").order_by("customer_id").execute()
