"""Recovery strata and the contract-ended outcome, worked by hand on small workspaces.

* With orders, contacted and not contacted detractors are compared within the RFM
  segment each customer had when the case opened, scored as experience value scores
  an answer (not the ``segment`` column of ``customers``, which is today's, and not
  the orders the follow-up itself led to).
* Without orders, the strata use the ``segment`` column, and the contract-ended
  outcome reads ``customers.ended_at``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import cxlens
from cxlens.collect import db
from cxlens.collect.case_analytics import compare_recovery, recovery_comparison, recovery_frame
from cxlens.collect.service import Collector
from cxlens.collect.surveys import template_survey

NOW = datetime.now(UTC).replace(microsecond=0)
OPENED = NOW - timedelta(days=100)  # the 90-day window of these cases is over
STAMP = "%Y-%m-%d %H:%M:%S"

#: a segment map on frequency alone, so that the strata can be worked by hand
SEGMENTS = """
[[rfm.segments]]
name = "Regular"
f = "3-5"

[[rfm.segments]]
name = "Occasional"
"""


def _workspace(root, customers: list[str], orders: list[str] | None, toml_extra: str = ""):
    """A workspace with these customers (CSV lines after the header) and orders."""
    cxlens.init(root)
    toml = root / "cxlens.toml"
    text = toml.read_text().replace("[collection]\n", "[collection]\nschedule_minutes = 0\n")
    toml.write_text(text + toml_extra)
    ws = cxlens.open(root)
    (root / "customers.csv").write_text("\n".join(customers) + "\n")
    ws.import_file("customers", root / "customers.csv")
    if orders is not None:
        (root / "orders.csv").write_text("\n".join(orders) + "\n")
        ws.import_file("orders", root / "orders.csv")
    return ws


def _cases(c: Collector, detractors: list[tuple[str, bool]]) -> None:
    """One NPS 4 answer (which opens a case) per customer, opened at OPENED and, where
    the flag says so, contacted three hours later."""
    c.save_survey(template_survey("nps", "nps"), replace=True)
    for customer, _ in detractors:
        c.submit_answer(
            c.invite("nps", customer, "en").token, None, {"nps": 4}, None, "en"
        ).result()
    c.execute(db.cases.update().values(opened_at=OPENED))
    for customer, contacted in detractors:
        if contacted:
            c.execute(
                db.cases.update()
                .where(db.cases.c.customer_id == customer)
                .values(first_contact_at=OPENED + timedelta(hours=3))
            )


# -- strata: the RFM segment when the case opened ------------------------------------------
# (customer, orders before the case, contacted, bought again within 90 days)
#
# Regular at the answer (3 orders before it), 12 cases:
#   contacted 8, of whom 6 bought again; not contacted 4, of whom 2 bought again
# Occasional at the answer (1 order before it), 12 cases:
#   contacted 4, of whom 2 bought again; not contacted 8, of whom none bought again
#   O1 bought three times after the case: by today's orders it has four and would count
#   as Regular; at the answer it had one
# N1, no order before the case: "(no orders)", contacted only, so it has no equal
RFM_CASES = (
    [(f"G{i}", 3, True, i <= 6) for i in range(1, 9)]
    + [(f"G{i}", 3, False, i <= 10) for i in range(9, 13)]
    + [(f"O{i}", 1, True, i <= 2) for i in range(1, 5)]
    + [(f"O{i}", 1, False, False) for i in range(5, 13)]
    + [("N1", 0, True, True)]
)


@pytest.fixture(scope="module")
def rfm_loop(tmp_path_factory):
    root = tmp_path_factory.mktemp("recovery-rfm") / "ws"
    # today's segment column says "retail" for everyone: stratifying by it would pool
    # the Regular and the Occasional customers
    people = ["customer_id,created_at,country,language,email,consent,segment"]
    people += [f"{c},2024-01-01,EE,en,,yes,retail" for c, *_ in RFM_CASES]
    orders = ["order_id,customer_id,ts,amount,currency"]
    for customer, before, _, bought in RFM_CASES:
        for k in range(before):  # 60, 40 and 20 days (or 60 days) before the case
            orders.append(
                f"{customer}-b{k},{customer},{OPENED - timedelta(days=60 - 20 * k):{STAMP}},40,EUR"
            )
        if bought:
            after = (10, 20, 30) if customer == "O1" else (10,)
            for d in after:
                orders.append(
                    f"{customer}-a{d},{customer},{OPENED + timedelta(days=d):{STAMP}},40,EUR"
                )
    ws = _workspace(root, people, orders, SEGMENTS)
    c = Collector(ws.config)
    _cases(c, [(customer, contacted) for customer, _, contacted, _ in RFM_CASES])
    return ws, c


def test_cases_are_compared_within_the_rfm_segment_the_customer_had_when_the_case_opened(
    rfm_loop,
):
    ws, c = rfm_loop
    frame = recovery_frame(ws, c, 90, now=NOW)
    segments = dict(zip(frame["customer_id"], frame["segment"], strict=True))
    # frequency at the answer of the 24 buyers: twelve 1s and twelve 3s; the quintile
    # cut-offs are 1, 1, 3, 3, so 3 orders score F = 3 (above two cut-offs): "Regular"
    # (F 3-5); 1 order scores F = 1: "Occasional"
    assert {segments[f"G{i}"] for i in range(1, 13)} == {"Regular"}
    assert {segments[f"O{i}"] for i in range(1, 13)} == {"Occasional"}
    assert segments["O1"] == "Occasional"  # not its four orders of today
    assert segments["N1"] == "(no orders)"

    recovery = recovery_comparison(ws, c, now=NOW)
    assert recovery.by_segment and recovery.segments == "rfm_at_answer"
    bought = next(o for o in recovery.outcomes if o.outcome == "bought_again")
    # unmatched: contacted 6 + 2 + 1 (N1) = 9 of 8 + 4 + 1 = 13, not contacted 2 of 4 + 8
    assert (bought.contacted_n, bought.not_contacted_n) == (13, 12)
    assert bought.contacted.value == pytest.approx(900 / 13)
    assert bought.not_contacted.value == pytest.approx(100 / 6)
    # matched: Regular (12 cases) and Occasional (12 cases), weights 1/2 and 1/2:
    #   contacted     1/2 × 6/8 + 1/2 × 2/4 = 0.625
    #   not contacted 1/2 × 2/4 + 1/2 × 0/8 = 0.25
    #   difference 37.5 points (pooled into one "retail" stratum it would be
    #   8/12 - 2/12 = 50 points: the contacted are mostly Regular, who buy more anyway)
    # variances w² s² / n, s² = k (1 - k/n) / (n - 1):
    #   contacted Regular     1/4 × (6 × 2/8 / 7) / 8 = 0.00669643
    #   contacted Occasional  1/4 × (2 × 2/4 / 3) / 4 = 0.02083333
    #   not contacted Regular 1/4 × (2 × 2/4 / 3) / 4 = 0.02083333, Occasional 0
    #   SE = √0.04836310 = 0.219916; 95 %: 37.5 ± 1.959964 × 21.9916 = -5.603 … 80.603
    assert (bought.matched_contacted, bought.matched_not_contacted, bought.strata) == (12, 12, 2)
    assert bought.difference.value == pytest.approx(37.5)
    assert bought.difference.low == pytest.approx(-5.603, abs=1e-3)
    assert bought.difference.high == pytest.approx(80.603, abs=1e-3)
    assert bought.difference.low <= bought.difference.value <= bought.difference.high
    assert bought.difference.low >= -100 and bought.difference.high <= 100
    assert bought.p_value == pytest.approx(0.0882, abs=1e-3)  # z = 1.7052: not significant
    # no customer answered again: the row is there, with nothing to compare
    better = next(o for o in recovery.outcomes if o.outcome == "answered_better")
    assert better.contacted_n == better.not_contacted_n == better.strata == 0
    assert [o.outcome for o in recovery.outcomes] == ["bought_again", "answered_better"]


# -- the contract-ended outcome, in a workspace without orders ---------------------------
# (customer, segment column, contacted, contract end in days after the case opened, or
#  None for a contract that still runs). A contract ended within the 90-day window
#  counts 1 (day 90 itself included), a later end or none 0, an end before the case
#  opened leaves the case out (the customer had no contract to lose).
ENDED_CASES = [
    # business: contacted 2 of 6 ended, not contacted 4 of 4 (X1 left out)
    ("B1", "business", True, 30),
    ("B2", "business", True, 90),  # the last day of the window: ended within it
    ("B3", "business", True, None),
    ("B4", "business", True, 91),  # a day too late
    ("B5", "business", True, 200),
    ("B6", "business", True, None),
    ("B7", "business", False, 5),
    ("B8", "business", False, 45),
    ("B9", "business", False, 60),
    ("B10", "business", False, 89),
    ("X1", "business", False, -10),  # ended before the case opened: left out
    # retail: contacted 0 of 4 ended, not contacted 2 of 4
    ("R1", "retail", True, None),
    ("R2", "retail", True, None),
    ("R3", "retail", True, 120),
    ("R4", "retail", True, None),
    ("R5", "retail", False, 20),
    ("R6", "retail", False, 70),
    ("R7", "retail", False, None),
    ("R8", "retail", False, 365),
]


@pytest.fixture(scope="module")
def contract_loop(tmp_path_factory):
    root = tmp_path_factory.mktemp("recovery-ended") / "ws"
    people = ["customer_id,created_at,country,language,email,consent,segment,ended_at"]
    for customer, segment, _, end in ENDED_CASES:
        ended = "" if end is None else f"{OPENED + timedelta(days=end):{STAMP}}"
        people.append(f"{customer},2024-01-01,EE,en,,yes,{segment},{ended}")
    ws = _workspace(root, people, None)
    c = Collector(ws.config)
    _cases(c, [(customer, contacted) for customer, _, contacted, _ in ENDED_CASES])
    return ws, c


def test_contract_ended_contacted_against_not_contacted_within_the_segment_column(
    contract_loop,
):
    ws, c = contract_loop
    frame = recovery_frame(ws, c, 90, now=NOW).set_index("customer_id")
    assert frame.loc[["B1", "B2", "B7", "R5", "R6"], "ended"].tolist() == [1.0] * 5
    assert frame.loc[["B3", "B4", "B5", "R3", "R8"], "ended"].tolist() == [0.0] * 5
    assert frame["ended"].isna().tolist().count(True) == 1 and frame.loc["X1", "ended"] != 0
    assert frame["bought_again"].isna().all()  # no orders: nothing to say about buying

    recovery = recovery_comparison(ws, c, now=NOW)
    # no orders, so no RFM: the strata are kind, score and the customers' segment column
    assert recovery.by_segment and recovery.segments == "customers_column"
    assert [o.outcome for o in recovery.outcomes] == ["answered_better", "ended"]
    ended = next(o for o in recovery.outcomes if o.outcome == "ended")
    # unmatched: contacted 2 of 10 ended, not contacted 6 of 8
    assert (ended.contacted_n, ended.not_contacted_n) == (10, 8)
    assert ended.contacted.value == pytest.approx(20.0)
    assert ended.not_contacted.value == pytest.approx(75.0)
    # matched: business 10 cases, retail 8, weights 10/18 = 5/9 and 8/18 = 4/9:
    #   contacted     5/9 × 2/6 + 4/9 × 0/4 = 5/27 = 0.185185
    #   not contacted 5/9 × 4/4 + 4/9 × 2/4 = 7/9  = 0.777778
    #   difference -16/27 = -59.259 points (fewer contracts ended after a contact)
    # variances w² s² / n, s² = k (1 - k/n) / (n - 1):
    #   contacted business 25/81 × (2 × 4/6 / 5) / 6 = 0.0137174, retail 0
    #   not contacted business 0, retail 16/81 × (2 × 2/4 / 3) / 4 = 0.0164609
    #   SE = √0.0301783 = 0.173719; 95 %: -59.259 ± 1.959964 × 17.3719 = -93.307 … -25.211
    assert (ended.matched_contacted, ended.matched_not_contacted, ended.strata) == (10, 8, 2)
    assert ended.difference.value == pytest.approx(-1600 / 27)
    assert ended.difference.low == pytest.approx(-93.307, abs=1e-3)
    assert ended.difference.high == pytest.approx(-25.211, abs=1e-3)
    assert ended.p_value < 0.001
    # pooled, without the segment column, the two would read -55 points
    flat = compare_recovery(recovery_frame(ws, c, 90, now=NOW).assign(segment="(none)"), "ended")
    assert flat.strata == 1 and flat.difference.value == pytest.approx(20.0 - 75.0)
