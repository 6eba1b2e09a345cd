"""Reading behaviour notes, homework and announcements, and who may read or write them.

Access (decided here, on the server, for every page): a teacher writes notes about pupils of the
classes they teach or tutor and sets homework only in their own teaching assignments; the director
writes notes in every class; the director and the secretary read the whole school, a teacher the
classes they teach or tutor. A note is edited by its author, the director or the class's tutor (those
who answer for the pupils' behaviour); homework only by its author (as only the assignment's teacher
sets it). Deleting stays with the author. Announcements are written by the director and the secretary and read
by every member of staff.

The functions under "for other pages" are what the tutor's, the director's and the pupil-card pages
call (notes of a pupil, note counts per pupil of a class in a date range, homework of a class,
announcements shown on a date). Each loads its rows in one query whatever the class size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from node_agent.auth.models import UserAccount
from node_agent.journal.models import Announcement, AnnouncementClass, BehaviourNote, Homework, JournalHistory
from node_agent.register.models import ClassUnit, Pupil
from node_agent.school.models import Subject
from node_agent.staff.models import StaffMember, TeachingAssignment

SCHOOL_READERS = ("director", "secretary")
ANNOUNCERS = ("director", "secretary")


# --- access ---------------------------------------------------------------------------------------


def teaches_class(session: Session, user: UserAccount, class_unit: ClassUnit) -> bool:
    """Whether ``user`` is a teacher of ``class_unit``: its tutor or the teacher of one of its assignments."""
    if user.role != "teacher" or not user.staff_member_id:
        return False
    if class_unit.tutor_id == user.staff_member_id:
        return True
    return bool(session.scalar(select(TeachingAssignment.id).where(
        TeachingAssignment.class_id == class_unit.id,
        TeachingAssignment.staff_member_id == user.staff_member_id).limit(1)))


def can_write_notes(session: Session, user: UserAccount, class_unit: ClassUnit) -> bool:
    """The class's teachers and tutor write notes about its pupils; so does the director."""
    if user.role == "director":
        return bool(user.staff_member_id)
    return teaches_class(session, user, class_unit)


def edits_every_note(user: UserAccount, class_unit: ClassUnit) -> bool:
    """The director and the class's tutor may edit any note written in the class."""
    if not user.staff_member_id:
        return False
    return user.role == "director" or (user.role == "teacher" and class_unit.tutor_id == user.staff_member_id)


def can_edit_note(user: UserAccount, note: BehaviourNote, class_unit: ClassUnit) -> bool:
    """A note's author, the director or the tutor of the note's class edits it."""
    if user.role not in ("teacher", "director") or not user.staff_member_id:
        return False
    return note.author_id == user.staff_member_id or edits_every_note(user, class_unit)


def can_edit_homework(user: UserAccount, homework: Homework) -> bool:
    """Only the teacher who set homework edits it."""
    return user.role == "teacher" and bool(user.staff_member_id) and homework.author_id == user.staff_member_id


def can_read_class(session: Session, user: UserAccount, class_unit: ClassUnit) -> bool:
    """The director and the secretary read every class's notes and homework; teachers their classes'."""
    return user.role in SCHOOL_READERS or teaches_class(session, user, class_unit)


def can_set_homework(user: UserAccount, assignment: TeachingAssignment) -> bool:
    """Only the assignment's own teacher sets its homework."""
    return user.role == "teacher" and bool(user.staff_member_id) and assignment.staff_member_id == user.staff_member_id


def can_announce(user: UserAccount) -> bool:
    """The director and the secretary publish announcements."""
    return user.role in ANNOUNCERS and bool(user.staff_member_id)


def readable_classes(session: Session, user: UserAccount, year_id: str | None) -> list[ClassUnit]:
    """The classes of ``year_id`` whose notes and homework ``user`` may read, in order."""
    stmt = select(ClassUnit).where(ClassUnit.school_year_id == year_id).order_by(ClassUnit.level, ClassUnit.letter)
    if user.role not in SCHOOL_READERS:
        if user.role != "teacher" or not user.staff_member_id:
            return []
        taught = exists().where(TeachingAssignment.class_id == ClassUnit.id,
                                TeachingAssignment.staff_member_id == user.staff_member_id)
        stmt = stmt.where(or_(ClassUnit.tutor_id == user.staff_member_id, taught))
    return list(session.scalars(stmt))


def own_assignments(session: Session, user: UserAccount, year_id: str | None) -> list[tuple[TeachingAssignment, str]]:
    """(assignment, "1a – matematyka (group)") of the teacher's own assignments in ``year_id``."""
    if not user.staff_member_id:
        return []
    rows = session.execute(select(TeachingAssignment, ClassUnit, Subject)
                           .join(ClassUnit, ClassUnit.id == TeachingAssignment.class_id)
                           .join(Subject, Subject.id == TeachingAssignment.subject_id)
                           .where(ClassUnit.school_year_id == year_id,
                                  TeachingAssignment.staff_member_id == user.staff_member_id)
                           .order_by(ClassUnit.level, ClassUnit.letter, Subject.name)).all()
    return [(a, _assignment_label(a, c, s)) for a, c, s in rows]


def _assignment_label(assignment: TeachingAssignment, class_unit: ClassUnit, subject: Subject) -> str:
    group = f" ({assignment.group_name})" if assignment.group_name else ""
    return f"{class_unit.name} – {subject.name}{group}"


def assignment_name(session: Session, assignment_id: str) -> str:
    """"1a – matematyka (group)" of a teaching assignment."""
    a, c, s = session.execute(select(TeachingAssignment, ClassUnit, Subject)
                              .join(ClassUnit, ClassUnit.id == TeachingAssignment.class_id)
                              .join(Subject, Subject.id == TeachingAssignment.subject_id)
                              .where(TeachingAssignment.id == assignment_id)).one()
    return _assignment_label(a, c, s)


# --- rows for pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteRow:
    """A behaviour note with the names a page shows."""

    note: BehaviourNote
    pupil_name: str
    author_name: str
    class_name: str


@dataclass
class NoteCounts:
    """How many notes of each kind a pupil has."""

    positive: int = 0
    negative: int = 0
    neutral: int = 0

    @property
    def total(self) -> int:
        """All notes."""
        return self.positive + self.negative + self.neutral


def _notes(stmt: Select) -> Select:  # type: ignore[type-arg]
    return (stmt.join(Pupil, Pupil.id == BehaviourNote.pupil_id)
            .join(StaffMember, StaffMember.id == BehaviourNote.author_id)
            .join(ClassUnit, ClassUnit.id == BehaviourNote.class_id))


def _in_range(stmt: Select, column, start: dt.date | None, end: dt.date | None) -> Select:  # type: ignore[no-untyped-def,type-arg]
    if start is not None:
        stmt = stmt.where(column >= start)
    if end is not None:
        stmt = stmt.where(column <= end)
    return stmt


def _note_rows(session: Session, stmt: Select) -> list[NoteRow]:  # type: ignore[type-arg]
    return [NoteRow(note, f"{pupil.last_name} {pupil.first_name}", f"{author.first_name} {author.last_name}",
                    class_unit.name)
            for note, pupil, author, class_unit in session.execute(
                stmt.order_by(BehaviourNote.noted_on.desc(), Pupil.last_name, Pupil.first_name)).all()]


# --- for other pages (tutor, director, pupil card) ------------------------------------------------


def pupil_notes(session: Session, pupil_id: str, start: dt.date | None = None,
                end: dt.date | None = None) -> list[NoteRow]:
    """Every behaviour note of a pupil (in every class), newest first, optionally within [start, end]."""
    stmt = _notes(select(BehaviourNote, Pupil, StaffMember, ClassUnit)).where(BehaviourNote.pupil_id == pupil_id)
    return _note_rows(session, _in_range(stmt, BehaviourNote.noted_on, start, end))


def class_notes(session: Session, class_id: str, start: dt.date | None = None,
                end: dt.date | None = None) -> list[NoteRow]:
    """The behaviour notes written in a class, newest first, optionally within [start, end]."""
    stmt = _notes(select(BehaviourNote, Pupil, StaffMember, ClassUnit)).where(BehaviourNote.class_id == class_id)
    return _note_rows(session, _in_range(stmt, BehaviourNote.noted_on, start, end))


def class_note_counts(session: Session, class_id: str, start: dt.date | None = None,
                      end: dt.date | None = None) -> dict[str, NoteCounts]:
    """{pupil id: counts of positive, negative and neutral notes} in a class within [start, end].

    Pupils without notes are absent from the result (callers default to ``NoteCounts()``).
    """
    stmt = (select(BehaviourNote.pupil_id, BehaviourNote.kind, func.count())
            .where(BehaviourNote.class_id == class_id).group_by(BehaviourNote.pupil_id, BehaviourNote.kind))
    counts: dict[str, NoteCounts] = defaultdict(NoteCounts)
    for pupil_id, kind, number in session.execute(_in_range(stmt, BehaviourNote.noted_on, start, end)).all():
        setattr(counts[pupil_id], kind, number)
    return dict(counts)


@dataclass(frozen=True)
class HomeworkRow:
    """Homework with its class, subject and author."""

    homework: Homework
    class_unit: ClassUnit
    subject: Subject
    author_name: str
    group_name: str | None


def _homework(session: Session, stmt: Select) -> list[HomeworkRow]:  # type: ignore[type-arg]
    author = aliased(StaffMember)
    stmt = (stmt.join(TeachingAssignment, TeachingAssignment.id == Homework.assignment_id)
            .join(ClassUnit, ClassUnit.id == TeachingAssignment.class_id)
            .join(Subject, Subject.id == TeachingAssignment.subject_id)
            .join(author, author.id == Homework.author_id)
            .add_columns(ClassUnit, Subject, author, TeachingAssignment.group_name)
            .order_by(Homework.due_on, ClassUnit.level, ClassUnit.letter, Subject.name))
    return [HomeworkRow(h, c, s, f"{a.first_name} {a.last_name}", g) for h, c, s, a, g in session.execute(stmt).all()]


def class_homework(session: Session, class_id: str, start: dt.date | None = None,
                   end: dt.date | None = None) -> list[HomeworkRow]:
    """Homework of a class (every subject and group) due within [start, end], by due date."""
    stmt = _in_range(select(Homework), Homework.due_on, start, end).where(TeachingAssignment.class_id == class_id)
    return _homework(session, stmt)


def homework_of_classes(session: Session, class_ids: list[str], due_from: dt.date | None) -> list[HomeworkRow]:
    """Homework of several classes due on or after ``due_from`` (the homework page's list)."""
    if not class_ids:
        return []
    stmt = _in_range(select(Homework), Homework.due_on, due_from, None)
    stmt = stmt.where(TeachingAssignment.class_id.in_(class_ids))
    return _homework(session, stmt)


@dataclass(frozen=True)
class AnnouncementRow:
    """An announcement with its author and the names of its classes (empty: the whole school)."""

    announcement: Announcement
    author_name: str
    class_names: tuple[str, ...]


def announcements(session: Session, day: dt.date | None = None, class_ids: list[str] | None = None,
                  *, include_past: bool = False) -> list[AnnouncementRow]:
    """Announcements shown on ``day`` (all of them with ``include_past``), newest first.

    ``class_ids`` keeps the school-wide ones and those meant for one of these classes.
    """
    stmt = select(Announcement, StaffMember).join(StaffMember, StaffMember.id == Announcement.author_id)
    if day is not None:
        stmt = stmt.where(Announcement.valid_to >= day)
        if not include_past:
            stmt = stmt.where(Announcement.valid_from <= day)
    if class_ids is not None:
        targeted = exists().where(and_(AnnouncementClass.announcement_id == Announcement.id,
                                       AnnouncementClass.class_id.in_(class_ids)))
        stmt = stmt.where(or_(Announcement.scope == "school", targeted))
    rows = session.execute(stmt.order_by(Announcement.valid_from.desc(), Announcement.title)).all()
    names: dict[str, list[str]] = defaultdict(list)
    ids = [a.id for a, _s in rows]
    if ids:
        for announcement_id, class_unit in session.execute(
                select(AnnouncementClass.announcement_id, ClassUnit)
                .join(ClassUnit, ClassUnit.id == AnnouncementClass.class_id)
                .where(AnnouncementClass.announcement_id.in_(ids)).order_by(ClassUnit.level, ClassUnit.letter)).all():
            names[announcement_id].append(class_unit.name)
    return [AnnouncementRow(a, f"{s.first_name} {s.last_name}", tuple(names[a.id])) for a, s in rows]


# --- history of a note or homework ----------------------------------------------------------------

NOTE_FIELDS = ("kind", "category", "noted_on", "text", "audience")
HOMEWORK_FIELDS = ("set_on", "due_on", "description", "audience")


@dataclass(frozen=True)
class HistoryRow:
    """One change as a page lists it: when, by whom, the action and each changed field (name, before, after)."""

    entry: JournalHistory
    author_name: str
    changes: tuple[tuple[str, object, object], ...]


def history_rows(session: Session, entity: str, record_id: str) -> list[HistoryRow]:
    """Every change to a note or homework, oldest first, with the fields a person chooses that changed."""
    fields = NOTE_FIELDS if entity == "behaviour_note" else HOMEWORK_FIELDS
    entries = list(session.scalars(select(JournalHistory).where(JournalHistory.entity == entity,
                                                                JournalHistory.record_id == record_id)
                                   .order_by(JournalHistory.id)))
    names = dict(session.execute(select(StaffMember.id, StaffMember.first_name + " " + StaffMember.last_name)
                                 .where(StaffMember.id.in_({e.staff_member_id for e in entries}))).all())
    rows = []
    for entry in entries:
        before, after = entry.record("before"), entry.record("after")
        changes = tuple((f, before.get(f), after.get(f)) for f in fields if before.get(f) != after.get(f))
        rows.append(HistoryRow(entry, names.get(entry.staff_member_id, entry.username), changes))
    return rows
