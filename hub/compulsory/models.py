"""The city's register of resident children, exemptions, control cases and the access log.

Identifiable data (names, PESEL, addresses) lives here in the hub's OLTP store, never in the
analytical warehouse: the duty to check compulsory schooling needs it, and only the ``officer``
role sees it (every view and export is logged in :class:`ChildAccess`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, utcnow

EXEMPTION_KINDS = ("deferral", "abroad", "school_outside_city", "home_education", "other")
CASE_STATUSES = ("open", "notified", "explained", "closed")


class RegisterImport(Base):
    """One snapshot of the population register as the city received it (the latest one is current)."""

    __tablename__ = "register_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)  # the register's own date
    file_name: Mapped[str] = mapped_column(String(200))
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_imported: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ResidentChild(Base):
    """A child living in the city, from one register import."""

    __tablename__ = "resident_child"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("register_import.id"), index=True)
    pupil_key: Mapped[str] = mapped_column(String(64), index=True)  # the warehouse's HMAC of the identifier
    pesel: Mapped[str | None] = mapped_column(String(11))
    document_type: Mapped[str | None] = mapped_column(String(30))
    document_number: Mapped[str | None] = mapped_column(String(30))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    street: Mapped[str | None] = mapped_column(String(150))
    postal_code: Mapped[str | None] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(100))


class Exemption(Base):
    """Why a child need not be enrolled in a city school this school year (reported to the city)."""

    __tablename__ = "schooling_exemption"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pupil_key: Mapped[str] = mapped_column(String(64), index=True)
    school_year: Mapped[str] = mapped_column(String(9))
    kind: Mapped[str] = mapped_column(String(30))
    details: Mapped[str] = mapped_column(String(500))  # e.g. the school abroad, the decision number
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ControlCase(Base):
    """The office's follow-up of one child in one school year: open → notified → explained → closed."""

    __tablename__ = "control_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pupil_key: Mapped[str] = mapped_column(String(64), index=True)
    school_year: Mapped[str] = mapped_column(String(9))
    reason: Mapped[str] = mapped_column(String(30))  # the finding that opened it, e.g. "not_enrolled"
    status: Mapped[str] = mapped_column(String(20), default="open")
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CaseEvent(Base):
    """One step of a case, with who did it and a note (the case's history; never edited)."""

    __tablename__ = "control_case_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("control_case.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ChildAccess(Base):
    """Who looked at or exported identifiable data of which child, when and why (no data itself)."""

    __tablename__ = "child_access"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    pupil_key: Mapped[str | None] = mapped_column(String(64))  # None: a list or export of many children
    action: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(60))
