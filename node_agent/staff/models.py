"""Staff tables: staff members, teaching assignments, qualifications, employment, subjects (all synced)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
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
    promotion_grade: Mapped[str | None] = mapped_column(String(20))

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


class StaffQualification(Base):
    """One qualification of a staff member (synced ``staff_qualification``)."""

    __tablename__ = "staff_qualification"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    staff_member_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    field_of_study: Mapped[str] = mapped_column(String(200))
    institution: Mapped[str | None] = mapped_column(String(300))
    obtained_on: Mapped[dt.date | None] = mapped_column(Date)
    document_number: Mapped[str | None] = mapped_column(String(50))


class StaffEmployment(Base):
    """One employment relation with its basis, dates, FTE fraction and pensum (synced ``staff_employment``)."""

    __tablename__ = "staff_employment"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    staff_member_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"), index=True)
    basis: Mapped[str] = mapped_column(String(30))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    fte_numerator: Mapped[int] = mapped_column(Integer)
    fte_denominator: Mapped[int] = mapped_column(Integer)
    teaching_hours_norm: Mapped[int | None] = mapped_column(Integer)


class StaffSubject(Base):
    """A subject a teacher may teach (synced ``staff_subject``); one row per teacher and subject."""

    __tablename__ = "staff_subject"
    __table_args__ = (UniqueConstraint("staff_member_id", "subject_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    staff_member_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"), index=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"))
