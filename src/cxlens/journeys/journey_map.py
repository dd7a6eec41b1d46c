"""The customer journey map, computed from data.

For each stage (awareness, consideration, purchase, service, loyalty, or the
stages the events use, in that order) and each touchpoint in it:

* customers reached and events;
* the share of those customers moving on to the next stage: an event of the next
  stage after their first event at this touchpoint (with a 95% Wilson interval);
* the median time from that first event to the first event of the next stage;
* the experience measured at that touchpoint: CSAT (% 4-5), CES (mean) and NPS
  from responses tagged with the touchpoint, each with its interval and n.

A survey may name its touchpoint differently from the events (the survey after a
delivery says "delivery", the order was placed at "checkout"). ``cxlens.toml``
says which event touchpoint such answers measure::

    [journeys.survey_touchpoints]
    delivery = "checkout"

Touchpoints that only surveys name (and no mapping joins to an event touchpoint)
are listed after the stages, with their scores, so no measured experience is left
off the map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from cxlens.errors import CxlensError
from cxlens.journeys import SURVEY_ONLY
from cxlens.journeys.base import Range, customer_events, seconds_between, stage_order
from cxlens.schema import SCORE_RANGES
from cxlens.stats import bounded_mean_interval, nps_interval, wilson_interval

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData


def journey_map(ws: WorkspaceData, start: object = None, end: object = None) -> pd.DataFrame:
    rng = Range.of(ws, start, end)
    e = rng.filter(customer_events(ws, "The journey map"), "ts")
    e = e.filter(e.stage.notnull()).select("customer_id", "ts", "touchpoint", "stage")
    # the stages, the first events and the next stage's events all read these rows:
    # scan the events file once
    with ws.warehouse.materialized(e) as e:
        frame, stages = _per_touchpoint(e)
    scores = _scores(ws, rng)
    following = dict(zip(stages, [*stages[1:], None], strict=True))
    rows: list[dict[str, Any]] = []
    order = {s: i for i, s in enumerate(stages)}
    for rec in sorted(
        frame.to_dict(orient="records"), key=lambda r: (order[r["stage"]], -r["customers"])
    ):
        moved_ci = wilson_interval(rec["moved_on"], rec["customers"])
        has_next = following[rec["stage"]] is not None
        row = {
            "stage": rec["stage"],
            "touchpoint": rec["touchpoint"],
            "next_stage": following[rec["stage"]],
            "customers": int(rec["customers"]),
            "events": int(rec["events"]),
            "moved_on": moved_ci.value if has_next else np.nan,
            "moved_on_low": moved_ci.low if has_next else np.nan,
            "moved_on_high": moved_ci.high if has_next else np.nan,
            "median_hours_to_next": (
                rec["median_seconds"] / 3600
                if has_next and pd.notna(rec["median_seconds"])
                else np.nan
            ),
        }
        # a touchpoint in two stages shows its scores in both (they measure the same thing)
        row.update(scores.get(rec["touchpoint"], _empty_scores()))
        rows.append(row)
    on_map = {str(t) for t in frame["touchpoint"]}
    for touchpoint, values in sorted(scores.items()):
        if touchpoint in on_map:
            continue
        rows.append(
            {
                "stage": SURVEY_ONLY,
                "touchpoint": touchpoint,
                "next_stage": None,
                "customers": 0,
                "events": 0,
                "moved_on": np.nan,
                "moved_on_low": np.nan,
                "moved_on_high": np.nan,
                "median_hours_to_next": np.nan,
                **values,
            }
        )
    return pd.DataFrame(rows)


def _per_touchpoint(e: ir.Table) -> tuple[pd.DataFrame, list[str]]:
    """Per stage and touchpoint: customers, events, how many moved on and the median
    seconds it took; and the stages in journey order."""
    stages = stage_order(list(e.select("stage").distinct().execute()["stage"].dropna()))
    following = dict(zip(stages, [*stages[1:], None], strict=True))
    next_stage = ibis.cases(
        *((e.stage == s, n) for s, n in following.items() if n is not None),
        else_=ibis.null("string"),
    )
    e = e.mutate(next_stage=next_stage)
    first = e.group_by(["stage", "touchpoint", "customer_id", "next_stage"]).aggregate(
        t_first=e.ts.min(), events=e.count()
    )
    nxt = e.select(_c="customer_id", _stage="stage", _ts="ts")
    j = first.left_join(
        nxt,
        [first.customer_id == nxt._c, first.next_stage == nxt._stage, nxt._ts > first.t_first],
    )
    moved = j.group_by(["stage", "touchpoint", "customer_id", "t_first", "events"]).aggregate(
        t_next=j._ts.min()
    )
    per = moved.group_by(["stage", "touchpoint"]).aggregate(
        customers=moved.count(),
        events=moved.events.sum(),
        moved_on=moved.t_next.notnull().ifelse(1, 0).sum(),
        median_seconds=seconds_between(moved.t_next, moved.t_first).median(),
    )
    return per.execute(), stages


def _empty_scores() -> dict[str, float]:
    out: dict[str, float] = {}
    for k in ("csat", "ces", "nps"):
        out.update({k: np.nan, f"{k}_low": np.nan, f"{k}_high": np.nan, f"{k}_n": 0})
    return out


def survey_touchpoints(ws: WorkspaceData) -> dict[str, str]:
    """``[journeys.survey_touchpoints]``: survey touchpoint -> the event touchpoint it measures."""
    raw = ws.config.section("journeys").get("survey_touchpoints") or {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in raw.items()
    ):
        raise CxlensError(
            f"{ws.config.root / 'cxlens.toml'}, [journeys.survey_touchpoints]: each line names a "
            'survey touchpoint and the event touchpoint it measures, e.g. delivery = "checkout".'
        )
    return dict(raw)


def _scores(ws: WorkspaceData, rng: Range) -> dict[str, dict[str, float]]:
    if not ws.warehouse.exists("responses"):
        return {}
    mapping = survey_touchpoints(ws)
    r = rng.filter(ws.table("responses"), "ts")
    r = r.filter(r.touchpoint.notnull() & r.score.notnull())
    if mapping:
        r = r.mutate(touchpoint=r.touchpoint.substitute(mapping))
    is_csat, is_ces, is_nps = r.kind == "csat", r.kind == "ces", r.kind == "nps"
    agg = (
        r.group_by("touchpoint")
        .aggregate(
            csat_top=(is_csat & (r.score >= 4)).ifelse(1, 0).sum(),
            csat_n=is_csat.ifelse(1, 0).sum(),
            ces_sum=is_ces.ifelse(r.score, 0.0).sum(),
            ces_sq=is_ces.ifelse(r.score * r.score, 0.0).sum(),
            ces_n=is_ces.ifelse(1, 0).sum(),
            promoters=(is_nps & (r.score >= 9)).ifelse(1, 0).sum(),
            detractors=(is_nps & (r.score <= 6)).ifelse(1, 0).sum(),
            nps_n=is_nps.ifelse(1, 0).sum(),
        )
        .execute()
    )
    out = {}
    for rec in agg.to_dict(orient="records"):
        values = _empty_scores()
        if rec["csat_n"]:
            ci = wilson_interval(rec["csat_top"], rec["csat_n"])
            values.update(csat=100 * ci.value, csat_low=100 * ci.low, csat_high=100 * ci.high)
            values["csat_n"] = int(rec["csat_n"])
        if rec["ces_n"]:
            ci = bounded_mean_interval(
                rec["ces_sum"], rec["ces_sq"], rec["ces_n"], *SCORE_RANGES["ces"]
            )
            values.update(ces=ci.value, ces_low=ci.low, ces_high=ci.high, ces_n=int(rec["ces_n"]))
        if rec["nps_n"]:
            ci = nps_interval(rec["promoters"], rec["detractors"], rec["nps_n"])
            values.update(nps=ci.value, nps_low=ci.low, nps_high=ci.high, nps_n=int(rec["nps_n"]))
        out[str(rec["touchpoint"])] = values
    return out
