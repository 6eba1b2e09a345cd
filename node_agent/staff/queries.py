"""Reads for the staff pages: the filtered list with each person's FTE on a day, the school's FTE sums, a card.

Read-only: nothing here writes. The sums themselves are :func:`node_agent.staff.fte.fte_totals`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from node_agent.school.models import Subject
from node_agent.staff.fte import EmploymentShare, FteTotals, fte_totals
from node_agent.staff.models import StaffEmployment, StaffMember, StaffQualification, StaffSubject


@dataclass(frozen=True)
class StaffRow:
    """One person of the list and their FTE in force on the day (0 when not employed that day)."""

    member: StaffMember
    fte: Fraction


def _shares(session: Session) -> list[tuple[str, EmploymentShare]]:
    rows = session.execute(select(StaffEmployment, StaffMember.position).join(
        StaffMember, StaffMember.id == StaffEmployment.staff_member_id)).all()
    return [(e.staff_member_id, EmploymentShare(position, e.starts_on, e.ends_on, e.fte_numerator,
                                                e.fte_denominator)) for e, position in rows]


def school_fte(session: Session, day: dt.date) -> FteTotals:
    """The school's FTE sums on ``day`` (active and inactive people alike: the employment dates decide)."""
    return fte_totals((share for _, share in _shares(session)), day)


def staff_rows(session: Session, day: dt.date, *, q: str = "", position: str = "", promotion_grade: str = "",
               status: str = "active") -> list[StaffRow]:
    """Staff members matching the filters, active first, by last name, with their FTE on ``day``."""
    stmt = select(StaffMember).order_by(StaffMember.active.desc(), StaffMember.last_name, StaffMember.first_name)
    if q:
        pattern = f"%{q}%"
        stmt = stmt.where(or_(StaffMember.last_name.ilike(pattern), StaffMember.first_name.ilike(pattern)))
    if position:
        stmt = stmt.where(StaffMember.position == position)
    if promotion_grade:
        stmt = stmt.where(StaffMember.promotion_grade == promotion_grade)
    if status in ("active", "left"):
        stmt = stmt.where(StaffMember.active.is_(status == "active"))
    fte: dict[str, Fraction] = defaultdict(Fraction)
    for member_id, share in _shares(session):
        if share.in_force(day):
            fte[member_id] += share.fte
    return [StaffRow(m, fte[m.id]) for m in session.scalars(stmt)]


@dataclass(frozen=True)
class StaffCard:
    """Everything the card of one staff member shows."""

    member: StaffMember
    qualifications: list[StaffQualification]
    employments: list[StaffEmployment]
    subjects: list[Subject]


def staff_card(session: Session, member: StaffMember) -> StaffCard:
    """The card of ``member``: qualifications (newest first), employments (newest first), subjects by name."""
    qualifications = list(session.scalars(select(StaffQualification).where(
        StaffQualification.staff_member_id == member.id).order_by(
        StaffQualification.obtained_on.desc().nulls_last(), StaffQualification.field_of_study)))
    employments = list(session.scalars(select(StaffEmployment).where(
        StaffEmployment.staff_member_id == member.id).order_by(StaffEmployment.starts_on.desc())))
    subjects = list(session.scalars(select(Subject).join(StaffSubject, StaffSubject.subject_id == Subject.id).where(
        StaffSubject.staff_member_id == member.id).order_by(Subject.name)))
    return StaffCard(member, qualifications, employments, subjects)


def all_subjects(session: Session) -> list[Subject]:
    """The school's subjects by name (choices of the subjects form)."""
    return list(session.scalars(select(Subject).order_by(Subject.name)))
