"""Pupil register tables.

Synced (the entity of the same name in :mod:`protocol.entities` / :mod:`protocol.entities_secretariat`):
class units, pupils, guardians and their links, enrolments, register entries (księga uczniów) and
guardians' confirmed e-mail addresses. Local to the school, never synced: the register's numbering
settings and counters, and the director's promotion choices before they are applied.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from node_agent.db import Base, utcnow
from node_agent.school.models import SchoolYear
from node_agent.staff.models import StaffMember
from protocol.fields import new_id


class ClassUnit(Base):
    """A class (oddział) in one school year: level 0 for preschool groups, 1-8 for grades."""

    __tablename__ = "class_unit"
    __table_args__ = (UniqueConstraint("school_year_id", "level", "letter", name="year_level_letter"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    school_year_id: Mapped[str] = mapped_column(ForeignKey("school_year.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    letter: Mapped[str] = mapped_column(String(10))
    profile: Mapped[str | None] = mapped_column(String(150))
    tutor_id: Mapped[str | None] = mapped_column(ForeignKey("staff_member.id"), index=True)

    school_year: Mapped[SchoolYear] = relationship()
    tutor: Mapped[StaffMember | None] = relationship()

    @property
    def name(self) -> str:
        """Display name such as "3b" (preschool groups show their letter only)."""
        return f"{self.level}{self.letter}" if self.level else self.letter


class Pupil(Base):
    """A pupil: identified by PESEL or, without one, by a document."""

    __tablename__ = "pupil"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pesel: Mapped[str | None] = mapped_column(String(11), unique=True)
    document_type: Mapped[str | None] = mapped_column(String(30))
    document_number: Mapped[str | None] = mapped_column(String(30))
    first_name: Mapped[str] = mapped_column(String(100))
    second_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), index=True)
    birth_date: Mapped[dt.date] = mapped_column(Date)
    birth_place: Mapped[str | None] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(1))
    street: Mapped[str | None] = mapped_column(String(150))
    postal_code: Mapped[str | None] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(100))
    register_number: Mapped[str | None] = mapped_column(String(20), unique=True)

    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="pupil", order_by="Enrolment.starts_on")
    guardian_links: Mapped[list[PupilGuardian]] = relationship(back_populates="pupil")

    __table_args__ = (UniqueConstraint("document_type", "document_number", name="document"),)

    @property
    def full_name(self) -> str:
        """First (and second) name and last name."""
        names = " ".join(n for n in (self.first_name, self.second_name) if n)
        return f"{names} {self.last_name}"


class Guardian(Base):
    """A parent or legal guardian."""

    __tablename__ = "guardian"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    street: Mapped[str | None] = mapped_column(String(150))
    postal_code: Mapped[str | None] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(100))

    pupil_links: Mapped[list[PupilGuardian]] = relationship(back_populates="guardian")

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"


class PupilGuardian(Base):
    """Links a pupil to a guardian, with custody and whether they may receive information."""

    __tablename__ = "pupil_guardian"
    __table_args__ = (UniqueConstraint("pupil_id", "guardian_id", name="pair"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupil.id", ondelete="CASCADE"), index=True)
    guardian_id: Mapped[str] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    legal_custody: Mapped[bool] = mapped_column(Boolean, default=True)
    may_receive_info: Mapped[bool] = mapped_column(Boolean, default=True)

    pupil: Mapped[Pupil] = relationship(back_populates="guardian_links")
    guardian: Mapped[Guardian] = relationship(back_populates="pupil_links")


class Enrolment(Base):
    """A pupil's membership of a class from a date (to a date), with the reasons."""

    __tablename__ = "enrolment"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupil.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[str] = mapped_column(ForeignKey("class_unit.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    admission_reason: Mapped[str] = mapped_column(String(20))
    leaving_reason: Mapped[str | None] = mapped_column(String(20))

    pupil: Mapped[Pupil] = relationship(back_populates="enrolments")
    class_unit: Mapped[ClassUnit] = relationship()


class RegisterEntry(Base):
    """One line of the pupil register (księga uczniów): a pupil's stay at the school under one number."""

    __tablename__ = "register_entry"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # No cascade: the register is a legal record and outlives any edit of the pupil's data.
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupil.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    admitted_on: Mapped[dt.date] = mapped_column(Date)
    admission_reason: Mapped[str] = mapped_column(String(20))
    admission_decision: Mapped[str | None] = mapped_column(String(50))
    admission_decided_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    leaving_reason: Mapped[str | None] = mapped_column(String(20))
    leaving_decision: Mapped[str | None] = mapped_column(String(50))
    leaving_decided_on: Mapped[dt.date | None] = mapped_column(Date)

    pupil: Mapped[Pupil] = relationship()


class GuardianVerification(Base):
    """The school confirmed this guardian's e-mail address (for the parents' portal)."""

    __tablename__ = "guardian_verification"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    guardian_id: Mapped[str] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    verified_on: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))


class RegisterSettings(Base):
    """How this school numbers its register and which level finishes it (one row, id 1)."""

    __tablename__ = "register_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    numbering: Mapped[str] = mapped_column(String(20), default="sequential")
    final_level: Mapped[int | None] = mapped_column(Integer)  # None: the default of the school's kind


class RegisterCounter(Base):
    """The last register number given in a scope ("all" or an admission year); it only ever grows."""

    __tablename__ = "register_counter"

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class PromotionChoice(Base):
    """A director's choice before the year-end promotion: a pupil repeats, or a class does (not) finish."""

    __tablename__ = "promotion_choice"

    school_year_id: Mapped[str] = mapped_column(ForeignKey("school_year.id"), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a pupil or a class id
    choice: Mapped[str] = mapped_column(String(20))  # repeats | graduates | continues
    marked_by: Mapped[str] = mapped_column(String(64))
    marked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
