"""Business hours: a team's working days and hours in its time zone, less its holidays.

Holidays are dates without working hours: a list of dates, and/or the public holidays
of a country (and of one of its subdivisions) as the `holidays` package knows them
(python-holidays, MIT licence), in ``cxlens.toml``::

    [[cases.teams]]
    name = "support-ee"
    timezone = "Europe/Tallinn"
    hours = "08:00-17:00"
    days = "mon-fri"
    holidays = ["2026-12-31"]        # the team's own days off
    holiday_country = "EE"           # and Estonia's public holidays
    # holiday_subdivision = "BY"     # for countries whose holidays differ by region

The same keys in ``[cases]`` itself give the hours of cases that no team takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cxlens.errors import CxlensError

if TYPE_CHECKING:
    from holidays import HolidayBase

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: a deadline further than this many days of the calendar is refused
MAX_DAYS = 3700


@cache
def public_holidays(country: str, subdivision: str | None = None) -> HolidayBase:
    """The public holidays of ``country`` (ISO 3166-1 code) and ``subdivision``, for any
    year (the `holidays` package computes each year when it is first asked about)."""
    import holidays

    return holidays.country_holidays(country, subdiv=subdivision)


@dataclass(frozen=True)
class BusinessHours:
    """Working hours of a team: ``opens``-``closes`` on ``days`` (0 = Monday) in ``zone``,
    except on ``holidays`` and on the public holidays of ``country`` (``subdivision``)."""

    zone: ZoneInfo
    opens: time = time(9)
    closes: time = time(17)
    days: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = frozenset()
    country: str | None = None
    subdivision: str | None = None

    def works_on(self, day: date) -> bool:
        """Whether ``day`` (a date in the team's zone) has working hours."""
        if day.weekday() not in self.days or day in self.holidays:
            return False
        return self.country is None or day not in public_holidays(self.country, self.subdivision)

    def add(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` of working time after ``start`` (aware, any zone).

        Worked by hand in the tests: Friday 16:00 + 3 h (09-17, Mon-Fri) is Monday 11:00;
        with that Monday a holiday, Tuesday 11:00.
        """
        left = timedelta(hours=hours)
        at = start.astimezone(self.zone)
        day = at.date()
        for _ in range(MAX_DAYS):
            if self.works_on(day):
                opens = datetime.combine(day, self.opens, self.zone)
                closes = datetime.combine(day, self.closes, self.zone)
                begin = max(at, opens)
                if begin < closes:
                    if begin + left <= closes:
                        return (begin + left).astimezone(UTC)
                    left -= closes - begin
            day += timedelta(days=1)
            at = datetime.combine(day, time(0), self.zone)
        raise CxlensError("A case deadline is more than ten years of business hours away.")

    def between(self, start: datetime, end: datetime) -> float:
        """Working hours between ``start`` and ``end`` (0 when ``end`` is not later)."""
        if end <= start:
            return 0.0
        total = timedelta()
        day: date = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            if self.works_on(day):
                opens = datetime.combine(day, self.opens, self.zone)
                closes = datetime.combine(day, self.closes, self.zone)
                lo, hi = max(opens, start), min(closes, end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 3600


def _days(text: str, where: str) -> frozenset[int]:
    chosen: set[int] = set()
    for part in text.split(","):
        ends = [p.strip()[:3] for p in part.split("-")]
        if any(e not in DAYS for e in ends) or len(ends) > 2:
            raise CxlensError(
                f'{where}: days are written like "mon-fri" or "mon,wed", not {text!r}.'
            )
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        chosen.update(
            range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        )
    return frozenset(chosen)


def _holiday_dates(raw: Any, where: str) -> frozenset[date]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise CxlensError(f'{where}: holidays are a list of dates, like ["2026-12-24"].')
    dates = set()
    for i, value in enumerate(raw, start=1):
        if isinstance(value, datetime) or not isinstance(value, date | str):
            raise CxlensError(
                f"{where}: holiday #{i} must be a date like 2026-12-24, got {value!r}."
            )
        try:
            dates.add(value if isinstance(value, date) else date.fromisoformat(value.strip()))
        except ValueError:
            raise CxlensError(
                f"{where}: holiday #{i} must be a date like 2026-12-24, got {value!r}."
            ) from None
    return frozenset(dates)


def _country(raw: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    country = raw.get("holiday_country")
    subdivision = raw.get("holiday_subdivision")
    if country is None:
        if subdivision is not None:
            raise CxlensError(f"{where}: holiday_subdivision needs a holiday_country.")
        return None, None
    code = str(country).strip().upper()
    sub = str(subdivision).strip().upper() if subdivision is not None else None
    import holidays

    if code not in holidays.list_supported_countries():
        raise CxlensError(
            f"{where}: holiday_country {country!r} is not a country whose public holidays are "
            "known; give its two-letter code (EE, DE, FI ...), or list the dates in holidays."
        )
    try:
        public_holidays(code, sub)
    except NotImplementedError:  # the country has no such subdivision
        known = ", ".join(holidays.list_supported_countries()[code]) or "none"
        raise CxlensError(
            f"{where}: holiday_subdivision {subdivision!r} is not one of {code}'s ({known})."
        ) from None
    return code, sub


def business_hours(raw: dict[str, Any], zone_name: str, where: str) -> BusinessHours:
    """The business hours of a ``[[cases.teams]]`` entry (or of ``[cases]``): keys
    ``hours``, ``days``, ``holidays``, ``holiday_country`` and ``holiday_subdivision``,
    in the zone ``zone_name``; every problem names ``where``."""
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CxlensError(f"{where}: unknown time zone {zone_name!r}.") from None
    text = str(raw.get("hours") or "09:00-17:00")
    try:
        a, b = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise CxlensError(f'{where}: hours are written like "09:00-17:00", not {text!r}.') from None
    if a >= b:
        raise CxlensError(f"{where}: hours {text!r} close before they open.")
    country, subdivision = _country(raw, where)
    return BusinessHours(
        zone,
        a,
        b,
        _days(str(raw.get("days") or "mon-fri").lower(), where),
        _holiday_dates(raw.get("holidays"), where),
        country,
        subdivision,
    )


def is_overdue(case: dict[str, Any], at: datetime) -> bool:
    """Whether a case not yet closed is past its deadline at ``at`` (stored times are UTC)."""
    deadline = case["deadline_at"]
    if deadline is None or case["status"] == "closed":
        return False
    return (deadline if deadline.tzinfo else deadline.replace(tzinfo=UTC)) < at
