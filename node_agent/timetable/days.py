"""Which days have lessons: weekends, Polish public holidays, the city's calendar, the school's days off.

Pure rules (no database): :func:`day_off_reason` takes what the caller read. Public holidays come
from the ``holidays`` package (Easter-dependent feasts and law changes such as Christmas Eve
being a holiday from 2025 are maintained there, not here).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass

import holidays

from protocol.calendar import CityCalendar


@dataclass(frozen=True)
class DayOff:
    """Why ``day`` has no lessons: ``kind`` is weekend, public_holiday, city_calendar or school; ``name`` details it."""

    kind: str
    name: str = ""


@functools.lru_cache(maxsize=16)
def _holidays(year: int) -> Mapping[dt.date, str]:
    return dict(holidays.country_holidays("PL", years=year, language="pl"))


def public_holiday(day: dt.date) -> str | None:
    """The Polish name of the public holiday on ``day``, or None."""
    return _holidays(day.year).get(day)


def day_off_reason(day: dt.date, calendar: CityCalendar | None,
                   school_days_off: Mapping[dt.date, str]) -> DayOff | None:
    """Why there are no lessons on ``day``, or None for a lesson day.

    Without the city's calendar (not received from the hub yet) only weekends, public holidays
    and the school's own days off are known.
    """
    if day.isoweekday() > 5:
        return DayOff("weekend")
    name = public_holiday(day)
    if name:
        return DayOff("public_holiday", name)
    if calendar is not None and not calendar.is_lesson_day(day):
        inside = [b.name for b in calendar.breaks if b.starts_on <= day <= b.ends_on]
        return DayOff("city_calendar", inside[0] if inside else "")
    if day in school_days_off:
        return DayOff("school", school_days_off[day])
    return None
