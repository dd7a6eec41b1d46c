"""Which period the numbers a manager reads first are about.

The dashboard's overview tiles and ``cxlens report`` show one period by default:
the latest complete calendar month, quarter or year in the workspace's time zone
that the data covers and that has enough answers to say something. A period still
running is never the headline (it is shown as "to date" where periods are listed),
and neither is a stub: a period the data covers only in part.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from cxlens import periods as P
from cxlens.metrics.engine import covered_days, kpi
from cxlens.metrics.estimates import SMALL_SAMPLE

if TYPE_CHECKING:
    from cxlens.data import WorkspaceData

#: how many periods back the search goes
LOOK_BACK = 12


def headline_period(
    ws: WorkspaceData,
    period: str,
    today: date | None = None,
    metrics: tuple[str, ...] = ("nps",),
    min_n: int = SMALL_SAMPLE,
) -> tuple[date, date]:
    """(first day, last day) of the period the overview and the report show by default.

    Going back from the latest period that has ended by ``today`` (default: today
    on the workspace's clock), the first one that the data of every one of
    ``metrics`` covers (see :func:`~cxlens.metrics.engine.covered_days`) and where
    the first of them has at least ``min_n`` in n; failing that, the latest covered
    one with any data; failing that, the latest complete period.
    """
    P.check_period(period)
    today = today or P.local_today(ws.config.timezone)
    latest = P.last_complete_period(period, today)
    candidates = [latest]
    for _ in range(LOOK_BACK - 1):
        candidates.append(P.last_complete_period(period, candidates[-1][0]))
    first_day, last_day = covered_days(ws, metrics)
    covered = [(s, e) for s, e in candidates if first_day <= s and e <= last_day]
    if not covered:
        return latest
    frame = kpi(ws, metrics[0], period=period, start=covered[-1][0], end=covered[0][1])
    n_of = {str(label): int(n) for label, n in zip(frame["period"], frame["n"], strict=True)}
    with_data = None
    for start, end in covered:
        n = n_of.get(P.label(start, period), 0)
        if n >= min_n:
            return start, end
        if n > 0 and with_data is None:
            with_data = (start, end)
    return with_data or covered[0]


def running_period(period: str, today: date) -> tuple[date, date]:
    """(first day, today) of the period that is still running on ``today``."""
    return P.floor_date(today, period), today
