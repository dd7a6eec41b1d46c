"""Funnels (every order type and the window edge), paths and the journey map, by hand."""

from __future__ import annotations

import math

import pytest

import cxlens
from cxlens.errors import CxlensError
from cxlens.journeys.funnel import funnel
from cxlens.journeys.journey_map import SURVEY_ONLY, journey_map
from cxlens.journeys.paths import EXIT, paths


@pytest.fixture(scope="module")
def fws(funnel_root):
    return cxlens.open(funnel_root)


def counts(result):
    return result.table["customers"].tolist()


def test_ordered_funnel(fws):
    result = funnel(fws, ["A", "B", "C"], "14d", "ordered")
    # F1 all three; F2 A,B (C after 19 days); F3 A only (its B came first); F4 A,B: B exactly
    # at the 14-day edge counts, C one second later does not; F5 never did A
    assert counts(result) == [4, 3, 1]
    t = result.table
    assert t.loc[1, "from_start"] == pytest.approx(0.75) and t.loc[
        2, "from_previous"
    ] == pytest.approx(1 / 3)
    assert t.loc[1, "drop_off"] == 1 and t.loc[2, "drop_off"] == 2
    assert t.loc[1, "median_hours"] == pytest.approx(1.0)  # 1 h, 1 h and 336 h
    assert t.loc[2, "median_hours"] == pytest.approx(23.0)
    assert t.loc[1, "from_start_low"] < 0.75 < t.loc[1, "from_start_high"]
    assert math.isnan(t.loc[0, "median_hours"]) or t.loc[0, "median_hours"] is None


def test_strict_funnel(fws):
    # F2 has X between A and B; F3's A is followed by C
    assert counts(funnel(fws, ["A", "B", "C"], "14d", "strict")) == [4, 2, 1]


def test_unordered_funnel(fws):
    # starts at the first of A, B, C: F3 did all three within the window in another order;
    # F5 did only B, so never step 1
    assert counts(funnel(fws, ["A", "B", "C"], "14d", "unordered")) == [4, 4, 2]


def test_window_and_range(fws):
    assert counts(funnel(fws, ["A", "B"], "2h", "ordered")) == [4, 2]
    # only F3 and F4 start... none: every A is on 1 January; from 2 January no customer enters
    with pytest.raises(CxlensError, match="No customer"):
        funnel(fws, ["A", "B"], "14d", "ordered", start="2025-01-02")


def test_funnel_errors(fws):
    with pytest.raises(CxlensError, match="at least two steps"):
        funnel(fws, ["A"])
    with pytest.raises(CxlensError, match="Unknown funnel order"):
        funnel(fws, ["A", "B"], order="loose")
    with pytest.raises(CxlensError, match="No events of touchpoint"):
        funnel(fws, ["A", "Z"])
    with pytest.raises(CxlensError, match="No customer did 'A'"):
        funnel(fws, ["A", "B"], start="2025-02-01")
    with pytest.raises(CxlensError, match="neither a column"):
        funnel(fws, ["A", "B"], by="planet")


def test_funnel_by_dimension_and_orders(demo_root):
    ws = cxlens.open(demo_root)
    total = funnel(ws, ["website_visit", "cart", "order"])
    by = funnel(ws, ["website_visit", "cart", "order"], by="country")
    assert by.table.groupby("step")["customers"].sum().tolist() == counts(total)
    assert counts(total)[2] > 0


def test_paths(paths_root):
    ws = cxlens.open(paths_root)
    report = paths(ws)
    assert dict(zip(report.sequences.sequence, report.sequences.sessions, strict=True)) == {
        "a → b": 2,
        "c → d": 1,
    }
    assert report.sessions == 3
    links = {(s, t): n for s, t, n in report.links.itertuples(index=False)}
    assert links[("1:a", "2:b")] == 2 and links[("2:b", EXIT)] == 2 and links[("1:c", "2:d")] == 1
    raw = paths(ws, collapse=False)
    assert set(raw.sequences.sequence) == {"a → a → b", "a → b", "c → d"}
    assert paths(ws, start_at="b").sequences.sequence.tolist() == ["b"]
    assert paths(ws, end_at="b", steps=2).sequences.sequence.tolist() == ["a → b"]
    # with a gap of three hours U's two sessions are one
    assert paths(ws, session_gap="3h", collapse=True).sessions == 2
    with pytest.raises(CxlensError, match="not both"):
        paths(ws, start_at="a", end_at="b")
    with pytest.raises(CxlensError, match=r"no event has the touchpoint 'zz'.* are a, b, c, d"):
        paths(ws, start_at="zz")
    with pytest.raises(CxlensError, match="Did you mean 'b'"):
        paths(ws, end_at="bb")
    # a touchpoint the events have, but not in the period asked for
    with pytest.raises(CxlensError, match="No sessions with a in the chosen period"):
        paths(ws, start_at="a", start="2031-01-01")


def test_journey_map(map_root):
    frame = journey_map(cxlens.open(map_root)).set_index("touchpoint")
    assert frame.loc["ad", "customers"] == 2 and frame.loc["ad", "moved_on"] == 0.5
    assert frame.loc["ad", "median_hours_to_next"] == pytest.approx(24)
    assert frame.loc["web", "moved_on"] == 1.0 and frame.loc["web", "next_stage"] == "purchase"
    # two of three CSAT answers at the web touchpoint are 4-5
    assert frame.loc["web", "csat"] == pytest.approx(200 / 3) and frame.loc["web", "csat_n"] == 3
    assert math.isnan(frame.loc["checkout", "moved_on"])  # the last stage leads nowhere
    assert frame.loc["delivery", "stage"] == SURVEY_ONLY and frame.loc["delivery", "csat"] == 0
    assert list(frame["stage"])[:3] == ["awareness", "consideration", "purchase"]


def test_survey_touchpoints_join_the_event_touchpoint_they_measure(map_root, tmp_path):
    import shutil

    from cxlens.errors import CxlensError

    root = tmp_path / "ws"
    shutil.copytree(map_root, root)
    toml = root / "cxlens.toml"
    toml.write_text(toml.read_text() + '\n[journeys.survey_touchpoints]\ndelivery = "checkout"\n')
    frame = journey_map(cxlens.open(root)).set_index("touchpoint")
    # M4 (CSAT 3 about the delivery) now scores the checkout card: 0 of 1 answers are 4-5
    assert frame.loc["checkout", "csat"] == 0 and frame.loc["checkout", "csat_n"] == 1
    assert "delivery" not in frame.index and SURVEY_ONLY not in set(frame["stage"])
    assert frame.loc["web", "csat_n"] == 3  # untouched
    toml.write_text(toml.read_text().replace('delivery = "checkout"', "delivery = 3"))
    with pytest.raises(CxlensError, match=r"\[journeys.survey_touchpoints\]"):
        journey_map(cxlens.open(root))


def test_journey_cards_by_stage_with_tones(map_root):
    from cxlens.i18n import DEFAULT_LABELS
    from cxlens.reports.journey_cards import journey_stages, tone

    stages = journey_stages(journey_map(cxlens.open(map_root)), "de", DEFAULT_LABELS)
    assert [s["id"] for s in stages] == ["awareness", "consideration", "purchase", SURVEY_ONLY]
    ad = stages[0]["cards"][0]
    assert (ad["reach"], ad["moved_on"], ad["to_next"]) == ("2", "50,0\xa0%", "24,0\xa0h")
    assert ad["scores"] == [] and ad["tone"] == 0
    web = stages[1]["cards"][0]
    # CSAT 66.7 % (2 of 3) lies in the fourth fifth of 0..100; the interval is Wilson's
    assert web["scores"][0]["value"] == "67\xa0%" and web["scores"][0]["n"] == "3"
    assert web["tone"] == tone("csat", 200 / 3) == 4
    assert stages[-1]["surveys_only"] and stages[-1]["cards"][0]["tone"] == 1  # CSAT 0 %
    assert [tone("ces", v) for v in (1.0, 4.0, 7.0)] == [1, 3, 5]
