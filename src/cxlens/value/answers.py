"""Each customer's answer with what they had bought before it and what they bought after it.

The base of experience value (:mod:`cxlens.value.worth`), computed in the warehouse
in one join of the answers with the orders:

* the **answer**: each customer's latest answer of the kind (NPS, CSAT or CES)
  given up to ``follow_up`` days before the end of the as-of day, so that every
  answer has a complete follow-up; its score puts the customer in a group
  (:data:`GROUPINGS`);
* the **follow-up**: orders placed after the answer and at most ``follow_up``
  days after it: ``orders_after``, ``revenue_after`` and ``bought_again``;
* the **strata** the groups are compared within: the RFM ``segment`` the customer
  had at the moment of the answer (recency, frequency and monetary value of the
  orders up to it, scored at the quantiles of all respondents with the
  workspace's segment map; ``(no orders)`` before the first order) and the
  ``tenure_band``, the time since the customer was created (or first bought).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import ibis

from cxlens.customers.base import order_days
from cxlens.customers.rfm import quantile_cutoffs, score_expression
from cxlens.customers.segments import segment_map
from cxlens.errors import CxlensError
from cxlens.journeys.base import require, seconds_between
from cxlens.periods import local_midnight_utc, parse_date

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

NO_ORDERS = "(no orders)"
DAY_SECONDS = 86_400.0
#: tenure bands at the answer: (key, first day, first day of the next band)
TENURE_BANDS = (
    ("under_3_months", 0, 91),
    ("3_to_12_months", 91, 365),
    ("1_to_2_years", 365, 730),
    ("over_2_years", 730, None),
)


@dataclass(frozen=True)
class Grouping:
    """The groups of one kind of answer, best first: (key, lowest score, highest score)."""

    kind: str
    groups: tuple[tuple[str, float, float], ...]

    @property
    def keys(self) -> list[str]:
        return [g[0] for g in self.groups]

    @property
    def best(self) -> str:
        return self.groups[0][0]

    @property
    def worst(self) -> str:
        return self.groups[-1][0]

    def expression(self, score: ir.NumericValue) -> ir.StringValue:
        return ibis.cases(
            *((score.between(lo, hi), key) for key, lo, hi in self.groups),
            else_=ibis.null("string"),
        )


#: the answer groups: NPS as Reichheld defined them; CSAT and CES as the closed loop
#: reads them (CSAT 1-2 and CES 1-3 open a follow-up case, like an NPS of 0-6)
GROUPINGS = {
    "nps": Grouping("nps", (("promoter", 9, 10), ("passive", 7, 8), ("detractor", 0, 6))),
    "csat": Grouping("csat", (("satisfied", 4, 5), ("neutral", 3, 3), ("dissatisfied", 1, 2))),
    "ces": Grouping("ces", (("easy", 5, 7), ("neutral", 4, 4), ("difficult", 1, 3))),
}


def grouping(kind: str) -> Grouping:
    if kind not in GROUPINGS:
        raise CxlensError(f"Unknown kind of answer '{kind}'; use {', '.join(GROUPINGS)}.")
    return GROUPINGS[kind]


@dataclass(frozen=True)
class AnswerBase:
    table: ir.Table
    """Per respondent: ``customer_id, answered_at, score, group, touchpoint, segment,
    tenure_band, orders_after, revenue_after, bought_again`` (and ``ended_after``
    with contracts: 1 when the customer's contract ended within the follow-up)."""
    grouping: Grouping
    as_of: date
    answered_until: date
    """The last local day whose answers have a complete follow-up."""
    follow_up_days: int


def latest_answers(ws: WorkspaceData, kind: str, start_utc: object, end_utc: object) -> ir.Table:
    """Each customer's latest answer of ``kind`` in [start_utc, end_utc): customer_id, answered_at,
    score, touchpoint (and theme when comments were analysed)."""
    r = require(ws, "responses", "Experience value")
    r = r.filter((r.kind == kind) & r.score.notnull() & r.customer_id.notnull() & (r.ts < end_utc))
    if start_utc is not None:
        r = r.filter(r.ts >= start_utc)
    extra = {"theme": r.theme.argmax(r.ts)} if "theme" in r.columns else {}
    return r.group_by("customer_id").aggregate(
        answered_at=r.ts.max(),
        score=r.score.argmax(r.ts).cast("float64"),
        touchpoint=r.touchpoint.argmax(r.ts),
        **extra,
    )


def answer_base(
    ws: WorkspaceData,
    kind: str = "nps",
    follow_up_days: int = 90,
    as_of: object = None,
    start: object = None,
) -> AnswerBase:
    """The respondents of ``kind`` with their group, strata and follow-up (see the module docstring)."""
    groups = grouping(kind)
    if follow_up_days < 1:
        raise CxlensError(f"--follow-up must be at least one day, got {follow_up_days}.")
    days = order_days(ws, as_of)
    tz = ws.config.timezone
    end = local_midnight_utc(days.as_of + timedelta(days=1), tz)
    cutoff = end - timedelta(days=follow_up_days)
    first = parse_date(start, "--from")
    answers = latest_answers(ws, kind, local_midnight_utc(first, tz) if first else None, cutoff)
    answers = answers.mutate(group=groups.expression(answers.score))
    answers = answers.filter(answers.group.notnull())
    o = ws.table("orders")
    o = o.filter(o.ts < end).select(_cid="customer_id", _ts="ts", _amount="amount")
    j = answers.left_join(o, answers.customer_id == o._cid)
    after = (j._ts > j.answered_at) & (j._ts <= j.answered_at + ibis.interval(days=follow_up_days))
    keys = [c for c in answers.columns]
    per = j.group_by(keys).aggregate(
        **_orders_before(j),
        first_order=j._ts.min(),
        orders_after=after.ifelse(1, 0).sum().cast("float64"),
        revenue_after=after.ifelse(j._amount, 0.0).sum().cast("float64"),
    )
    per = _with_tenure(ws, _with_recency(per), follow_up_days)
    per = _with_segment(ws, per)
    cols = [
        *keys, "segment", "tenure_band", "orders_after", "revenue_after",
        (per.orders_after > 0).ifelse(1.0, 0.0).name("bought_again"),
    ]  # fmt: skip
    if "ended_after" in per.columns:
        cols.append("ended_after")
    answered_until = days.as_of - timedelta(days=follow_up_days)
    return AnswerBase(per.select(*cols), groups, days.as_of, answered_until, follow_up_days)


def _with_tenure(ws: WorkspaceData, per: ir.Table, follow_up_days: int) -> ir.Table:
    """``tenure_band`` from the customer's creation (else the first order) to the answer;
    ``ended_after`` when customers have contract end dates."""
    since = per.first_order
    extra: dict[str, ir.Value] = {}
    if ws.warehouse.exists("customers"):
        c = ws.table("customers")
        cols = {"_created": c.created_at}
        if "ended_at" in c.columns:
            cols["_ended"] = c.ended_at
        c = c.select(_ccid=c.customer_id, **cols)
        per = per.left_join(c, per.customer_id == c._ccid).drop("_ccid")
        since = per._created.fill_null(per.first_order)
        if "_ended" in per.columns and bool(per._ended.notnull().any().execute()):
            window_end = per.answered_at + ibis.interval(days=follow_up_days)
            extra["ended_after"] = (
                (per._ended > per.answered_at) & (per._ended <= window_end)
            ).ifelse(1.0, 0.0)
            extra["active_at_answer"] = per._ended.isnull() | (per._ended > per.answered_at)
    tenure = seconds_between(per.answered_at, since) / DAY_SECONDS
    band = ibis.cases(
        *((tenure < hi if hi is not None else tenure >= lo, key) for key, lo, hi in TENURE_BANDS),
        else_=TENURE_BANDS[0][0],  # created after the answer (imported later): the newest band
    )
    per = per.mutate(tenure_band=band, **extra)
    if "active_at_answer" in per.columns:
        # contract churn counts only customers whose contract still ran at the answer
        per = per.mutate(
            ended_after=per.active_at_answer.ifelse(per.ended_after, ibis.null("float64"))
        )
    drop = [c for c in ("_created", "_ended", "active_at_answer") if c in per.columns]
    return per.drop(*drop) if drop else per


def segments_at(ws: WorkspaceData, moments: ir.Table) -> ir.Table:
    """The RFM segment each row's customer had at the row's moment, as :func:`answer_base`
    gives it to an answer.

    ``moments`` holds ``customer_id`` and ``answered_at`` (a UTC timestamp) and any
    columns of its own, one row per moment (a customer may have several). The result
    is ``moments`` with ``segment``: the recency, frequency and monetary value of the
    customer's orders up to the moment, scored at the quantiles of the rows that had
    an order by then, with the workspace's segment map; :data:`NO_ORDERS` before the
    customer's first order.
    """
    o = ws.table("orders")
    o = o.select(_cid="customer_id", _ts="ts", _amount="amount")
    keys = list(moments.columns)
    j = moments.left_join(o, moments.customer_id == o._cid)
    per = _with_recency(j.group_by(keys).aggregate(**_orders_before(j)))
    return _with_segment(ws, per).select(*keys, "segment")


def _orders_before(j: ir.Table) -> dict[str, ir.Value]:
    """The aggregates of the orders (``_ts``, ``_amount``) up to ``answered_at``."""
    before = j._ts <= j.answered_at
    return {
        "frequency": before.ifelse(1, 0).sum(),
        "monetary": before.ifelse(j._amount, 0.0).sum().cast("float64"),
        "last_before": before.ifelse(j._ts, ibis.null("timestamp")).max(),
    }


def _with_recency(per: ir.Table) -> ir.Table:
    """``recency``: whole days from the last order up to the answer to the answer itself."""
    days = seconds_between(per.answered_at, per.last_before) / DAY_SECONDS
    return per.mutate(recency=days.floor().cast("int64"))


def _with_segment(ws: WorkspaceData, per: ir.Table) -> ir.Table:
    """The RFM segment at the answer, scored at the respondents' own quantiles."""
    segments = segment_map(ws.config.section("rfm"))
    buyers = per.filter(per.frequency > 0)
    if not int(buyers.count().execute()):
        return per.mutate(segment=ibis.literal(NO_ORDERS))
    cuts = quantile_cutoffs(buyers, segments.bins, ws.warehouse.exact_quantiles)
    r = score_expression(per.recency, cuts["recency"], higher_is_better=False)
    f = score_expression(per.frequency, cuts["frequency"], higher_is_better=True)
    m = score_expression(per.monetary, cuts["monetary"], higher_is_better=True)
    return per.mutate(
        segment=(per.frequency > 0).ifelse(segments.expression(r, f, m), ibis.literal(NO_ORDERS))
    )
