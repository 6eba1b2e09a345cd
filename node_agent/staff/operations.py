"""Every write to staff members: add, edit, deactivate and reactivate (never delete: lessons,
grades and classes keep pointing at them), and their qualifications, employment and subjects.
Validated with the protocol's rules (plus the rules that need the person: mianowanie needs the
grade); the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.records import ValidationFailed, apply_record, to_wire
from node_agent.school.models import Subject
from node_agent.school.operations import Checks, save_record
from node_agent.staff.models import StaffEmployment, StaffMember, StaffQualification, StaffSubject
from protocol.entities import STAFF_MEMBER
from protocol.entities_staff import STAFF_EMPLOYMENT, STAFF_QUALIFICATION, STAFF_SUBJECT
from protocol.fields import FieldError
from protocol.i18n import N_

APPOINTMENT_GRADES = ("appointed", "chartered")  # mianowanie is for these grades only (Karta Nauczyciela art. 10)


def save_staff_member(
    session: Session, data: Mapping[str, Any], member: StaffMember | None = None
) -> StaffMember:
    """Create (active) or update a staff member from form-like ``data``."""
    values = dict(data)
    values.setdefault("active", member.active if member is not None else True)
    return save_record(session, STAFF_MEMBER, StaffMember, values, member)


def set_active(session: Session, member: StaffMember, active: bool) -> StaffMember:
    """Deactivate (left the school) or reactivate a staff member."""
    record = to_wire(STAFF_MEMBER, member)
    record["active"] = active
    return apply_record(session, StaffMember, record, member)  # type: ignore[return-value]


def _member_check(member: StaffMember) -> Checks:
    """Record rules that need the staff member: the record belongs to them; mianowanie needs the grade."""

    def checks(session: Session, record: Mapping[str, Any]) -> list[FieldError]:
        if record.get("basis") == "appointment" and member.promotion_grade not in APPOINTMENT_GRADES:
            return [FieldError("basis", "appointment_grade", N_(
                "employment by appointment (mianowanie) is only for appointed or chartered teachers; "
                "record the promotion grade first"), {"label": N_("basis of employment")})]
        return []

    return checks


def save_qualification(session: Session, member: StaffMember, data: Mapping[str, Any],
                       qualification: StaffQualification | None = None) -> StaffQualification:
    """Add or change one qualification of ``member``."""
    values = {**data, "staff_member_id": member.id}
    return save_record(session, STAFF_QUALIFICATION, StaffQualification, values, qualification)


def save_employment(session: Session, member: StaffMember, data: Mapping[str, Any],
                    employment: StaffEmployment | None = None) -> StaffEmployment:
    """Add or change one employment of ``member`` (basis, dates, FTE fraction, pensum)."""
    values = {**data, "staff_member_id": member.id}
    return save_record(session, STAFF_EMPLOYMENT, StaffEmployment, values, employment, _member_check(member))


def delete_record(session: Session, obj: StaffQualification | StaffEmployment | StaffSubject) -> None:
    """Remove a qualification, employment or subject entered by mistake (the capture trigger syncs the delete)."""
    session.delete(obj)
    session.flush()


def set_subjects(session: Session, member: StaffMember, subject_ids: Iterable[str]) -> tuple[int, int]:
    """Make ``subject_ids`` exactly the subjects ``member`` may teach; return (added, removed)."""
    wanted = set(subject_ids)
    known = set(session.scalars(select(Subject.id).where(Subject.id.in_(wanted))))
    unknown = wanted - known
    if unknown:
        raise ValidationFailed([FieldError("subject_ids", "choice", N_("choose one of the listed options"),
                                           {"label": N_("subject")})])
    current = {s.subject_id: s for s in session.scalars(
        select(StaffSubject).where(StaffSubject.staff_member_id == member.id))}
    for subject_id in sorted(set(current) - wanted):
        session.delete(current[subject_id])
    for subject_id in sorted(wanted - set(current)):
        save_record(session, STAFF_SUBJECT, StaffSubject,
                    {"staff_member_id": member.id, "subject_id": subject_id}, None)
    session.flush()
    return len(wanted - set(current)), len(set(current) - wanted)
