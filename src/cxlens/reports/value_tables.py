"""Rows of the experience-value and acquisition tables, formatted for a language.

The commands (``cxlens value``, ``cxlens acquisition``) and the dashboard's value
page show the same tables; both take their headers and rows from here, so a
figure reads the same everywhere: the point, its 95% interval and its n.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cxlens.i18n import Labels, format_currency, format_number, format_percent
from cxlens.i18n.keyed import text

#: the built-in display names, for callers without a workspace's own [labels]
BUILTIN_LABELS = Labels()

#: outcome -> how it is written (share: percent; count: number; money: currency)
WORTH_OUTCOMES = (
    ("bought_again", "share"),
    ("orders_after", "count"),
    ("revenue_after", "money"),
    ("ended_after", "share"),
    ("p_alive", "share"),
    ("clv", "money"),
)
#: months since acquisition shown in the revenue-curve table
CURVE_MONTHS = (0, 1, 2, 3, 6, 9, 12, 18, 24)


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def figure(value: Any, form: str, lang: str, currency: str) -> str:
    """One number as its form writes it: ``share`` (0…1 as percent), ``count``, ``ratio``,
    ``money`` or ``month``."""
    if missing(value):
        return "–"
    if form == "share":
        return format_percent(100 * value, lang, 1)
    if form == "money":
        return format_currency(value, currency, lang)
    if form == "ratio":
        return format_number(value, lang, 2)
    if form == "month":
        return format_number(value, lang, 0)
    return format_number(value, lang, 2)


def p_value(p: Any, lang: str) -> str:
    """A test's p to four places; below 0.0001 as "< 0.0001"."""
    if missing(p):
        return "–"
    return f"< {format_number(0.0001, lang, 4)}" if p < 0.0001 else format_number(p, lang, 4)


def with_interval(
    point: Any, low: Any, high: Any, form: str, lang: str, currency: str, n: Any = None
) -> str:
    """``point (low … high)``, and ``, n=…`` when ``n`` is given."""
    shown = figure(point, form, lang, currency)
    if not missing(low) and not missing(high) and not missing(point):
        shown += f" ({figure(low, form, lang, currency)} … {figure(high, form, lang, currency)})"
    if n is not None and not missing(n):
        shown += f", n={format_number(n, lang, 0)}"
    return shown


def segment_label(names: Any, key: Any, lang: str) -> str:
    """An RFM segment's name; values that are no segment ("(no orders)") as they are."""
    known: list[str] = names.keys() if names is not None else []
    if isinstance(key, str) and key in known:
        return str(names.name(key, lang))
    return "–" if missing(key) else str(key)


def group_name(group: str, lang: str) -> str:
    """Promoters, passives, detractors; satisfied … dissatisfied; easy … difficult."""
    return text(f"group_{group}", lang)


def worth_table(
    groups: pd.DataFrame, lang: str, currency: str
) -> tuple[list[str], list[list[str]]]:
    """One row per outcome, one column per answer group: point (interval), n."""
    headers = [
        text("outcome", lang),
        *(
            f"{group_name(g, lang)} (n={format_number(c, lang, 0)})"
            for g, c in zip(groups["group"], groups["customers"], strict=True)
        ),
    ]
    rows = []
    for outcome, form in WORTH_OUTCOMES:
        if outcome not in groups:
            continue
        cells = [text(f"outcome_{outcome}", lang)]
        for r in groups.to_dict(orient="records"):
            n = r[f"{outcome}_n"]
            cells.append(
                with_interval(
                    r[outcome], r[f"{outcome}_low"], r[f"{outcome}_high"], form, lang, currency,
                    n if n != r["customers"] else None,
                )
            )  # fmt: skip
        rows.append(cells)
    return headers, rows


def comparison_table(
    comparisons: pd.DataFrame, lang: str, currency: str
) -> tuple[list[str], list[list[str]]]:
    """Groups compared within segment and tenure: difference and ratio with intervals, p, raw
    difference, matched n."""
    headers = [
        text(k, lang)
        for k in (
            "comparison", "outcome", "matched_difference", "ratio", "p_value", "raw_difference",
            "matched_n",
        )
    ]  # fmt: skip
    forms = dict(WORTH_OUTCOMES)
    rows = []
    for r in comparisons.to_dict(orient="records"):
        form = forms[r["outcome"]]
        mark = "" if r["significant"] else " (n.s.)"
        rows.append(
            [
                f"{group_name(r['better'], lang)} – {group_name(r['worse'], lang)}",
                text(f"outcome_{r['outcome']}", lang),
                with_interval(
                    r["difference"], r["difference_low"], r["difference_high"], form, lang,
                    currency,
                ) + mark,
                with_interval(r["ratio"], r["ratio_low"], r["ratio_high"], "ratio", lang, currency),
                p_value(r["p_value"], lang),
                figure(r["raw_difference"], form, lang, currency),
                f"{format_number(r['matched_better'], lang, 0)} / "
                f"{format_number(r['matched_worse'], lang, 0)}"
                f" ({text('strata_count', lang, strata=format_number(r['strata'], lang, 0))})",
            ]
        )  # fmt: skip
    return headers, rows


def risk_summary_table(
    summary: pd.DataFrame, lang: str, currency: str
) -> tuple[list[str], list[list[str]]]:
    """Revenue at risk per reason (worst answer, open case, overdue case) and in all."""
    headers = [text(k, lang) for k in ("at_risk_part", "customers", "clv_at_risk", "share_of_clv")]
    rows = [
        [
            text(f"risk_{r['part']}", lang),
            format_number(r["customers"], lang, 0),
            with_interval(r["clv"], r["clv_low"], r["clv_high"], "money", lang, currency),
            format_percent(100 * r["share"], lang, 1),
        ]
        for r in summary.to_dict(orient="records")
    ]
    return headers, rows


def risk_breakdown_table(
    breakdown: pd.DataFrame,
    dimension: str,
    lang: str,
    currency: str,
    top: int | None = None,
    names: Any = None,
    labels: Labels = BUILTIN_LABELS,
) -> tuple[list[str], list[list[str]]]:
    """Revenue at risk by one dimension's values, largest first (segments by ``names``, other
    values by their display names)."""
    headers = [
        text(dimension, lang),
        *(text(k, lang) for k in ("customers", "risk_worst", "risk_with_case", "clv_at_risk",
                                  "share_of_clv")),
    ]  # fmt: skip
    part = breakdown if top is None else breakdown.head(top)
    rows = [
        [
            segment_label(names, r["value"], lang)
            if dimension == "segment"
            else labels.name(dimension, r["value"], lang),
            format_number(r["customers"], lang, 0),
            format_number(r["worst"], lang, 0),
            format_number(r["with_case"], lang, 0),
            with_interval(r["clv"], r["clv_low"], r["clv_high"], "money", lang, currency),
            format_percent(100 * r["share"], lang, 1),
        ]
        for r in part.to_dict(orient="records")
    ]
    return headers, rows


def risk_customer_table(
    customers: pd.DataFrame, names: Any, lang: str, currency: str, top: int = 10
) -> tuple[list[str], list[list[str]]]:
    """The customers to call first: the worst answers with the highest CLV."""
    headers = [
        text(k, lang)
        for k in ("customer", "reason", "score", "segment", "country", "clv", "p_alive")
    ]
    rows = []
    for r in customers.head(top).to_dict(orient="records"):
        reasons = ", ".join(text(f"risk_{p}", lang) for p in str(r["reason"]).split("+"))
        rows.append(
            [
                str(r["customer_id"]),
                reasons,
                "–" if missing(r["score"]) else format_number(r["score"], lang, 0),
                segment_label(names, r["segment"], lang),
                str(r["country"]) if not missing(r["country"]) else "–",
                figure(r["clv"], "money", lang, currency),
                figure(r["p_alive"], "share", lang, currency),
            ]
        )
    return headers, rows


def acquisition_table(
    summary: pd.DataFrame,
    by: str,
    horizon_months: int,
    lang: str,
    currency: str,
    labels: Labels = BUILTIN_LABELS,
) -> tuple[list[str], list[list[str]]]:
    """Per channel or campaign: customers, spend, CAC, payback, LTV:CAC, CLV-based ROAS (a
    historical LTV:CAC over fewer months than the horizon says how many)."""
    headers = [
        text(by, lang),
        *(
            text(k, lang)
            for k in ("customers", "spend", "cac", "payback_month", "ltv_cac_historical",
                      "ltv_cac_predicted", "clv_roas")
        ),
    ]  # fmt: skip
    rows = []
    for r in summary.to_dict(orient="records"):
        payback = with_interval(
            r["payback_month"], r["payback_month_low"], r["payback_month_high"], "month", lang,
            currency,
        )  # fmt: skip
        if missing(r["payback_month"]) and not missing(r.get("payback_beyond")):
            payback = text(
                "payback_beyond", lang, months=format_number(r["payback_beyond"], lang, 0)
            )
        historical = with_interval(
            r["ltv_cac_historical"], r["ltv_cac_historical_low"], r["ltv_cac_historical_high"],
            "ratio", lang, currency,
        )  # fmt: skip
        if not missing(r["ltv_cac_historical"]) and r["ltv_cac_age"] < horizon_months:
            historical += " " + text(
                "ltv_cac_age", lang, months=format_number(r["ltv_cac_age"], lang, 0)
            )
        rows.append(
            [
                labels.name(by, r["key"], lang),
                format_number(r["customers"], lang, 0),
                figure(r["spend"], "money", lang, currency),
                with_interval(r["cac"], r["cac_low"], r["cac_high"], "money", lang, currency),
                payback,
                historical,
                with_interval(
                    r["ltv_cac_predicted"], r["ltv_cac_predicted_low"],
                    r["ltv_cac_predicted_high"], "ratio", lang, currency,
                ),
                with_interval(
                    r["clv_roas"], r["clv_roas_low"], r["clv_roas_high"], "ratio", lang, currency
                ),
            ]
        )  # fmt: skip
    return headers, rows


def curve_table(
    curves: pd.DataFrame, by: str, lang: str, currency: str, labels: Labels = BUILTIN_LABELS
) -> tuple[list[str], list[list[str]]]:
    """Cumulative revenue per acquired customer at a few months since acquisition, and the CAC."""
    months = [m for m in CURVE_MONTHS if m in set(curves["month"])]
    headers = [text(by, lang), text("cac", lang), *(f"+{m}" for m in months)]
    rows = []
    for key, part in curves.groupby("key", sort=True):
        at = part.set_index("month")
        first = at.iloc[0]
        cells = [labels.name(by, key, lang), figure(first["cac"], "money", lang, currency)]
        for m in months:
            if m not in at.index:
                cells.append("–")
                continue
            r = at.loc[m]
            cells.append(
                with_interval(
                    r["revenue_per_customer"], r["revenue_per_customer_low"],
                    r["revenue_per_customer_high"], "money", lang, currency, r["customers"],
                )
            )  # fmt: skip
        rows.append(cells)
    return headers, rows
