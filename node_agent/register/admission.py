"""Admission to the school (przyjęcie) and leaving it (skreślenie): the pupil register's entries.

Admitting a pupil writes, in the caller's transaction, an entry of the księga uczniów with the
next register number (:mod:`node_agent.register.numbering`), the decision's number and date, the
pupil's class from the admission date and — for a pupil coming from a school outside the city —
a ``pupil_transfer`` record with that school's details. Leaving closes the entry and the class
membership on the same date, with the reason and the decision, and records the next school for a
transfer out of the city. Transfers to another city school go through :mod:`node_agent.transfers`.

Every rule broken is reported at once (:class:`ValidationFailed`) and nothing is written then:
the caller rolls back. Never deletes or renumbers an entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.records import ValidationFailed, apply_record, clean_input, to_wire
from node_agent.register import operations as ops
from node_agent.register.models import ClassUnit, Enrolment, Pupil, RegisterEntry
from node_agent.register.numbering import next_number
from node_agent.transfers.locks import ensure_pupil_writable
from node_agent.transfers.models import PupilTransfer
from protocol.entities import PUPIL
from protocol.entities_secretariat import PUPIL_TRANSFER, REGISTER_ENTRY
from protocol.fields import FieldError, new_id, parse_date
from protocol.i18n import N_

SCHOOL_FIELDS = ("other_name", "other_rspo", "other_street", "other_postal_code", "other_city")
# Reasons that are no admission to the school (a class change within it): a history built from
# enrolments alone shows them as "other".
_NOT_ADMISSIONS = ("promotion", "class_change")


def open_entry(session: Session, pupil_id: str) -> RegisterEntry | None:
    """The pupil's current register entry (admitted, not left), if any."""
    return session.scalar(select(RegisterEntry).where(
        RegisterEntry.pupil_id == pupil_id, RegisterEntry.left_on.is_(None)).limit(1))


def entries_of(session: Session, pupil_id: str) -> list[RegisterEntry]:
    """Every register entry of the pupil, oldest first."""
    return list(session.scalars(select(RegisterEntry).where(RegisterEntry.pupil_id == pupil_id)
                                .order_by(RegisterEntry.admitted_on, RegisterEntry.number)))


def _school_errors(data: Mapping[str, Any] | None, direction: str, on: dt.date) -> tuple[dict[str, Any], list]:
    """The other school's details as a transfer record (validated), for a transfer outside the city."""
    values = clean_input(PUPIL_TRANSFER, {k: (data or {}).get(k) for k in SCHOOL_FIELDS})
    record = {"id": new_id(), "pupil_id": new_id(), "direction": direction, "in_city": False,
              "transfer_on": on.isoformat(), "status": "recorded", "origin_id": None, "handover": None,
              "decided_on": None, "outcome_reason": None, **values}
    errors = [e for e in PUPIL_TRANSFER.validate(record) if e.field in SCHOOL_FIELDS]
    return record, errors


def _has_school(data: Mapping[str, Any] | None) -> bool:
    return any(str((data or {}).get(k) or "").strip() for k in SCHOOL_FIELDS)


def _entry_record(pupil_id: str, number: str, admitted_on: Any, reason: Any, decision: Any,
                  decided_on: Any) -> dict[str, Any]:
    values = clean_input(REGISTER_ENTRY, {"admitted_on": admitted_on, "admission_reason": reason,
                                          "admission_decision": decision, "admission_decided_on": decided_on})
    return {"id": new_id(), "pupil_id": pupil_id, "number": number, "left_on": None, "leaving_reason": None,
            "leaving_decision": None, "leaving_decided_on": None, **values}


def check_admission(session: Session, admitted_on: Any, decision: Any, decided_on: Any,
                    reason: Any = "transfer_in") -> list[FieldError]:
    """The rules an admission's own fields break (date, reason, decision number and date), without writing."""
    record = _entry_record(new_id(), "0", admitted_on, reason, decision, decided_on)
    return [e for e in REGISTER_ENTRY.validate(record) if e.field != "number"]


def admit(session: Session, pupil: Pupil, *, admitted_on: dt.date | str | None, reason: str | None,
          class_unit: ClassUnit | None, decision: str | None = None, decided_on: Any = None,
          previous_school: Mapping[str, Any] | None = None, errors: list[FieldError] | None = None) -> RegisterEntry:
    """Enter ``pupil`` in the register with the next number and put them in ``class_unit`` from ``admitted_on``.

    ``errors`` found by the caller (e.g. on the pupil's own data) are reported together with these.
    """
    problems = list(errors or [])
    ensure_pupil_writable(session, pupil.id)
    current = open_entry(session, pupil.id)
    if current is not None:
        problems.append(FieldError("admitted_on", "already_admitted",
                                   N_("the pupil is already in the register under number {number}"),
                                   {"label": N_("date of admission"), "number": current.number}))
    record = _entry_record(pupil.id, "0", admitted_on, reason, decision, decided_on)
    problems += check_admission(session, admitted_on, decision, decided_on, reason)
    day = admitted_on if isinstance(admitted_on, dt.date) else parse_date(admitted_on or "")
    school = None
    if reason == "transfer_in" and _has_school(previous_school) and day is not None:
        school, school_errors = _school_errors(previous_school, "in", day)
        problems += school_errors
    if problems:
        raise ValidationFailed(problems)
    assert day is not None
    record["number"] = next_number(session, day, pupil_id=pupil.id)
    entry = apply_record(session, RegisterEntry, record)
    pupil_record = to_wire(PUPIL, pupil)
    pupil_record["register_number"] = record["number"]
    apply_record(session, Pupil, pupil_record, pupil)
    if class_unit is not None:
        ops.assign_class(session, pupil, class_unit, starts_on=day, admission_reason=reason or "other")
    if school is not None:
        school["pupil_id"] = pupil.id
        apply_record(session, PupilTransfer, school)
    return entry  # type: ignore[return-value]


def admit_new(session: Session, pupil_data: Mapping[str, Any], *, errors: list[FieldError] | None = None,
              **admission: Any) -> tuple[Pupil, RegisterEntry]:
    """Add a new pupil to the register and admit them (see :func:`admit`); all errors reported together.

    If the pupil's data is invalid, the admission's own fields are checked too (nothing is written)
    so the office sees every problem at once.
    """
    data = {k: v for k, v in pupil_data.items() if k != "register_number"}
    try:
        pupil = ops.save_pupil(session, data)
    except ValidationFailed as exc:
        problems = exc.errors + list(errors or [])
        problems += check_admission(session, admission.get("admitted_on"), admission.get("decision"),
                                    admission.get("decided_on"), admission.get("reason"))
        day = admission.get("admitted_on")
        day = day if isinstance(day, dt.date) else parse_date(day or "")
        if admission.get("reason") == "transfer_in" and _has_school(admission.get("previous_school")) and day:
            problems += _school_errors(admission.get("previous_school"), "in", day)[1]
        raise ValidationFailed(problems) from None
    return pupil, admit(session, pupil, errors=errors, **admission)


def history_entry(session: Session, pupil: Pupil) -> RegisterEntry | None:
    """Make the register entry of a pupil who has none (data from before the register was kept here).

    The admission date and reason come from the pupil's first class membership; the number is the
    one already written on the pupil if it is free, else the next one. A pupil without any class
    membership gets no entry (None).
    """
    if session.scalar(select(RegisterEntry.id).where(RegisterEntry.pupil_id == pupil.id).limit(1)):
        return None
    enrolments = list(session.scalars(select(Enrolment).where(Enrolment.pupil_id == pupil.id)
                                      .order_by(Enrolment.starts_on)))
    if not enrolments:
        return None
    first, last = enrolments[0], enrolments[-1]
    reason = "other" if first.admission_reason in _NOT_ADMISSIONS else first.admission_reason
    number = pupil.register_number
    if not number or session.scalar(select(RegisterEntry.id).where(RegisterEntry.number == number)):
        number = next_number(session, first.starts_on, pupil_id=pupil.id)
    record = _entry_record(pupil.id, number, first.starts_on, reason, None, None)
    if not any(e.ends_on is None for e in enrolments) and last.ends_on is not None:
        leaving = last.leaving_reason if last.leaving_reason not in _NOT_ADMISSIONS else "other"
        record.update(left_on=last.ends_on.isoformat(), leaving_reason=leaving)
    entry = apply_record(session, RegisterEntry, record)
    if pupil.register_number != number:
        pupil_record = to_wire(PUPIL, pupil)
        pupil_record["register_number"] = number
        apply_record(session, Pupil, pupil_record, pupil)
    return entry  # type: ignore[return-value]


def backfill(session: Session) -> int:
    """Make the missing entries of every pupil with class history (see :func:`history_entry`); return how many."""
    have = select(RegisterEntry.pupil_id)
    made = 0
    pupils = session.scalars(select(Pupil).where(Pupil.id.not_in(have)).order_by(Pupil.register_number, Pupil.id))
    for pupil in list(pupils):
        if history_entry(session, pupil) is not None:
            made += 1
    return made


def leave(session: Session, pupil: Pupil, *, left_on: dt.date | None, reason: str | None,
          decision: str | None = None, decided_on: Any = None,
          next_school: Mapping[str, Any] | None = None) -> RegisterEntry:
    """Remove ``pupil`` from the school (skreślenie) on ``left_on``, their last day: entry and class closed."""
    ensure_pupil_writable(session, pupil.id)
    entry = open_entry(session, pupil.id) or history_entry(session, pupil)
    problems: list[FieldError] = []
    if entry is None or entry.left_on is not None:
        raise ValidationFailed([FieldError("pupil", "not_admitted", N_("the pupil is not in the register now"),
                                           {"label": N_("pupil")})])
    record = to_wire(REGISTER_ENTRY, entry)
    record.update(clean_input(REGISTER_ENTRY, {"left_on": left_on, "leaving_reason": reason,
                                               "leaving_decision": decision, "leaving_decided_on": decided_on}))
    if not record.get("left_on"):
        problems.append(FieldError("left_on", "required", N_("this field is required"),
                                   {"label": N_("date of leaving")}))
    if not record.get("leaving_reason"):
        problems.append(FieldError("leaving_reason", "required", N_("this field is required"),
                                   {"label": N_("reason for leaving")}))
    problems += [e for e in REGISTER_ENTRY.validate(record) if (e.field, e.code) not in
                 {(p.field, p.code) for p in problems}]
    school = None
    if reason == "transfer_out" and _has_school(next_school) and left_on is not None:
        school, school_errors = _school_errors(next_school, "out", left_on + dt.timedelta(days=1))
        problems += school_errors
    if problems:
        raise ValidationFailed(problems)
    assert left_on is not None and reason is not None
    for enrolment in session.scalars(select(Enrolment).where(Enrolment.pupil_id == pupil.id,
                                                             Enrolment.ends_on.is_(None))):
        ops.end_enrolment(session, enrolment, ends_on=max(left_on, enrolment.starts_on), leaving_reason=reason)
    apply_record(session, RegisterEntry, record, entry)
    if school is not None:
        school["pupil_id"] = pupil.id
        apply_record(session, PupilTransfer, school)
    return entry

