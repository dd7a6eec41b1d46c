"""The digest's text sparklines and its new themes, with numbers worked by hand."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

import cxlens
from cxlens.alerts.digest import build_digest, digest_settings
from cxlens.alerts.digest_trends import (
    binomial_tail,
    new_themes,
    sparkline,
    trend_periods,
    trends,
)
from cxlens.collect.service import Collector
from tests.collect.conftest import make_ws

NOW = datetime(2026, 12, 2, 8, tzinfo=UTC)  # a Wednesday
START = datetime(2026, 12, 1, tzinfo=UTC)  # the digest's day: yesterday, in UTC
DIGEST = """
[[digests]]
name = "daily"
every = "day"
to = ["ann@example.com"]
language = "de"
metrics = ["nps"]
"""


def test_a_sparkline_runs_from_the_lowest_to_the_highest_value():
    # 8 blocks for 0 … 7 of the range; 10 → 0, 20 → 7 × 10/40 = 1.75 → 2, 50 → 7
    assert sparkline([10.0, 20.0, None, 50.0, 30.0]) == "▁▃·█▅"  # 30 → 3.5 → 4 (to even: 4)
    assert sparkline([5.0, 5.0]) == "▄▄"  # a flat series sits in the middle
    assert sparkline([None, float("nan")]) == "··"
    assert sparkline([-100.0, 100.0, 0.0]) == "▁█▅"  # NPS from −100 to +100: 0 → 3.5 → 4


def test_trend_periods_end_with_the_digests_period():
    days = trend_periods("day", date(2026, 12, 1))
    assert len(days) == 8 and days[0] == (date(2026, 11, 24), "2026-11-24")
    assert days[-1] == (date(2026, 12, 1), "2026-12-01")
    weeks = trend_periods("week", date(2026, 11, 23))  # the Monday of week 48
    assert weeks[0][1] == "2026-W41" and weeks[-1][1] == "2026-W48"


def test_the_binomial_tail_worked_by_hand():
    # P(X ≥ 3 | n = 10, p = 1/82) = 1 − q¹⁰ − 10 p q⁹ − 45 p² q⁸
    p = 0.5 / 41
    q = 1 - p
    by_hand = 1 - q**10 - 10 * p * q**9 - 45 * p**2 * q**8
    assert binomial_tail(3, 10, p) == pytest.approx(by_hand, rel=1e-9)
    assert by_hand == pytest.approx(0.000204, abs=1e-6)  # about 2 in 10,000
    assert binomial_tail(0, 10, p) == pytest.approx(1.0)


def _responses(ws, rows):
    frame = pd.DataFrame(
        rows, columns=["response_id", "customer_id", "ts", "kind", "score", "comment", "theme"]
    )
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    ws.append_rows("responses", frame)


@pytest.fixture
def themed(tmp_path):
    root = make_ws(tmp_path / "ws", extra=DIGEST)
    ws = cxlens.open(root)
    rows = []
    # the 90 days before: 40 themed comments, 20 on delivery, 20 on price, none on packaging
    for i in range(40):
        day = START - timedelta(days=1 + i)
        rows.append((f"P{i}", f"C{i}", day, "nps", 8, f"old {i}", "delivery" if i % 2 else "price"))
    # the period: 10 themed comments, 3 on packaging (new), 5 on delivery, 2 on price
    themes = ["packaging"] * 3 + ["delivery"] * 5 + ["price"] * 2
    for i, theme in enumerate(themes):
        score = 2 if theme == "packaging" else 9
        rows.append(
            (f"N{i}", f"D{i}", START + timedelta(hours=9), "nps", score, f"now {theme} {i}", theme)
        )
    _responses(ws, rows)
    return cxlens.open(root)


def test_a_theme_that_was_rare_before_is_new(themed):
    found = new_themes(themed, START, START + timedelta(days=1))
    # packaging: k = 3 of n = 10, none of 40 before: p₀ = ½ / 41, tail ≈ 0.0002 < 0.05;
    # delivery and price were half of the comments before (p₀ = 20.5 / 41 = ½): not rare
    assert [t["theme"] for t in found] == ["packaging"]
    [packaging] = found
    assert (packaging["count"], packaging["n"], packaging["before"], packaging["n_before"]) == (
        3,
        10,
        0,
        40,
    )
    q = 1 - 0.5 / 41
    assert packaging["p"] == pytest.approx(
        1 - q**10 - 10 * (0.5 / 41) * q**9 - 45 * (0.5 / 41) ** 2 * q**8
    )
    assert packaging["comment"].startswith("now packaging")
    # no history at all: nothing can be new (p₀ = ½ / 1)
    assert new_themes(themed, START - timedelta(days=200), START - timedelta(days=199)) == []


def test_the_digest_shows_trends_and_new_themes_in_its_language(themed):
    c = Collector(themed.config)
    [settings] = digest_settings(c)
    series = trends(themed, ("nps",), "day", date(2026, 12, 1), date(2026, 12, 1))
    # NPS per day: 2026-11-24 … 11-30 one passive answer each (0), 12-01: 7 promoters of 10
    # and 3 detractors: 40; days without answers are None
    values = series["nps"]
    assert len(values) == 8 and values[-1] == pytest.approx(40.0)
    assert values[:-1] == [0.0] * 7
    digest = build_digest(themed, c, settings, NOW)
    for part in (digest.text, digest.html):
        assert "Trends" in part and "Die letzten 8 Tage" in part
        assert "Neue Themen" in part and "3 von 10 Kommentaren (davor: 0 von 40)" in part
    assert "▁▁▁▁▁▁▁█" in digest.text
    # the HTML draws the trend as a chart where Chromium can, else as the same text line
    assert ('src="cid:' in digest.html) if digest.images else ("▁▁▁▁▁▁▁█" in digest.html)
    assert math.isfinite(values[-1])
