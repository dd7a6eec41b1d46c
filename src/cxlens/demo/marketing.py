"""Marketing spend and what it buys: a weekly spend plan per channel that drives acquisition.

The demo's marketing mix has a known truth, so that a marketing-mix model has
something to find. Per paid channel ``c`` and week ``w`` (weeks start on Monday):

* spend ``x_c(w)`` follows the channel's budget, a growth trend over the history
  and flighting (bursts, pauses, noise);
* its effect carries over by geometric adstock, normalised so that steady spend
  keeps its level: ``a_c(w) = (1 − θ_c) x_c(w) + θ_c a_c(w − 1)``, with
  ``a_c(−1) = x_c(0)`` (as if the first week's spend had run before);
* new customers arrive at ``β_c · a^s / (a^s + K^s)`` (Hill saturation with
  half-saturation ``K_c``, the channel's typical weekly budget, and shape ``s_c``),
  spread evenly over the days of the week; ``β_c`` is set so that the channel's
  customers cost its :data:`MIX` CAC on average;
* the direct channel brings customers without spend, growing with the trend.

Customers are then drawn from these rates, each with a campaign and ad group of
their channel, and the daily table reports the spend and the new customers of
each campaign and ad group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

#: campaigns per paid channel
CAMPAIGNS: dict[str, tuple[str, ...]] = {
    "search": ("search_brand", "search_generic", "search_competitor"),
    "social": ("social_spring_sale", "social_awareness", "social_retargeting"),
    "display": ("display_prospecting", "display_retargeting"),
    "email": ("email_newsletter", "email_winback", "email_welcome"),
    "affiliate": ("affiliate_partners", "affiliate_cashback"),
    "video": ("video_brand_story", "video_product_demo"),
    "direct": (),
}
AD_GROUPS = ("a", "b", "c")
#: per channel: cost per 1000 impressions, click-through rate
ECONOMICS = {
    "search": (24.0, 0.045),
    "social": (7.5, 0.012),
    "display": (2.8, 0.005),
    "email": (1.2, 0.03),
    "affiliate": (6.0, 0.015),
    "video": (11.0, 0.008),
}
#: the true marketing mix per paid channel: average CAC, weekly adstock carry-over θ,
#: Hill shape s (the half-saturation K is the channel's typical weekly budget)
MIX = {
    "search": (38.0, 0.2, 1.2),
    "social": (46.0, 0.45, 1.0),
    "display": (62.0, 0.5, 1.4),
    "email": (11.0, 0.1, 1.0),
    "affiliate": (29.0, 0.3, 1.1),
    "video": (71.0, 0.6, 1.6),
}
#: spend grows from this share of the typical budget to ``2 − GROWTH_START`` of it
GROWTH_START = 0.55


@dataclass(frozen=True)
class ChannelTruth:
    """The true response of one paid channel (weekly units, euros and customers)."""

    adstock: float
    half_saturation: float
    shape: float
    coefficient: float
    """New customers per week at full saturation."""


@dataclass(frozen=True)
class Plan:
    """What the history's marketing looks like before any customer is drawn."""

    start: date
    days: int
    channels: tuple[str, ...]
    weekly_spend: np.ndarray
    """(weeks, channels) in euros; zero for channels without spend."""
    intensity: np.ndarray
    """(days, channels): expected new customers per day."""
    units: list[tuple[int, str, str]]
    """(channel index, campaign, ad group) of every campaign and ad group."""
    unit_weights: np.ndarray
    """Share of its channel's spend (and customers) each unit gets."""
    truth: dict[str, ChannelTruth]

    def week_of_day(self) -> np.ndarray:
        """Week index of every day (weeks start on Monday)."""
        return (np.arange(self.days) + self.start.weekday()) // 7


def geometric_adstock(spend: np.ndarray, carry_over: float) -> np.ndarray:
    """``a(w) = (1 − θ) x(w) + θ a(w − 1)`` with ``a(−1) = x(0)``."""
    out = np.empty_like(spend, dtype=float)
    level = float(spend[0]) if spend.size else 0.0
    for w, x in enumerate(spend):
        level = (1 - carry_over) * x + carry_over * level
        out[w] = level
    return out


def hill(adstocked: np.ndarray, half_saturation: float, shape: float) -> np.ndarray:
    ratio = np.power(np.maximum(adstocked, 0.0) / half_saturation, shape)
    return np.asarray(ratio / (1.0 + ratio), dtype=float)


def _flighting(rng: np.random.Generator, weeks: int) -> np.ndarray:
    """Weekly spend multipliers: noise, bursts and pauses, with mean one."""
    level = rng.lognormal(0.0, 0.35, weeks)
    level *= np.where(rng.random(weeks) < 0.1, 2.0, 1.0)
    level *= np.where(rng.random(weeks) < 0.06, 0.0, 1.0)
    return level / max(float(level.mean()), 1e-9)


def plan(
    rng: np.random.Generator,
    start: date,
    days: int,
    customers: int,
    channels: np.ndarray,
    shares: np.ndarray,
) -> Plan:
    """Spend per week and channel, and the new customers per day and channel it brings."""
    weeks = math.ceil((days + start.weekday()) / 7)
    growth = np.linspace(GROWTH_START, 2.0 - GROWTH_START, weeks)
    growth /= growth.mean()
    spend = np.zeros((weeks, len(channels)))
    weekly = np.zeros((weeks, len(channels)))
    truth = {}
    for c, channel in enumerate(channels.tolist()):
        per_week = shares[c] * customers / weeks
        if channel not in MIX:
            weekly[:, c] = per_week * growth
            continue
        cac, carry_over, shape = MIX[channel]
        budget = per_week * cac
        spend[:, c] = budget * growth * _flighting(rng, weeks)
        response = hill(geometric_adstock(spend[:, c], carry_over), budget, shape)
        coefficient = per_week * weeks / max(float(response.sum()), 1e-9)
        weekly[:, c] = coefficient * response
        truth[channel] = ChannelTruth(carry_over, budget, shape, coefficient)
    units, weights = [], []
    for c, channel in enumerate(channels.tolist()):
        names = [
            (camp, f"{camp}_{group}")
            for camp in CAMPAIGNS.get(channel, ())
            for group in AD_GROUPS[: 2 + len(camp) % 2]
        ]
        if names:
            w = rng.dirichlet(np.full(len(names), 2.0))
            units += [(c, camp, group) for camp, group in names]
            weights += w.tolist()
    week = (np.arange(days) + start.weekday()) // 7
    return Plan(
        start, days, tuple(channels.tolist()), spend, weekly[week] / 7.0, units,
        np.array(weights), truth,
    )  # fmt: skip


def spend_table(rng: np.random.Generator, plan: Plan, acquired: np.ndarray) -> pa.Table:
    """One row per day, channel, campaign and ad group: the plan's spend and ad statistics,
    and ``acquired`` (days x units), the customers each unit brought."""
    days = plan.days
    cols: dict[str, list[object]] = {
        k: []
        for k in (
            "date",
            "channel",
            "campaign",
            "ad_group",
            "spend",
            "currency",
            "impressions",
            "clicks",
            "views",
            "engagements",
            "downloads",
            "leads",
            "visitors",
            "conversions",
            "conversion_value",
            "new_customers",
        )
    }
    dates = [plan.start + timedelta(days=d) for d in range(days)]
    week = plan.week_of_day()
    for u, (c, camp, group) in enumerate(plan.units):
        channel = plan.channels[c]
        cpm, ctr = ECONOMICS[channel]
        daily = plan.weekly_spend[week, c] / 7.0 * plan.unit_weights[u]
        spend = np.round(daily * rng.lognormal(0.0, 0.1, days), 2)
        new = acquired[:, u]
        live = spend > 0
        impressions = np.where(
            live, np.round(spend / cpm * 1000 * rng.lognormal(0, 0.1, days)), 0
        ).astype(np.int64)
        clicks = rng.binomial(impressions, ctr)
        visitors = rng.binomial(clicks, 0.85)
        leads = rng.binomial(visitors, 0.08)
        views = rng.binomial(
            impressions, 0.3 if channel == "video" else 0.05 if channel == "display" else 0.0
        )
        engagements = rng.binomial(impressions, 0.02 if channel == "social" else 0.0)
        downloads = rng.binomial(clicks, 0.05 if channel in ("social", "display") else 0.0)
        conversions = new + rng.poisson(new * 0.8)
        value = np.round(conversions * rng.lognormal(np.log(62.0), 0.2, days), 2)
        cols["date"] += dates
        cols["channel"] += [channel] * days
        cols["campaign"] += [camp] * days
        cols["ad_group"] += [group] * days
        cols["currency"] += ["EUR"] * days
        for name, arr in (
            ("spend", spend),
            ("impressions", impressions),
            ("clicks", clicks),
            ("views", views),
            ("engagements", engagements),
            ("downloads", downloads),
            ("leads", leads),
            ("visitors", visitors),
            ("conversions", conversions),
            ("conversion_value", value),
            ("new_customers", new),
        ):
            cols[name] += arr.tolist()
    schema = pa.schema(
        [
            ("date", pa.date32()),
            ("channel", pa.string()),
            ("campaign", pa.string()),
            ("ad_group", pa.string()),
            ("spend", pa.float64()),
            ("currency", pa.string()),
        ]
        + [
            (k, pa.int64())
            for k in (
                "impressions",
                "clicks",
                "views",
                "engagements",
                "downloads",
                "leads",
                "visitors",
                "conversions",
            )
        ]
        + [("conversion_value", pa.float64()), ("new_customers", pa.int64())]
    )
    return pa.table(cols, schema=schema)
