"""The journeys page's period: local days in a zone with summer time, touches before it."""

from __future__ import annotations

import dataclasses

import ibis
import pandas as pd
import pytest

import cxlens
from cxlens.journeys import attribution
from cxlens.journeys.attribution import attribute
from cxlens.journeys.base import JourneySettings, Range, customer_events
from cxlens.journeys.paths import paths

# Europe/Tallinn: UTC+2 until 30 March 2025, UTC+3 after. March 2025 runs from
# 2025-02-28 22:00 UTC to 2025-03-31 21:00 UTC.
EVENTS = """event_id,customer_id,ts,touchpoint,channel
K1,K,2025-02-28T21:30:00+00:00,ad,A
L1,L,2025-01-29T22:00:00+00:00,ad,B
L2,L,2025-01-29T22:00:01+00:00,ad,C
M1,M,2025-03-31T20:30:00+00:00,ad,D
M2,M,2025-03-31T20:59:30+00:00,ad,E
N1,N,2025-02-28T21:00:00+00:00,ad,F
"""
ORDERS = """order_id,customer_id,ts,amount
OK,K,2025-03-01T00:00:00+00:00,10
OL,L,2025-02-28T22:00:00+00:00,20
OM1,M,2025-03-31T20:59:00+00:00,30
OM2,M,2025-03-31T21:00:00+00:00,40
ON,N,2025-02-28T21:59:00+00:00,50
"""


@pytest.fixture(scope="module")
def tallinn(tmp_path_factory):
    root = tmp_path_factory.mktemp("tallinn") / "ws"
    cxlens.init(root, timezone="Europe/Tallinn")
    ws = cxlens.open(root)
    for table, content in {"events": EVENTS, "orders": ORDERS}.items():
        path = root / f"{table}.csv"
        path.write_text(content)
        ws.import_file(table, path)
    return cxlens.open(root)


def test_march_in_tallinn_by_hand(tallinn):
    result = attribute(tallinn, ["first", "linear"], start="2025-03-01", end="2025-03-31")
    t = result.table
    first = t[t.model == "first"].set_index("channel")
    # OK (Mar 1, 02:00 local) keeps its touch from the evening before the period; OL at
    # local midnight is in the period, its touch exactly 30 days earlier is not, the one a
    # second later is; OM1 (23:59 local) is in, OM2 (Apr 1, 00:00) and ON (Feb 28) are not
    assert result.conversions == 3 and result.value == 60
    assert first["conversions"].to_dict() == {"A": 1.0, "C": 1.0, "D": 1.0}
    assert first["value"].to_dict() == {"A": 10.0, "C": 20.0, "D": 30.0}
    # M's touch after OM1 but before the period ends leads to no conversion in it
    assert result.null_paths == 1
    assert result.touched_conversions == 3


def test_demo_quarter_as_with_all_events(demo_root, monkeypatch):
    """Bounding the touch events by the period and the lookback leaves every result as it
    was when each conversion's touches were looked for among all events."""
    ws = cxlens.open(demo_root)
    args = {"start": "2026-04-01", "end": "2026-06-30", "bootstrap": 20}
    bounded = attribute(ws, **args)
    assign = attribution.PathQuery.assigned

    def assigned(self):
        return assign(dataclasses.replace(self, range=Range(None, None)))

    monkeypatch.setattr(attribution.PathQuery, "assigned", assigned)
    everything = attribute(ws, **args)
    assert bounded.conversions > 100 and bounded.null_paths > 100
    pd.testing.assert_frame_equal(bounded.table, everything.table)
    for field in ("conversions", "value", "touched_conversions", "null_paths"):
        assert getattr(bounded, field) == getattr(everything, field)
    assert bounded.conversion_probability == everything.conversion_probability


def test_one_pass_assignment_is_the_join_and_its_complement(demo_root):
    """The touches and null paths of one left join are those of an inner join of each
    conversion with the events before it and of the period's events the join left out."""
    ws = cxlens.open(demo_root)
    settings = JourneySettings.from_workspace(ws)
    q = attribution.path_query(ws, settings, "channel", "2026-04-01", "2026-06-30")
    ev = q.events
    c = q.conversions
    window = ibis.interval(seconds=int(settings.lookback.total_seconds()))
    joined = ev.inner_join(
        c,
        [
            ev.customer_id == c.customer_id,
            ev.ts <= c.conv_ts,
            ev.ts > c.conv_ts - window,
            c.prev_ts.isnull() | (ev.ts > c.prev_ts),
        ],
    ).select("conv_id", "event_id")
    on_paths = joined.execute()
    period = q.range.filter(ev, "ts")
    rest = period.anti_join(joined, period.event_id == joined.event_id).execute()
    ordered = q.ordered(q.assigned())
    touches = q.touches(ordered).select("conv_id", "event_id").execute()
    nulls = q.nulls(ordered).execute()
    assert len(touches) > 1000 and len(nulls) > 1000
    key = ["conv_id", "event_id"]
    pd.testing.assert_frame_equal(
        touches.sort_values(key, ignore_index=True), on_paths.sort_values(key, ignore_index=True)
    )
    assert sorted(nulls.event_id) == sorted(rest.event_id)
    assert set(nulls.event_id).isdisjoint(touches.event_id)


def test_demo_paths_match_sessions_cut_by_hand(demo_root):
    """The demo quarter's paths against sessions cut from the events with pandas."""
    ws = cxlens.open(demo_root)
    report = paths(ws, steps=4, top=10, start="2026-04-01", end="2026-06-30")
    e = Range.of(ws, "2026-04-01", "2026-06-30").filter(customer_events(ws, "Paths"), "ts")
    e = e.select("customer_id", "ts", "event_id", "touchpoint").execute()
    e = e.sort_values(["customer_id", "ts", "event_id"], ignore_index=True)
    by = e.groupby("customer_id")
    new = (by.cumcount() == 0) | (by.ts.diff() > pd.Timedelta(minutes=30))
    e["session"] = new.astype(int).groupby(e.customer_id).cumsum()
    kept = e[new | (e.touchpoint != by.touchpoint.shift())].copy()
    kept["pos"] = kept.groupby(["customer_id", "session"]).cumcount() + 1
    kept = kept[kept.pos <= 4]
    sequences = kept.groupby(["customer_id", "session"]).touchpoint.agg(" → ".join)
    counts = sequences.value_counts()
    assert report.sessions == len(sequences) > 1000
    assert len(report.sequences) == 10
    for row in report.sequences.itertuples():
        assert row.sessions == counts[row.sequence]
    assert report.sequences.sessions.iloc[0] == counts.max()
    nodes = kept.groupby(["pos", "touchpoint"]).size()
    got = report.nodes.set_index(["step", "touchpoint"])["sessions"]
    assert got.sort_index().to_dict() == nodes.sort_index().to_dict()
