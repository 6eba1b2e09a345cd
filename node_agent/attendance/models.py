"""Lesson log and attendance tables, synced (``lesson``, ``attendance_code``, ``attendance`` of
:mod:`protocol.entities_lessons`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from node_agent.db import Base
from node_agent.register.models import Pupil
from node_agent.timetable.models import TimetableEntry
from protocol.fields import new_id


class Lesson(Base):
    """A lesson of the timetable on one date: who taught it, its topic, whether it took place."""

    __tablename__ = "lesson"
    __table_args__ = (UniqueConstraint("timetable_entry_id", "lesson_date", name="entry_date"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    timetable_entry_id: Mapped[str] = mapped_column(ForeignKey("timetable_entry.id"))
    lesson_date: Mapped[dt.date] = mapped_column(Date, index=True)
    staff_member_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"), index=True)
    topic: Mapped[str | None] = mapped_column(String(500))
    realised: Mapped[bool] = mapped_column(Boolean, default=False)

    entry: Mapped[TimetableEntry] = relationship()


class AttendanceCode(Base):
    """A code the school defined itself, mapped to one of the standard kinds (synced ``attendance_code``)."""

    __tablename__ = "attendance_code"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mark: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Attendance(Base):
    """One pupil's attendance code at one lesson."""

    __tablename__ = "attendance"
    # The index covers tallies per pupil and code (overview pages) without a table lookup per record.
    __table_args__ = (UniqueConstraint("lesson_id", "pupil_id", name="lesson_pupil"),
                      Index("ix_attendance_lesson_pupil_code", "lesson_id", "pupil_id", "code"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lesson.id"), index=True)
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupil.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    excused_by: Mapped[str | None] = mapped_column(ForeignKey("staff_member.id"))
    school_code_id: Mapped[str | None] = mapped_column(ForeignKey("attendance_code.id"))

    pupil: Mapped[Pupil] = relationship()
