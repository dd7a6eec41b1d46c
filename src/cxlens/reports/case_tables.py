"""The follow-up's figures as the cases page and ``cxlens cases --summary`` show them.

Every text in the reader's language and every number in the language's own format:
shares as percentages with their 95 % interval and count, differences in percentage
points, times in hours.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cxlens.i18n import (
    DEFAULT_LABELS,
    NP_,
    format_change,
    format_hours,
    format_number,
    format_percent,
    gettext,
    pgettext,
)

if TYPE_CHECKING:
    from cxlens.collect.case_analytics import CaseAnalytics, Recovery
    from cxlens.i18n import Labels
    from cxlens.stats import Interval

#: the recovery measure's outcomes, as the reader reads them
RECOVERY_OUTCOMES = {
    "bought_again": NP_("recovery outcome", "Bought again"),
    "answered_better": NP_("recovery outcome", "Next answer better"),
    "ended": NP_("recovery outcome", "Contract ended"),
}
UNDEFINED = "–"


def share_parts(i: Interval, n: int, lang: str) -> list[str]:
    """A share, its interval and its count as the pieces a line may break between:
    ``["85.7%", "(48.7% …", "97.4%),", "n = 7"]``; a dash when nothing was measured."""
    if math.isnan(i.value):
        return [UNDEFINED]
    parts = [format_percent(i.value, lang, 1)]
    if i.defined:
        parts += [f"({format_percent(i.low, lang, 1)} …", f"{format_percent(i.high, lang, 1)}),"]
    else:
        parts[-1] += ","
    return [*parts, f"n = {format_number(n, lang, 0)}"]


def share(i: Interval, n: int, lang: str) -> str:
    """``85.7% (48.7% … 97.4%), n = 7``; a dash when nothing was measured."""
    return " ".join(share_parts(i, n, lang))


def points_parts(i: Interval, lang: str) -> list[str]:
    """A difference of shares in percentage points and its interval, as the pieces a line
    may break between: ``["+56.1 pp", "(+16.1 pp …", "+96.0 pp)"]``."""
    parts = [format_change(i.value, "percent", lang)]
    if i.defined:
        low, high = format_change(i.low, "percent", lang), format_change(i.high, "percent", lang)
        parts += [f"({low} …", f"{high})"]
    return parts


def points(i: Interval, lang: str) -> str:
    """A difference of shares in percentage points, with its interval: ``+56.1 pp (…)``."""
    return " ".join(points_parts(i, lang))


def hours(i: Interval, lang: str) -> str:
    """A median time in hours, with its interval: ``5.0 h (2.0 h … 9.5 h)``."""
    if math.isnan(i.value):
        return UNDEFINED
    text = format_hours(i.value, lang)
    if i.defined:
        text += f" ({format_hours(i.low, lang)} … {format_hours(i.high, lang)})"
    return text


def recovery_intro(recovery: Recovery, lang: str) -> str:
    """What is compared with what, within which strata and window, and over how many cases."""
    days = format_number(recovery.days, lang, 0)
    if recovery.segments == "rfm_at_answer":
        what = gettext(
            "Cases whose customer was contacted against those whose customer was not, "
            "compared at equal score and RFM segment (the customer's when the case opened), "
            "within %(days)s days of opening.",
            lang,
            days=days,
        )
    elif recovery.by_segment:
        what = gettext(
            "Cases whose customer was contacted against those whose customer was not, "
            "compared at equal score and segment, within %(days)s days of opening.",
            lang,
            days=days,
        )
    else:
        what = gettext(
            "Cases whose customer was contacted against those whose customer was not, "
            "compared at equal score, within %(days)s days of opening.",
            lang,
            days=days,
        )
    many = gettext(
        "Cases opened that long ago: %(cases)s.", lang, cases=format_number(recovery.cases, lang, 0)
    )
    return f"{what} {many}"


def recovery_headers(lang: str) -> list[str]:
    return [
        gettext("Outcome", lang),
        gettext("Contacted", lang),
        gettext("Not contacted", lang),
        gettext("Matched difference", lang),
        gettext("Cases compared (strata)", lang),
    ]


def recovery_cells(recovery: Recovery, lang: str) -> list[list[list[str]]]:
    """One row per outcome, in the order of :func:`recovery_headers`; each cell as the
    pieces a line may break between (a page wraps a narrow column there)."""
    return [
        [
            [pgettext("recovery outcome", RECOVERY_OUTCOMES[o.outcome], lang)],
            share_parts(o.contacted, o.contacted_n, lang),
            share_parts(o.not_contacted, o.not_contacted_n, lang),
            points_parts(o.difference, lang),
            [
                format_number(o.matched_contacted + o.matched_not_contacted, lang, 0),
                f"({format_number(o.strata, lang, 0)})",
            ],
        ]
        for o in recovery.outcomes
    ]


def recovery_rows(recovery: Recovery, lang: str) -> list[list[str]]:
    """:func:`recovery_cells` with each cell on one line."""
    return [[" ".join(cell) for cell in row] for row in recovery_cells(recovery, lang)]


def summary_rows(
    stats: CaseAnalytics, lang: str, labels: Labels = DEFAULT_LABELS
) -> list[list[str]]:
    """The follow-up's times, deadlines kept, recovery and root causes (measure, value).

    A root cause is named by ``labels`` (the workspace's ``[labels.root_cause]``, then the
    built-in names of the default causes); a cause of its own ``cxlens.toml`` lists and
    names nowhere else is shown as written there.
    """

    def count(n: int) -> str:
        return format_number(n, lang, 0)

    def percent(i: Interval, n: int) -> str:
        return share(i, n, lang)

    rows = [
        [
            gettext("Cases (open, overdue)", lang),
            f"{count(stats.cases)} ({count(stats.open)}, {count(stats.overdue)})",
        ],
        [gettext("Time to first contact, median", lang), hours(stats.first_contact_hours, lang)],
        [gettext("Time to close, median", lang), hours(stats.close_hours, lang)],
        [gettext("Closed by the deadline", lang), percent(stats.sla_kept, stats.sla_n)],
        [
            gettext("Closed cases whose customer's next answer was better", lang),
            percent(stats.recovered, stats.recovery_n),
        ],
    ]
    rows += [
        [
            gettext("Root cause: %(cause)s", lang, cause=labels.name("root_cause", cause, lang)),
            count(n),
        ]
        for cause, n in stats.root_causes.items()
    ]
    return rows
