"""Rows of the analytics tables the dashboard and the report both show, formatted for a language."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cxlens.i18n import format_currency, format_number, format_percent, text


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def segment_rows(summary: pd.DataFrame, names: Any, lang: str, currency: str) -> list[list[str]]:
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
                names.name(r["segment"], lang),
                format_number(r["customers"], lang, 0),
                format_percent(100 * r["share"], lang, 1),
                format_currency(r["revenue"], currency, lang),
                nps,
                csat,
            ]
        )
    return rows


def journey_map_rows(frame: pd.DataFrame, lang: str) -> list[list[str]]:
    """Stage, touchpoint, customers, moved on, median hours to the next stage, CX scores."""
    from cxlens.journeys.journey_map import SURVEY_ONLY

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
        hours = r["median_hours_to_next"]
        rows.append(
            [
                text("surveys_only", lang) if r["stage"] == SURVEY_ONLY else r["stage"],
                r["touchpoint"],
                format_number(r["customers"], lang, 0) if r["customers"] else "–",
                "–" if _missing(r["moved_on"]) else format_percent(100 * r["moved_on"], lang, 1),
                "–" if _missing(hours) else f"{format_number(hours, lang, 1)} h",
                " · ".join(scores) or "–",
            ]
        )
    return rows


def driver_rows(table: pd.DataFrame, lang: str, mark_not_significant: bool) -> list[list[str]]:
    """Driver (named in ``lang``), share of explained, direction, affected, NPS gap."""
    rows = []
    for r in table.to_dict(orient="records"):
        name = text(r["key"], lang, touchpoint=r["touchpoint"])
        if mark_not_significant and not r["significant"]:
            name += " (n.s.)"
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
