"""Reading one class's school year out of the node database as the ``<journal>`` element of the archive.

What a paper class journal held, and what the e-journal keeps instead: the pupils with their
numbers in the class list and in the register (księga uczniów), the timetable with its changes,
every lesson with its topic and attendance, current grades with categories and their full change
history (author and time), proposed and final term/year grades, behaviour grades and descriptive
assessments. The file format and its signature are in :mod:`protocol.ejournal` and docs/ejournal.md.

Read-only: this module never writes. Each table is read once per class (the grade history once per
school year), so exporting a school of 30 classes stays a matter of seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.attendance.models import Attendance, Lesson
from node_agent.grades.models import (
    BehaviourGrade,
    DescriptiveAssessment,
    Grade,
    GradeCategory,
    GradeHistory,
    TermGrade,
)
from node_agent.register.models import ClassUnit, Enrolment, Pupil
from node_agent.school.models import School, SchoolYear, Subject
from node_agent.staff.models import StaffMember, TeachingAssignment
from node_agent.timetable.models import BellTime, TimetableEntry
from protocol.ejournal import FORMAT, VERSION, clean_text


class ExportError(ValueError):
    """The export cannot be made as asked (no such school year or class); the message says why."""


def _attrs(**values: Any) -> dict[str, str]:
    """XML attributes from keyword arguments: ``None`` left out, dates ISO, booleans true/false."""
    out = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, dt.datetime):
            value = value.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out[key.rstrip("_").replace("_", "-")] = clean_text(value)
    return out


def _sub(parent: ET.Element, tag: str, text: str | None = None, **values: Any) -> ET.Element:
    element = ET.SubElement(parent, tag, _attrs(**values))
    if text is not None:
        element.text = clean_text(text)
    return element


def school_year(session: Session, label: str) -> SchoolYear:
    """The school year labelled ``label`` (e.g. ``2025/2026``), or :class:`ExportError`."""
    year = session.scalar(select(SchoolYear).where(SchoolYear.label == label))
    if year is None:
        known = ", ".join(session.scalars(select(SchoolYear.label).order_by(SchoolYear.starts_on))) or "none"
        raise ExportError(f"no school year {label!r} on this node (known: {known})")
    return year


def classes(session: Session, year: SchoolYear, wanted: str | None = None) -> list[ClassUnit]:
    """The classes of ``year`` in class-list order, or the one whose id or name (e.g. ``4b``) is ``wanted``."""
    units = list(session.scalars(select(ClassUnit).where(ClassUnit.school_year_id == year.id)
                                 .order_by(ClassUnit.level, ClassUnit.letter)))
    if wanted is None:
        return units
    chosen = [u for u in units if wanted in (u.id, u.name)]
    if not chosen:
        names = ", ".join(u.name for u in units) or "none"
        raise ExportError(f"no class {wanted!r} in school year {year.label} (classes: {names})")
    return chosen


def history_by_class(session: Session, year: SchoolYear) -> dict[str, list[GradeHistory]]:
    """Every change to a grade of the school year, grouped by the class it belongs to (deletions included).

    The history row holds the grade record before and after as JSON; current and term grades name
    their teaching assignment, behaviour grades and descriptive assessments their class.
    """
    assignment_class = dict(session.execute(
        select(TeachingAssignment.id, TeachingAssignment.class_id)
        .join(ClassUnit, ClassUnit.id == TeachingAssignment.class_id)
        .where(ClassUnit.school_year_id == year.id)).all())
    class_ids = set(session.scalars(select(ClassUnit.id).where(ClassUnit.school_year_id == year.id)))
    grouped: dict[str, list[GradeHistory]] = defaultdict(list)
    for change in session.scalars(select(GradeHistory).order_by(GradeHistory.changed_at, GradeHistory.id)):
        record = json.loads(change.after or change.before or "{}")
        class_id = record.get("class_id") or assignment_class.get(record.get("assignment_id"))
        if class_id in class_ids:
            grouped[class_id].append(change)
    return grouped


def build_journal(session: Session, unit: ClassUnit, history: Iterable[GradeHistory], *,
                  generated_at: dt.datetime, node_id: str | None) -> ET.Element:
    """The ``<journal>`` element of ``unit``'s school year (see docs/ejournal.md for every element)."""
    year = unit.school_year
    school = session.scalar(select(School))
    journal = ET.Element("journal", _attrs(format=FORMAT, version=VERSION, generated_at=generated_at,
                                           node_id=node_id))
    if school is not None:
        _sub(journal, "school", rspo=school.rspo, name=school.name, city=school.city)
    _sub(journal, "school-year", label=year.label, starts_on=year.starts_on, ends_on=year.ends_on)
    _sub(journal, "class", id=unit.id, name=unit.name, level=unit.level, letter=unit.letter,
         profile=unit.profile, tutor=unit.tutor_id)
    staff_ids: set[str] = {unit.tutor_id} if unit.tutor_id else set()
    _pupils(session, journal, unit)
    subjects: dict[str, Subject] = {s.id: s for s in session.scalars(select(Subject))}
    entries = list(session.scalars(select(TimetableEntry).where(TimetableEntry.class_id == unit.id)
                                   .order_by(TimetableEntry.valid_from, TimetableEntry.weekday,
                                             TimetableEntry.lesson_number, TimetableEntry.id)))
    bells = _sub(journal, "bell-times")
    for bell in session.scalars(select(BellTime).order_by(BellTime.number)):
        _sub(bells, "bell", number=bell.number, starts_at=bell.starts_at, ends_at=bell.ends_at)
    timetable = _sub(journal, "timetable")
    for entry in entries:
        staff_ids.add(entry.staff_member_id)
        _sub(timetable, "entry", id=entry.id, weekday=entry.weekday, lesson_number=entry.lesson_number,
             subject=entry.subject_id, teacher=entry.staff_member_id, group=entry.group_name, room=entry.room,
             valid_from=entry.valid_from, valid_to=entry.valid_to)
    staff_ids |= _lessons(session, journal, {e.id: e for e in entries})
    assignments = list(session.scalars(select(TeachingAssignment).where(TeachingAssignment.class_id == unit.id)
                                       .order_by(TeachingAssignment.starts_on, TeachingAssignment.id)))
    staff_ids |= _grades(session, journal, unit, assignments)
    changes = _sub(journal, "grade-history")
    for change in history:
        element = _sub(changes, "change", entity=change.entity, record=change.record_id, action=change.action,
                       at=change.changed_at, username=change.username, author=change.staff_member_id)
        if change.before is not None:
            _sub(element, "before", change.before)
        if change.after is not None:
            _sub(element, "after", change.after)
        if change.staff_member_id:
            staff_ids.add(change.staff_member_id)
    used_subjects = {e.subject_id for e in entries} | {a.subject_id for a in assignments}
    subject_list = _sub(journal, "subjects")
    for subject in sorted((subjects[s] for s in used_subjects if s in subjects), key=lambda s: s.code):
        _sub(subject_list, "subject", id=subject.id, code=subject.code, name=subject.name)
    staff = _sub(journal, "staff")
    for person in session.scalars(select(StaffMember).where(StaffMember.id.in_(staff_ids))
                                  .order_by(StaffMember.last_name, StaffMember.first_name, StaffMember.id)):
        _sub(staff, "person", id=person.id, first_name=person.first_name, last_name=person.last_name,
             position=person.position)
    return journal


def _pupils(session: Session, journal: ET.Element, unit: ClassUnit) -> None:
    rows = session.execute(select(Pupil, Enrolment).join(Enrolment, Enrolment.pupil_id == Pupil.id)
                           .where(Enrolment.class_id == unit.id)
                           .order_by(Pupil.last_name, Pupil.first_name, Pupil.id, Enrolment.starts_on)).all()
    pupils = _sub(journal, "pupils")
    number, seen = 0, {}
    for pupil, enrolment in rows:
        if pupil.id not in seen:
            number += 1
            seen[pupil.id] = _sub(pupils, "pupil", id=pupil.id, number=number, register_number=pupil.register_number,
                                  pesel=pupil.pesel, document_type=pupil.document_type,
                                  document_number=pupil.document_number, first_name=pupil.first_name,
                                  second_name=pupil.second_name, last_name=pupil.last_name,
                                  birth_date=pupil.birth_date, sex=pupil.sex)
        _sub(seen[pupil.id], "enrolment", starts_on=enrolment.starts_on, ends_on=enrolment.ends_on,
             admission_reason=enrolment.admission_reason, leaving_reason=enrolment.leaving_reason)


def _lessons(session: Session, journal: ET.Element, entries: dict[str, TimetableEntry]) -> set[str]:
    lessons = _sub(journal, "lessons")
    staff: set[str] = set()
    if not entries:
        return staff
    rows = list(session.scalars(select(Lesson).where(Lesson.timetable_entry_id.in_(entries))))
    marks: dict[str, list[Any]] = defaultdict(list)  # plain rows: a class's year has tens of thousands of them
    for mark in session.execute(select(Attendance.lesson_id, Attendance.pupil_id, Attendance.code,
                                       Attendance.excused_by)
                                .join(Lesson, Lesson.id == Attendance.lesson_id)
                                .where(Lesson.timetable_entry_id.in_(entries)).order_by(Attendance.pupil_id)):
        marks[mark.lesson_id].append(mark)
    rows.sort(key=lambda lesson: (lesson.lesson_date, entries[lesson.timetable_entry_id].lesson_number, lesson.id))
    for lesson in rows:
        entry = entries[lesson.timetable_entry_id]
        staff.add(lesson.staff_member_id)
        element = _sub(lessons, "lesson", id=lesson.id, date=lesson.lesson_date, number=entry.lesson_number,
                       entry=entry.id, subject=entry.subject_id, teacher=lesson.staff_member_id,
                       realised=lesson.realised)
        if lesson.topic:
            _sub(element, "topic", lesson.topic)
        for mark in marks.get(lesson.id, []):
            _sub(element, "attendance", pupil=mark.pupil_id, code=mark.code, excused_by=mark.excused_by)
    return staff


def _grades(session: Session, journal: ET.Element, unit: ClassUnit, assignments: list[TeachingAssignment]) -> set[str]:
    staff = {a.staff_member_id for a in assignments}
    ids = [a.id for a in assignments]
    categories = _sub(journal, "grade-categories")
    for category in session.scalars(select(GradeCategory).order_by(GradeCategory.name)):
        _sub(categories, "category", id=category.id, name=category.name, weight=category.weight,
             counts=category.counts, active=category.active)
    grades: dict[str, list[Grade]] = defaultdict(list)
    for grade in session.scalars(select(Grade).where(Grade.assignment_id.in_(ids))
                                 .order_by(Grade.given_on, Grade.pupil_id, Grade.id)):
        grades[grade.assignment_id].append(grade)
    terms: dict[str, list[TermGrade]] = defaultdict(list)
    for term in session.scalars(select(TermGrade).where(TermGrade.assignment_id.in_(ids))
                                .order_by(TermGrade.period, TermGrade.stage, TermGrade.pupil_id)):
        terms[term.assignment_id].append(term)
    section = _sub(journal, "grades")
    for assignment in assignments:
        element = _sub(section, "assignment", id=assignment.id, subject=assignment.subject_id,
                       teacher=assignment.staff_member_id, group=assignment.group_name,
                       starts_on=assignment.starts_on, ends_on=assignment.ends_on)
        for grade in grades.get(assignment.id, []):
            staff.add(grade.teacher_id)
            _sub(element, "grade", id=grade.id, pupil=grade.pupil_id, category=grade.category_id,
                 symbol=grade.symbol, given_on=grade.given_on, teacher=grade.teacher_id,
                 description=grade.description, series=grade.series_id)
        for term in terms.get(assignment.id, []):
            staff.add(term.teacher_id)
            _sub(element, "term-grade", id=term.id, pupil=term.pupil_id, period=term.period, stage=term.stage,
                 value=term.value, given_on=term.given_on, teacher=term.teacher_id)
    behaviour = _sub(journal, "behaviour-grades")
    for grade in session.scalars(select(BehaviourGrade).where(BehaviourGrade.class_id == unit.id)
                                 .order_by(BehaviourGrade.period, BehaviourGrade.stage, BehaviourGrade.pupil_id)):
        staff.add(grade.teacher_id)
        _sub(behaviour, "behaviour-grade", id=grade.id, pupil=grade.pupil_id, period=grade.period, stage=grade.stage,
             value=grade.value, given_on=grade.given_on, teacher=grade.teacher_id)
    descriptive = _sub(journal, "descriptive-assessments")
    for item in session.scalars(select(DescriptiveAssessment).where(DescriptiveAssessment.class_id == unit.id)
                                .order_by(DescriptiveAssessment.period, DescriptiveAssessment.pupil_id)):
        staff.add(item.teacher_id)
        _sub(descriptive, "descriptive-assessment", item.text, id=item.id, pupil=item.pupil_id, period=item.period,
             given_on=item.given_on, teacher=item.teacher_id)
    return staff

