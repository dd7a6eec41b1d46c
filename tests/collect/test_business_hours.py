"""Holidays in business hours: a team's own dates and a country's public holidays are
skipped by case deadlines; deadlines worked by hand across a weekend and holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

import cxlens
from cxlens.collect.business_hours import BusinessHours, business_hours
from cxlens.collect.followup import assign_open_cases, case_settings
from cxlens.collect.service import Collector
from cxlens.errors import CxlensError
from tests.collect.conftest import make_ws

TALLINN = ZoneInfo("Europe/Tallinn")  # UTC+2 in winter
HELSINKI = ZoneInfo("Europe/Helsinki")


def tallinn(day: int, hour: int, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=TALLINN)


def test_a_listed_holiday_after_a_weekend_is_skipped():
    # Friday 4 December 2026, 16:00 + 3 business hours (09-17, Monday to Friday):
    # 1 h on Friday, Saturday and Sunday off, Monday 7 December a holiday, 2 h on Tuesday
    hours = BusinessHours(TALLINN, holidays=frozenset({date(2026, 12, 7)}))
    assert hours.add(tallinn(4, 16), 3) == tallinn(8, 11)
    assert BusinessHours(TALLINN).add(tallinn(4, 16), 3) == tallinn(7, 11)  # without it: Monday
    # and the hours between count the same way: Friday 1 h + Tuesday 2 h
    assert hours.between(tallinn(4, 16), tallinn(8, 11)) == pytest.approx(3.0)


def test_christmas_in_estonia_from_the_holidays_package_and_a_list():
    # Wednesday 23 December 2026, 15:00 Tallinn + 16 business hours. Estonia's public
    # holidays are 24, 25 and 26 December (Thursday to Saturday), then Sunday:
    # Wednesday 15-17 (2 h), Monday 28th 09-17 (8 h, 10 h in all), Tuesday 29th 09-15 (6 h)
    estonia = BusinessHours(TALLINN, country="EE")
    assert not estonia.works_on(date(2026, 12, 24)) and estonia.works_on(date(2026, 12, 23))
    due = estonia.add(tallinn(23, 15), 16)
    assert due == tallinn(29, 15) == datetime(2026, 12, 29, 13, tzinfo=UTC)
    assert estonia.between(tallinn(23, 15), due) == pytest.approx(16.0)
    # without holidays: Wednesday 2 h, Thursday 8 h, Friday 09-15 (6 h)
    assert BusinessHours(TALLINN).add(tallinn(23, 15), 16) == tallinn(25, 15)
    # the team's own day off (Monday 28th) on top of the country's: Tuesday and Wednesday
    # 30th: 2 h + 8 h on Tuesday + 6 h on Wednesday
    both = BusinessHours(TALLINN, holidays=frozenset({date(2026, 12, 28)}), country="EE")
    assert both.add(tallinn(23, 15), 16) == tallinn(30, 15)


def test_a_public_holiday_mid_week_in_finland():
    # Tuesday 5 January 2027, 16:00 Helsinki + 2 h: 1 h on Tuesday, Wednesday 6 January is
    # Epiphany (loppiainen), 1 h on Thursday: 10:00 Helsinki, 08:00 UTC
    finland = BusinessHours(HELSINKI, country="FI")
    start = datetime(2027, 1, 5, 16, tzinfo=HELSINKI)
    assert finland.add(start, 2) == datetime(2027, 1, 7, 8, tzinfo=UTC)
    assert BusinessHours(HELSINKI).add(start, 2) == datetime(2027, 1, 6, 8, tzinfo=UTC)


def test_holiday_settings_are_read_and_checked_with_their_key():
    read = business_hours(
        {"holidays": ["2026-12-31", date(2027, 1, 2)], "holiday_country": "de",
         "holiday_subdivision": "by"},
        "Europe/Berlin", "here",
    )  # fmt: skip
    assert read.holidays == {date(2026, 12, 31), date(2027, 1, 2)}
    assert (read.country, read.subdivision) == ("DE", "BY")
    assert not read.works_on(date(2027, 1, 6))  # Epiphany is a holiday in Bavaria
    assert business_hours({"holiday_country": "DE"}, "Europe/Berlin", "here").works_on(
        date(2027, 1, 6)
    )  # but not in all of Germany
    for raw, message in [
        ({"holidays": "2026-12-24"}, "a list of dates"),
        ({"holidays": ["24.12.2026"]}, "holiday #1 must be a date"),
        ({"holidays": ["2026-12-24", 5]}, "holiday #2 must be a date"),
        ({"holiday_country": "XX"}, "holiday_country 'XX' is not a country"),
        ({"holiday_country": "DE", "holiday_subdivision": "ZZ"}, "holiday_subdivision 'ZZ'"),
        ({"holiday_subdivision": "BY"}, "needs a holiday_country"),
    ]:
        with pytest.raises(CxlensError, match=message) as err:
            business_hours(raw, "Europe/Berlin", "cxlens.toml, [cases] teams #1")
        assert str(err.value).startswith("cxlens.toml, [cases] teams #1: ")


def test_a_teams_case_deadline_skips_its_holidays(tmp_path):
    root = make_ws(
        tmp_path / "ws",
        extra="""
[cases]
deadline_hours = 16
holidays = ["2026-12-07"]

[[cases.teams]]
name = "baltics"
members = ["ann"]
timezone = "Europe/Tallinn"
holiday_country = "EE"
holidays = ["2026-12-28"]

[[cases.rules]]
country = "EE"
team = "baltics"
""",
    )
    ws = cxlens.open(root)
    c = Collector(ws.config)
    settings = case_settings(c)
    assert settings.teams["baltics"].hours.country == "EE"
    assert settings.default_hours.holidays == {date(2026, 12, 7)}
    inv = c.invite("nps", "C1", "et")  # C1 lives in Estonia (tests/collect/conftest.py)
    c.submit_answer(inv.token, None, {"nps": 2}, None, "et").result()
    [case] = c.cases()
    from cxlens.collect import db

    c.execute(db.cases.update().values(opened_at=tallinn(23, 15).astimezone(UTC)))
    assign_open_cases(ws, c)
    [case] = c.cases()
    assert case["team"] == "baltics"
    assert case["deadline_at"].replace(tzinfo=UTC) == tallinn(30, 15)
