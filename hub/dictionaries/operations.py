"""Publishing the city's calendar: validate, keep the version, queue it for every node.

A node enrolled later gets the current version of every dictionary at enrolment
(:func:`current_bodies`), so no school misses one. Never edits or deletes a published version:
publishing again makes a new one, which nodes apply over the old.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.dictionaries.models import CityDictionary
from hub.sync import downlink
from protocol.calendar import CityCalendar, parse_calendar


def publish_calendar(session: Session, body: Mapping[str, Any], *, by: str) -> tuple[CityCalendar, int]:
    """Validate ``body`` (raises :class:`protocol.calendar.CalendarInvalid`), store and broadcast it.

    Returns the calendar and how many nodes it was queued for.
    """
    calendar = parse_calendar(body)
    canonical = calendar.to_body()
    sent = downlink.broadcast(session, "city_calendar", canonical)
    session.add(CityDictionary(kind="city_calendar", key=calendar.school_year, published_by=by[:64],
                               body=json.dumps(canonical, ensure_ascii=False), nodes_sent=sent))
    session.flush()
    return calendar, sent


def current(session: Session, kind: str) -> list[CityDictionary]:
    """The latest published version of each key of ``kind``, oldest key first."""
    latest = (select(CityDictionary.key, func.max(CityDictionary.id).label("id"))
              .where(CityDictionary.kind == kind).group_by(CityDictionary.key).subquery())
    return list(session.scalars(select(CityDictionary).join(latest, CityDictionary.id == latest.c.id)
                                .order_by(CityDictionary.key)))


def current_bodies(session: Session) -> list[tuple[str, dict[str, Any]]]:
    """(kind, body) of every current dictionary, to queue for a node that has just enrolled."""
    return [("city_calendar", json.loads(row.body)) for row in current(session, "city_calendar")]


def calendars(session: Session) -> dict[str, CityCalendar]:
    """The city's current school-year calendars by school year (the warehouse's ``dim_date`` reads them)."""
    return {row.key: parse_calendar(json.loads(row.body)) for row in current(session, "city_calendar")}
