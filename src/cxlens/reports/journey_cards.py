"""The journey map as a map: stages as columns, touchpoints as cards, formatted for a language.

Each card says how many customers the touchpoint reached, the share of them that
moved on to the next stage (with its 95 % interval), the median time until they
did (in hours, or in days from two days on) and the experience measured there:
CSAT, CES and NPS, each with its interval and n. A card takes its tone from its
scores (:func:`tone`), so that a weak touchpoint stands out at a glance.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from cxlens.i18n import Labels, format_hours, format_number, format_percent
from cxlens.journeys import SURVEY_ONLY
from cxlens.reports.tables import DAYS_FROM_HOURS

if TYPE_CHECKING:
    import pandas as pd

#: the scale each score lives on (CSAT as a share of 4-5 answers, CES 1-7, NPS -100..100)
SCALES = {"csat": (0.0, 100.0), "ces": (1.0, 7.0), "nps": (-100.0, 100.0)}
#: a card's tone runs from 1 (poor) to TONES (good)
TONES = 5


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def tone(kind: str, value: float) -> int:
    """Where ``value`` lies on its scale, in TONES equal steps: 1 is the poorest fifth.

    >>> tone("nps", -100.0), tone("nps", 0.0), tone("nps", 100.0), tone("csat", 79.0)
    (1, 3, 5, 4)
    """
    low, high = SCALES[kind]
    share = (value - low) / (high - low)
    return max(1, min(TONES, 1 + int(share * TONES)))


def _score(kind: str, r: dict[str, Any], lang: str) -> dict[str, Any]:
    def shown(v: float) -> str:
        return format_percent(v, lang, 0) if kind == "csat" else format_number(v, lang, 1)

    interval = (
        ""
        if _missing(r[f"{kind}_low"])
        else f"{shown(r[f'{kind}_low'])} … {shown(r[f'{kind}_high'])}"
    )
    return {
        "kind": kind.upper(),
        "value": shown(r[kind]),
        "interval": interval,
        "n": format_number(r[f"{kind}_n"], lang, 0),
        "tone": tone(kind, float(r[kind])),
    }


def journey_stages(frame: pd.DataFrame, lang: str, labels: Labels) -> list[dict[str, Any]]:
    """The map's columns in journey order, each with its touchpoint cards (largest reach first).

    Touchpoints that only surveys name come last, in a column of their own.
    """
    stages: dict[str, dict[str, Any]] = {}
    for r in frame.to_dict(orient="records"):
        rec = {str(k): v for k, v in r.items()}
        stage = str(rec["stage"])
        column = stages.setdefault(
            stage,
            {"id": stage, "name": labels.name("stage", stage, lang), "cards": [],
             "surveys_only": stage == SURVEY_ONLY},
        )  # fmt: skip
        scores = [_score(k, rec, lang) for k in ("csat", "ces", "nps") if not _missing(rec[k])]
        moved = rec["moved_on"]
        column["cards"].append(
            {
                "id": rec["touchpoint"],
                "name": labels.name("touchpoint", rec["touchpoint"], lang),
                "reach": format_number(rec["customers"], lang, 0) if rec["customers"] else "",
                "moved_on": "" if _missing(moved) else format_percent(100 * moved, lang, 1),
                "moved_on_interval": (
                    ""
                    if _missing(rec["moved_on_low"])
                    else f"{format_percent(100 * rec['moved_on_low'], lang, 1)} … "
                    f"{format_percent(100 * rec['moved_on_high'], lang, 1)}"
                ),
                "to_next": (
                    ""
                    if _missing(rec["median_hours_to_next"])
                    else format_hours(rec["median_hours_to_next"], lang, DAYS_FROM_HOURS)
                ),
                "next_stage": (
                    labels.name("stage", rec["next_stage"], lang) if rec.get("next_stage") else ""
                ),
                "scores": scores,
                # the card's tone: its poorest score, so that no weak spot hides behind a good one
                "tone": min((s["tone"] for s in scores), default=0),
            }
        )
    return list(stages.values())
