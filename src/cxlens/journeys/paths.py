"""Paths: the most common sequences of touchpoints within sessions, ready for a Sankey diagram.

A session is a customer's run of events with no gap longer than ``session_gap``
(30 minutes by default) between two of them. With ``collapse`` (the default),
repeats of the same touchpoint in a row count once. A path is:

* by default, the first ``steps`` touchpoints of each session;
* with ``start=TP``, the ``steps`` touchpoints from the session's first TP on;
* with ``end=TP``, the ``steps`` touchpoints up to and including the session's
  first TP.

The result has the top sequences with their sessions and share, and nodes and
weighted links for a Sankey diagram: node ``"2:cart"`` is the cart as the second
step; a link to ``"(exit)"`` is a session ending there.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

import ibis
import pandas as pd

from cxlens.errors import CxlensError
from cxlens.journeys.base import Range, customer_events, seconds_between
from cxlens.journeys.results import PathReport
from cxlens.periods import parse_duration

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

EXIT = "(exit)"
ARROW = " → "


def paths(
    ws: WorkspaceData,
    start_at: str | None = None,
    end_at: str | None = None,
    steps: int = 5,
    session_gap: str = "30m",
    collapse: bool = True,
    top: int = 20,
    start: object = None,
    end: object = None,
) -> PathReport:
    if start_at and end_at:
        raise CxlensError("Give --start or --end, not both.")
    if not 2 <= steps <= 20:
        raise CxlensError(f"--steps must be between 2 and 20, got {steps}.")
    gap = parse_duration(session_gap, "--session-gap").total_seconds()
    e = customer_events(ws, "Paths")
    e = (
        Range.of(ws, start, end)
        .filter(e, "ts")
        .select("customer_id", "ts", "event_id", "touchpoint")
    )
    # Ordered passes over each customer's events. The first marks where a session
    # starts (a gap longer than session_gap) and which events repeat the touchpoint
    # before them in the same session; the second numbers sessions and steps and
    # looks one step ahead, so no window has to be partitioned by session (with an
    # anchor, the steps are numbered in a pass of their own before that).
    by_customer = ibis.window(group_by="customer_id", order_by=["ts", "event_id"])
    so_far = ibis.cumulative_window(group_by="customer_id", order_by=["ts", "event_id"])
    e = e.mutate(_prev=e.ts.lag().over(by_customer), _last=e.touchpoint.lag().over(by_customer))
    e = e.mutate(_new=(e._prev.isnull() | (seconds_between(e.ts, e._prev) > gap)).ifelse(1, 0))
    if collapse:
        e = e.filter((e._new == 1) | (e._last != e.touchpoint))

    def ahead(e: ir.Table) -> dict[str, ir.Value]:
        return {
            "session": e._new.sum().over(so_far),
            "_next_tp": e.touchpoint.lead().over(by_customer),
            "_next_new": e._new.lead().over(by_customer),
        }

    if start_at or end_at:
        e = e.mutate(_rn=ibis.row_number().over(by_customer))
        e = e.mutate(
            **ahead(e), _first=(e._new == 1).ifelse(e._rn, ibis.null("int64")).max().over(so_far)
        )
        e = e.mutate(idx=e._rn - e._first + 1)
        anchor = start_at or end_at
        whole = ibis.window(group_by=["customer_id", "session"])
        e = e.mutate(
            _at=(e.touchpoint == anchor).ifelse(e.idx, ibis.null("int64")).min().over(whole)
        )
        e = e.filter(e._at.notnull())
        if start_at:
            e = e.filter(e.idx >= e._at).mutate(pos=e.idx - e._at + 1)
            next_kept = e.pos < steps
        else:
            e = e.filter((e.idx <= e._at) & (e.idx > e._at - steps)).mutate(
                pos=e.idx - (e._at - ibis.least(e._at, steps))
            )
            next_kept = e.idx < e._at
    else:
        # a path is the session's first steps: an event's step follows from how many events
        # back its session started, which the same pass reads (no numbering pass first)
        back = {f"_back{j}": e._new.lag(j).over(by_customer) for j in range(1, steps)}
        e = e.mutate(**ahead(e), **back)
        e = e.mutate(
            pos=ibis.cases(
                (e._new == 1, 1),
                *((e[f"_back{j}"] == 1, j + 1) for j in range(1, steps)),
                else_=ibis.null("int64"),
            )
        )
        next_kept = e.pos < steps
    e = e.filter(e.pos <= steps)
    # the next step counts when it is in the same session and on the path too
    e = e.mutate(_next=((e._next_new == 0) & next_kept).ifelse(e._next_tp, ibis.null("string")))
    # sequences, nodes and links all read these steps: compute the windows once
    steps_table = e.select("customer_id", "session", "pos", "touchpoint", "_next")
    with ws.warehouse.materialized(steps_table) as e:
        per_session = e.group_by(["customer_id", "session"]).aggregate(
            **{
                f"s{k}": (e.pos == k).ifelse(e.touchpoint, ibis.null("string")).max()
                for k in range(1, steps + 1)
            }
        )
        seq = per_session.group_by([f"s{k}" for k in range(1, steps + 1)]).aggregate(
            sessions=per_session.count()
        )
        seq_frame = seq.order_by(ibis.desc("sessions")).execute()
        total = int(seq_frame["sessions"].sum()) if not seq_frame.empty else 0
        if total == 0:
            raise _no_sessions(ws, start_at or end_at)
        cols = [f"s{k}" for k in range(1, steps + 1)]
        seq_frame["sequence"] = [
            ARROW.join(str(v) for v in row if isinstance(v, str))
            for row in seq_frame[cols].itertuples(index=False)
        ]
        seq_frame["steps"] = seq_frame[cols].notna().sum(axis=1)
        seq_frame["share"] = seq_frame["sessions"] / total
        # ties in any order from the engine: the sequence's text breaks them, so the top is stable
        seq_frame = seq_frame.sort_values(["sessions", "sequence"], ascending=[False, True])
        sequences = (
            seq_frame[["sequence", "steps", "sessions", "share"]].head(top).reset_index(drop=True)
        )
        node_counts = e.group_by(["pos", "touchpoint"]).aggregate(sessions=e.count()).execute()
        nodes = pd.DataFrame(
            {
                "id": [
                    f"{p}:{t}"
                    for p, t in zip(node_counts["pos"], node_counts["touchpoint"], strict=True)
                ],
                "step": node_counts["pos"].astype(int),
                "touchpoint": node_counts["touchpoint"],
                "sessions": node_counts["sessions"].astype(int),
            }
        ).sort_values(["step", "sessions", "id"], ascending=[True, False, True])
        link_counts = (
            e.mutate(_target=e._next.fill_null(EXIT))
            .group_by(["pos", "touchpoint", "_target"])
            .aggregate(sessions=ibis._.count())
            .execute()
        )
        links = pd.DataFrame(
            {
                "source": [
                    f"{p}:{t}"
                    for p, t in zip(link_counts["pos"], link_counts["touchpoint"], strict=True)
                ],
                "target": [
                    EXIT if nxt == EXIT else f"{p + 1}:{nxt}"
                    for p, nxt in zip(link_counts["pos"], link_counts["_target"], strict=True)
                ],
                "sessions": link_counts["sessions"].astype(int),
            }
        ).sort_values(["sessions", "source", "target"], ascending=[False, True, True])
        # the last step of a full-length path is cut, not an exit
        last = links["source"].str.startswith(f"{steps}:") & (links["target"] == EXIT)
        links = links[~last].reset_index(drop=True)
        return PathReport(sequences, nodes.reset_index(drop=True), links, total)


def _no_sessions(ws: WorkspaceData, anchor: str | None) -> CxlensError:
    """Why no session is left: no event at all in the period, or none with the anchor,
    whose name may be a touchpoint the events never have (such as ``order``, which is
    an order, not an event, unless the events record one)."""
    if not anchor:
        return CxlensError("No sessions in the chosen period.")
    e = customer_events(ws, "Paths")
    known = sorted(str(t) for t in e.select("touchpoint").distinct().execute()["touchpoint"])
    if anchor in known:
        return CxlensError(f"No sessions with {anchor} in the chosen period.")
    close = difflib.get_close_matches(anchor, known, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    shown = ", ".join(known[:30]) + (", …" if len(known) > 30 else "")
    return CxlensError(
        f"No sessions with {anchor}: no event has the touchpoint '{anchor}'.{hint} "
        f"The events' touchpoints are {shown}."
    )
