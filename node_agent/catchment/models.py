"""Catchment area (obwód) rules (school-local) and the resident children due to start school.

``catchment_child`` is synced (protocol entity ``catchment_child``: identity, birth date, school year and
status, no names or addresses), so the city's compulsory-schooling control sees deferrals and schooling
elsewhere; the street rules stay on the node.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from node_agent.db import Base
from protocol.fields import new_id


class CatchmentStreet(Base):
    """One street (or part of it: a house-number range, odd or even numbers only) of the school's obwód."""

    __tablename__ = "catchment_street"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    street: Mapped[str] = mapped_column(String(150), index=True)
    number_from: Mapped[int | None] = mapped_column(Integer)
    number_to: Mapped[int | None] = mapped_column(Integer)
    parity: Mapped[str] = mapped_column(String(4), default="all")  # "all" | "odd" | "even"


class CatchmentChild(Base):
    """A child from the municipality's register extract, due to start school in ``school_year``, and what we know."""

    __tablename__ = "catchment_child"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    school_year: Mapped[str] = mapped_column(String(9), index=True)
    pesel: Mapped[str | None] = mapped_column(String(11), index=True)
    document_type: Mapped[str | None] = mapped_column(String(20))
    document_number: Mapped[str | None] = mapped_column(String(30))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    street: Mapped[str | None] = mapped_column(String(150))
    postal_code: Mapped[str | None] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="unknown")
    decision_number: Mapped[str | None] = mapped_column(String(50))
    other_school: Mapped[str | None] = mapped_column(String(300))
    other_school_address: Mapped[str | None] = mapped_column(String(300))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
