"""Rows and titles of the analytics tables that the dashboard, the report and the commands show.

Everything here is formatted for one language: numbers as it writes them, ids by
their names (:class:`cxlens.i18n.Labels`), titles from the catalogs.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from cxlens.i18n import (
    N_,
    Labels,
    format_currency,
    format_duration,
    format_hours,
    format_number,
    format_percent,
    gettext,
    ngettext,
    pgettext,
)
from cxlens.journeys import DRIVER_NAMES

if TYPE_CHECKING:
    import pandas as pd

#: titles of the cohort tables, by definition and period (whole sentences, for the grammar)
COHORT_TITLES = {
    ("first", "month"): N_("Retention by cohort of first order: share active again after N months"),
    ("first", "quarter"): N_(
        "Retention by cohort of first order: share active again after N quarters"
    ),
    ("first", "year"): N_("Retention by cohort of first order: share active again after N years"),
    ("recurring", "month"): N_("Recurring retention: share active again after N months"),
    ("recurring", "quarter"): N_("Recurring retention: share active again after N quarters"),
    ("recurring", "year"): N_("Recurring retention: share active again after N years"),
}
LIFECYCLE_TITLES = {
    "month": N_("Customer lifecycle by month"),
    "quarter": N_("Customer lifecycle by quarter"),
    "year": N_("Customer lifecycle by year"),
}
FUNNEL_TITLES = {
    "ordered": N_("Funnel: steps in this order (time allowed: %(window)s)"),
    "strict": N_("Funnel: each step right after the one before (time allowed: %(window)s)"),
    "unordered": N_("Funnel: steps in any order (time allowed: %(window)s)"),
}
DRIVERS_METHOD = N_(
    "Shapley decomposition of the R² of a least-squares regression (LMG), 95%% bootstrap "
    "intervals, partial F tests; n.s. = not significant."
)
#: hours from which a duration is shown in days
DAYS_FROM_HOURS = 48.0


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def cohorts_title(definition: str, period: str, lang: str) -> str:
    return gettext(COHORT_TITLES[(definition, period)], lang)


def lifecycle_title(period: str, lang: str) -> str:
    return gettext(LIFECYCLE_TITLES[period], lang)


def funnel_title(order: str, window: timedelta, lang: str) -> str:
    return gettext(FUNNEL_TITLES[order], lang, window=format_duration(window, lang))


def paths_title(sessions: int, lang: str) -> str:
    return ngettext(
        "Most common paths (%(num)s session)", "Most common paths (%(num)s sessions)",
        sessions, lang,
    )  # fmt: skip


def attribution_title(dimension: str, conversions: int, lookback: timedelta, lang: str) -> str:
    """``dimension`` is the name of the credited column in ``lang``."""
    return ngettext(
        "Attribution (%(dimension)s): %(num)s conversion, lookback %(lookback)s",
        "Attribution (%(dimension)s): %(num)s conversions, lookback %(lookback)s",
        conversions, lang, dimension=dimension, lookback=format_duration(lookback, lang),
    )  # fmt: skip


def drivers_title(respondents: int, r2: float, lang: str) -> str:
    return ngettext(
        "What drives NPS (%(num)s respondent, R² = %(r2)s)",
        "What drives NPS (%(num)s respondents, R² = %(r2)s)",
        respondents, lang, r2=format_number(r2, lang, 3),
    )  # fmt: skip


def segment_rows(
    summary: pd.DataFrame, labels: Labels, lang: str, currency: str
) -> list[list[str]]:
    """Segment, customers, share, revenue, NPS (interval, n), CSAT (n) per RFM segment."""
    rows = []
    for r in summary.to_dict(orient="records"):
        nps = (
            "–"
            if not r["nps_n"]
            else f"{format_number(r['nps'], lang, 0)} ({format_number(r['nps_low'], lang, 0)} … "
            f"{format_number(r['nps_high'], lang, 0)}), n={format_number(r['nps_n'], lang, 0)}"
        )
        csat = (
            "–"
            if not r["csat_n"]
            else f"{format_percent(r['csat'], lang, 0)}, n={format_number(r['csat_n'], lang, 0)}"
        )
        rows.append(
            [
                labels.name("segment", r["segment"], lang),
                format_number(r["customers"], lang, 0),
                format_percent(100 * r["share"], lang, 1),
                format_currency(r["revenue"], currency, lang),
                nps,
                csat,
            ]
        )
    return rows


def journey_map_rows(frame: pd.DataFrame, lang: str, labels: Labels) -> list[list[str]]:
    """Stage, touchpoint, customers, moved on, median time to the next stage, CX scores."""
    rows = []
    for r in frame.to_dict(orient="records"):
        scores = []
        for key, label in (("csat", "CSAT"), ("ces", "CES"), ("nps", "NPS")):
            if not _missing(r[key]):
                shown = (
                    format_percent(r[key], lang, 0)
                    if key == "csat"
                    else format_number(r[key], lang, 1)
                )
                scores.append(f"{label} {shown} (n={format_number(r[key + '_n'], lang, 0)})")
        rows.append(
            [
                labels.name("stage", r["stage"], lang),
                labels.name("touchpoint", r["touchpoint"], lang),
                format_number(r["customers"], lang, 0) if r["customers"] else "–",
                "–" if _missing(r["moved_on"]) else format_percent(100 * r["moved_on"], lang, 1),
                format_hours(r["median_hours_to_next"], lang, DAYS_FROM_HOURS),
                " · ".join(scores) or "–",
            ]
        )
    return rows


def driver_name(row: Any, lang: str, labels: Labels) -> str:
    """A driver of the drivers table (``key``, ``touchpoint``) named in ``lang``."""
    touchpoint = row.get("touchpoint") or ""
    return pgettext(
        "driver", DRIVER_NAMES[row["key"]], lang,
        touchpoint=labels.name("touchpoint", touchpoint, lang) if touchpoint else "",
    )  # fmt: skip


def driver_rows(
    table: pd.DataFrame, lang: str, labels: Labels, mark_not_significant: bool
) -> list[list[str]]:
    """Driver (named in ``lang``), share of explained, direction, affected, NPS gap."""
    rows = []
    for r in table.to_dict(orient="records"):
        name = driver_name(r, lang, labels)
        if mark_not_significant and not r["significant"]:
            name += f" ({not_significant_mark(lang)})"
        rows.append(
            [
                name,
                format_percent(r["importance"], lang, 1),
                r["sign"],
                format_percent(100 * r["affected"], lang, 0),
                "–" if _missing(r["nps_gap"]) else format_number(r["nps_gap"], lang, 0),
            ]
        )
    return rows


def not_significant_mark(lang: str) -> str:
    """The short mark of a driver that is not statistically significant ("n.s.")."""
    return pgettext("abbreviation", "n.s.", lang)
