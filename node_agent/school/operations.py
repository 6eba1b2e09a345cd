"""Every write to the school's own set-up data: the school record, school years, classes, subjects.

Records are validated with the protocol's rules (exactly what the hub will check) plus the
uniqueness rules a person can fix in a form: one school year per label, one class per level
and letter in a year, one subject per code. Functions flush but never commit: the caller owns
the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.db import Base
from node_agent.records import ValidationFailed, apply_record, clean_input, to_wire
from node_agent.register.models import ClassUnit
from node_agent.school.models import School, SchoolYear, Subject
from node_agent.staff.models import StaffMember
from protocol.entities import CLASS_UNIT, SCHOOL, SCHOOL_YEAR, SUBJECT, Entity
from protocol.fields import FieldError, new_id
from protocol.i18n import N_

Checks = Callable[[Session, Mapping[str, Any]], list[FieldError]]


def save_record(
    session: Session,
    entity: Entity,
    model: type[Base],
    data: Mapping[str, Any],
    obj: Base | None,
    checks: Checks | None = None,
) -> Any:
    """Validate form-like ``data`` merged over ``obj`` (or a new record) and write it.

    Raises :class:`ValidationFailed` with the protocol's errors, and the ``checks``' errors
    once the record itself is valid; nothing is written then.
    """
    record = to_wire(entity, obj) if obj is not None else {"id": new_id()}
    record.update(clean_input(entity, {k: v for k, v in data.items() if k != "id"}))
    errors = entity.validate(record)
    if not errors and checks is not None:
        errors = checks(session, record)
    if errors:
        raise ValidationFailed(errors)
    return apply_record(session, model, record, obj)


def save_school(session: Session, data: Mapping[str, Any], school: School | None = None) -> School:
    """Create or update the node's single school record."""

    def checks(session: Session, record: Mapping[str, Any]) -> list[FieldError]:
        other = session.scalar(select(School.id).where(School.id != record["id"]).limit(1))
        if other is not None:
            return [
                FieldError(
                    "id", "single_school", N_("this server already holds a school"), {"label": N_("school")}
                )
            ]
        return []

    return save_record(session, SCHOOL, School, data, school, checks)


def save_school_year(session: Session, data: Mapping[str, Any], year: SchoolYear | None = None) -> SchoolYear:
    """Create or update a school year; labels are unique."""

    def checks(session: Session, record: Mapping[str, Any]) -> list[FieldError]:
        if session.scalar(
            select(SchoolYear.id).where(SchoolYear.label == record["label"], SchoolYear.id != record["id"])
        ):
            return [
                FieldError(
                    "label", "duplicate", N_("this school year already exists"), {"label": N_("school year")}
                )
            ]
        return []

    return save_record(session, SCHOOL_YEAR, SchoolYear, data, year, checks)


def save_class(session: Session, data: Mapping[str, Any], class_unit: ClassUnit | None = None) -> ClassUnit:
    """Create or update a class; a year has one class per level and letter; the tutor must exist."""

    def checks(session: Session, record: Mapping[str, Any]) -> list[FieldError]:
        errors = []
        if session.get(SchoolYear, record["school_year_id"]) is None:
            errors.append(
                FieldError(
                    "school_year_id",
                    "unknown",
                    N_("choose one of the listed options"),
                    {"label": N_("school year")},
                )
            )
        if record.get("tutor_id") and session.get(StaffMember, record["tutor_id"]) is None:
            errors.append(
                FieldError(
                    "tutor_id",
                    "unknown",
                    N_("choose one of the listed options"),
                    {"label": N_("class tutor")},
                )
            )
        if session.scalar(
            select(ClassUnit.id).where(
                ClassUnit.school_year_id == record["school_year_id"],
                ClassUnit.level == record["level"],
                ClassUnit.letter == record["letter"],
                ClassUnit.id != record["id"],
            )
        ):
            errors.append(
                FieldError(
                    "letter",
                    "duplicate",
                    N_("this school year already has a class with this level and letter"),
                    {"label": N_("class letter")},
                )
            )
        return errors

    return save_record(session, CLASS_UNIT, ClassUnit, data, class_unit, checks)


def save_subject(session: Session, data: Mapping[str, Any], subject: Subject | None = None) -> Subject:
    """Create or update a subject; codes are unique."""

    def checks(session: Session, record: Mapping[str, Any]) -> list[FieldError]:
        if session.scalar(
            select(Subject.id).where(Subject.code == record["code"], Subject.id != record["id"])
        ):
            return [
                FieldError(
                    "code",
                    "duplicate",
                    N_("another subject already has this code"),
                    {"label": N_("subject code")},
                )
            ]
        return []

    return save_record(session, SUBJECT, Subject, data, subject, checks)
