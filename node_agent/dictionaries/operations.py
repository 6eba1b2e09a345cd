"""Storing a calendar received from the hub, inside the downlink transaction."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from node_agent.dictionaries.models import CityCalendarRecord
from protocol.calendar import parse_calendar


def store_city_calendar(session: Session, body: dict[str, Any], hub_seq: int) -> str:
    """Validate and keep the calendar (replacing an older one of the same year); return the year.

    Raises :class:`protocol.calendar.CalendarInvalid` for a body that breaks the rules: the
    downlink applier records the message as rejected and goes on.
    """
    calendar = parse_calendar(body)
    record = session.get(CityCalendarRecord, calendar.school_year)
    if record is None:
        record = CityCalendarRecord(school_year=calendar.school_year)
        session.add(record)
    if record.hub_seq is None or hub_seq > record.hub_seq:
        record.body = json.dumps(calendar.to_body(), ensure_ascii=False)
        record.hub_seq = hub_seq
    return calendar.school_year
