"""What journeys are made of: conversions, touchpoint events, durations, stages.

A *conversion* is an order by default. A workspace can make it an event of a
given touchpoint instead, in ``cxlens.toml``::

    [journeys]
    conversion = "checkout"   # a touchpoint name, or "order"
    lookback = "30d"          # how far back a touch can lead to a conversion

Order values are the conversion's value; event conversions count with value 0.

cxlens' own messages to customers (survey invitations, reminders, survey page
views) are *system events*: ``cxlens sync`` writes them into ``events`` with
``system = true`` so the response rate can count them, but they are not something
the customer did. Paths, funnels, the journey map and attribution leave them out,
unless a funnel names one of their touchpoints as a step, or the workspace asks for
them::

    [journeys]
    system_events = true      # show cxlens' invitations and reminders in journeys too
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis

from cxlens.errors import CxlensError
from cxlens.periods import local_midnight_utc, parse_date, parse_duration

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

ORDER = "order"
DEFAULT_LOOKBACK = "30d"
#: touchpoints of cxlens' own messages (also recognised in events synced before ``system``)
SYSTEM_TOUCHPOINTS = ("survey_invitation", "survey_reminder", "survey_display")
#: journey stages in the order customers go through them
STAGES = ("awareness", "consideration", "purchase", "service", "loyalty")


@dataclass(frozen=True)
class JourneySettings:
    conversion: str
    lookback: timedelta

    @classmethod
    def from_workspace(cls, ws: WorkspaceData, lookback: str | None = None) -> JourneySettings:
        section = ws.config.section("journeys")
        conversion = str(section.get("conversion", ORDER))
        return cls(
            conversion,
            parse_duration(lookback or section.get("lookback", DEFAULT_LOOKBACK), "--lookback"),
        )


def require(ws: WorkspaceData, table: str, what: str) -> ir.Table:
    if not ws.warehouse.exists(table):
        raise CxlensError(
            f"{what} needs the {table} table; import it with `cxlens import {table} FILE`."
        )
    return ws.table(table)


@dataclass(frozen=True)
class Range:
    """Local days ``start`` to ``end`` (both included) as UTC instants; None = open."""

    start_utc: datetime | None
    end_utc: datetime | None

    @classmethod
    def of(cls, ws: WorkspaceData, start: object, end: object) -> Range:
        tz = ws.config.timezone
        s = parse_date(start, "--from")
        e = parse_date(end, "--to")
        if s and e and e < s:
            raise CxlensError(f"--to ({e}) is before --from ({s}).")
        return cls(
            local_midnight_utc(s, tz) if s else None,
            local_midnight_utc(e + timedelta(days=1), tz) if e else None,
        )

    def filter(self, t: ir.Table, column: str) -> ir.Table:
        if self.start_utc is not None:
            t = t.filter(t[column] >= self.start_utc)
        if self.end_utc is not None:
            t = t.filter(t[column] < self.end_utc)
        return t


def is_system_event(e: ir.Table) -> ir.BooleanValue:
    """True for events of cxlens' own messages (the ``system`` column, or their touchpoints)."""
    by_touchpoint = e.touchpoint.isin(SYSTEM_TOUCHPOINTS)
    if "system" not in e.columns:
        return by_touchpoint
    return e.system.cast("boolean").fill_null(False) | by_touchpoint


def customer_events(ws: WorkspaceData, what: str, keep: tuple[str, ...] = ()) -> ir.Table:
    """The events table for journey analytics: without system events (see the module's
    description) unless ``[journeys] system_events`` is true; touchpoints in ``keep``
    (a funnel's steps) stay even when they are system events."""
    e = require(ws, "events", what)
    if ws.config.section("journeys").get("system_events", False) is True:
        return e
    keep_these = [t for t in keep if t in SYSTEM_TOUCHPOINTS]
    drop = is_system_event(e)
    if keep_these:
        drop = drop & ~e.touchpoint.isin(keep_these)
    return e.filter(~drop)


def touch_events(ws: WorkspaceData, dimension: str = "channel") -> ir.Table:
    """Events with ``event_id, customer_id, ts, touchpoint`` and ``dim`` (the chosen column)."""
    e = customer_events(ws, "Journey analytics")
    if dimension not in e.columns:
        raise CxlensError(
            f"The events table has no column '{dimension}'; choose one of {', '.join(e.columns)}."
        )
    return e.select("event_id", "customer_id", "ts", "touchpoint", dim=e[dimension].cast("string"))


def conversions(ws: WorkspaceData, settings: JourneySettings) -> ir.Table:
    """``conv_id, customer_id, conv_ts, value`` of every conversion."""
    if settings.conversion == ORDER:
        o = require(ws, "orders", "Conversions (orders)")
        return o.select(
            conv_id=o.order_id,
            customer_id=o.customer_id,
            conv_ts=o.ts,
            value=o.amount.cast("float64"),
        )
    e = require(ws, "events", "Conversions (events)")
    e = e.filter(e.touchpoint == settings.conversion)
    return e.select(
        conv_id=e.event_id,
        customer_id=e.customer_id,
        conv_ts=e.ts,
        value=ibis.literal(0.0, "float64"),
    )


def seconds_between(later: ir.TimestampValue, earlier: ir.TimestampValue) -> ir.FloatingValue:
    return (later.epoch_seconds() - earlier.epoch_seconds()).cast("float64")


def stage_order(stages: list[str]) -> list[str]:
    known = [s for s in STAGES if s in stages]
    return known + sorted(s for s in stages if s not in STAGES)


def today() -> date:
    return datetime.now(UTC).date()


def as_json_safe(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    return value
