"""Every catalog metric's interval stays in the metric's range and contains its value,
in groups of 1, 2, 5, 30 and 1,000 customers (or marketing rows), through the engine."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import cxlens
from cxlens.metrics.catalog import load_catalog
from cxlens.metrics.implementations import load_implementations

SIZES = (1, 2, 5, 30, 1000)
GROUPS = {f"G{size}": size for size in SIZES}


def _write(root: Path, name: str, header: str, rows: list[str]) -> Path:
    path = root / f"{name}.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def sized_ws(tmp_path_factory):
    """Customers in groups (country = channel = G1 ... G1000) with a bit of everything each."""
    root = tmp_path_factory.mktemp("sized")
    cxlens.init(root / "ws")
    ws = cxlens.open(root / "ws")
    rng = np.random.default_rng(11)
    customers, orders, responses, tickets, events, marketing = [], [], [], [], [], []
    i = 0
    for group, size in GROUPS.items():
        for _ in range(size):
            i += 1
            cid = f"C{i}"
            day = 1 + int(rng.integers(0, 28))
            ended = f"2025-02-{1 + int(rng.integers(0, 27)):02d}" if rng.random() < 0.3 else ""
            customers.append(f"{cid},2024-12-{day:02d},{group},{group},{ended}")
            for k in range(1 + int(rng.integers(0, 3))):
                amount = round(float(rng.gamma(2.0, 30.0)) + 1, 2)
                orders.append(f"O{i}-{k},{cid},2025-0{1 + k}-{day:02d},{amount}")
            nps, csat, ces = rng.integers(0, 11), rng.integers(1, 6), rng.integers(1, 8)
            responses += [
                f"N{i},{cid},2025-01-{day:02d},nps,{nps}",
                f"S{i},{cid},2025-02-{day:02d},csat,{csat}",
                f"E{i},{cid},2025-03-{day:02d},ces,{ces}",
            ]
            hours = float(rng.lognormal(2.5, 1.0))
            first = min(hours, float(rng.lognormal(0.5, 0.5)))
            opened = f"2025-01-{day:02d} 08:00"
            tickets.append(
                f"T{i},{cid},{opened},{_later(day, first)},{_later(day, hours)},"
                f"{1 + int(rng.integers(0, 3))}"
            )
            events.append(f"I{i},{cid},2025-01-{day:02d},survey_invitation,email")
        for r in range(size):
            day = 1 + r % 28
            spend = round(float(rng.gamma(2.0, 20.0)), 2)
            impressions = int(rng.integers(100, 5000))
            clicks = int(rng.binomial(impressions, 0.03))
            visitors = clicks
            conversions = int(rng.binomial(visitors, 0.1))
            marketing.append(
                f"2025-0{1 + r % 3}-{day:02d},{group},c{r // 84},g{r},{spend},{impressions},{clicks},"
                f"{int(rng.integers(0, 50))},{int(rng.integers(0, 20))},{int(rng.integers(0, 5))},"
                f"{int(rng.integers(0, 5))},{visitors},{conversions},"
                f"{round(conversions * float(rng.gamma(3, 20)), 2)},{int(rng.integers(0, 3))}"
            )
    tables = {
        "customers": ("customer_id,created_at,country,acquisition_channel,ended_at", customers),
        "orders": ("order_id,customer_id,ts,amount", orders),
        "tickets": (
            "ticket_id,customer_id,opened_at,first_response_at,resolved_at,contacts",
            tickets,
        ),
        "responses": ("response_id,customer_id,ts,kind,score", responses),
        "events": ("event_id,customer_id,ts,touchpoint,channel", events),
        "marketing": (
            "date,channel,campaign,ad_group,spend,impressions,clicks,views,engagements,downloads,"
            "leads,visitors,conversions,conversion_value,new_customers",
            marketing,
        ),
    }
    for name, (header, rows) in tables.items():
        ws.import_file(name, _write(root, name, header, rows))
    yield ws
    ws.close()


def _later(day: int, hours: float) -> str:
    import datetime as dt

    t = dt.datetime(2025, 1, day, 8) + dt.timedelta(hours=hours)
    return t.strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("metric_id", sorted(load_implementations()))
def test_interval_in_range_and_around_the_value_at_every_size(sized_ws, metric_id):
    metric = load_catalog()[metric_id]
    low, high = metric.range
    lo = -math.inf if low is None else low
    hi = math.inf if high is None else high
    by = "channel" if "marketing" in metric.needs else "country"
    frame = sized_ws.kpi(metric_id, by=by, start="2024-12-01", end="2025-03-31")
    rows = frame[frame[by].isin(list(GROUPS))]
    assert len(rows) >= 4, frame
    for row in rows.to_dict(orient="records"):
        value = row["value"]
        if math.isnan(value):
            assert row["note"].startswith("undefined"), row
            continue
        assert lo <= value <= hi, row
        if math.isnan(row["ci_low"]):  # one value of a positive mean: said, not guessed
            assert row["n"] < 2 or metric.kind in ("ratio", "clv"), row
            continue
        assert lo <= row["ci_low"] <= value <= row["ci_high"] <= hi, row
        assert 0 <= row["ci_level"] <= 1
