"""Daily marketing spend and ad statistics per channel, campaign and ad group."""

from __future__ import annotations

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
#: per channel: cost per acquired customer, cost per 1000 impressions, click-through rate
ECONOMICS = {
    "search": (38.0, 24.0, 0.045),
    "social": (46.0, 7.5, 0.012),
    "display": (62.0, 2.8, 0.005),
    "email": (11.0, 1.2, 0.03),
    "affiliate": (29.0, 6.0, 0.015),
    "video": (71.0, 11.0, 0.008),
}


def spend_table(
    rng: np.random.Generator, acquired: np.ndarray, start: date, channels: np.ndarray
) -> pa.Table:
    """One row per day, channel, campaign and ad group, sized by the customers each channel brought."""
    days = acquired.shape[0]
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
    dates = [start + timedelta(days=d) for d in range(days)]
    for c, channel in enumerate(channels.tolist()):
        if channel not in ECONOMICS:
            continue
        cac, cpm, ctr = ECONOMICS[channel]
        units = [
            (camp, group) for camp in CAMPAIGNS[channel] for group in AD_GROUPS[: 2 + len(camp) % 2]
        ]
        weights = rng.dirichlet(np.full(len(units), 2.0))
        new = acquired[:, c]
        split = np.array([rng.multinomial(int(x), weights) for x in new])  # days x units
        base = rng.lognormal(np.log(cac * 0.4), 0.3, (days, len(units))) * weights
        spend = np.round(split * cac * rng.lognormal(0.0, 0.15, split.shape) + base, 2)
        paused = rng.random(split.shape) < 0.01
        spend[paused] = 0.0
        impressions = np.where(
            paused, 0, np.round(spend / cpm * 1000 * rng.lognormal(0, 0.1, split.shape))
        ).astype(np.int64)
        clicks = rng.binomial(impressions, ctr)
        visitors = rng.binomial(clicks, 0.85)
        leads = rng.binomial(visitors, 0.08)
        views = rng.binomial(
            impressions, 0.3 if channel == "video" else 0.05 if channel == "display" else 0.0
        )
        engagements = rng.binomial(impressions, 0.02 if channel == "social" else 0.0)
        downloads = rng.binomial(clicks, 0.05 if channel in ("social", "display") else 0.0)
        conversions = np.where(paused, 0, split + rng.poisson(split * 0.8))
        value = np.round(conversions * rng.lognormal(np.log(62.0), 0.2, split.shape), 2)
        for u, (camp, group) in enumerate(units):
            cols["date"] += dates
            cols["channel"] += [channel] * days
            cols["campaign"] += [camp] * days
            cols["ad_group"] += [f"{camp}_{group}"] * days
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
                ("new_customers", split),
            ):
                cols[name] += arr[:, u].tolist()
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
