"""Reading the city's calendar on the node (the timetable and attendance use it for lesson days)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.dictionaries.models import CityCalendarRecord
from protocol.calendar import CityCalendar, parse_calendar


def city_calendar(session: Session, school_year: str) -> CityCalendar | None:
    """The city's calendar of ``school_year`` (e.g. "2026/2027"), or None if the hub sent none yet."""
    record = session.get(CityCalendarRecord, school_year)
    return parse_calendar(json.loads(record.body)) if record else None


def calendar_for(session: Session, day: dt.date) -> CityCalendar | None:
    """The city's calendar of the school year containing ``day``, if received."""
    first = day.year if day.month >= 9 else day.year - 1
    return city_calendar(session, f"{first}/{first + 1}")


def school_years(session: Session) -> list[str]:
    """School years the city has sent a calendar for, newest first."""
    return list(session.scalars(select(CityCalendarRecord.school_year).order_by(CityCalendarRecord.school_year.desc())))
