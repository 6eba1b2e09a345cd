"""Timetable tables, all synced (entities of :mod:`protocol.entities_lessons`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from node_agent.db import Base
from node_agent.register.models import ClassUnit
from node_agent.school.models import Subject
from node_agent.staff.models import StaffMember
from protocol.fields import new_id


class BellTime(Base):
    """When lesson ``number`` starts and ends (``HH:MM``)."""

    __tablename__ = "bell_time"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    starts_at: Mapped[str] = mapped_column(String(5))
    ends_at: Mapped[str] = mapped_column(String(5))


class TimetableEntry(Base):
    """A class's lesson on a weekday, valid from a date (to a date); changes start a new entry."""

    __tablename__ = "timetable_entry"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    class_id: Mapped[str] = mapped_column(ForeignKey("class_unit.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 1 Monday … 7 Sunday (ISO)
    lesson_number: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"))
    staff_member_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"), index=True)
    group_name: Mapped[str | None] = mapped_column(String(50))
    room: Mapped[str | None] = mapped_column(String(20))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)

    class_unit: Mapped[ClassUnit] = relationship()
    subject: Mapped[Subject] = relationship()
    teacher: Mapped[StaffMember] = relationship()

    def valid_on(self, day: dt.date) -> bool:
        """The entry is in force on ``day`` (ignoring the weekday)."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class DayOff(Base):
    """A day the school declared free of lessons."""

    __tablename__ = "day_off"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    day: Mapped[dt.date] = mapped_column(Date, unique=True)
    reason: Mapped[str] = mapped_column(String(200))


class Substitution(Base):
    """Another teacher takes the entry's lesson on ``lesson_date``."""

    __tablename__ = "substitution"
    __table_args__ = (UniqueConstraint("timetable_entry_id", "lesson_date", name="entry_date"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    timetable_entry_id: Mapped[str] = mapped_column(ForeignKey("timetable_entry.id"))
    lesson_date: Mapped[dt.date] = mapped_column(Date, index=True)
    staff_member_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"), index=True)

    entry: Mapped[TimetableEntry] = relationship()
    teacher: Mapped[StaffMember] = relationship()
