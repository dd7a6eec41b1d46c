"""The demo generator: customers, journeys, orders, tickets, feedback and marketing spend.

The data follows the mechanisms the analytics look for, so that every command
finds something real to show:

* purchases follow a buy-till-you-die process (a purchase rate per customer drawn
  from a gamma distribution, a dropout chance after each purchase from a beta);
* journeys run through awareness, consideration and purchase touchpoints; some
  channels start converting journeys more often than others;
* NPS depends on the customer's experience (slow or reopened tickets, delivery
  quality) and on the country (Finland highest, Bulgaria lowest), with a dip in
  Germany in the quarter two before the one the history ends in;
* comments are written in the customer's language and mostly say what the score says (one
  in eight is a step off, with typos, missing capitals and emoji, as real ones are);
* experience moves money: after a customer's first NPS answer, promoters buy
  more often and drop out less, detractors the opposite (:data:`AFTER_ANSWER`);
  customers with better deliveries buy more often throughout, and a delivery that
  goes wrong (more often for those with worse deliveries) slows every later
  purchase (:data:`AFTER_INCIDENT`), makes some customers leave
  (:data:`INCIDENT_DROPOUT`) and shows in the CSAT after it;
* customers of some acquisition channels are worth more than others
  (:data:`CHANNEL_VALUE`), and each channel's spend brings customers through
  adstock and saturation (:mod:`cxlens.demo.marketing`), so CAC, payback and
  LTV:CAC differ by channel and a marketing-mix model has a true answer;
* marketing spend per channel, campaign and ad group matches the customers each
  channel brought.

Days are the workspace's local days: the history starts at local midnight of the
first day and ends at the end of the last local day, or now when that day is today,
so every period the data covers is whole and nothing lies in the future.

Customers are made in chunks written straight to Parquet, so two million
customers take bounded memory. Every chunk has its own random stream derived
from the seed, so the same seed gives the same data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cxlens.demo import marketing
from cxlens.demo.comments import compose, sentiment_of
from cxlens.demo.texts import THEMES

COUNTRIES = np.array(["GB", "EE", "BG", "DE", "HR", "FI"])
LANGUAGE_OF = {"GB": "en", "EE": "et", "BG": "bg", "DE": "de", "HR": "hr", "FI": "fi"}
COUNTRY_SHARE = np.array([0.15, 0.08, 0.12, 0.35, 0.12, 0.18])
#: how much more (or less) each country recommends, on the 0-10 scale
COUNTRY_NPS_SHIFT = np.array([0.1, 0.3, -0.9, 0.0, -0.2, 0.8])
#: latent NPS points per unit of log(1 + orders): satisfaction and value go together
LOYALTY_NPS = 0.6
CHANNELS = np.array(["search", "social", "display", "email", "affiliate", "direct", "video"])
ACQUISITION_SHARE = np.array([0.25, 0.18, 0.10, 0.08, 0.10, 0.20, 0.09])
#: channel of the first touch of journeys that convert, and of those that do not
CONVERTING_TOUCH = np.array([0.30, 0.12, 0.08, 0.15, 0.12, 0.18, 0.05])
IDLE_TOUCH = np.array([0.18, 0.25, 0.22, 0.06, 0.07, 0.08, 0.14])
FIRST_TOUCHPOINT = np.array(
    [
        "search_ad",
        "social_post",
        "ad_impression",
        "newsletter",
        "ad_impression",
        "website_visit",
        "ad_impression",
    ]
)
ORDER_CHANNELS = np.array(["web", "app", "store"])
TICKET_CHANNELS = np.array(["email", "chat", "phone"])
TICKET_TOUCHPOINT = np.array(["help_center", "support_chat", "call_center"])
TICKET_CATEGORIES = np.array(["delivery", "billing", "product", "account", "returns"])
TICKET_THEME = np.array(["delivery", "billing", "quality", "app", "returns"])
DAY_US = 86_400_000_000
MAX_ORDERS = 40
#: purchase rate of customers by acquisition channel, relative to the average
CHANNEL_VALUE = np.array([1.15, 0.85, 0.75, 1.35, 0.9, 1.1, 0.8])
#: purchase-rate change per standard deviation of a customer's delivery experience
DELIVERY_RATE = 0.25
#: share of orders whose delivery goes wrong, for a customer of average delivery experience
INCIDENT_SHARE = 0.1
#: how much longer a customer waits before each purchase after every delivery gone wrong
AFTER_INCIDENT = 1.6
#: chance that a customer never buys again after a delivery gone wrong
INCIDENT_DROPOUT = 0.3
#: after the first NPS answer, by its group: (purchase-rate factor, dropout factor)
AFTER_ANSWER = {"promoter": (1.25, 0.8), "passive": (1.0, 1.0), "detractor": (0.8, 1.4)}

Columns = dict[str, pa.Array]

SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema(
        [
            ("customer_id", pa.string()),
            ("created_at", pa.timestamp("us", tz="UTC")),
            ("country", pa.string()),
            ("language", pa.string()),
            ("email", pa.string()),
            ("consent", pa.bool_()),
            ("ended_at", pa.timestamp("us", tz="UTC")),
            ("acquisition_channel", pa.string()),
            ("acquisition_campaign", pa.string()),
            ("plan", pa.string()),
            ("age_band", pa.string()),
        ]
    ),
    "orders": pa.schema(
        [
            ("order_id", pa.string()),
            ("customer_id", pa.string()),
            ("ts", pa.timestamp("us", tz="UTC")),
            ("amount", pa.float64()),
            ("currency", pa.string()),
            ("channel", pa.string()),
        ]
    ),
    "events": pa.schema(
        [
            ("event_id", pa.string()),
            ("customer_id", pa.string()),
            ("ts", pa.timestamp("us", tz="UTC")),
            ("touchpoint", pa.string()),
            ("channel", pa.string()),
            ("stage", pa.string()),
            ("campaign", pa.string()),
            ("session_id", pa.string()),
            ("system", pa.bool_()),
        ]
    ),
    "tickets": pa.schema(
        [
            ("ticket_id", pa.string()),
            ("customer_id", pa.string()),
            ("opened_at", pa.timestamp("us", tz="UTC")),
            ("first_response_at", pa.timestamp("us", tz="UTC")),
            ("resolved_at", pa.timestamp("us", tz="UTC")),
            ("channel", pa.string()),
            ("category", pa.string()),
            ("contacts", pa.int64()),
            ("reopened", pa.bool_()),
        ]
    ),
    "responses": pa.schema(
        [
            ("response_id", pa.string()),
            ("customer_id", pa.string()),
            ("ts", pa.timestamp("us", tz="UTC")),
            ("survey_id", pa.string()),
            ("kind", pa.string()),
            ("score", pa.float64()),
            ("comment", pa.string()),
            ("language", pa.string()),
            ("touchpoint", pa.string()),
            ("complete", pa.bool_()),
            ("ticket_id", pa.string()),
        ]
    ),
}


def _local_midnight(d: date, tz: str) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(tz))


class _Clock:
    """Converts fractional days since local midnight of the first day into UTC timestamps.

    ``days`` is the length of the history in days of 24 hours, up to the end of the
    last local day or ``now``, whichever comes first; ``day_count`` the local days
    it touches (rows of daily tables such as marketing spend).
    """

    def __init__(self, start: date, end: date, tz: str = "UTC", now: datetime | None = None):
        origin = _local_midnight(start, tz)
        until = _local_midnight(end + timedelta(days=1), tz)
        if now is not None:
            until = min(until, now)
        self.origin_us = int(origin.timestamp()) * 1_000_000
        self.days = (until - origin).total_seconds() / 86_400
        if self.days <= 0:
            raise ValueError(f"the history from {start} to {now or end} has no time in it")
        self.day_count = max(math.ceil(self.days), 1)
        self.start = start
        self.end = end

    def ts(self, days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
        us = self.origin_us + np.round(days * DAY_US).astype(np.int64)
        mask = None if valid is None else ~valid
        return pa.array(us, type=pa.timestamp("us", tz="UTC"), mask=mask)


def _dip_quarter(end: date) -> tuple[date, date]:
    """The quarter of Germany's NPS dip: two quarters before the one holding ``end`` ([start, end))."""
    quarter = (end.year * 12 + end.month - 1) // 3 - 2
    start = date(quarter * 3 // 12, quarter * 3 % 12 + 1, 1)
    months = start.month - 1 + 3
    return start, date(start.year + months // 12, months % 12 + 1, 1)


def _ids(prefix: str, start: int, count: int, width: int = 8) -> pa.Array:
    return pa.array([f"{prefix}{i:0{width}d}" for i in range(start, start + count)])


def generate(
    out_dir: Path,
    *,
    customers: int = 20_000,
    seed: int = 42,
    start: date = date(2024, 10, 1),
    end: date = date(2026, 9, 30),
    timezone: str = "UTC",
    now: datetime | None = None,
    progress: Callable[[str, float], None] | None = None,
    chunk_size: int = 50_000,
) -> dict[str, Path]:
    """Write the six tables as Parquet files into ``out_dir``; return their paths by table.

    The history covers the local days ``start`` to ``end`` in ``timezone``; when
    ``now`` falls inside ``end``, it stops at ``now``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    clock = _Clock(start, end, timezone, now or datetime.now(UTC))
    paths = {name: out_dir / f"{name}.parquet" for name in [*SCHEMAS, "marketing"]}
    writers = {
        name: pq.ParquetWriter(paths[name], schema, compression="zstd")
        for name, schema in SCHEMAS.items()
    }
    counters = dict.fromkeys(("customer", "order", "event", "session", "ticket", "response"), 0)
    # the plan is per local day: the last one may be today, partly over
    mix = marketing.plan(
        np.random.default_rng([seed, 2_000_000]),
        clock.start, clock.day_count, customers, CHANNELS, ACQUISITION_SHARE,
    )  # fmt: skip
    acquired = np.zeros((clock.day_count, len(mix.units)), dtype=np.int64)
    try:
        for k, first in enumerate(range(0, customers, chunk_size)):
            n = min(chunk_size, customers - first)
            rng = np.random.default_rng([seed, k])
            tables = _chunk(rng, n, counters, clock, mix, acquired)
            for name, columns in tables.items():
                writers[name].write_table(pa.table(columns, schema=SCHEMAS[name]))
            if progress:
                progress("generating", 100.0 * (first + n) / customers)
    finally:
        for w in writers.values():
            w.close()
    pq.write_table(
        marketing.spend_table(np.random.default_rng([seed, 1_000_000]), mix, acquired),
        paths["marketing"],
        compression="zstd",
    )
    return paths


def _chunk(
    rng: np.random.Generator,
    n: int,
    counters: dict[str, int],
    clock: _Clock,
    mix: marketing.Plan,
    acquired: np.ndarray,
) -> dict[str, Columns]:
    H = clock.days
    # -- customers: arrive by day and channel at the rates the marketing plan gives ------
    country = rng.choice(len(COUNTRIES), n, p=COUNTRY_SHARE)
    rates = mix.intensity.ravel()
    cell = rng.choice(rates.size, n, p=rates / rates.sum())
    day, channel = np.divmod(cell, len(CHANNELS))
    # within the day, and before now on a day that is still running
    created = day + rng.random(n) * np.clip(H - day, 1e-6, 1.0)
    unit = np.full(n, -1)
    unit_channel = np.array([u[0] for u in mix.units])
    for c in range(len(CHANNELS)):
        own = np.flatnonzero(unit_channel == c)
        members = np.flatnonzero(channel == c)
        if own.size and members.size:
            weights = mix.unit_weights[own] / mix.unit_weights[own].sum()
            unit[members] = rng.choice(own, members.size, p=weights)
    paid = unit >= 0
    np.add.at(acquired, (day[paid], unit[paid]), 1)
    campaign = np.array([None, *(u[1] for u in mix.units)], dtype=object)[unit + 1]
    subscription = rng.random(n) < 0.3
    ended = created + rng.exponential(420.0, n)
    has_ended = subscription & (ended < H)
    cid_num = np.arange(counters["customer"] + 1, counters["customer"] + n + 1)
    counters["customer"] += n
    cids = np.array([f"C{i:07d}" for i in cid_num])
    langs = np.array([LANGUAGE_OF[c] for c in COUNTRIES])[country]
    # -- orders: buy till you die -----------------------------------------------------------
    delivery = rng.normal(0.0, 1.0, n)
    rate = rng.gamma(0.9, 0.05, n) * CHANNEL_VALUE[channel] * np.exp(DELIVERY_RATE * delivery)
    dropout = rng.beta(1.1, 5.0, n)
    buyer = rng.random(n) < 0.88
    first_order = created + rng.exponential(2.0, n)
    gaps = rng.exponential(1.0, (n, MAX_ORDERS)) / np.maximum(rate, 1e-4)[:, None]
    gaps[:, 0] = 0.0
    # deliveries gone wrong: the wait for order k grows with every incident of orders 0..k-1
    chance = np.clip(INCIDENT_SHARE * np.exp(-0.6 * delivery), 0.0, 0.9)
    incident = rng.random((n, MAX_ORDERS)) < chance[:, None]
    before = np.concatenate([np.zeros((n, 1)), np.cumsum(incident, axis=1)[:, :-1]], axis=1)
    gaps *= AFTER_INCIDENT**before
    times = first_order[:, None] + np.cumsum(gaps, axis=1)
    purchases = rng.geometric(dropout)  # purchases until the customer drops out
    leaves = incident & (rng.random((n, MAX_ORDERS)) < INCIDENT_DROPOUT)
    last = np.where(leaves.any(axis=1), leaves.argmax(axis=1) + 1, MAX_ORDERS)
    purchases = np.minimum(purchases, last)  # some leave after the order that went wrong
    end_day = np.where(has_ended, ended, H)
    valid = (
        (np.arange(MAX_ORDERS)[None, :] < purchases[:, None])
        & (times < end_day[:, None])
        & buyer[:, None]
    )
    per_customer = valid.sum(axis=1)  # the purchase history the experience builds on
    # -- tickets --------------------------------------------------------------------------
    t_count = rng.poisson(0.16 * (1 + per_customer))
    t_cust = np.repeat(np.arange(n), t_count)
    t_open = created[t_cust] + rng.random(len(t_cust)) * (H - created[t_cust])
    m = len(t_cust)
    t_channel = rng.choice(3, m, p=[0.35, 0.45, 0.2])
    t_cat = rng.choice(len(TICKET_CATEGORIES), m, p=[0.3, 0.2, 0.25, 0.1, 0.15])
    first_resp_h = rng.lognormal(np.log(np.array([5.0, 0.15, 0.05])[t_channel]), 0.8)
    resolve_h = first_resp_h + rng.lognormal(np.log(16.0), 1.1, m)
    resolved = t_open + resolve_h / 24.0
    is_resolved = (rng.random(m) > 0.04) & (resolved < H)
    contacts = np.where(rng.random(m) < 0.65, 1, rng.integers(2, 5, m))
    reopened = rng.random(m) < 0.08
    slow = resolve_h > 72
    ticket_ids = _ids("T", counters["ticket"] + 1, m)
    counters["ticket"] += m
    tickets: Columns = {
        "ticket_id": ticket_ids,
        "customer_id": pa.array(cids[t_cust]),
        "opened_at": clock.ts(t_open),
        "first_response_at": clock.ts(
            t_open + first_resp_h / 24.0, (t_open + first_resp_h / 24.0) < H
        ),
        "resolved_at": clock.ts(resolved, is_resolved),
        "channel": pa.array(TICKET_CHANNELS[t_channel]),
        "category": pa.array(TICKET_CATEGORIES[t_cat]),
        "contacts": pa.array(contacts.astype(np.int64)),
        "reopened": pa.array(reopened),
    }
    penalty = np.zeros(n)
    np.add.at(penalty, t_cust, 0.9 * slow + 1.3 * reopened + 0.3 * (contacts - 1))
    # -- the relational NPS answers, and what they change -----------------------------------
    nps_answers = _nps_answers(rng, clock, country, delivery, penalty, per_customer, first_order)
    valid, times, ended = _after_answers(
        rng, nps_answers, times, purchases, dropout, valid, np.where(subscription, ended, np.inf)
    )
    has_ended = subscription & (ended < H)
    valid &= times < np.where(has_ended, ended, H)[:, None]
    customers: Columns = {
        "customer_id": pa.array(cids),
        "created_at": clock.ts(created),
        "country": pa.array(COUNTRIES[country]),
        "language": pa.array(langs),
        "email": pa.array([f"{c.lower()}@example.com" for c in cids]),
        "consent": pa.array(rng.random(n) < 0.8),
        "ended_at": clock.ts(np.where(has_ended, ended, 0.0), has_ended),
        "acquisition_channel": pa.array(CHANNELS[channel]),
        "acquisition_campaign": pa.array(campaign.tolist(), type=pa.string()),
        "plan": pa.array(np.where(subscription, "subscription", "one-off")),
        "age_band": pa.array(
            rng.choice(
                ["18-24", "25-34", "35-44", "45-54", "55+"], n, p=[0.12, 0.28, 0.25, 0.2, 0.15]
            )
        ),
    }
    o_cust, o_seq = np.nonzero(valid)
    o_time = times[o_cust, o_seq]
    n_orders = len(o_cust)
    spend = rng.gamma(3.0, 22.0, n)
    amount = np.round(rng.gamma(5.0, spend[o_cust] / 5.0) + 1.0, 2)
    o_channel = rng.choice(3, n_orders, p=[0.6, 0.28, 0.12])
    order_ids = _ids("O", counters["order"] + 1, n_orders, 9)
    counters["order"] += n_orders
    orders: Columns = {
        "order_id": order_ids,
        "customer_id": pa.array(cids[o_cust]),
        "ts": clock.ts(o_time),
        "amount": pa.array(amount),
        "currency": pa.array(np.full(n_orders, "EUR")),
        "channel": pa.array(ORDER_CHANNELS[o_channel]),
    }
    # -- journeys -------------------------------------------------------------------------
    idle_paths = rng.poisson(0.9, n)
    i_cust = np.repeat(np.arange(n), idle_paths)
    i_time = created[i_cust] + rng.random(len(i_cust)) * (H - created[i_cust])
    events = _journeys(
        rng, clock, counters, cids, o_cust, o_seq, o_time, ORDER_CHANNELS[o_channel], i_cust, i_time
    )
    service = {
        "cust": t_cust,
        "time": t_open,
        "touchpoint": TICKET_TOUCHPOINT[t_channel],
    }
    events = _append_service_events(events, service, clock, counters, cids)
    # -- feedback ---------------------------------------------------------------------------
    responses = _responses(
        rng,
        clock,
        counters,
        cids,
        langs,
        country,
        delivery,
        penalty,
        nps_answers,
        o_cust,
        o_time,
        o_channel,
        t_cust,
        resolved,
        is_resolved,
        slow,
        reopened,
        contacts,
        t_cat,
        incident[o_cust, o_seq],
        t_channel,
    )
    return {
        "customers": customers,
        "orders": orders,
        "events": events,
        "tickets": tickets,
        "responses": responses,
    }


def _after_answers(
    rng: np.random.Generator,
    answers: tuple[np.ndarray, np.ndarray, np.ndarray],
    times: np.ndarray,
    purchases: np.ndarray,
    dropout: np.ndarray,
    valid: np.ndarray,
    ended: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orders and contract ends after each customer's first NPS answer, as its group makes them.

    A Poisson process whose rate changes by ``f`` at time ``s`` has its later purchase
    times at ``s + (t − s) / f``; the purchases left until dropout are drawn afresh
    (geometric, memoryless) with the dropout chance times the group's factor, and a
    contract still running at ``s`` has the rest of its time divided by that factor.
    Returns which purchases happen (before contract ends are applied), their times and
    the contract ends (infinite without a contract).
    """
    n = times.shape[0]
    a_cust, a_time, score = answers
    order = np.lexsort((a_time, a_cust))
    first = np.ones(order.size, dtype=bool)
    first[1:] = a_cust[order][1:] != a_cust[order][:-1]
    cust, when, first_score = a_cust[order][first], a_time[order][first], score[order][first]
    rate_factor, drop_factor = np.ones(n), np.ones(n)
    start = np.full(n, np.inf)
    start[cust] = when
    for group, (lo, hi) in (("promoter", (9, 10)), ("passive", (7, 8)), ("detractor", (0, 6))):
        hit = cust[(first_score >= lo) & (first_score <= hi)]
        rate_factor[hit], drop_factor[hit] = AFTER_ANSWER[group]
    fresh = rng.geometric(np.minimum(dropout * drop_factor, 1.0))
    answered = np.isfinite(start)
    s = np.where(answered, start, 0.0)[:, None]
    later = answered[:, None] & (times > s)
    moved = np.where(later, s + (times - s) / rate_factor[:, None], times)
    index = np.arange(times.shape[1])[None, :]
    before = ((~later) & (index < purchases[:, None])).sum(axis=1)
    alive = answered & (purchases > before)
    left = np.where(alive, before + fresh, purchases)
    kept = np.asarray(valid.any(axis=1))[:, None]  # buyers stay buyers
    running = answered & np.isfinite(ended) & (ended > s[:, 0])
    ended = np.where(running, s[:, 0] + (ended - s[:, 0]) / drop_factor, ended)
    return (index < left[:, None]) & kept, moved, ended


def _journeys(
    rng: np.random.Generator,
    clock: _Clock,
    counters: dict[str, int],
    cids: np.ndarray,
    o_cust: np.ndarray,
    o_seq: np.ndarray,
    o_time: np.ndarray,
    o_channel: np.ndarray,
    i_cust: np.ndarray,
    i_time: np.ndarray,
) -> Columns:
    """Touchpoint events: a path before every order, and paths that lead nowhere."""
    from cxlens.demo.marketing import CAMPAIGNS

    n_conv, n_idle = len(o_cust), len(i_cust)
    cust = np.concatenate([o_cust, i_cust])
    end = np.concatenate([o_time, i_time])
    converts = np.arange(n_conv + n_idle) < n_conv
    first = np.concatenate([o_seq == 0, np.zeros(n_idle, bool)])
    store = np.concatenate([o_channel == "store", np.zeros(n_idle, bool)])
    p = len(cust)
    # slots: 0 first touch, 1 visit, 2 product page, 3 cart, 4 checkout (or store visit)
    chance = np.where(
        converts[:, None],
        np.where(first[:, None], [0.85, 1.0, 0.9, 1.0, 1.0], [0.25, 0.45, 0.3, 0.6, 1.0]),
        [0.75, 0.9, 0.5, 0.25, 0.0],
    )
    present = rng.random((p, 5)) < chance
    present[:, 1:4] &= ~store[:, None]
    present[store, 4] = True
    offsets = np.zeros((p, 5))
    offsets[:, 3] = -rng.uniform(1, 20, p) / 1440
    offsets[:, 2] = offsets[:, 3] - rng.uniform(2, 30, p) / 1440
    offsets[:, 1] = offsets[:, 2] - rng.uniform(1, 10, p) / 1440
    offsets[:, 0] = offsets[:, 1] - rng.uniform(0.1, 10.0, p)
    touch = np.where(converts, rng.choice(7, p, p=CONVERTING_TOUCH), rng.choice(7, p, p=IDLE_TOUCH))
    visit = np.where(rng.random(p) < 0.5, touch, rng.choice([5, 0, 3], p, p=[0.5, 0.3, 0.2]))
    campaign_pick = rng.integers(0, 1 << 30, p)
    rows, slots = np.nonzero(present)
    chan_idx = np.where(slots == 0, touch[rows], visit[rows])
    touchpoint = np.select(
        [slots == 0, slots == 1, slots == 2, slots == 3, store[rows]],
        [FIRST_TOUCHPOINT[touch[rows]], "website_visit", "product_page", "cart", "store_visit"],
        "checkout",
    )
    stage = np.select([slots == 0, slots <= 2], ["awareness", "consideration"], "purchase")
    ts = np.clip(end[rows] + offsets[rows, slots], 0.0, clock.days - 1e-6)
    order_in_path = np.lexsort((ts, rows))
    rows, slots, chan_idx = rows[order_in_path], slots[order_in_path], chan_idx[order_in_path]
    touchpoint, stage, ts = touchpoint[order_in_path], stage[order_in_path], ts[order_in_path]
    channel = CHANNELS[chan_idx]
    campaigns = [
        None
        if CHANNELS[c] == "direct"
        else CAMPAIGNS[CHANNELS[c]][campaign_pick[r] % len(CAMPAIGNS[CHANNELS[c]])]
        for r, c in zip(rows.tolist(), chan_idx.tolist(), strict=True)
    ]
    session = counters["session"] + rows * 2 + (slots > 0)
    counters["session"] += 2 * p
    e = len(rows)
    ids = _ids("E", counters["event"] + 1, e, 10)
    counters["event"] += e
    return {
        "event_id": ids,
        "customer_id": pa.array(cids[cust[rows]]),
        "ts": clock.ts(ts),
        "touchpoint": pa.array(touchpoint),
        "channel": pa.array(channel),
        "stage": pa.array(stage),
        "campaign": pa.array(campaigns, type=pa.string()),
        "session_id": pa.array([f"S{s:010d}" for s in session]),
        "system": pa.array(np.zeros(e, dtype=bool)),  # the customers' own touches
    }


def _append_service_events(
    events: Columns,
    service: dict[str, np.ndarray],
    clock: _Clock,
    counters: dict[str, int],
    cids: np.ndarray,
) -> Columns:
    m = len(service["cust"])
    ids = _ids("E", counters["event"] + 1, m, 10)
    counters["event"] += m
    sessions = np.arange(counters["session"], counters["session"] + m)
    counters["session"] += m
    extra: Columns = {
        "event_id": ids,
        "customer_id": pa.array(cids[service["cust"]]),
        "ts": clock.ts(service["time"]),
        "touchpoint": pa.array(service["touchpoint"]),
        "channel": pa.array(np.full(m, "service")),
        "stage": pa.array(np.full(m, "service")),
        "campaign": pa.array([None] * m, type=pa.string()),
        "session_id": pa.array([f"S{s:010d}" for s in sessions]),
        "system": pa.array(np.zeros(m, dtype=bool)),
    }
    return {k: pa.concat_arrays([events[k], extra[k]]) for k in events}


def _nps_answers(
    rng: np.random.Generator,
    clock: _Clock,
    country: np.ndarray,
    delivery: np.ndarray,
    penalty: np.ndarray,
    per_customer: np.ndarray,
    first_order: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relational NPS answers, up to two per buying customer: (customer, time, score)."""
    H = clock.days
    n = len(country)
    mood = rng.normal(0.0, 1.0, n)
    waves = rng.binomial(2, 0.4, n) * (per_customer > 0)
    n_cust = np.repeat(np.arange(n), waves)
    n_time = first_order[n_cust] + rng.uniform(20, 420, len(n_cust))
    keep = n_time < H
    n_cust, n_time = n_cust[keep], n_time[keep]
    dip_start, dip_end = _dip_quarter(clock.end)
    first, last = (d.toordinal() - clock.start.toordinal() for d in (dip_start, dip_end))
    in_dip = (COUNTRIES[country[n_cust]] == "DE") & (n_time >= first) & (n_time < last)
    # loyal customers recommend more: log orders, centred so the overall level stays put
    loyalty = np.log1p(per_customer[n_cust].astype(float))
    loyalty -= loyalty.mean() if loyalty.size else 0.0
    latent = (
        8.6
        + LOYALTY_NPS * loyalty
        + COUNTRY_NPS_SHIFT[country[n_cust]]
        + 0.6 * delivery[n_cust]
        + 0.7 * mood[n_cust]
        - 0.9 * penalty[n_cust]
        - 1.3 * in_dip
        + rng.normal(0.0, 1.2, len(n_cust))
    )
    return n_cust, n_time, np.clip(np.round(latent), 0, 10)


def _responses(
    rng: np.random.Generator,
    clock: _Clock,
    counters: dict[str, int],
    cids: np.ndarray,
    langs: np.ndarray,
    country: np.ndarray,
    delivery: np.ndarray,
    penalty: np.ndarray,
    nps_answers: tuple[np.ndarray, np.ndarray, np.ndarray],
    o_cust: np.ndarray,
    o_time: np.ndarray,
    o_channel: np.ndarray,
    t_cust: np.ndarray,
    resolved: np.ndarray,
    is_resolved: np.ndarray,
    slow: np.ndarray,
    reopened: np.ndarray,
    contacts: np.ndarray,
    t_cat: np.ndarray,
    o_incident: np.ndarray,
    t_channel: np.ndarray,
) -> Columns:
    H = clock.days
    n_cust, n_time, nps = nps_answers
    # CSAT after some orders: delivery (or the store visit)
    c_pick = rng.random(len(o_cust)) < 0.12
    c_cust, c_time = o_cust[c_pick], o_time[c_pick] + rng.uniform(1.5, 4.0, int(c_pick.sum()))
    c_store = o_channel[c_pick] == 2
    c_incident = o_incident[c_pick] & ~c_store  # a store visit has no delivery to go wrong
    keep = c_time < H
    c_cust, c_time, c_store = c_cust[keep], c_time[keep], c_store[keep]
    c_incident = c_incident[keep]
    csat = np.clip(
        np.round(
            3.9
            + 0.8 * delivery[c_cust]
            + 0.2 * COUNTRY_NPS_SHIFT[country[c_cust]]
            - 2.2 * c_incident
            + rng.normal(0, 0.8, len(c_cust))
        ),
        1,
        5,
    )
    # CES after half the resolved tickets
    s_pick = is_resolved & (rng.random(len(t_cust)) < 0.5)
    s_time = resolved[s_pick] + rng.uniform(0.1, 1.0, int(s_pick.sum()))
    keep = s_time < H
    s_idx = np.nonzero(s_pick)[0][keep]
    s_time = s_time[keep]
    ces = np.clip(
        np.round(
            5.3
            - 1.6 * slow[s_idx]
            - 1.2 * reopened[s_idx]
            - 0.4 * (contacts[s_idx] - 1)
            + rng.normal(0, 1.0, len(s_idx))
        ),
        1,
        7,
    )
    cust = np.concatenate([n_cust, c_cust, t_cust[s_idx]])
    time = np.concatenate([n_time, c_time, s_time])
    score = np.concatenate([nps, csat, ces])
    kind = np.concatenate(
        [np.full(len(n_cust), "nps"), np.full(len(c_cust), "csat"), np.full(len(s_idx), "ces")]
    )
    survey = np.concatenate(
        [
            np.full(len(n_cust), "nps-relational"),
            np.where(c_store, "csat-store", "csat-delivery"),
            np.full(len(s_idx), "ces-support"),
        ]
    )
    touchpoint = np.concatenate(
        [
            np.full(len(n_cust), "relationship"),
            np.where(c_store, "store_visit", "delivery"),
            TICKET_TOUCHPOINT[t_channel[s_idx]],  # the channel the ticket came in by
        ]
    )
    # themes: what the customer would talk about
    theme_idx = rng.integers(0, len(THEMES), len(cust))
    theme = np.array(THEMES)[theme_idx]
    theme[len(n_cust) : len(n_cust) + len(c_cust)] = np.where(
        rng.random(len(c_cust)) < 0.7, "delivery", np.where(c_store, "quality", "price")
    )
    ces_part = slice(len(n_cust) + len(c_cust), None)
    theme[ces_part] = np.where(rng.random(len(s_idx)) < 0.6, "support", TICKET_THEME[t_cat[s_idx]])
    troubled = penalty[n_cust] > 0
    theme[: len(n_cust)] = np.where(
        troubled & (rng.random(len(n_cust)) < 0.6), "support", theme[: len(n_cust)]
    )
    with_comment = rng.random(len(cust)) < 0.5
    idx = np.nonzero(with_comment)[0]
    comments = np.full(len(cust), None, dtype=object)
    comments[idx] = compose(
        rng,
        langs[cust[idx]].tolist(),
        [sentiment_of(k, s) for k, s in zip(kind[idx].tolist(), score[idx].tolist(), strict=True)],
        theme[idx].tolist(),
    )
    r = len(cust)
    ids = _ids("R", counters["response"] + 1, r, 9)
    counters["response"] += r
    return {
        "response_id": ids,
        "customer_id": pa.array(cids[cust]),
        "ts": clock.ts(time),
        "survey_id": pa.array(survey),
        "kind": pa.array(kind),
        "score": pa.array(score.astype(np.float64)),
        "comment": pa.array(comments.tolist(), type=pa.string()),
        "language": pa.array(langs[cust]),
        "touchpoint": pa.array(touchpoint),
        "complete": pa.array(np.ones(r, dtype=bool)),
        "ticket_id": pa.array([None] * r, type=pa.string()),
    }
