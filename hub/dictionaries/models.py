"""Published city dictionaries, kept with their history (the latest per key is current)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, utcnow


class CityDictionary(Base):
    """One published version of a dictionary, e.g. kind ``city_calendar``, key ``2026/2027``."""

    __tablename__ = "city_dictionary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    key: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # the downlink message body, JSON
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    published_by: Mapped[str] = mapped_column(String(64))
    nodes_sent: Mapped[int] = mapped_column(Integer, default=0)
