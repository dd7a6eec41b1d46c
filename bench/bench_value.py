"""Experience value, acquisition cohorts and Shapley attribution on 1M customers, against pandas.

    python bench/bench_value.py              # 1,000,000 customers
    python bench/bench_value.py --scale 0.1  # 100,000 customers

Each computation runs twice in the same process on the same generated workspace:
as cxlens runs it (Ibis expressions in the warehouse, only sums per group reaching
Python) and as a straightforward pandas program would (read the Parquet files,
merge and group in memory). Both must give the same numbers, which the script
checks before it prints the times and their ratio:

* **value**: each NPS respondent's latest answer, the orders before it (RFM at the
  answer, scored at the respondents' quantiles) and in the 90 days after it, and
  the promoter-against-detractor comparison within segment and tenure;
* **acquisition**: customers, spend and the sums of each customer's cumulative
  revenue (and its square) per channel, cohort month and month since acquisition;
* **shapley**: every conversion's and null path's channel set within the 30-day
  lookback, counted per set, and the Shapley credits.

The CLV fit that experience value and acquisition also run is the same code in
both and is timed apart (``bench/bench_customers.py`` has its own goal).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

START = np.datetime64("2024-01-01T00:00:00", "us")
DAYS = 730
DAY_US = 86_400_000_000
CHANNELS = np.array(["search", "social", "display", "email", "affiliate", "direct"])
COUNTRIES = np.array(["EE", "FI", "DE", "BG", "HR", "GB"])


def _ts(days: np.ndarray) -> pa.Array:
    return pa.array(START.astype(np.int64) + (days * DAY_US).astype(np.int64),
                    type=pa.timestamp("us", tz="UTC"))  # fmt: skip


def generate(root: Path, customers: int, seed: int = 7) -> dict[str, int]:
    """Customers, orders, NPS answers, touch events and daily spend, straight to Parquet."""
    import cxlens

    cxlens.init(root)
    out = root / "warehouse"
    rng = np.random.default_rng(seed)
    ids = np.char.add("C", np.arange(customers).astype(str))
    created = rng.random(customers) * DAYS * 0.95
    channel = rng.choice(len(CHANNELS), customers, p=[0.3, 0.2, 0.1, 0.1, 0.1, 0.2])
    pq.write_table(pa.table({
        "customer_id": ids, "created_at": _ts(created),
        "country": COUNTRIES[rng.integers(0, 6, customers)],
        "acquisition_channel": CHANNELS[channel],
    }), out / "customers.parquet")  # fmt: skip
    counts = 1 + rng.poisson(1.5, customers)
    owner = np.repeat(np.arange(customers), counts)
    first = np.r_[True, owner[1:] != owner[:-1]]
    day = created[owner] + np.where(
        first, rng.random(owner.size), rng.random(owner.size) * (DAYS - created[owner])
    )
    pq.write_table(pa.table({
        "order_id": np.char.add("O", np.arange(owner.size).astype(str)),
        "customer_id": ids[owner], "ts": _ts(day),
        "amount": np.round(rng.gamma(2.0, 30.0, owner.size), 2),
    }), out / "orders.parquet")  # fmt: skip
    answered = rng.random(customers) < 0.3
    a_cust = np.flatnonzero(answered)
    a_day = np.minimum(created[a_cust] + rng.uniform(5, 400, a_cust.size), DAYS - 0.01)
    pq.write_table(pa.table({
        "response_id": np.char.add("R", np.arange(a_cust.size).astype(str)),
        "customer_id": ids[a_cust], "ts": _ts(a_day), "kind": np.full(a_cust.size, "nps"),
        "score": rng.integers(0, 11, a_cust.size).astype(float),
        "touchpoint": np.full(a_cust.size, "relationship"),
    }), out / "responses.parquet")  # fmt: skip
    touches = rng.poisson(3.0, customers)
    e_cust = np.repeat(np.arange(customers), touches)
    e_day = created[e_cust] + rng.random(e_cust.size) * (DAYS - created[e_cust])
    pq.write_table(pa.table({
        "event_id": np.char.add("E", np.arange(e_cust.size).astype(str)),
        "customer_id": ids[e_cust], "ts": _ts(e_day), "touchpoint": np.full(e_cust.size, "ad"),
        "channel": CHANNELS[rng.integers(0, 5, e_cust.size)],
    }), out / "events.parquet")  # fmt: skip
    dates = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-01") + DAYS)
    paid = CHANNELS[:5]
    pq.write_table(pa.table({
        "date": pa.array(np.repeat(dates, paid.size)),
        "channel": np.tile(paid, dates.size),
        "spend": np.round(rng.gamma(4.0, customers / 400.0, dates.size * paid.size), 2),
    }), out / "marketing.parquet")  # fmt: skip
    return {"customers": customers, "orders": int(owner.size), "answers": int(a_cust.size),
            "events": int(e_cust.size)}  # fmt: skip


# -- the same computations in straightforward pandas ---------------------------------------


def pandas_answer_base(root: Path, follow_up: int = 90) -> pd.DataFrame:
    from cxlens.customers.segments import segment_map

    w = root / "warehouse"
    orders = pd.read_parquet(w / "orders.parquet", columns=["customer_id", "ts", "amount"])
    responses = pd.read_parquet(w / "responses.parquet")
    customers = pd.read_parquet(w / "customers.parquet", columns=["customer_id", "created_at"])
    end = orders.ts.max().normalize() + pd.Timedelta(days=1)
    r = responses[(responses.kind == "nps") & (responses.ts < end - pd.Timedelta(days=follow_up))]
    latest = r.sort_values("ts").groupby("customer_id").tail(1)[["customer_id", "ts", "score"]]
    m = latest.merge(orders, on="customer_id", how="left", suffixes=("", "_o"))
    before = m.ts_o <= m.ts
    after = (m.ts_o > m.ts) & (m.ts_o <= m.ts + pd.Timedelta(days=follow_up))
    m["b"], m["ba"] = before.astype(int), np.where(before, m.amount, 0.0)
    m["a"], m["aa"] = after.astype(float), np.where(after, m.amount, 0.0)
    m["lb"] = m.ts_o.where(before)
    per = m.groupby(["customer_id", "ts", "score"]).agg(
        frequency=("b", "sum"), monetary=("ba", "sum"), last=("lb", "max"),
        orders_after=("a", "sum"), revenue_after=("aa", "sum"), first_order=("ts_o", "min"),
    ).reset_index()  # fmt: skip
    per["recency"] = np.floor((per.ts - per["last"]).dt.total_seconds() / 86_400)
    per = per.merge(customers, on="customer_id", how="left")
    tenure = (per.ts - per.created_at.fillna(per.first_order)).dt.total_seconds() / 86_400
    per["tenure_band"] = np.select(
        [tenure < 91, tenure < 365, tenure < 730], ["under_3_months", "3_to_12_months", "1_to_2_years"],
        "over_2_years",
    )  # fmt: skip
    buyers = per[per.frequency > 0]
    scores = {}
    for name, better in (("recency", False), ("frequency", True), ("monetary", True)):
        cuts = buyers[name].astype(float).quantile([0.2, 0.4, 0.6, 0.8]).to_numpy()
        values = per[name].to_numpy(float)[:, None]
        hits = values > cuts[None, :] if better else values < cuts[None, :]
        scores[name] = 1 + hits.sum(axis=1)
    rules = segment_map(None).rules
    conditions = [
        (scores["recency"] >= rule.r[0]) & (scores["recency"] <= rule.r[1])
        & (scores["frequency"] >= rule.f[0]) & (scores["frequency"] <= rule.f[1])
        & (scores["monetary"] >= rule.m[0]) & (scores["monetary"] <= rule.m[1])
        for rule in rules
    ]  # fmt: skip
    per["segment"] = np.where(
        per.frequency > 0, np.select(conditions, [r.key for r in rules], "other"), "(no orders)"
    )
    per["group"] = np.select([per.score >= 9, per.score >= 7], ["promoter", "passive"], "detractor")
    return per


def pandas_acquisition(root: Path) -> pd.DataFrame:
    """Σc and Σc² of each customer's cumulative revenue per channel, cohort and month since."""
    w = root / "warehouse"
    customers = pd.read_parquet(w / "customers.parquet")
    orders = pd.read_parquet(w / "orders.parquet", columns=["customer_id", "ts", "amount"])
    month = lambda ts: (ts.dt.year - 1970) * 12 + ts.dt.month - 1  # noqa: E731
    customers["cohort"] = month(customers.created_at)
    m = orders.merge(customers[["customer_id", "acquisition_channel", "cohort"]], on="customer_id")
    m["k"] = (month(m.ts) - m.cohort).clip(lower=0)
    top = int(m.k.max()) + 1
    per = m.groupby(["customer_id", "k"]).amount.sum().reset_index()
    codes, uniques = pd.factorize(per.customer_id)
    dense = np.zeros((uniques.size, top))
    np.add.at(dense, (codes, per.k.to_numpy()), per.amount.to_numpy())
    cumulative = np.cumsum(dense, axis=1)
    info = customers.set_index("customer_id").loc[uniques, ["acquisition_channel", "cohort"]]
    frame = pd.DataFrame(
        {"key": info.acquisition_channel.to_numpy(), "cohort": info.cohort.to_numpy()}
    )
    rows = []
    for (key, cohort), idx in frame.groupby(["key", "cohort"]).indices.items():
        c = cumulative[idx]
        for k in range(top):
            rows.append((key, cohort, k, c[:, k].sum(), (c[:, k] ** 2).sum()))
    return pd.DataFrame(rows, columns=["key", "cohort", "month", "s1", "s2"])


def pandas_channel_sets(root: Path, lookback_days: int = 30) -> pd.DataFrame:
    """Paths, conversions and value per channel set, as the Shapley model counts them."""
    w = root / "warehouse"
    events = pd.read_parquet(
        w / "events.parquet", columns=["event_id", "customer_id", "ts", "channel"]
    )
    orders = pd.read_parquet(
        w / "orders.parquet", columns=["order_id", "customer_id", "ts", "amount"]
    )
    orders = orders.sort_values(["customer_id", "ts", "order_id"])
    orders["prev"] = orders.groupby("customer_id").ts.shift()
    j = events.merge(orders, on="customer_id", suffixes=("", "_c"))
    on_path = (
        (j.ts <= j.ts_c)
        & (j.ts > j.ts_c - pd.Timedelta(days=lookback_days))
        & (j.prev.isna() | (j.ts > j.prev))
    )
    touches = j[on_path]
    channels = sorted(events.channel.unique())
    bit = {c: 1 << i for i, c in enumerate(channels)}
    conv = touches[["order_id", "channel", "amount"]].drop_duplicates()
    conv = (
        conv.assign(b=conv.channel.map(bit))
        .groupby("order_id")
        .agg(mask=("b", "sum"), value=("amount", "first"))
    )
    nulls = events[~events.event_id.isin(touches.event_id)][
        ["customer_id", "channel"]
    ].drop_duplicates()
    nulls = nulls.assign(b=nulls.channel.map(bit)).groupby("customer_id").agg(mask=("b", "sum"))
    paths = pd.concat([conv.assign(conversions=1), nulls.assign(conversions=0, value=0.0)])
    return paths.groupby("mask").agg(paths=("conversions", "size"), conversions=("conversions", "sum"),
                                     value=("value", "sum")).reset_index()  # fmt: skip


# -- the run ---------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000,000 customers")
    args = parser.parse_args()
    import cxlens
    from cxlens.journeys import credits as boot
    from cxlens.journeys.attribution import JourneySettings, path_query
    from cxlens.journeys.shapley import path_sets, shapley_credits
    from cxlens.marketing.acquisition import cohort_sums
    from cxlens.value.answers import answer_base
    from cxlens.value.worth import group_worth

    n = int(1_000_000 * args.scale)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        t0 = time.perf_counter()
        sizes = generate(root, n)
        print(", ".join(f"{v:,} {k}" for k, v in sizes.items()),
              f"generated in {time.perf_counter() - t0:.1f} s\n")  # fmt: skip
        ws = cxlens.open(root)
        rows = []

        def value_cxlens() -> pd.DataFrame:
            base = answer_base(ws, "nps", 90)
            frame = base.table.execute()
            group_worth(frame, base.grouping)
            return frame

        def value_pandas() -> pd.DataFrame:
            from cxlens.value.answers import GROUPINGS

            frame = pandas_answer_base(root)
            group_worth(frame, GROUPINGS["nps"])
            return frame

        a_s, a = timed(value_cxlens)
        b_s, b = timed(value_pandas)
        cols = ["customer_id", "orders_after", "revenue_after", "segment", "tenure_band", "group"]
        a, b = a.sort_values("customer_id")[cols], b.sort_values("customer_id")[cols]
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                      check_dtype=False, rtol=1e-9)  # fmt: skip
        rows.append(("value (answers, follow-up, strata, comparison)", a_s, b_s))

        def acquisition_cxlens() -> pd.DataFrame:
            from cxlens.customers.base import order_days

            days = order_days(ws)
            last = (days.as_of.year - 1970) * 12 + days.as_of.month - 1
            sums = cohort_sums(ws, "channel", days.as_of, 0, last)
            return sums.moments

        a_s, moments = timed(acquisition_cxlens)
        b_s, dense = timed(lambda: pandas_acquisition(root))
        # the warehouse keeps changes at each month; summed up they are the dense values
        m = moments.groupby(["key", "cohort", "month"])[["s1", "s2"]].sum().reset_index()
        m = m.sort_values(["key", "cohort", "month"])
        m[["s1", "s2"]] = m.groupby(["key", "cohort"])[["s1", "s2"]].cumsum()
        check = dense.merge(m, on=["key", "cohort", "month"], how="inner", suffixes=("", "_w"))
        np.testing.assert_allclose(check.s1, check.s1_w, rtol=1e-9)
        np.testing.assert_allclose(check.s2, check.s2_w, rtol=1e-9)
        rows.append(("acquisition (cumulative revenue sums)", a_s, b_s))

        def shapley_cxlens() -> np.ndarray:
            settings = JourneySettings.from_workspace(ws)
            q = path_query(ws, settings)
            touches = q.touches()
            channels = sorted(str(c) for c in q.events.select("dim").distinct().execute()["dim"])
            sets = path_sets(touches, q.nulls(touches), channels, boot.bucket).execute()
            s = sets.groupby("mask")[["paths", "conversions", "value"]].sum().reset_index()
            return shapley_credits(s["mask"], s.paths, s.conversions, s.value, len(channels))[0]

        def shapley_pandas() -> np.ndarray:
            s = pandas_channel_sets(root)
            k = int(np.log2(s["mask"].max())) + 1
            return shapley_credits(s["mask"], s.paths, s.conversions, s.value, k)[0]

        a_s, x = timed(shapley_cxlens)
        b_s, y = timed(shapley_pandas)
        np.testing.assert_allclose(x, y, rtol=1e-9)
        rows.append(("shapley (channel sets, credits)", a_s, b_s))

        print(f"{'computation':<48}{'cxlens s':>10}{'pandas s':>10}{'pandas/cxlens':>15}")
        for name, ours, theirs in rows:
            print(f"{name:<48}{ours:>10.2f}{theirs:>10.2f}{theirs / ours:>15.1f}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\npeak memory of the run {peak:,.0f} MB (both implementations)")


if __name__ == "__main__":
    main()
