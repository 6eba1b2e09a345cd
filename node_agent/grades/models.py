"""Gradebook tables.

Synced (the entity of the same name in :mod:`protocol.entities_gradebook`): grade categories,
current grades, term/year grades, behaviour grades and descriptive assessments. Local to the
school, never synced: the grading settings (modifier values, marks, deadlines) and the history of
every change to a grade, which is the school's own journal record (the hub keeps the current
version of each grade only).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node_agent.db import Base
from node_agent.history import ChangeHistory
from protocol.fields import new_id


class GradeCategory(Base):
    """A category of current grades (sprawdzian, kartkówka…) with its weight."""

    __tablename__ = "grade_category"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    weight: Mapped[int] = mapped_column(Integer)
    counts: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Grade(Base):
    """A current grade (or a non-numeric mark) of a pupil in a teaching assignment."""

    __tablename__ = "grade"
    # Covering for averages summed by the database (node_agent.overview): no table lookup per grade.
    __table_args__ = (Index("ix_grade_assignment_pupil_marks", "assignment_id", "pupil_id", "category_id", "symbol"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupil.id"), index=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("teaching_assignment.id"))
    category_id: Mapped[str] = mapped_column(ForeignKey("grade_category.id"))
    symbol: Mapped[str] = mapped_column(String(3))
    given_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(String(200))
    series_id: Mapped[str | None] = mapped_column(String(36))
    teacher_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"))


class TermGrade(Base):
    """A proposed or final term (śródroczna) or year (roczna) grade in a teaching assignment."""

    __tablename__ = "term_grade"
    __table_args__ = (UniqueConstraint("pupil_id", "assignment_id", "period", "stage", name="pupil_period_stage"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupil.id"), index=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("teaching_assignment.id"), index=True)
    period: Mapped[str] = mapped_column(String(4))
    stage: Mapped[str] = mapped_column(String(8))
    value: Mapped[int] = mapped_column(Integer)
    given_on: Mapped[dt.date] = mapped_column(Date)
    teacher_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"))


class BehaviourGrade(Base):
    """The class tutor's proposed or final behaviour grade (ocena zachowania) of a pupil."""

    __tablename__ = "behaviour_grade"
    __table_args__ = (UniqueConstraint("pupil_id", "class_id", "period", "stage", name="pupil_period_stage"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupil.id"), index=True)
    class_id: Mapped[str] = mapped_column(ForeignKey("class_unit.id"), index=True)
    period: Mapped[str] = mapped_column(String(4))
    stage: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(20))
    given_on: Mapped[dt.date] = mapped_column(Date)
    teacher_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"))


class DescriptiveAssessment(Base):
    """The term or year descriptive assessment of a pupil of grades 1–3 (by the class tutor)."""

    __tablename__ = "descriptive_assessment"
    __table_args__ = (UniqueConstraint("pupil_id", "class_id", "period", name="pupil_period"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupil.id"), index=True)
    class_id: Mapped[str] = mapped_column(ForeignKey("class_unit.id"), index=True)
    period: Mapped[str] = mapped_column(String(4))
    text: Mapped[str] = mapped_column(Text)
    given_on: Mapped[dt.date] = mapped_column(Date)
    teacher_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"))


class GradingSettings(Base):
    """The school's grading settings (one row, id 1): modifier values in hundredths, marks, deadlines."""

    __tablename__ = "grading_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plus_hundredths: Mapped[int] = mapped_column(Integer, default=50)
    minus_hundredths: Mapped[int] = mapped_column(Integer, default=25)
    marks: Mapped[str] = mapped_column(Text)  # "symbol = description" lines (protocol.grading)
    term_proposed_by: Mapped[dt.date | None] = mapped_column(Date)
    term_final_by: Mapped[dt.date | None] = mapped_column(Date)
    year_proposed_by: Mapped[dt.date | None] = mapped_column(Date)
    year_final_by: Mapped[dt.date | None] = mapped_column(Date)


class GradeHistory(ChangeHistory, Base):
    """One change to a grade of any kind: what it was, what it became, who changed it and when."""

    __tablename__ = "grade_history"
    __table_args__ = (Index("ix_grade_history_record", "entity", "record_id"),)
