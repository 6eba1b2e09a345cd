"""School, school year and subject tables (synced entities of the same names)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from node_agent.db import Base
from protocol.fields import new_id


class School(Base):
    """The one school this node serves (a single row)."""

    __tablename__ = "school"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    rspo: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    street: Mapped[str | None] = mapped_column(String(150))
    postal_code: Mapped[str | None] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100))


class SchoolYear(Base):
    """A school year, e.g. 2026/2027, with its first and last day."""

    __tablename__ = "school_year"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    label: Mapped[str] = mapped_column(String(9), unique=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)


class Subject(Base):
    """A subject taught at the school."""

    __tablename__ = "subject"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(150))
