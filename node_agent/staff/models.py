"""Staff member table (synced entity ``staff_member``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from node_agent.db import Base
from protocol.fields import new_id


class StaffMember(Base):
    """A teacher or other employee of the school."""

    __tablename__ = "staff_member"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), index=True)
    position: Mapped[str] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"


class TeachingAssignment(Base):
    """Who teaches which subject to which class (or a group of it), from a date: synced ``teaching_assignment``.

    The input for the gradebook (a teacher's classes) and the organisation sheet (hours per week).
    """

    __tablename__ = "teaching_assignment"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    staff_member_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"), index=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"))
    class_id: Mapped[str] = mapped_column(ForeignKey("class_unit.id"), index=True)
    group_name: Mapped[str | None] = mapped_column(String(50))
    hours_per_week: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
