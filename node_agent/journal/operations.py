"""Every write to behaviour notes, homework and announcements.

Notes and homework can be added, edited and deleted; each of these writes also adds a
:class:`~node_agent.journal.models.JournalHistory` row (the record before and after, the account,
the time), as the gradebook does for grades. An edit keeps the record's id, pupil, class or
teaching assignment and author: it is an ``upsert`` of the same record for the hub, with the new
values. An edit that changes nothing writes nothing.

Each write checks everything first — the text, the dates (within the school year, due date not
before the date set, the end of an announcement not before its start), the pupil belonging to the
class, the classes existing — and raises :class:`~node_agent.records.ValidationFailed` listing every
problem with the field it concerns before anything is written. Who may write is decided by the
caller (:mod:`node_agent.journal.queries`); the caller owns the transaction, and the outbox triggers
capture each synced row in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.grades.operations import Actor
from node_agent.history import delete_recorded, write_recorded
from node_agent.journal.models import Announcement, AnnouncementClass, BehaviourNote, Homework, JournalHistory
from node_agent.records import ValidationFailed, apply_record, to_wire
from node_agent.register.models import ClassUnit, Enrolment
from node_agent.school.models import SchoolYear
from node_agent.staff.models import TeachingAssignment
from protocol import entities_journal as rules
from protocol.entities import ENTITIES
from protocol.fields import FieldError, new_id, parse_date
from protocol.i18n import N_

__all__ = ["Actor", "add_announcement", "add_note", "delete_announcement", "delete_homework", "delete_note",
           "edit_homework", "edit_note", "set_homework"]


def _text(value: str | None, field: str, label: str, limit: int, errors: list[FieldError]) -> str:
    text = (value or "").strip()
    if not text:
        errors.append(FieldError(field, "required", N_("this field is required"), {"label": label}))
    elif len(text) > limit:
        errors.append(FieldError(field, "max_length", N_("must be at most {max} characters"),
                                 {"label": label, "max": limit}))
    return text


def _day(value: str | dt.date | None, field: str, label: str, errors: list[FieldError]) -> dt.date | None:
    """The date ``value`` (ISO text or a date), or None with the error added."""
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    day = parse_date(text)
    if not text:
        errors.append(FieldError(field, "required", N_("this field is required"), {"label": label}))
    elif day is None:
        errors.append(FieldError(field, "date", N_("enter a real date, for example 2026-10-05"), {"label": label}))
    return day


def _in_year(year: SchoolYear, day: dt.date | None, field: str, label: str, errors: list[FieldError]) -> None:
    if day is not None and not year.starts_on <= day <= year.ends_on:
        errors.append(FieldError(field, "outside_year", N_("must fall within the school year {year} ({start} – {end})"),
                                 {"label": label, "year": year.label, "start": year.starts_on.strftime("%d.%m.%Y"),
                                  "end": year.ends_on.strftime("%d.%m.%Y")}))


def _choice(value: str | None, allowed: tuple[str, ...], field: str, label: str, errors: list[FieldError]) -> str:
    if value not in allowed:
        errors.append(FieldError(field, "choice", N_("choose one of the options"), {"label": label}))
    return value or ""


def _check(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


# --- history --------------------------------------------------------------------------------------


def _write(session: Session, actor: Actor, model: type[BehaviourNote] | type[Homework], record: dict[str, Any],
           obj: BehaviourNote | Homework | None = None) -> Any:
    """Write a full wire record (new, or over ``obj``) and keep the change in the history (an unchanged edit:
    nothing at all)."""
    return write_recorded(session, JournalHistory, actor, model, record, obj, skip_unchanged=True)


# --- behaviour notes ------------------------------------------------------------------------------


def _note_content(class_unit: ClassUnit, kind: str | None, category: str | None, text: str | None,
                  noted_on: str | dt.date | None, audience: str | None,
                  errors: list[FieldError]) -> dict[str, Any]:
    """The checked fields a note's author chooses (added to ``errors`` when wrong)."""
    _choice(kind, rules.NOTE_KINDS, "kind", N_("kind of note"), errors)
    _choice(category, rules.NOTE_CATEGORIES, "category", N_("category of note"), errors)
    body = _text(text, "text", N_("content of the note"), rules.NOTE_TEXT_MAX, errors)
    day = _day(noted_on, "noted_on", N_("date"), errors)
    _in_year(class_unit.school_year, day, "noted_on", N_("date"), errors)
    _choice(audience, rules.AUDIENCES, "audience", N_("who can see it"), errors)
    return {"kind": kind, "category": category, "text": body, "noted_on": day.isoformat() if day else None,
            "audience": audience}


def add_note(session: Session, actor: Actor, class_unit: ClassUnit, *, pupil_id: str | None, kind: str | None,
             category: str | None, text: str | None, noted_on: str | dt.date | None,
             audience: str | None) -> BehaviourNote:
    """Write a behaviour note about a pupil of ``class_unit`` (dated within its school year)."""
    errors: list[FieldError] = []
    enrolled = pupil_id and session.scalar(select(Enrolment.id).where(Enrolment.class_id == class_unit.id,
                                                                      Enrolment.pupil_id == pupil_id).limit(1))
    if not pupil_id:
        errors.append(FieldError("pupil_id", "required", N_("choose a pupil"), {"label": N_("pupil")}))
    elif not enrolled:
        errors.append(FieldError("pupil_id", "not_in_class", N_("is not a pupil of this class"),
                                 {"label": N_("pupil")}))
    content = _note_content(class_unit, kind, category, text, noted_on, audience, errors)
    _check(errors)
    return _write(session, actor, BehaviourNote, {  # type: ignore[no-any-return]
        "id": new_id(), "pupil_id": pupil_id, "class_id": class_unit.id, **content,
        "author_id": actor.staff_member_id})


def edit_note(session: Session, actor: Actor, note: BehaviourNote, *, kind: str | None, category: str | None,
              text: str | None, noted_on: str | dt.date | None, audience: str | None) -> BehaviourNote:
    """Change a note's kind, category, text, date or audience; its pupil, class and author stay."""
    errors: list[FieldError] = []
    content = _note_content(session.get(ClassUnit, note.class_id), kind, category, text,  # type: ignore[arg-type]
                            noted_on, audience, errors)
    _check(errors)
    record = to_wire(ENTITIES["behaviour_note"], note)
    return _write(session, actor, BehaviourNote, {**record, **content}, note)  # type: ignore[no-any-return]


def delete_note(session: Session, actor: Actor, note: BehaviourNote) -> None:
    """Delete a note (its author's mistake), keeping what it was in the history; the hub receives the deletion."""
    delete_recorded(session, JournalHistory, actor, note)


# --- homework -------------------------------------------------------------------------------------


def _homework_content(session: Session, assignment: TeachingAssignment | None, set_on: str | dt.date | None,
                      due_on: str | dt.date | None, description: str | None, audience: str | None,
                      errors: list[FieldError]) -> dict[str, Any]:
    """The checked fields a homework's teacher chooses (added to ``errors`` when wrong; the dates are
    checked against the school year once the assignment is known)."""
    first = _day(set_on, "set_on", N_("date set"), errors)
    last = _day(due_on, "due_on", N_("due date"), errors)
    if assignment is not None:
        year = session.get(ClassUnit, assignment.class_id).school_year  # type: ignore[union-attr]
        _in_year(year, first, "set_on", N_("date set"), errors)
        _in_year(year, last, "due_on", N_("due date"), errors)
    if first is not None and last is not None and last < first:
        errors.append(FieldError("due_on", "date_order", N_("cannot be earlier than the date the homework is set"),
                                 {"label": N_("due date")}))
    text = _text(description, "description", N_("homework description"), rules.HOMEWORK_TEXT_MAX, errors)
    _choice(audience, rules.AUDIENCES, "audience", N_("who can see it"), errors)
    return {"set_on": first.isoformat() if first else None, "due_on": last.isoformat() if last else None,
            "description": text, "audience": audience}


def set_homework(session: Session, actor: Actor, assignment: TeachingAssignment | None, *,
                 set_on: str | dt.date | None, due_on: str | dt.date | None, description: str | None,
                 audience: str | None) -> Homework:
    """Set homework in ``assignment`` (None: the class and subject chosen do not exist)."""
    errors: list[FieldError] = []
    if assignment is None:
        errors.append(FieldError("assignment_id", "unknown", N_("choose a class and subject from the list"),
                                 {"label": N_("class and subject")}))
    content = _homework_content(session, assignment, set_on, due_on, description, audience, errors)
    _check(errors)
    return _write(session, actor, Homework, {  # type: ignore[no-any-return]
        "id": new_id(), "assignment_id": assignment.id, **content,  # type: ignore[union-attr]
        "author_id": actor.staff_member_id})


def edit_homework(session: Session, actor: Actor, homework: Homework, *, set_on: str | dt.date | None,
                  due_on: str | dt.date | None, description: str | None, audience: str | None) -> Homework:
    """Change homework's dates, description or audience; its class, subject and author stay."""
    errors: list[FieldError] = []
    assignment = session.get(TeachingAssignment, homework.assignment_id)
    content = _homework_content(session, assignment, set_on, due_on, description, audience,  # type: ignore[arg-type]
                                errors)
    _check(errors)
    record = to_wire(ENTITIES["homework"], homework)
    return _write(session, actor, Homework, {**record, **content}, homework)  # type: ignore[no-any-return]


def delete_homework(session: Session, actor: Actor, homework: Homework) -> None:
    """Delete homework set by mistake, keeping what it was in the history; the hub receives the deletion."""
    delete_recorded(session, JournalHistory, actor, homework)


# --- announcements --------------------------------------------------------------------------------


def add_announcement(session: Session, actor: Actor, *, title: str | None, body: str | None,
                     valid_from: str | dt.date | None, valid_to: str | dt.date | None, scope: str | None,
                     class_ids: Iterable[str], audience: str | None) -> Announcement:
    """Publish an announcement for the school or for the chosen classes, shown between two dates."""
    errors: list[FieldError] = []
    heading = _text(title, "title", N_("title"), rules.ANNOUNCEMENT_TITLE_MAX, errors)
    text = _text(body, "body", N_("content of the announcement"), rules.ANNOUNCEMENT_TEXT_MAX, errors)
    first = _day(valid_from, "valid_from", N_("shown from"), errors)
    last = _day(valid_to, "valid_to", N_("shown until"), errors)
    if first is not None and last is not None and last < first:
        errors.append(FieldError("valid_to", "date_order", N_("cannot be earlier than the first day it is shown"),
                                 {"label": N_("shown until")}))
    _choice(scope, rules.ANNOUNCEMENT_SCOPES, "scope", N_("for whom"), errors)
    wanted = sorted(set(class_ids)) if scope == "classes" else []
    known = set(session.scalars(select(ClassUnit.id).where(ClassUnit.id.in_(wanted)))) if wanted else set()
    if scope == "classes" and not wanted:
        errors.append(FieldError("class_ids", "required", N_("choose at least one class"), {"label": N_("classes")}))
    elif set(wanted) - known:
        errors.append(FieldError("class_ids", "unknown", N_("choose classes from the list"), {"label": N_("classes")}))
    _choice(audience, rules.AUDIENCES, "audience", N_("who can see it"), errors)
    _check(errors)
    notice = apply_record(session, Announcement, {
        "id": new_id(), "title": heading, "body": text, "valid_from": first.isoformat(),  # type: ignore[union-attr]
        "valid_to": last.isoformat(), "scope": scope, "author_id": actor.staff_member_id,  # type: ignore[union-attr]
        "audience": audience})
    for class_id in wanted:
        apply_record(session, AnnouncementClass, {"id": new_id(), "announcement_id": notice.id, "class_id": class_id})
    return notice  # type: ignore[return-value]


def delete_announcement(session: Session, notice: Announcement) -> None:
    """Withdraw an announcement with its classes."""
    for link in session.scalars(select(AnnouncementClass).where(AnnouncementClass.announcement_id == notice.id)):
        session.delete(link)
    session.flush()
    session.delete(notice)
    session.flush()
