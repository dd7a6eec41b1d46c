"""The demo data: schema, keys, ranges, reproducibility and the signals analytics rely on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pyarrow.parquet as pq
import pytest

from cxlens.demo import generate
from cxlens.demo.texts import LANGUAGES, THEME_PHRASES
from cxlens.schema import SCORE_RANGES, TABLES


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("demo")
    paths = generate(out, customers=3000, seed=7, chunk_size=1000)
    return {name: pq.read_table(p).to_pandas() for name, p in paths.items()}


def test_every_table_has_the_canonical_columns_and_unique_keys(demo):
    for name, spec in TABLES.items():
        df = demo[name]
        assert len(df) > 0, name
        assert set(spec.column_names) <= set(df.columns), name
        assert not df.duplicated(list(spec.key)).any(), name


def test_ids_stay_unique_across_chunks(tmp_path):
    paths = generate(tmp_path, customers=250, seed=1, chunk_size=100)
    for table in ("customers", "orders", "events", "tickets", "responses"):
        key = TABLES[table].key[0]
        ids = pq.read_table(paths[table]).column(key).to_pylist()
        assert len(ids) == len(set(ids)), table


def test_scores_in_range_and_references_resolve(demo):
    r = demo["responses"]
    for kind, (lo, hi) in SCORE_RANGES.items():
        s = r.loc[r.kind == kind, "score"]
        assert len(s) > 0 and s.between(lo, hi).all() and (s == s.round()).all()
    customers = set(demo["customers"].customer_id)
    for table in ("orders", "events", "tickets", "responses"):
        assert set(demo[table].customer_id) <= customers, table
    orders = demo["orders"].merge(demo["customers"], on="customer_id")
    assert (orders.ts >= orders.created_at).all()
    t = demo["tickets"].dropna(subset=["resolved_at"])
    assert (t.resolved_at >= t.opened_at).all()


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    a = generate(tmp_path / "a", customers=200, seed=3)
    b = generate(tmp_path / "b", customers=200, seed=3)
    c = generate(tmp_path / "c", customers=200, seed=4)
    for table in a:
        assert pq.read_table(a[table]).equals(pq.read_table(b[table])), table
    assert not pq.read_table(a["orders"]).equals(pq.read_table(c["orders"]))


def test_comments_in_every_language_follow_the_score(demo):
    r = demo["responses"].dropna(subset=["comment"])
    assert set(r.language) == set(LANGUAGES)
    negative = {
        p for lang in LANGUAGES for theme in THEME_PHRASES[lang].values() for p in theme["negative"]
    }
    positive = {
        p for lang in LANGUAGES for theme in THEME_PHRASES[lang].values() for p in theme["positive"]
    }

    def share(frame: pd.DataFrame, pool: set[str]) -> float:
        lowered = frame.comment.str.lower()
        return float(lowered.apply(lambda text: any(p.lower() in text for p in pool)).mean())

    detractors = r[(r.kind == "nps") & (r.score <= 6)]
    promoters = r[(r.kind == "nps") & (r.score >= 9)]
    assert share(detractors, negative) > 0.6 > share(promoters, negative)
    assert share(promoters, positive) > 0.6 > share(detractors, positive)


def test_nps_differs_by_country_as_designed(demo):
    r = demo["responses"].merge(demo["customers"][["customer_id", "country"]], on="customer_id")
    nps = (
        r[r.kind == "nps"]
        .groupby("country")
        .score.apply(lambda s: (s >= 9).mean() - (s <= 6).mean())
    )
    assert nps["FI"] > nps["DE"] > nps["BG"]


def test_marketing_matches_acquired_customers(demo):
    m, c = demo["marketing"], demo["customers"]
    paid = c[c.acquisition_channel != "direct"]
    assert m.new_customers.sum() == len(paid)
    assert (m.clicks <= m.impressions).all() and (m.spend >= 0).all()
    ctr = m.groupby("channel").clicks.sum() / m.groupby("channel").impressions.sum()
    assert ctr["search"] > ctr["display"]


def test_time_span_is_respected(tmp_path):
    paths = generate(tmp_path, customers=100, seed=2, start=date(2025, 1, 1), end=date(2025, 6, 30))
    orders = pq.read_table(paths["orders"]).to_pandas()
    assert orders.ts.min() >= pd.Timestamp("2025-01-01", tz="UTC")
    assert orders.ts.max() < pd.Timestamp("2025-07-01", tz="UTC")


def test_history_is_cut_in_the_workspace_time_zone_and_stops_now(tmp_path):
    now = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)
    paths = generate(
        tmp_path, customers=400, seed=2, start=date(2024, 10, 1), end=date(2026, 12, 2),
        timezone="Europe/Tallinn", now=now,
    )  # fmt: skip
    first = pd.Timestamp("2024-10-01", tz="Europe/Tallinn")  # 2024-09-30 21:00 UTC
    for table, column in (("customers", "created_at"), ("orders", "ts"), ("responses", "ts")):
        ts = pq.read_table(paths[table]).column(column).to_pandas()
        assert ts.min() >= first, table
        assert ts.max() <= pd.Timestamp(now), table  # nothing in the future
    # no stub: customers arrive through the first local month as through the next one
    # (orders ramp up as the first customers come back, so they are no measure of it)
    for table, column in (("orders", "ts"), ("customers", "created_at")):
        ts = pq.read_table(paths[table]).column(column).to_pandas()
        months = ts.dt.tz_convert("Europe/Tallinn").dt.strftime("%Y-%m").value_counts()
        assert "2024-09" not in months, table
    assert months["2024-10"] > 0.5 * months["2024-11"]
    dates = pq.read_table(paths["marketing"]).column("date").to_pylist()
    assert min(dates) == date(2024, 10, 1) and max(dates) == date(2026, 12, 2)


def test_germany_dips_two_quarters_before_the_last():
    from cxlens.demo.generator import _dip_quarter

    assert _dip_quarter(date(2026, 9, 30)) == (date(2026, 1, 1), date(2026, 4, 1))
    assert _dip_quarter(date(2026, 12, 2)) == (date(2026, 4, 1), date(2026, 7, 1))
    assert _dip_quarter(date(2026, 2, 1)) == (date(2025, 7, 1), date(2025, 10, 1))
