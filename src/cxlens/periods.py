"""Calendar and clock: dates and durations as users write them, and periods cut in the
workspace's time zone.

Timestamps are stored in UTC. To place a row in a local day, week, month, quarter
or year, the UTC time is shifted by the zone's offset, which changes at the
daylight-saving transitions; the transitions within the data's range become one
small CASE expression, so the same expression runs on every engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, overload
from zoneinfo import ZoneInfo

from cxlens.errors import CxlensError

if TYPE_CHECKING:
    import ibis.expr.types as ir

UNITS = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
MAX_DURATION_SECONDS = 100 * 366 * 86_400


def parse_date(value: object, name: str) -> date | None:
    """A date from ``2026-06-30`` text, a date or a datetime; None (or "") stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CxlensError(f"{name} must be a date like 2026-06-30, got {value!r}.") from None


def parse_duration(text: str | int | float, option: str = "--window") -> timedelta:
    """``30m``, ``12h``, ``14d``, ``2w`` (or seconds as a number) as a timedelta."""
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        match = _DURATION.match(str(text).lower())
        if not match:
            raise CxlensError(f"{option} is a duration like 30m, 12h, 14d or 2w, got {text!r}.")
        seconds = float(match.group(1)) * _SECONDS[match.group(2)]
    if not seconds > 0:  # also NaN
        raise CxlensError(f"{option} must be longer than zero, got {text!r}.")
    if seconds > MAX_DURATION_SECONDS:
        raise CxlensError(f"{option} is at most 100 years, got {text!r}.")
    return timedelta(seconds=seconds)


def check_period(period: str | None) -> str | None:
    if period is not None and period not in UNITS:
        raise CxlensError(f"Unknown period '{period}'; use one of {', '.join(UNITS)}.")
    return period


def offset_segments(tz: str, lo: datetime, hi: datetime) -> list[tuple[datetime, int]]:
    """[(UTC instant from which an offset holds, offset in seconds)], first entry from ``lo``."""
    zone = ZoneInfo(tz)

    def offset(at: datetime) -> int:
        delta = at.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    at = lo.replace(minute=0, second=0, microsecond=0)
    segments = [(at, offset(at))]
    while at < hi:
        nxt = at + timedelta(days=1)
        if offset(nxt) != segments[-1][1]:
            left, right = at, nxt  # bisect to the hour of the change
            while right - left > timedelta(hours=1):
                mid = left + (right - left) / 2
                mid = mid.replace(minute=0, second=0, microsecond=0)
                if mid <= left:
                    break
                if offset(mid) == segments[-1][1]:
                    left = mid
                else:
                    right = mid
            segments.append((right, offset(right)))
        at = nxt
    return segments


def local_time(ts: ir.TimestampValue, tz: str, lo: datetime, hi: datetime) -> ir.TimestampValue:
    """Wall-clock time in ``tz`` of the UTC timestamps ``ts`` (valid between ``lo`` and ``hi``)."""
    import ibis

    if tz in ("UTC", "Etc/UTC", "GMT"):
        return ts
    segments = offset_segments(tz, lo - timedelta(days=2), hi + timedelta(days=2))
    if len(segments) == 1:
        shift: ir.IntegerValue = ibis.literal(segments[0][1])
    else:
        branches = [
            (ts < ibis.timestamp(start.isoformat()), prev_offset)
            for (start, _), (_, prev_offset) in zip(segments[1:], segments[:-1], strict=True)
        ]
        shift = ibis.cases(*branches, else_=segments[-1][1])
    return ts + shift.as_interval("s")


def period_start(local: ir.Value, period: str) -> ir.Value:
    return local.truncate(UNITS[period])


def label(start: date | datetime, period: str | None) -> str:
    """'2026-Q1', '2026-03', '2026-W09', '2026-03-05', '2026'."""
    if period is None:
        return "all"
    d = start.date() if isinstance(start, datetime) else start
    if period == "day":
        return d.isoformat()
    if period == "week":
        iso = d.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if period == "month":
        return f"{d.year}-{d.month:02d}"
    if period == "quarter":
        return f"{d.year}-Q{(d.month - 1) // 3 + 1}"
    return str(d.year)


def next_start(d: date, period: str) -> date:
    if period == "day":
        return d + timedelta(days=1)
    if period == "week":
        return d + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


def floor_date(d: date, period: str) -> date:
    if period == "day":
        return d
    if period == "week":
        return d - timedelta(days=d.weekday())
    if period == "month":
        return d.replace(day=1)
    if period == "quarter":
        return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return date(d.year, 1, 1)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC time: the stores keep UTC, and a time read back
    without a zone (SQLite drops it) is UTC. None stays None.

    >>> as_utc(datetime(2026, 12, 2, 14, 44)).isoformat()
    '2026-12-02T14:44:00+00:00'
    """
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def local_today(tz: str) -> date:
    """Today's date on the workspace's clock (in ``tz``), not in UTC."""
    return datetime.now(ZoneInfo(tz)).date()


def last_complete_period(period: str, today: date) -> tuple[date, date]:
    """(first day, last day) of the latest ``period`` that has ended by ``today`` (a local date).

    >>> last_complete_period("quarter", date(2026, 12, 2))
    (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    """
    current = floor_date(today, period)
    previous = floor_date(current - timedelta(days=1), period)
    return previous, current - timedelta(days=1)


def local_midnight_utc(d: date, tz: str) -> datetime:
    """The UTC instant at which local day ``d`` begins in ``tz``."""
    return datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(tz)).astimezone(UTC)


@dataclass(frozen=True)
class Window:
    """A local date range [start, end) and its UTC instants."""

    start: date
    end: date
    tz: str

    def utc(self, d: date) -> datetime:
        return local_midnight_utc(d, self.tz)

    @property
    def start_utc(self) -> datetime:
        return self.utc(self.start)

    @property
    def end_utc(self) -> datetime:
        return self.utc(self.end)

    def previous(self) -> Window:
        length = self.end - self.start
        return Window(self.start - length, self.start, self.tz)

    def periods(self, period: str | None) -> list[tuple[str, date, date]]:
        """(label, local start, local end) of every period overlapping the window."""
        if period is None:
            return [("all", self.start, self.end)]
        out = []
        d = floor_date(self.start, period)
        while d < self.end:
            nxt = next_start(d, period)
            out.append((label(d, period), d, nxt))
            d = nxt
        return out

    @property
    def years(self) -> float:
        return (self.end - self.start).days / 365.25
