"""All writes of pending admissions: storing one from the downlink, entering one in the register,
marking one as handled.

:func:`store_admission` checks the message body with the same rules a secretary's entry meets
(PESEL, dates, lengths) and keeps nothing from a body that fails them: a bad message is reported as
"rejected" in the downlink log and never blocks the messages after it. It is idempotent by the
admission's id (the hub may send a message again after a lost acknowledgement).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.admissions.models import PendingAdmission
from node_agent.db import utcnow
from node_agent.records import ValidationFailed, clean_input
from node_agent.register import admission as register_admission
from node_agent.register import operations as register_ops
from node_agent.register.models import ClassUnit, Pupil, RegisterEntry
from protocol import pesel as pesel_rules
from protocol.entities import GUARDIAN, RELATIONS
from protocol.fields import FieldError, new_id
from protocol.i18n import N_

_LIMITS = {"first_name": 100, "second_name": 100, "last_name": 100, "document_type": 30, "document_number": 30,
           "street": 150, "postal_code": 6, "city": 100}
_GUARDIAN = {"first_name": 100, "last_name": 100, "phone": 20, "email": 254}


def _text(value: Any, limit: int, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise ValueError("missing")
        return None
    if not isinstance(value, str) or len(value) > limit or not value.strip():
        raise ValueError("bad text")
    return value.strip()


def parse_body(body: dict[str, Any]) -> dict[str, Any]:
    """The admission's columns from a ``recruitment_admission`` body; ValueError when it is unusable."""
    pupil, guardian = body.get("pupil"), body.get("guardian") or {}
    if not isinstance(pupil, dict) or not isinstance(guardian, dict):
        raise ValueError("no pupil")
    row: dict[str, Any] = {
        "id": _text(body.get("admission_id"), 36, required=True),
        "campaign": _text(body.get("campaign"), 200, required=True),
        "school_year": _text(body.get("school_year"), 9, required=True),
        "level": _text(body.get("level"), 20, required=True),
        "class_name": _text(body.get("class_name"), 100, required=True),
    }
    for name, limit in _LIMITS.items():
        row[name] = _text(pupil.get(name), limit, required=name in ("first_name", "last_name"))
    for name, limit in _GUARDIAN.items():
        row[f"guardian_{name}"] = _text(guardian.get(name), limit)
    birth = dt.date.fromisoformat(str(pupil.get("birth_date")))
    sex = pupil.get("sex")
    if sex not in ("F", "M"):
        raise ValueError("sex")
    if pupil.get("pesel"):
        info = pesel_rules.parse(pupil["pesel"])  # PeselError is a ValueError
        if info.birth_date != birth or info.sex != sex:
            raise ValueError("PESEL does not match the birth date or sex")
        row["pesel"] = info.pesel
    elif not (row["document_type"] and row["document_number"]):
        raise ValueError("no identifier")
    else:
        row["pesel"] = None
    row.update(birth_date=birth, sex=sex)
    return row


def store_admission(session: Session, body: dict[str, Any]) -> PendingAdmission | None:
    """Keep an admission from the downlink (the same id again is a no-op); None when the body is unusable."""
    try:
        row = parse_body(body)
    except (ValueError, TypeError):
        return None
    existing = session.get(PendingAdmission, row["id"])
    if existing is not None:
        return existing
    admission = PendingAdmission(**row)
    session.add(admission)
    session.flush()
    return admission


def mark_done(admission: PendingAdmission, *, by: str, note: str | None = None) -> None:
    """Record that the secretary has handled the admission (entered the pupil, or noted why not)."""
    admission.status, admission.handled_at, admission.handled_by = "done", utcnow(), by[:64]
    admission.note = (note or "").strip()[:500] or None


# The portal's document types (foreign documents of a child without a PESEL) -> the register's.
_DOCUMENT_TYPES = {"id_card_foreign": "id_card", "birth_certificate_foreign": "birth_certificate"}


def _pupil_data(admission: PendingAdmission) -> dict[str, Any]:
    document_type = _DOCUMENT_TYPES.get(admission.document_type or "", admission.document_type)
    return {"pesel": admission.pesel, "document_type": document_type,
            "document_number": admission.document_number, "first_name": admission.first_name,
            "second_name": admission.second_name, "last_name": admission.last_name,
            "birth_date": admission.birth_date.isoformat(), "sex": admission.sex, "street": admission.street,
            "postal_code": admission.postal_code, "city": admission.city}


def known_pupil(session: Session, admission: PendingAdmission) -> Pupil | None:
    """The pupil already in this school's list with the admission's PESEL (or document), if any.

    E.g. a child of the school's own preschool admitted to its grade 1: they get a new register
    entry, not a second pupil record.
    """
    if admission.pesel:
        return session.scalar(select(Pupil).where(Pupil.pesel == admission.pesel).limit(1))
    return session.scalar(select(Pupil).where(Pupil.document_type == _pupil_data(admission)["document_type"],
                                              Pupil.document_number == admission.document_number).limit(1))


def _guardian_problems(admission: PendingAdmission, relation: str | None) -> tuple[dict[str, Any] | None,
                                                                                   list[FieldError]]:
    """The guardian's data from the application (validated), and the problems with it or the relation."""
    if not (admission.guardian_first_name and admission.guardian_last_name):
        return None, []
    problems = []
    if relation not in RELATIONS:
        problems.append(FieldError("relation", "required", N_("choose one of the listed options"),
                                   {"label": N_("relation")}))
    data = clean_input(GUARDIAN, {"first_name": admission.guardian_first_name,
                                  "last_name": admission.guardian_last_name, "phone": admission.guardian_phone,
                                  "email": admission.guardian_email, "street": admission.street,
                                  "postal_code": admission.postal_code, "city": admission.city})
    problems += [FieldError(f"guardian_{e.field}", e.code, e.message, e.params)
                 for e in GUARDIAN.validate({"id": new_id(), **data})]
    return data, problems


def _own_problems(admission: PendingAdmission, relation: str | None) -> list[FieldError]:
    problems: list[FieldError] = []
    if admission.status != "pending":
        problems.append(FieldError("admission", "handled", N_("the admission has already been handled"),
                                   {"label": N_("admission")}))
    return problems + _guardian_problems(admission, relation)[1]


def check_enrolment(session: Session, admission: PendingAdmission, admitted_on: Any, decision: Any,
                    decided_on: Any, relation: str | None) -> list[FieldError]:
    """Every rule :func:`enrol` would find broken in these details, without writing anything."""
    return _own_problems(admission, relation) + register_admission.check_admission(
        session, admitted_on, decision, decided_on, "recruitment")


def enrol(session: Session, admission: PendingAdmission, *, class_unit: ClassUnit | None, admitted_on: Any,
          decision: str | None, decided_on: Any, relation: str | None, by: str) -> RegisterEntry:
    """Admit the recruited pupil to the school: register entry with the next number (reason "recruitment"),
    class from ``admitted_on``, the parent as guardian; then mark the admission handled.

    A pupil already in the school's list (same PESEL or document) is admitted as that pupil. Every
    problem is reported at once (:class:`ValidationFailed`) and nothing is written then.
    """
    problems = _own_problems(admission, relation)
    details = {"admitted_on": admitted_on, "reason": "recruitment", "class_unit": class_unit,
               "decision": decision, "decided_on": decided_on}
    pupil = known_pupil(session, admission)
    if problems:  # report the admission's own problems with them, write nothing
        problems += register_admission.check_admission(session, admitted_on, decision, decided_on, "recruitment")
        raise ValidationFailed(problems)
    guardian_data = _guardian_problems(admission, relation)[0]
    if pupil is None:
        pupil, entry = register_admission.admit_new(session, _pupil_data(admission), **details)
    else:
        entry = register_admission.admit(session, pupil, **details)
    if guardian_data is not None:
        guardian = register_ops.find_guardian(session, first_name=guardian_data["first_name"],
                                              last_name=guardian_data["last_name"],
                                              phone=guardian_data.get("phone"), email=guardian_data.get("email"))
        guardian = guardian or register_ops.save_guardian(session, guardian_data)
        register_ops.link_guardian(session, pupil, guardian, relation=str(relation))
    admission.pupil_id = pupil.id
    mark_done(admission, by=by, note=None)
    session.flush()
    return entry
