"""How the follow-up goes: times, deadlines kept, root causes, and whether it helps.

:func:`case_analytics` reads the collection store: the median time to first contact
and to close (order-statistic intervals), the share of closed cases closed by their
deadline and the share of followed-up cases whose customer's next answer was better
(Wilson intervals), and the root causes.

:func:`recovery_comparison` asks whether contacting a customer after a poor answer
helps. It compares the cases whose customer was contacted (a status change or a
note within the follow-up window) with those whose customer was not, at equal kind,
score and segment, by :func:`cxlens.stats.stratified_comparison`. The segment is
the customer's RFM segment at the moment the case opened (the answer that opened
it), computed as experience value computes it for an answer
(:func:`cxlens.value.answers.segments_at`: the orders up to that moment, scored at
the quantiles of the cases' customers who had ordered by then, with the
workspace's segment map; ``(no orders)`` before a first order), so that an order
the follow-up led to does not move its own case into a better segment. A
workspace without orders has no RFM; its cases are compared within the
``segment`` column of ``customers`` (the one the assignment rules read, as it is
today), and without that column at equal kind and score only.
:attr:`Recovery.segments` says which. The comparison gives the shares of the two groups, each with
its Wilson interval, and their difference standardised over the strata holding both
groups, with its normal interval (cut to -100...100 percentage points) and z test.
Only cases opened at least ``[cases] recovery_days`` (default 90) ago count, so that
every case has a complete window. The outcomes, each within that window after the
case opened:

=================== ============================================================
``bought_again``    the customer ordered again (``orders``, when the workspace has
                    them); churn is the rest
``answered_better`` the customer's next answer of the same kind scored higher
                    (only customers who answered again)
``ended``           the customer's contract ended (``customers.ended_at``, when
                    the table has it; only customers whose contract still ran)
=================== ============================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cxlens.collect import db
from cxlens.collect.business_hours import is_overdue
from cxlens.collect.service import now_utc
from cxlens.errors import CxlensError
from cxlens.periods import as_utc
from cxlens.stats import Interval

if TYPE_CHECKING:
    import pandas as pd

    from cxlens.collect.service import Collector
    from cxlens.data import WorkspaceData

#: the default follow-up window of the recovery measure, in days
RECOVERY_DAYS = 90
#: the stratum of customers without a segment
NO_SEGMENT = "(none)"
OUTCOMES = ("bought_again", "answered_better", "ended")
#: customers per query of their answers
IN_CHUNK = 500


@dataclass
class CaseAnalytics:
    """How the follow-up went, with 95 % intervals (times in hours, shares in percent)."""

    cases: int
    open: int
    overdue: int
    #: median hours from opening to the first contact (a status change or a note)
    first_contact_hours: Interval
    #: median hours from opening to closing
    close_hours: Interval
    #: closed cases closed by their deadline (Wilson)
    sla_kept: Interval
    sla_n: int
    root_causes: dict[str, int]
    #: followed-up (closed) cases whose customer answered again, and better (Wilson)
    recovered: Interval
    recovery_n: int


def _percent(k: int, n: int) -> Interval:
    from cxlens.stats import wilson_interval

    w = wilson_interval(k, n)
    return Interval(w.value * 100, w.low * 100, w.high * 100, w.level) if n else w


def case_analytics(collector: Collector, now: datetime | None = None) -> CaseAnalytics:
    """Time to first contact and to close, SLA kept, root causes and recovery.

    Recovery: of the closed cases whose customer gave a later answer of the same kind
    (NPS after an NPS detractor...), the share whose next answer scored higher.
    """
    from cxlens.stats import median_interval

    at = now or now_utc()
    with collector.engine.connect() as conn:
        cases = [dict(r._mapping) for r in conn.execute(sa.select(db.cases))]
        later = conn.execute(
            sa.select(
                db.answers.c.customer_id, db.answers.c.kind, db.answers.c.ts, db.answers.c.score
            )
            .where(db.answers.c.customer_id.is_not(None))
            .where(db.answers.c.score.is_not(None))
            .order_by(db.answers.c.ts)
        ).all()
    answers: dict[tuple[str, str], list[tuple[datetime, float]]] = {}
    for row in later:
        answers.setdefault((row.customer_id, row.kind), []).append(
            (as_utc(row.ts), float(row.score))
        )

    def hours(a: datetime | None, b: datetime | None) -> float | None:
        return None if a is None or b is None else (as_utc(b) - as_utc(a)).total_seconds() / 3600

    first = [h for c in cases if (h := hours(c["opened_at"], c["first_contact_at"])) is not None]
    closing = [h for c in cases if (h := hours(c["opened_at"], c["closed_at"])) is not None]
    with_deadline = [
        c for c in cases if c["closed_at"] is not None and c["deadline_at"] is not None
    ]
    kept = sum(as_utc(c["closed_at"]) <= as_utc(c["deadline_at"]) for c in with_deadline)
    causes: dict[str, int] = {}
    recovered = followed = 0
    for c in cases:
        if c["root_cause"]:
            causes[c["root_cause"]] = causes.get(c["root_cause"], 0) + 1
        if c["status"] != "closed" or not c["customer_id"]:
            continue
        opened = as_utc(c["opened_at"])
        nxt = next(
            (s for t, s in answers.get((c["customer_id"], c["kind"]), []) if t > opened), None
        )
        if nxt is not None:
            followed += 1
            recovered += nxt > float(c["score"])
    overdue = sum(is_overdue(c, at) for c in cases)
    return CaseAnalytics(
        cases=len(cases),
        open=sum(c["status"] != "closed" for c in cases),
        overdue=overdue,
        first_contact_hours=median_interval(first),
        close_hours=median_interval(closing),
        sla_kept=_percent(kept, len(with_deadline)),
        sla_n=len(with_deadline),
        root_causes=dict(sorted(causes.items(), key=lambda kv: -kv[1])),
        recovered=_percent(recovered, followed),
        recovery_n=followed,
    )


@dataclass(frozen=True)
class RecoveryOutcome:
    """One outcome of contacted against not contacted cases (shares in percent)."""

    outcome: str
    contacted: Interval
    contacted_n: int
    not_contacted: Interval
    not_contacted_n: int
    #: contacted minus not contacted, standardised over the strata holding both (points)
    difference: Interval
    p_value: float
    #: cases in the strata that hold both groups, and how many such strata
    matched_contacted: int
    matched_not_contacted: int
    strata: int


#: what the strata's segment is: the RFM segment when the case opened, the ``segment``
#: column of ``customers``, or none (strata of kind and score only)
SEGMENT_SOURCES = ("rfm_at_answer", "customers_column", "none")


@dataclass(frozen=True)
class Recovery:
    days: int
    #: cases with a customer opened at least ``days`` ago (the others' window is not over)
    cases: int
    #: whether strata include a segment (see :attr:`segments`)
    by_segment: bool
    outcomes: list[RecoveryOutcome]
    #: one of :data:`SEGMENT_SOURCES`
    segments: str = "none"


def recovery_days(collector: Collector) -> int:
    """``[cases] recovery_days``, checked."""
    value = collector.config.section("cases").get("recovery_days", RECOVERY_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CxlensError(
            f"cxlens.toml, [cases] recovery_days must be a whole number of days (1 or more), "
            f"got {value!r}."
        )
    return value


def recovery_frame(
    ws: WorkspaceData, collector: Collector, days: int, now: datetime | None = None
) -> pd.DataFrame:
    """One row per case that counts: ``case_id, customer_id, kind, score, segment,
    contacted`` and the :data:`OUTCOMES` (1, 0, or NaN where one does not apply).

    ``segment`` is the customer's RFM segment when the case opened where the workspace
    has orders, else the ``segment`` column of ``customers``, else :data:`NO_SEGMENT`
    (see the module docstring); ``frame.attrs["segments"]`` names which
    (:data:`SEGMENT_SOURCES`)."""
    import pandas as pd

    at = now or now_utc()
    window = timedelta(days=days)
    with collector.engine.connect() as conn:
        cases = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(
                    db.cases.c.id, db.cases.c.customer_id, db.cases.c.kind, db.cases.c.score,
                    db.cases.c.opened_at, db.cases.c.first_contact_at,
                ).where(db.cases.c.customer_id.is_not(None))
            )
            if as_utc(r.opened_at) + window <= at
        ]  # fmt: skip
        customers = sorted({c["customer_id"] for c in cases})
        later = [
            row
            for i in range(0, len(customers), IN_CHUNK)  # a bounded number of query parameters
            for row in conn.execute(
                sa.select(
                    db.answers.c.customer_id, db.answers.c.kind, db.answers.c.ts, db.answers.c.score
                )
                .where(db.answers.c.customer_id.in_(customers[i : i + IN_CHUNK]))
                .where(db.answers.c.score.is_not(None))
            )
        ]
    later.sort(key=lambda row: as_utc(row.ts))
    answers: dict[tuple[str, str], list[tuple[datetime, float]]] = {}
    for row in later:
        answers.setdefault((row.customer_id, row.kind), []).append(
            (as_utc(row.ts), float(row.score))
        )
    orders = _order_times(ws, customers)
    facts = _customer_columns(ws, customers)
    rfm = _segments_at_opening(ws, cases)
    source = "rfm_at_answer" if rfm is not None else "none"
    if rfm is None and any("segment" in person for person in facts.values()):
        source = "customers_column"
    rows = []
    for c in cases:
        opened = as_utc(c["opened_at"])
        end = opened + window
        contact = c["first_contact_at"]
        nxt = next(
            (s for t, s in answers.get((c["customer_id"], c["kind"]), []) if opened < t <= end),
            None,
        )
        person = facts.get(c["customer_id"], {})
        ended_at = person.get("ended_at")
        ended = math.nan
        if "ended_at" in person and (ended_at is None or ended_at > opened):
            ended = float(ended_at is not None and ended_at <= end)
        rows.append(
            {
                "case_id": c["id"],
                "customer_id": c["customer_id"],
                "kind": c["kind"],
                "score": float(c["score"]),
                "segment": (
                    rfm[c["id"]] if rfm is not None else person.get("segment") or NO_SEGMENT
                ),
                "contacted": contact is not None and as_utc(contact) <= end,
                "bought_again": (
                    float(any(opened < t <= end for t in orders.get(c["customer_id"], ())))
                    if orders is not None
                    else math.nan
                ),
                "answered_better": math.nan if nxt is None else float(nxt > float(c["score"])),
                "ended": ended,
            }
        )
    columns = ["case_id", "customer_id", "kind", "score", "segment", "contacted", *OUTCOMES]
    frame = pd.DataFrame(rows, columns=columns)
    frame.attrs["segments"] = source
    return frame


def _segments_at_opening(ws: WorkspaceData, cases: list[dict[str, Any]]) -> dict[int, str] | None:
    """Each case's customer's RFM segment when the case opened, by case id; None when the
    workspace has no orders to compute it from."""
    if not ws.warehouse.exists("orders"):
        return None
    if not cases:
        return {}
    import ibis
    import pandas as pd

    from cxlens.value.answers import segments_at

    moments = ibis.memtable(
        pd.DataFrame(
            {
                "case_id": [int(c["id"]) for c in cases],
                "customer_id": [str(c["customer_id"]) for c in cases],
                "answered_at": pd.to_datetime([as_utc(c["opened_at"]) for c in cases], utc=True),
            }
        )
    )
    frame = segments_at(ws, moments).select("case_id", "segment").execute()
    return {int(k): str(v) for k, v in zip(frame["case_id"], frame["segment"], strict=True)}


def _order_times(ws: WorkspaceData, customers: list[str]) -> dict[str, list[datetime]] | None:
    """Each customer's order times; None when the workspace has no orders."""
    if not ws.warehouse.exists("orders"):
        return None
    if not customers:
        return {}
    o = ws.table("orders")
    frame = o.filter(o.customer_id.isin(customers)).select("customer_id", "ts").execute()
    out: dict[str, list[datetime]] = {}
    for cid, ts in zip(frame["customer_id"], frame["ts"], strict=True):
        if ts == ts and ts is not None:
            out.setdefault(cid, []).append(as_utc(ts.to_pydatetime()))
    return out


def _customer_columns(ws: WorkspaceData, customers: list[str]) -> dict[str, dict[str, Any]]:
    """The ``segment`` and ``ended_at`` of each customer, where ``customers`` has them."""
    if not customers or not ws.warehouse.exists("customers"):
        return {}
    c = ws.table("customers")
    cols = [k for k in ("segment", "ended_at") if k in c.columns]
    if not cols:
        return {}
    frame = c.filter(c.customer_id.isin(customers)).select("customer_id", *cols).execute()
    if "ended_at" in cols and not frame["ended_at"].notna().any():
        cols.remove("ended_at")  # the column is there, but no contract end is known
    out: dict[str, dict[str, Any]] = {}
    for row in frame.to_dict("records"):
        person: dict[str, Any] = {}
        if "segment" in cols and isinstance(row["segment"], str):
            person["segment"] = row["segment"]
        if "ended_at" in cols:
            ended = row["ended_at"]
            person["ended_at"] = (
                None if ended is None or ended != ended else as_utc(ended.to_pydatetime())
            )
        out[row["customer_id"]] = person
    return out


def compare_recovery(frame: pd.DataFrame, outcome: str) -> RecoveryOutcome:
    """Contacted against not contacted cases of ``frame`` (see :func:`recovery_frame`) on
    ``outcome``, within strata of kind, score and segment."""
    from cxlens.stats.stratified import stratified_comparison

    usable = frame[frame[outcome].notna()]
    y = usable[outcome].astype(float)
    contacted = usable["contacted"].astype(bool)
    sums = (
        usable.assign(_y=y, _a=contacted)
        .groupby(["kind", "score", "segment", "_a"])["_y"]
        .agg(["size", "sum"])
        .unstack("_a", fill_value=0)
    )

    def column(stat: str, group: bool) -> list[float]:
        key = (stat, group)
        return [float(v) for v in sums[key]] if key in sums.columns else [0.0] * len(sums)

    n_a, k_a = column("size", True), column("sum", True)
    n_b, k_b = column("size", False), column("sum", False)
    # a share's outcome is 0 or 1, so its sum of squares is its sum
    c = stratified_comparison(n_a, k_a, k_a, n_b, k_b, k_b)
    diff = Interval(
        c.difference * 100,
        max(c.difference_low * 100, -100.0),
        min(c.difference_high * 100, 100.0),
    )
    if math.isnan(c.difference):
        diff = Interval.undefined()
    elif math.isnan(c.difference_low):
        diff = Interval.undefined(c.difference * 100)
    return RecoveryOutcome(
        outcome=outcome,
        contacted=_percent(int(y[contacted].sum()), int(contacted.sum())),
        contacted_n=int(contacted.sum()),
        not_contacted=_percent(int(y[~contacted].sum()), int((~contacted).sum())),
        not_contacted_n=int((~contacted).sum()),
        difference=diff,
        p_value=c.p_value,
        matched_contacted=c.matched_a,
        matched_not_contacted=c.matched_b,
        strata=c.strata,
    )


def recovery_comparison(
    ws: WorkspaceData, collector: Collector, now: datetime | None = None, days: int | None = None
) -> Recovery:
    """Contacted against not contacted cases on every outcome (see the module docstring)."""
    window = days if days is not None else recovery_days(collector)
    frame = recovery_frame(ws, collector, window, now)
    # a workspace without orders has no "bought again", one without contract ends no
    # "contract ended"; the next answer is always asked about
    outcomes = [
        compare_recovery(frame, o)
        for o in OUTCOMES
        if o == "answered_better" or frame[o].notna().any()
    ]
    from cxlens.value.answers import NO_ORDERS

    segments = frame.attrs["segments"]
    # a segment only when some case has one (every case "(no orders)" is no segment)
    by_segment = segments != "none" and not frame["segment"].isin([NO_SEGMENT, NO_ORDERS]).all()
    return Recovery(
        days=window,
        cases=len(frame),
        by_segment=by_segment,
        outcomes=outcomes,
        segments=segments if by_segment else "none",
    )
