"""Every write to the pupil register: pupils, guardians, guardian links and class assignment.

Views, imports and the demo loader call these functions and never touch the models directly,
so validation (the protocol's rules plus the register's uniqueness rules) is in one place.
A pupil (or guardian) handed over to another city school is read-only here
(:mod:`node_agent.transfers.locks`): every write below checks it first.
Functions flush but do not commit: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from node_agent.records import ValidationFailed, apply_record, clean_input, to_wire
from node_agent.register.models import ClassUnit, Enrolment, Guardian, Pupil, PupilGuardian
from node_agent.transfers.locks import ensure_guardian_writable, ensure_pupil_writable
from protocol.entities import ENROLMENT, GUARDIAN, PUPIL, PUPIL_GUARDIAN
from protocol.fields import FieldError, new_id
from protocol.i18n import N_


def _duplicate(field: str, label: str, message: str) -> FieldError:
    return FieldError(field, "duplicate", message, {"label": label})


def pupil_duplicates(session: Session, record: Mapping[str, Any], pupil_id: str | None) -> list[FieldError]:
    """Uniqueness rules of the register: one pupil per PESEL, per document, per register number."""
    errors: list[FieldError] = []
    others = Pupil.id != pupil_id if pupil_id else True
    if record.get("pesel") and session.scalar(
        select(Pupil.id).where(Pupil.pesel == record["pesel"], others)
    ):
        errors.append(_duplicate("pesel", N_("PESEL"), N_("another pupil in the register already has this PESEL")))
    if record.get("document_number") and session.scalar(select(Pupil.id).where(
        Pupil.document_type == record.get("document_type"),
        Pupil.document_number == record["document_number"], others,
    )):
        errors.append(_duplicate("document_number", N_("document number"),
                                 N_("another pupil in the register already has this document")))
    if record.get("register_number") and session.scalar(
        select(Pupil.id).where(Pupil.register_number == record["register_number"], others)
    ):
        errors.append(_duplicate("register_number", N_("register number"),
                                 N_("this register number is already used")))
    return errors


def save_pupil(session: Session, data: Mapping[str, Any], pupil: Pupil | None = None) -> Pupil:
    """Create a pupil (``pupil`` None) or update one from form-like ``data``.

    Fields missing from ``data`` keep their current values on update. Raises
    :class:`ValidationFailed` listing every problem.
    """
    if pupil is not None:
        ensure_pupil_writable(session, pupil.id)
    record = to_wire(PUPIL, pupil) if pupil is not None else {"id": new_id()}
    record.update(clean_input(PUPIL, data))
    if pupil is not None:
        record["id"] = pupil.id
    errors = PUPIL.validate(record)
    errors += pupil_duplicates(session, record, pupil.id if pupil else None)
    if errors:
        raise ValidationFailed(errors)
    return apply_record(session, Pupil, record, pupil)  # type: ignore[return-value]


def save_guardian(session: Session, data: Mapping[str, Any], guardian: Guardian | None = None) -> Guardian:
    """Create or update a guardian from form-like ``data``."""
    if guardian is not None:
        ensure_guardian_writable(session, guardian.id)
    record = to_wire(GUARDIAN, guardian) if guardian is not None else {"id": new_id()}
    record.update(clean_input(GUARDIAN, data))
    if guardian is not None:
        record["id"] = guardian.id
    return apply_record(session, Guardian, record, guardian)  # type: ignore[return-value]


def link_guardian(session: Session, pupil: Pupil, guardian: Guardian, *, relation: str,
                  legal_custody: bool = True, may_receive_info: bool = True) -> PupilGuardian:
    """Link ``guardian`` to ``pupil`` (or update the existing link's details)."""
    ensure_pupil_writable(session, pupil.id)
    link = session.scalar(select(PupilGuardian).where(
        PupilGuardian.pupil_id == pupil.id, PupilGuardian.guardian_id == guardian.id))
    record = {
        "id": link.id if link else new_id(), "pupil_id": pupil.id, "guardian_id": guardian.id,
        "relation": relation, "legal_custody": legal_custody, "may_receive_info": may_receive_info,
    }
    return apply_record(session, PupilGuardian, clean_input(PUPIL_GUARDIAN, record), link)  # type: ignore[return-value]


def unlink_guardian(session: Session, link: PupilGuardian) -> None:
    """Remove a guardian from a pupil (the guardian record itself stays)."""
    ensure_pupil_writable(session, link.pupil_id)
    session.delete(link)
    session.flush()


def find_guardian(session: Session, *, first_name: str, last_name: str, phone: str | None,
                  email: str | None) -> Guardian | None:
    """Find a guardian with the same name and the same phone or e-mail (used to avoid duplicates)."""
    contact = [c for c in (
        and_(Guardian.phone.is_not(None), Guardian.phone == phone) if phone else None,
        and_(Guardian.email.is_not(None), Guardian.email == email) if email else None,
    ) if c is not None]
    if not contact:
        return None
    return session.scalar(select(Guardian).where(
        Guardian.first_name == first_name, Guardian.last_name == last_name, or_(*contact)).limit(1))


def current_enrolment(session: Session, pupil: Pupil, on: dt.date | None = None) -> Enrolment | None:
    """The enrolment of ``pupil`` valid on ``on`` (default today), if any."""
    day = on or dt.date.today()
    return session.scalar(select(Enrolment).where(
        Enrolment.pupil_id == pupil.id, Enrolment.starts_on <= day,
        or_(Enrolment.ends_on.is_(None), Enrolment.ends_on >= day),
    ).order_by(Enrolment.starts_on.desc()).limit(1))


def assign_class(session: Session, pupil: Pupil, class_unit: ClassUnit, *, starts_on: dt.date,
                 admission_reason: str = "other") -> Enrolment:
    """Put ``pupil`` in ``class_unit`` from ``starts_on``; an open enrolment ends the day before.

    Moving between classes closes the old enrolment with reason "class_change" and opens the
    new one with the same reason, so history shows the move. Assigning the class the pupil is
    already in is a no-op.
    """
    ensure_pupil_writable(session, pupil.id)
    open_ones = list(session.scalars(select(Enrolment).where(
        Enrolment.pupil_id == pupil.id, Enrolment.ends_on.is_(None))))
    for enrolment in open_ones:
        if enrolment.class_id == class_unit.id:
            return enrolment
    if any(e.starts_on > starts_on for e in open_ones):
        raise ValidationFailed([FieldError(
            "starts_on", "date_order", N_("cannot be earlier than the start of the current class membership"),
            {"label": N_("start date")})])
    for enrolment in open_ones:
        record = to_wire(ENROLMENT, enrolment)
        ends = max(starts_on - dt.timedelta(days=1), enrolment.starts_on)
        record.update(ends_on=ends.isoformat(), leaving_reason="class_change")
        apply_record(session, Enrolment, record, enrolment)
    reason = "class_change" if open_ones else admission_reason
    record = {"id": new_id(), "pupil_id": pupil.id, "class_id": class_unit.id, "starts_on": starts_on.isoformat(),
              "ends_on": None, "admission_reason": reason, "leaving_reason": None}
    return apply_record(session, Enrolment, record)  # type: ignore[return-value]


def end_enrolment(session: Session, enrolment: Enrolment, *, ends_on: dt.date, leaving_reason: str) -> Enrolment:
    """Close ``enrolment`` on ``ends_on`` with ``leaving_reason``."""
    ensure_pupil_writable(session, enrolment.pupil_id)
    record = to_wire(ENROLMENT, enrolment)
    record.update(ends_on=ends_on.isoformat(), leaving_reason=leaving_reason)
    return apply_record(session, Enrolment, record, enrolment)  # type: ignore[return-value]
