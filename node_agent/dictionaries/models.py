"""The city's calendar per school year, as last received from the hub (not synced back: the hub owns it)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node_agent.db import Base, utcnow


class CityCalendarRecord(Base):
    """One school year of the city's calendar; a newer downlink message replaces it."""

    __tablename__ = "city_calendar"

    school_year: Mapped[str] = mapped_column(String(9), primary_key=True)
    body: Mapped[str] = mapped_column(Text)  # protocol.calendar body, JSON
    hub_seq: Mapped[int] = mapped_column(Integer)  # the downlink message it came in
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
