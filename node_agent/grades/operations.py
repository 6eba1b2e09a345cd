"""Every write to grades: current grades one by one or as a series for the class, their edits and
deletions, proposed and final term/year grades, behaviour grades and descriptive assessments.

Each write checks everything first (the symbols against the school's scale, the category, the date
within the school year, deadlines, the pupils belonging to the class) and raises
:class:`~node_agent.records.ValidationFailed` listing every problem before writing anything, so a
series is stored whole or not at all. Each write also adds a :class:`GradeHistory` row with the
record before and after, the author and the time. Who may write is decided by the caller
(:mod:`node_agent.grades.access`); the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from node_agent.db import Base
from node_agent.grades import settings as grade_settings
from node_agent.grades.models import (
    BehaviourGrade,
    DescriptiveAssessment,
    Grade,
    GradeCategory,
    GradeHistory,
    TermGrade,
)
from node_agent.history import as_json, delete_recorded, write_recorded
from node_agent.records import ValidationFailed, to_wire
from node_agent.register.models import ClassUnit, Enrolment
from node_agent.staff.models import TeachingAssignment
from protocol import grading
from protocol.entities import ENTITIES
from protocol.fields import FieldError, new_id, parse_date
from protocol.i18n import N_

DESCRIPTIVE_LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the account's user name and their staff member (the grade's author)."""

    username: str
    staff_member_id: str


def _write(session: Session, actor: Actor, model: type[Base], record: dict[str, Any], obj: Base | None) -> Any:
    return write_recorded(session, GradeHistory, actor, model, record, obj)


def delete(session: Session, actor: Actor, obj: Grade | TermGrade | BehaviourGrade | DescriptiveAssessment) -> None:
    """Delete a grade of any kind, keeping what it was in the history."""
    delete_recorded(session, GradeHistory, actor, obj)


def _date_in_year(class_unit: ClassUnit, value: str | dt.date | None, errors: list[FieldError],
                  field: str = "given_on") -> dt.date | None:
    """The date ``value`` (ISO text or a date) if it falls within the class's school year."""
    year = class_unit.school_year
    day = value if isinstance(value, dt.date) else parse_date((value or "").strip())
    if not value:
        errors.append(FieldError(field, "required", N_("this field is required"), {"label": N_("date")}))
    elif day is None:
        errors.append(FieldError(field, "date", N_("enter a real date, for example 2026-10-05"),
                                 {"label": N_("date")}))
    elif not year.starts_on <= day <= year.ends_on:
        errors.append(FieldError(field, "outside_year", N_("must fall within the school year {year} ({start} – {end})"),
                                 {"label": N_("date"), "year": year.label, "start": year.starts_on.strftime("%d.%m.%Y"),
                                  "end": year.ends_on.strftime("%d.%m.%Y")}))
    else:
        return day
    return None


def _apply_column(session: Session, actor: Actor, model: type[Base], scope: Mapping[str, Any],
                  wanted: Mapping[str, Any], value_field: str, today: dt.date) -> int:
    """Make the class's records of ``scope`` (e.g. period and stage) hold ``wanted`` {pupil id: value}:
    an empty value deletes the pupil's record, an unchanged one is left alone. Returns the changes."""
    existing = {r.pupil_id: r for r in session.scalars(select(model).filter_by(**scope))}  # type: ignore[attr-defined]
    changed = 0
    for pupil_id, value in wanted.items():
        current = existing.get(pupil_id)
        if value in (None, ""):
            if current is not None:
                delete(session, actor, current)  # type: ignore[arg-type]
                changed += 1
        elif current is None or getattr(current, value_field) != value:
            _write(session, actor, model, {
                "id": current.id if current else new_id(), "pupil_id": pupil_id, **scope, value_field: value,
                "given_on": today.isoformat(), "teacher_id": actor.staff_member_id}, current)
            changed += 1
    return changed


def class_pupil_ids(session: Session, class_id: str) -> set[str]:
    """Ids of every pupil enrolled in the class at any time (grades stay with those who left)."""
    return set(session.scalars(select(Enrolment.pupil_id).where(Enrolment.class_id == class_id)))


def _category(session: Session, category_id: str | None, errors: list[FieldError]) -> GradeCategory | None:
    category = session.get(GradeCategory, category_id) if category_id else None
    if category is None or not category.active:
        errors.append(FieldError("category_id", "required", N_("choose a category"), {"label": N_("category")}))
    return category


def _description(text: str | None, errors: list[FieldError]) -> str | None:
    text = (text or "").strip() or None
    if text is not None and len(text) > 200:
        errors.append(FieldError("description", "max_length", N_("must be at most {max} characters"),
                                 {"label": N_("description"), "max": 200}))
    return text


@dataclass(frozen=True)
class CheckedSeries:
    """A column of grades that passed every rule: the wire records of the new grades, in form order."""

    records: list[dict[str, Any]]


def check_series(session: Session, assignment: TeachingAssignment, *, category_id: str | None,
                 given_on: str | dt.date | None, description: str | None, symbols: Mapping[str, str],
                 labels: Mapping[str, str], series: bool = True, teacher_id: str) -> CheckedSeries:
    """Validate one column of grades without writing (see :func:`add_series`)."""
    errors: list[FieldError] = []
    class_unit = session.get(ClassUnit, assignment.class_id)
    _category(session, category_id, errors)
    day = _date_in_year(class_unit, given_on, errors)  # type: ignore[arg-type]
    text = _description(description, errors)
    scale = grade_settings.scale(session)
    members = class_pupil_ids(session, assignment.class_id)
    parsed: dict[str, str] = {}
    for pupil_id, typed in symbols.items():
        if not (typed or "").strip():
            continue
        label = labels.get(pupil_id, pupil_id)
        if pupil_id not in members:
            errors.append(FieldError(f"grade-{pupil_id}", "not_in_class", N_("is not a pupil of this class"),
                                     {"label": label}))
            continue
        try:
            parsed[pupil_id] = grading.parse_grade(typed, scale).symbol
        except grading.GradeError as exc:
            errors.append(FieldError(f"grade-{pupil_id}", exc.code, exc.message, {"label": label, **exc.params}))
    if not parsed and not errors:
        errors.append(FieldError("grades", "empty", N_("enter at least one pupil's grade"), {"label": N_("grades")}))
    if errors:
        raise ValidationFailed(errors)
    series_id = new_id() if series and len(symbols) > 1 else None
    entity = ENTITIES["grade"]
    records = [{"id": new_id(), "pupil_id": pupil_id, "assignment_id": assignment.id, "category_id": category_id,
                "symbol": symbol, "given_on": day.isoformat(), "description": text,  # type: ignore[union-attr]
                "series_id": series_id, "teacher_id": teacher_id} for pupil_id, symbol in parsed.items()]
    for record in records:  # the hub's rules, before any lock is taken
        errors += entity.validate(record)
    if errors:
        raise ValidationFailed(errors)
    return CheckedSeries([{f.name: record.get(f.name) for f in entity.fields} for record in records])


def write_series(session: Session, actor: Actor, checked: CheckedSeries) -> list[str]:
    """Write a checked column (in the caller's write transaction): the grades and their history, one
    multi-row insert each; returns the new grades' ids."""
    rows = [{**record, "given_on": dt.date.fromisoformat(record["given_on"])} for record in checked.records]
    session.execute(insert(Grade), rows)
    session.execute(insert(GradeHistory), [
        {"entity": "grade", "record_id": record["id"], "action": "create", "username": actor.username,
         "staff_member_id": actor.staff_member_id, "before": None, "after": as_json(record)}
        for record in checked.records])
    return [record["id"] for record in checked.records]


def add_series(session: Session, actor: Actor, assignment: TeachingAssignment, *, category_id: str | None,
               given_on: str | dt.date | None, description: str | None, symbols: Mapping[str, str],
               labels: Mapping[str, str], series: bool = True) -> list[Grade]:
    """Add one column of grades: the same category, date and description, a symbol per pupil.

    ``symbols`` maps pupil ids to what was typed (empty: no grade for that pupil); ``labels`` maps
    pupil ids to the names used in error messages (fields ``grade-<pupil id>``). All or nothing.
    """
    ids = write_series(session, actor, check_series(
        session, assignment, category_id=category_id, given_on=given_on, description=description, symbols=symbols,
        labels=labels, series=series, teacher_id=actor.staff_member_id))
    found = {grade.id: grade for grade in session.scalars(select(Grade).where(Grade.id.in_(ids)))}
    return [found[i] for i in ids]


def update_grade(session: Session, actor: Actor, grade: Grade, *, symbol: str, category_id: str | None,
                 given_on: str | dt.date | None, description: str | None) -> Grade:
    """Change a grade's symbol, category, date or description (the change is kept in the history)."""
    errors: list[FieldError] = []
    assignment = session.get(TeachingAssignment, grade.assignment_id)
    _category(session, category_id, errors)
    day = _date_in_year(session.get(ClassUnit, assignment.class_id), given_on, errors)  # type: ignore[union-attr,arg-type]
    text = _description(description, errors)
    try:
        normal = grading.parse_grade(symbol or "", grade_settings.scale(session)).symbol
    except grading.GradeError as exc:
        errors.append(FieldError("symbol", exc.code, exc.message, {"label": N_("grade"), **exc.params}))
    if errors:
        raise ValidationFailed(errors)
    record = to_wire(ENTITIES["grade"], grade)
    record.update(symbol=normal, category_id=category_id, given_on=day.isoformat(),  # type: ignore[union-attr]
                  description=text)
    return _write(session, actor, Grade, record, grade)


def _deadline(session: Session, period: str, stage: str, today: dt.date, errors: list[FieldError], field: str) -> None:
    last = grade_settings.deadline(session, period, stage)
    if last is not None and today > last:
        errors.append(FieldError(field, "deadline", N_("the deadline for these grades was {date}"),
                                 {"label": N_("grade"), "date": last.strftime("%d.%m.%Y")}))


def set_term_grades(session: Session, actor: Actor, assignment: TeachingAssignment, *, period: str, stage: str,
                    values: Mapping[str, str], labels: Mapping[str, str], today: dt.date) -> int:
    """Set the proposed or final ``period`` grades of the class (1–6; empty removes one); return changes."""
    errors: list[FieldError] = []
    _deadline(session, period, stage, today, errors, "grades")
    members = class_pupil_ids(session, assignment.class_id)
    wanted: dict[str, int | None] = {}
    for pupil_id, typed in values.items():
        field = f"grade-{pupil_id}"
        if pupil_id not in members:
            errors.append(FieldError(field, "not_in_class", N_("is not a pupil of this class"),
                                     {"label": labels.get(pupil_id, pupil_id)}))
            continue
        text = (typed or "").strip()
        try:
            wanted[pupil_id] = grading.check_term_grade(int(text)) if text else None
        except (ValueError, grading.GradeError):
            errors.append(FieldError(field, "term_grade", N_("must be a whole grade from 1 to 6"),
                                     {"label": labels.get(pupil_id, pupil_id)}))
    if errors:
        raise ValidationFailed(errors)
    scope = {"assignment_id": assignment.id, "period": period, "stage": stage}
    return _apply_column(session, actor, TermGrade, scope, wanted, "value", today)


def set_behaviour_grades(session: Session, actor: Actor, class_unit: ClassUnit, *, period: str, stage: str,
                         values: Mapping[str, str], labels: Mapping[str, str], today: dt.date) -> int:
    """The tutor sets the class's proposed or final behaviour grades (empty removes one); return changes."""
    errors: list[FieldError] = []
    _deadline(session, period, stage, today, errors, "grades")
    members = class_pupil_ids(session, class_unit.id)
    for pupil_id, value in values.items():
        if pupil_id not in members or (value and value not in grading.BEHAVIOUR_GRADES):
            errors.append(FieldError(f"grade-{pupil_id}", "behaviour", N_("choose a behaviour grade from the list"),
                                     {"label": labels.get(pupil_id, pupil_id)}))
    if errors:
        raise ValidationFailed(errors)
    scope = {"class_id": class_unit.id, "period": period, "stage": stage}
    return _apply_column(session, actor, BehaviourGrade, scope, values, "value", today)


def set_descriptive(session: Session, actor: Actor, class_unit: ClassUnit, *, period: str,
                    texts: Mapping[str, str], labels: Mapping[str, str], today: dt.date) -> int:
    """The tutor writes the descriptive assessments of a class of grades 1–3 (empty removes one)."""
    errors: list[FieldError] = []
    if class_unit.level not in DESCRIPTIVE_LEVELS:
        errors.append(FieldError("grades", "descriptive_level",
                                 N_("descriptive assessments are given in grades 1–3 only"), {"label": N_("class")}))
    _deadline(session, period, "final", today, errors, "grades")
    members = class_pupil_ids(session, class_unit.id)
    cleaned = {pupil_id: (text or "").strip() for pupil_id, text in texts.items()}
    for pupil_id, text in cleaned.items():
        label = labels.get(pupil_id, pupil_id)
        if pupil_id not in members:
            errors.append(FieldError(f"grade-{pupil_id}", "not_in_class", N_("is not a pupil of this class"),
                                     {"label": label}))
        elif len(text) > 4000:
            errors.append(FieldError(f"grade-{pupil_id}", "max_length", N_("must be at most {max} characters"),
                                     {"label": label, "max": 4000}))
    if errors:
        raise ValidationFailed(errors)
    scope = {"class_id": class_unit.id, "period": period}
    return _apply_column(session, actor, DescriptiveAssessment, scope, cleaned, "text", today)


def history(session: Session, entity: str, record_id: str) -> list[GradeHistory]:
    """Every change to one record, oldest first."""
    return list(session.scalars(select(GradeHistory).where(GradeHistory.entity == entity,
                                                           GradeHistory.record_id == record_id)
                                .order_by(GradeHistory.id)))
