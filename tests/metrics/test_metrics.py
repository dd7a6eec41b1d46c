"""Every metric of the catalog against a number worked out by hand (data in conftest.py).

The window is the first quarter of 2025 unless a test says otherwise.
"""

from __future__ import annotations

import math

import pytest

from cxlens.metrics.catalog import load_catalog
from cxlens.metrics.implementations import load_implementations

Q1 = {"start": "2025-01-01", "end": "2025-03-31"}
SPAN_C1 = 95 / 365.25  # C1 ordered first on 10 Jan and last on 15 Apr: 95 days
Q1_YEARS = 90 / 365.25  # January to March 2025: 31 + 28 + 31 days

#: metric id -> (expected value in the metric's unit, expected n), with the arithmetic
EXPECTED: dict[str, tuple[float, int]] = {
    # NPS answers 10, 9, 8, 7, 6, 0, 10, 3: promoters 3, detractors 3 of 8 -> 3/8 - 3/8 = 0
    "nps": (0.0, 8),
    # CSAT 5, 4, 3, 1: two of four are 4-5 -> 50 %
    "csat": (50.0, 4),
    # CES 7, 5, 4, 2: mean 18 / 4 = 4.5
    "ces": (4.5, 4),
    # CES 5-7: 7 and 5 -> 2 of 4 = 50 %
    "ces_agree": (50.0, 4),
    # 16 scored answers in Q1 for 20 invitations -> 80 %
    "response_rate": (80.0, 20),
    # the same answers carry no 'complete' column: all 16 complete, none partial
    "complete_response_rate": (80.0, 20),
    "partial_response_rate": (0.0, 20),
    # resolved tickets opened in Q1: 10 h, 24 h, 4 h -> median 10 h
    "time_to_resolution": (10.0, 3),
    # (10 + 24 + 4) / 3 = 12.667 h
    "time_to_resolution_mean": (38 / 3, 3),
    # first responses after 1, 4, 2 and 3 hours -> median (2 + 3) / 2 = 2.5 h
    "time_to_first_response": (2.5, 4),
    # resolved tickets with a contact count: 1, 2, 1 contacts -> 2 of 3
    "first_contact_resolution": (200 / 3, 3),
    # spend 100 + 50 + 0 = 150 over new customers created in Q1 (C1, C2, C3) = 3 -> 50
    "cac": (50.0, 3),
    # 150 over new customers the campaigns reported (2 + 1) -> 50
    "cost_per_acquisition": (50.0, 3),
    # 150 over actions: leads 15 + downloads 5 + conversions 8 = 28 -> 5.357
    "cost_per_action": (150 / 28, 28),
    # 150 / 300 clicks = 0.5
    "cost_per_click": (0.5, 300),
    # 150 / 8 conversions = 18.75
    "cost_per_conversion": (18.75, 8),
    # 150 / 30,000 impressions x 1000 = 5
    "cpm": (5.0, 30000),
    # 150 / 500 views = 0.3
    "cpv": (0.3, 500),
    # 150 / 400 engagements = 0.375
    "cpe": (0.375, 400),
    # 150 / 5 downloads = 30
    "cpd": (30.0, 5),
    # 150 / 15 leads = 10
    "cpl": (10.0, 15),
    # 300 clicks / 30,000 impressions = 1 %
    "ctr": (1.0, 30000),
    # 8 conversions / 230 visitors = 3.478 %
    "conversion_rate": (800 / 230, 230),
    # conversion value 400 / spend 150 = 2.667, over three marketing rows
    "roas": (400 / 150, 3),
    # (400 - 150) / 150 = 166.7 %
    "marketing_roi": (25000 / 150, 3),
    # active on 1 Jan: C5 only; C5 ended on 15 Feb -> 1 of 1 = 100 %
    "churn_rate": (100.0, 1),
    # active on 1 Jan: C5 only, gone by 1 Apr -> 0 of 1 = 0 % (100 % - churn)
    "retention_rate": (0.0, 1),
    # orders 100, 50, 30, 20 -> 200 / 4 = 50
    "average_order_value": (50.0, 4),
    # 4 orders by 3 customers (C1: 2, C2: 1, C3: 1)
    "purchase_frequency": (4 / 3, 3),
    # customers whose first order is in Q1: C1 (95 days), C2 (0), C3 (0) -> mean of the spans
    "average_customer_lifespan": (SPAN_C1 / 3, 3),
    # only the quarter's orders: AOV 50 x purchases per customer per year (4 / 3 / Q1_YEARS)
    # x lifespan inside the quarter (C1 10 Jan - 10 Mar: 59 days; C2, C3: 0) / 3 customers
    "historical_clv": (50 * (4 / 3 / Q1_YEARS) * (59 / 365.25 / 3), 3),
}


def test_every_catalog_metric_has_an_implementation_and_a_hand_checked_number():
    catalog = set(load_catalog())
    implemented = set(load_implementations())
    assert catalog - implemented == set(), "catalog metrics without an implementation"
    assert implemented - catalog == set(), "implemented metrics the catalog does not declare"
    assert catalog - set(EXPECTED) == set(), "catalog metrics without a hand-checked test"


@pytest.mark.parametrize("metric", sorted(EXPECTED))
def test_metric_matches_the_hand_worked_number(hand_ws, metric):
    expected, n = EXPECTED[metric]
    row = hand_ws.kpi(metric, period="quarter", **Q1).iloc[0]
    assert row["period"] == "2025-Q1"
    assert row["value"] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert row["n"] == n


def test_breakdown_by_customer_attribute_and_channel(hand_ws):
    nps = hand_ws.kpi("nps", by="country", **Q1).set_index("country")
    # answers by C1 (EE): 10, 7, 10 -> 2 promoters of 3; C2 (DE): 9, 6, 3 -> 1 - 2 of 3; C3 (EE): 8, 0
    assert nps.loc["DE", "value"] == pytest.approx(100 * (1 - 2) / 3)
    assert nps.loc["EE", "value"] == pytest.approx(100 * (2 - 1) / 5)
    cac = hand_ws.kpi("cac", by="channel", **Q1).set_index("channel")
    # search: 100 / (C1, C3); social: 50 / C2
    assert cac.loc["search", "value"] == pytest.approx(50.0)
    assert cac.loc["social", "value"] == pytest.approx(50.0)


def test_second_quarter_churn_and_retention(hand_ws):
    churn = hand_ws.kpi(
        ["churn_rate", "retention_rate"], period="quarter", start="2025-04-01", end="2025-06-30"
    )
    values = dict(zip(churn.metric, churn.value, strict=True))
    # active on 1 Apr: C1, C2, C3; C2 ended 10 Apr -> 1/3. End: C1, C3, C4 minus new C4 -> 2/3
    assert values["churn_rate"] == pytest.approx(100 / 3)
    assert values["retention_rate"] == pytest.approx(200 / 3)


def test_zero_impressions_are_undefined_not_infinite(hand_ws):
    row = hand_ws.kpi(["cpm", "ctr"], start="2025-03-01", end="2025-03-31")
    assert row["value"].isna().all()
    assert (row["n"] == 0).all()
    assert row["note"].str.startswith("undefined").all()


def test_empty_period(hand_ws):
    row = hand_ws.kpi("nps", start="2030-01-01", end="2030-03-31").iloc[0]
    assert math.isnan(row["value"]) and row["n"] == 0


def test_all_promoters(tmp_path):
    import cxlens

    cxlens.init(tmp_path / "w")
    ws = cxlens.open(tmp_path / "w")
    path = tmp_path / "r.csv"
    path.write_text(
        "response_id,ts,kind,score\n" + "".join(f"R{i},2025-01-01,nps,10\n" for i in range(5))
    )
    ws.import_file("responses", path)
    row = ws.kpi("nps").iloc[0]
    assert row["value"] == 100.0 and row["ci_high"] == 100.0 and row["small_sample"]


def test_where_filter_and_compare(hand_ws):
    filtered = hand_ws.kpi("csat", where="touchpoint = 'delivery' and score >= 3", **Q1).iloc[0]
    assert filtered["value"] == pytest.approx(100 * 2 / 3)  # 5, 4, 3 -> two of three
    months = hand_ws.kpi("nps", period="month", compare="previous", **Q1)
    feb = months.set_index("period").loc["2025-02"]
    assert math.isnan(feb["previous"])  # no NPS answers in January
    assert not feb["significant"]


def test_unknown_metric_and_bad_where(hand_ws):
    from cxlens.errors import CxlensError

    with pytest.raises(CxlensError, match="Did you mean nps"):
        hand_ws.kpi("npss")
    with pytest.raises(CxlensError, match="--where"):
        hand_ws.kpi("nps", where="country = ")
    with pytest.raises(CxlensError, match="cannot use 'colour'"):
        hand_ws.kpi("nps", where="colour = 'red'")


def test_dimension_a_table_lacks_reads_all(hand_ws):
    frame = hand_ws.kpi("cpm", by="country", **Q1)
    assert list(frame["country"]) == ["(all)"]
    assert "not broken down by country" in frame["note"].iloc[0]


def test_periods_are_cut_in_the_workspace_time_zone(tmp_path):
    import cxlens

    cxlens.init(tmp_path / "tz", timezone="Europe/Tallinn")
    ws = cxlens.open(tmp_path / "tz")
    path = tmp_path / "r.csv"
    # 22:30 UTC on 31 March is 01:30 on 1 April in Tallinn (UTC+3 in summer): second quarter.
    # 21:30 UTC on 31 December is 23:30 in Tallinn (UTC+2 in winter): still the last quarter.
    path.write_text(
        "response_id,ts,kind,score\nA,2025-03-31T22:30:00Z,nps,10\nB,2025-03-31T20:00:00Z,nps,0\n"
        "C,2024-12-31T21:30:00Z,nps,10\n"
    )
    ws.import_file("responses", path)
    frame = ws.kpi("nps", period="quarter").set_index("period")
    assert frame.loc["2025-Q2", "value"] == 100.0 and frame.loc["2025-Q2", "n"] == 1
    assert frame.loc["2025-Q1", "value"] == -100.0
    assert frame.loc["2024-Q4", "n"] == 1
