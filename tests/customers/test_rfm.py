"""RFM values, scores, segments, summaries, migration and audiences against hand-worked numbers."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import cxlens
from cxlens.customers.rfm import audience, migration, rfm, score_values, segment_summary
from cxlens.customers.segments import STANDARD, SegmentMap, segment_map
from cxlens.errors import CxlensError


def test_every_score_combination_has_one_segment_and_every_segment_occurs():
    standard = SegmentMap(STANDARD)
    seen = {}
    for r, f, m in itertools.product(range(1, 6), repeat=3):
        key = standard.assign(r, f, m)
        assert key != "other", (r, f, m)
        seen.setdefault(key, (r, f, m))
    assert set(seen) == {rule.key for rule in STANDARD}
    assert len(STANDARD) == 11


@pytest.mark.parametrize(
    "scores, segment",
    [
        ((5, 5, 5), "champions"),
        ((5, 5, 2), "loyal_customers"),
        ((3, 4, 1), "loyal_customers"),
        ((1, 5, 5), "cant_lose_them"),
        ((1, 5, 3), "at_risk"),
        ((2, 3, 3), "at_risk"),
        ((5, 1, 5), "new_customers"),
        ((4, 1, 1), "promising"),
        ((5, 2, 1), "potential_loyalist"),
        ((3, 3, 3), "need_attention"),
        ((3, 2, 2), "about_to_sleep"),
        ((1, 1, 1), "lost"),
        ((2, 1, 5), "hibernating"),
        ((1, 2, 1), "hibernating"),
    ],
)
def test_standard_map_precedence(scores, segment):
    assert SegmentMap(STANDARD).assign(*scores) == segment


def test_segment_names_in_every_language_and_lookup_by_name():
    standard = SegmentMap(STANDARD)
    for rule in STANDARD:
        names = {lang: rule.name(lang) for lang in ("en", "et", "bg", "de", "hr", "fi")}
        assert all(names.values()) and names["en"] == rule.label
        assert len(set(names.values())) >= 2 or rule.key == "champions"
    assert standard.key_of("Can't Lose Them") == "cant_lose_them"
    assert standard.key_of("treue kunden") == "loyal_customers"
    with pytest.raises(CxlensError, match=r"Unknown segment 'VIPs'.*champions"):
        standard.key_of("VIPs")


@pytest.fixture(scope="module")
def rfm_ws(rfm_root):
    return cxlens.open(rfm_root)


@pytest.fixture(scope="module")
def result(rfm_ws):
    return rfm(rfm_ws, "2025-06-30")


def test_values_cutoffs_scores_and_segments(result):
    frame = result.execute().set_index("customer_id")
    assert frame["recency"].to_dict() == {"A": 0, "B": 10, "C": 90, "D": 166, "E": 2}
    assert frame["frequency"].to_dict() == {"A": 3, "B": 1, "C": 2, "D": 1, "E": 4}
    assert frame["monetary"].to_dict() == {"A": 200, "B": 30, "C": 1000, "D": 20, "E": 40}
    # recency 0, 2, 10, 90, 166: the 20 % quantile lies 0.8 of the way from 0 to 2, and so on
    assert result.cutoffs["recency"] == pytest.approx([1.6, 6.8, 42.0, 105.2])
    assert result.cutoffs["frequency"] == pytest.approx([1.0, 1.6, 2.4, 3.2])
    assert result.cutoffs["monetary"] == pytest.approx([28.0, 36.0, 104.0, 360.0])
    assert frame["rfm_score"].to_dict() == {
        "A": "544",
        "B": "312",
        "C": "235",
        "D": "111",
        "E": "453",
    }
    assert frame["segment"].to_dict() == {
        "A": "champions",
        "B": "about_to_sleep",
        "C": "at_risk",
        "D": "lost",
        "E": "loyal_customers",
    }


def test_numpy_scoring_agrees_and_ties_share_a_score():
    assert score_values(np.array([1, 1, 1, 2, 5]), [1, 1, 1.6, 3], True).tolist() == [1, 1, 1, 4, 5]
    assert score_values(np.array([0, 10]), [1.6, 6.8, 42, 105.2], False).tolist() == [5, 3]


def test_segment_summary_joins_feedback(rfm_ws, result):
    summary = segment_summary(rfm_ws, result).set_index("segment")
    assert summary.loc["champions", "customers"] == 1
    assert summary["share"].sum() == pytest.approx(1.0)
    assert summary.loc["champions", "revenue"] == 200
    # A: two promoters -> NPS 100 from 2 answers; E: one detractor -> -100
    assert summary.loc["champions", "nps"] == 100 and summary.loc["champions", "nps_n"] == 2
    assert summary.loc["loyal_customers", "nps"] == -100
    assert (
        summary.loc["loyal_customers", "csat"] == 100
        and summary.loc["loyal_customers", "csat_n"] == 1
    )
    # D's answer is older than a year before the as-of date, so it does not count
    assert summary.loc["lost", "nps_n"] == 0 and np.isnan(summary.loc["lost", "nps"])
    assert list(summary.index) == [
        "champions",
        "loyal_customers",
        "at_risk",
        "about_to_sleep",
        "lost",
    ]


def test_migration_between_two_dates(rfm_root):
    moves = migration(cxlens.open(rfm_root), "2025-05-31", "2025-06-30")
    assert moves.to_numpy().sum() == 5
    # B and E bought first in June: they are new
    assert moves.loc["(new)"].sum() == 2
    assert moves.loc["(new)", "about_to_sleep"] == 1 and moves.loc["(new)", "loyal_customers"] == 1
    with pytest.raises(CxlensError, match="must come before"):
        migration(cxlens.open(rfm_root), "2025-06-30", "2025-05-31")


def test_audience_lists_emails_only_with_consent(rfm_root):
    frame = audience(cxlens.open(rfm_root), "Lost", "2025-06-30")
    assert frame.to_dict(orient="records") == [{"customer_id": "D", "email": "d@example.com"}]
    frame = audience(cxlens.open(rfm_root), "about_to_sleep", "2025-06-30")
    assert frame["customer_id"].tolist() == ["B"] and frame["email"].isna().all()


def test_as_of_in_local_time(tmp_path):
    from tests.customers.conftest import make_workspace

    root = make_workspace(
        tmp_path / "ws",
        {
            "orders": "order_id,customer_id,ts,amount\nO1,A,2025-06-30T22:30:00Z,5\nO2,B,2025-06-29T12:00:00Z,5\n"
        },
    )
    toml = root / "cxlens.toml"
    toml.write_text(toml.read_text().replace('timezone = "UTC"', 'timezone = "Europe/Tallinn"'))
    # 22:30 UTC on 30 June is already 1 July in Tallinn
    frame = rfm(cxlens.open(root), "2025-06-30").execute()
    assert frame["customer_id"].tolist() == ["B"] and frame["recency"].tolist() == [1]


def test_custom_segment_map_and_errors(tmp_path, rfm_root):
    custom = segment_map({"segments": [{"name": "VIP", "m": "5"}, {"name": "Rest"}]})
    assert custom.assign(1, 1, 5) == "VIP" and custom.assign(5, 5, 4) == "Rest"
    assert segment_map({"segments": [{"name": "Top", "r": "5"}]}).assign(1, 1, 1) == "other"
    with pytest.raises(CxlensError, match="scores run from 1 to 5"):
        segment_map({"segments": [{"name": "X", "r": "0-6"}]})
    with pytest.raises(CxlensError, match="unknown key"):
        segment_map({"segments": [{"name": "X", "recency": "1"}]})
    with pytest.raises(CxlensError, match="define your own"):
        segment_map(None, bins=4)
    ws = cxlens.open(rfm_root)
    with pytest.raises(CxlensError, match="before the first order"):
        rfm(ws, "2020-01-01")
    with pytest.raises(CxlensError, match="--bins"):
        rfm(ws, bins=1)


def test_custom_map_from_toml(tmp_path):
    from tests.customers.conftest import RFM_ORDERS, make_workspace

    root = make_workspace(tmp_path / "ws", {"orders": RFM_ORDERS})
    toml = root / "cxlens.toml"
    toml.write_text(
        toml.read_text()
        + '\n[rfm]\nsegments = [{name = "Big spenders", m = "4-5"}, {name = "Others"}]\n'
    )
    frame = rfm(cxlens.open(root), "2025-06-30").execute().set_index("customer_id")
    assert frame["segment"].to_dict() == {
        "A": "Big spenders",
        "B": "Others",
        "C": "Big spenders",
        "D": "Others",
        "E": "Others",
    }


def test_demo_rfm_is_consistent(demo_root):
    ws = cxlens.open(demo_root)
    result = rfm(ws)
    frame = result.execute()
    for name, col in (("recency", "r_score"), ("frequency", "f_score"), ("monetary", "m_score")):
        expected = score_values(frame[name].to_numpy(), result.cutoffs[name], name != "recency")
        assert (frame[col].to_numpy() == expected).all()
        assert np.allclose(
            result.cutoffs[name],
            np.quantile(frame[name].to_numpy(dtype=float), [0.2, 0.4, 0.6, 0.8]),
        )
    standard = SegmentMap(STANDARD)
    again = [
        standard.assign(r, f, m)
        for r, f, m in zip(frame.r_score, frame.f_score, frame.m_score, strict=True)
    ]
    assert frame["segment"].tolist() == again
    assert frame["segment"].nunique() >= 9
    orders = ws.table("orders").execute()
    assert frame["monetary"].sum() == pytest.approx(orders["amount"].sum())
    assert isinstance(segment_summary(ws, result), pd.DataFrame)


def test_segment_is_a_dimension_of_every_metric(rfm_ws):
    frame = rfm_ws.kpi("nps", by="segment").set_index("segment")
    # A (a champion) gave two promoter answers; E (loyal) a detractor; D (lost) a detractor in 2024
    assert frame.loc["champions", "value"] == 100 and frame.loc["champions", "n"] == 2
    assert frame.loc["loyal_customers", "value"] == -100 and frame.loc["lost", "n"] == 1
    only = rfm_ws.kpi("nps", where="segment = 'champions'")
    assert only["n"].iloc[0] == 2
