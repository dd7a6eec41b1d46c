"""cxlens' own messages are system events: the demo sends nothing by itself, and journeys
leave invitations out unless asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from typer.testing import CliRunner

import cxlens
from cxlens.alerts.schedule import run_round
from cxlens.cli import app
from cxlens.collect.service import Collector
from cxlens.collect.triggers import dispatch_runs
from cxlens.journeys.base import SYSTEM_TOUCHPOINTS
from cxlens.journeys.funnel import funnel
from cxlens.journeys.paths import paths


def test_after_the_demo_and_an_hour_of_serving_nobody_was_invited(tmp_path):
    root = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", str(root), "--customers", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "cxlens survey activate nps-relational" in result.output
    ws = cxlens.open(root)
    collector = Collector(ws.config)
    assert len(collector.surveys()) == 3 and collector.active_survey_ids() == set()
    events_before = ws.table("events").count().execute()
    clock = datetime.now(UTC)
    for minute in range(0, 61, 10):  # the scheduler's rounds over an hour of serving
        assert run_round(ws, collector, now=clock + timedelta(minutes=minute)) == []
    events = ws.table("events").execute()
    assert len(events) == events_before
    assert not events["touchpoint"].isin(SYSTEM_TOUCHPOINTS).any()
    runs = dispatch_runs(collector)
    assert len(runs) == 7 and {r["origin"] for r in runs} == {"schedule"}
    assert sum(r["invited"] for r in runs) == 0
    # once the user turns a survey on, its invitations are what they asked for: system events
    collector.set_active("nps-relational", True)
    run_round(ws, collector, now=clock + timedelta(minutes=70))
    events = ws.table("events").execute()
    invitations = events[events["touchpoint"] == "survey_invitation"]
    assert len(invitations) > 0 and invitations["system"].all()
    customers_own = events.loc[~events["touchpoint"].isin(SYSTEM_TOUCHPOINTS), "system"]
    assert not customers_own.eq(True).any()


def _journey_ws(tmp_path, extra: str = "") -> cxlens.Workspace:
    root = tmp_path / "ws"
    cxlens.init(root)
    if extra:
        with (root / "cxlens.toml").open("a") as f:
            f.write("\n" + extra)
    ws = cxlens.open(root)
    rows = []
    for i in range(4):
        c = f"C{i}"
        t0 = pd.Timestamp("2025-03-01 10:00", tz="UTC") + pd.Timedelta(days=i)
        rows += [
            (f"{c}-1", c, t0, "ad", "paid_social", None),
            (f"{c}-2", c, t0 + pd.Timedelta(minutes=1), "survey_invitation", "email", True),
            (f"{c}-3", c, t0 + pd.Timedelta(minutes=2), "website", "organic", None),
        ]
    frame = pd.DataFrame(
        rows, columns=["event_id", "customer_id", "ts", "touchpoint", "channel", "system"]
    )
    ws.append_rows("events", frame)
    orders = pd.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(4)],
            "customer_id": [f"C{i}" for i in range(4)],
            "ts": [
                pd.Timestamp("2025-03-01 10:03", tz="UTC") + pd.Timedelta(days=i) for i in range(4)
            ],
            "amount": [10.0] * 4,
        }
    )
    ws.append_rows("orders", orders)
    return cxlens.open(root)


def test_paths_and_funnels_leave_system_events_out_unless_asked(tmp_path):
    ws = _journey_ws(tmp_path)
    report = paths(ws)
    assert report.sequences["sequence"].tolist() == ["ad → website"]
    assert "survey_invitation" not in set(report.nodes["touchpoint"])
    # a funnel that names the invitation as a step asks for it
    f = funnel(ws, ["survey_invitation", "website"])
    assert f.table["customers"].tolist() == [4, 4]
    asked = _journey_ws(tmp_path / "asked", "[journeys]\nsystem_events = true\n")
    assert paths(asked).sequences["sequence"].tolist() == ["ad → survey_invitation → website"]


def test_attribution_credits_no_conversion_to_cxlens_own_e_mails(tmp_path):
    from cxlens.journeys.attribution import attribute

    def linear(ws):
        t = attribute(ws, models=["linear"]).table
        return dict(zip(t["channel"], t["conversions"], strict=True))

    # ad, invitation e-mail, website visit, order: the e-mail is not the customer's touch
    assert linear(_journey_ws(tmp_path)) == pytest.approx({"paid_social": 2.0, "organic": 2.0})
    asked = _journey_ws(tmp_path / "asked", "[journeys]\nsystem_events = true\n")
    assert linear(asked) == pytest.approx({"paid_social": 4 / 3, "email": 4 / 3, "organic": 4 / 3})
