"""Year-end promotion of the whole school: preview, the director's choices, then one transaction.

The preview lists, per class of the closing school year, who is promoted to the next level, who
repeats the year (the director marks non-promotion per pupil) and who finishes the school (the
classes of the last level, a school setting; the director may mark a class either way). Applying
it, in the caller's one transaction: the next school year is created if missing (dates from the
city calendar when the hub sent one), so are its classes (level + 1, same letter, profile and
tutor; repeaters go to the same level and letter), every class membership of the closing year ends
on its last day — ``promotion``, ``class_change`` for repeaters, ``graduated`` — and the new ones
start on the first day of the next year; those who finish leave the register with ``graduated``.

Preschool groups and level-0 classes are not promoted (children move on by admission, not by
promotion): the preview lists them apart. Applying twice is refused. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.dictionaries.models import CityCalendarRecord
from node_agent.records import ValidationFailed, apply_record, to_wire
from node_agent.register import operations as ops
from node_agent.register.admission import history_entry, open_entry
from node_agent.register.models import ClassUnit, Enrolment, PromotionChoice, Pupil, RegisterEntry
from node_agent.register.numbering import final_level
from node_agent.school.models import SchoolYear
from protocol.entities_secretariat import REGISTER_ENTRY
from protocol.fields import FieldError, new_id
from protocol.i18n import N_
from zszo.web.text import polish_key

OUTCOMES = ("promoted", "repeats", "graduates")
PUPIL_CHOICES = ("repeats",)
CLASS_CHOICES = ("graduates", "continues")
_LEAVING = {"promoted": "promotion", "repeats": "class_change", "graduates": "graduated"}
_ADMISSION = {"promoted": "promotion", "repeats": "class_change"}


@dataclass
class PupilLine:
    """One pupil of a class in the preview."""

    pupil: Pupil
    enrolment: Enrolment
    outcome: str


@dataclass
class ClassPlan:
    """One class of the closing year: where it goes and what happens to each pupil."""

    class_unit: ClassUnit
    graduating: bool
    pupils: list[PupilLine] = field(default_factory=list)

    @property
    def target_name(self) -> str:
        """Name of the class its promoted pupils join ("4b")."""
        return f"{self.class_unit.level + 1}{self.class_unit.letter}"

    def count(self, outcome: str) -> int:
        """How many pupils of the class get ``outcome``."""
        return sum(1 for line in self.pupils if line.outcome == outcome)


@dataclass
class Plan:
    """The whole school's promotion: classes promoted, classes left out, the next year's label and dates."""

    year: SchoolYear
    next_label: str
    next_starts: dt.date
    next_ends: dt.date
    final_level: int
    classes: list[ClassPlan]
    skipped: list[ClassUnit]

    def totals(self) -> Counter[str]:
        """Pupils per outcome in the whole school."""
        return Counter(line.outcome for c in self.classes for line in c.pupils)

    def levels_after(self) -> dict[int, int]:
        """Pupils per level in the next year (from this promotion only)."""
        after: Counter[int] = Counter()
        for plan in self.classes:
            for line in plan.pupils:
                if line.outcome == "promoted":
                    after[plan.class_unit.level + 1] += 1
                elif line.outcome == "repeats":
                    after[plan.class_unit.level] += 1
        return dict(sorted(after.items()))


@dataclass(frozen=True)
class Result:
    """What applying the promotion wrote."""

    next_year: SchoolYear
    classes_created: int
    promoted: int
    repeating: int
    graduated: int


def next_year_dates(session: Session, year: SchoolYear) -> tuple[str, dt.date, dt.date]:
    """Label, first and last day of the school year after ``year`` (the city calendar's, if received)."""
    first = int(year.label.split("/")[0]) + 1
    label = f"{first}/{first + 1}"
    calendar = session.get(CityCalendarRecord, label)
    if calendar is not None:
        body = json.loads(calendar.body)
        return label, dt.date.fromisoformat(body["starts_on"]), dt.date.fromisoformat(body["ends_on"])
    return label, dt.date(first, 9, 1), dt.date(first + 1, 8, 31)


def _choices(session: Session, year: SchoolYear) -> dict[str, str]:
    return dict(session.execute(select(PromotionChoice.target_id, PromotionChoice.choice)
                                .where(PromotionChoice.school_year_id == year.id)).all())


def preview(session: Session, year: SchoolYear) -> Plan:
    """The promotion of ``year`` as it would be applied now (reads only)."""
    label, starts, ends = next_year_dates(session, year)
    last_level = final_level(session)
    choices = _choices(session, year)
    classes = list(session.scalars(select(ClassUnit).where(ClassUnit.school_year_id == year.id)
                                   .order_by(ClassUnit.level, ClassUnit.letter)))
    rows = session.execute(
        select(Enrolment, Pupil).join(Pupil, Pupil.id == Enrolment.pupil_id)
        .where(Enrolment.class_id.in_([c.id for c in classes]), Enrolment.ends_on.is_(None))).all()
    # Sorted here, not in SQL: the "pl" collation exists only on the web app's connections.
    rows.sort(key=lambda row: (polish_key(row[1].last_name), polish_key(row[1].first_name), row[1].id))
    by_class: dict[str, list[tuple[Enrolment, Pupil]]] = {}
    for enrolment, pupil in rows:
        by_class.setdefault(enrolment.class_id, []).append((enrolment, pupil))
    plans, skipped = [], []
    for class_unit in classes:
        if class_unit.level == 0:
            skipped.append(class_unit)
            continue
        graduating = choices.get(class_unit.id) == "graduates" or (
            class_unit.level >= last_level and choices.get(class_unit.id) != "continues")
        plan = ClassPlan(class_unit, graduating)
        for enrolment, pupil in by_class.get(class_unit.id, []):
            outcome = "repeats" if choices.get(pupil.id) == "repeats" else "graduates" if graduating else "promoted"
            plan.pupils.append(PupilLine(pupil, enrolment, outcome))
        plans.append(plan)
    return Plan(year, label, starts, ends, last_level, plans, skipped)


def mark(session: Session, year: SchoolYear, target_id: str, choice: str | None, *, by: str) -> None:
    """Record (or with None clear) a choice: a pupil repeats, a class finishes the school or continues."""
    plan = preview(session, year)
    pupils = {line.pupil.id for c in plan.classes for line in c.pupils}
    classes = {c.class_unit.id for c in plan.classes}
    allowed = PUPIL_CHOICES if target_id in pupils else CLASS_CHOICES if target_id in classes else ()
    if choice is not None and choice not in allowed:
        raise ValidationFailed([FieldError("choice", "choice", N_("choose one of the listed options"),
                                           {"label": N_("Decision")})])
    row = session.get(PromotionChoice, (year.id, target_id))
    if choice is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(PromotionChoice(school_year_id=year.id, target_id=target_id, choice=choice, marked_by=by[:64]))
    else:
        row.choice, row.marked_by = choice, by[:64]
    session.flush()


def _target_class(session: Session, cache: dict[tuple[int, str], ClassUnit], year: SchoolYear, source: ClassUnit,
                  level: int, created: list[ClassUnit]) -> ClassUnit:
    key = (level, source.letter)
    if key not in cache:
        found = session.scalar(select(ClassUnit).where(ClassUnit.school_year_id == year.id,
                                                       ClassUnit.level == level, ClassUnit.letter == source.letter))
        if found is None:
            found = apply_record(session, ClassUnit, {  # type: ignore[assignment]
                "id": new_id(), "school_year_id": year.id, "level": level, "letter": source.letter,
                "profile": source.profile, "tutor_id": source.tutor_id})
            created.append(found)  # type: ignore[arg-type]
        cache[key] = found  # type: ignore[assignment]
    return cache[key]


def apply(session: Session, year: SchoolYear, *, by: str) -> Result:
    """Apply the promotion of ``year`` as previewed (the caller commits once, or rolls everything back)."""
    plan = preview(session, year)
    next_year = session.scalar(select(SchoolYear).where(SchoolYear.label == plan.next_label))
    if next_year is not None and session.scalar(
            select(Enrolment.id).join(ClassUnit, ClassUnit.id == Enrolment.class_id)
            .where(ClassUnit.school_year_id == next_year.id, Enrolment.admission_reason == "promotion").limit(1)):
        raise ValidationFailed([FieldError("year", "already_promoted",
                                           N_("the promotion to the school year {year} has already been applied"),
                                           {"label": N_("school year"), "year": plan.next_label})])
    if not plan.classes:
        raise ValidationFailed([FieldError("year", "nothing", N_("there are no classes to promote in this year"),
                                           {"label": N_("school year")})])
    if next_year is None:
        next_year = apply_record(session, SchoolYear, {  # type: ignore[assignment]
            "id": new_id(), "label": plan.next_label, "starts_on": plan.next_starts.isoformat(),
            "ends_on": plan.next_ends.isoformat()})
    cache: dict[tuple[int, str], ClassUnit] = {}
    created: list[ClassUnit] = []
    counts: Counter[str] = Counter()
    assert next_year is not None
    for class_plan in plan.classes:
        source = class_plan.class_unit
        for line in class_plan.pupils:
            ends = max(year.ends_on, line.enrolment.starts_on)
            ops.end_enrolment(session, line.enrolment, ends_on=ends, leaving_reason=_LEAVING[line.outcome])
            counts[line.outcome] += 1
            if line.outcome == "graduates":
                _graduate(session, line.pupil, ends)
                continue
            level = source.level + 1 if line.outcome == "promoted" else source.level
            target = _target_class(session, cache, next_year, source, level, created)
            apply_record(session, Enrolment, {
                "id": new_id(), "pupil_id": line.pupil.id, "class_id": target.id,
                "starts_on": next_year.starts_on.isoformat(), "ends_on": None,
                "admission_reason": _ADMISSION[line.outcome], "leaving_reason": None})
    for choice in session.scalars(select(PromotionChoice).where(PromotionChoice.school_year_id == year.id)):
        session.delete(choice)
    session.flush()
    return Result(next_year, len(created), counts["promoted"], counts["repeats"], counts["graduates"])


def _graduate(session: Session, pupil: Pupil, left_on: dt.date) -> None:
    """Close the pupil's register entry: they finished the school."""
    entry: RegisterEntry | None = open_entry(session, pupil.id) or history_entry(session, pupil)
    if entry is None or entry.left_on is not None:
        return
    record = to_wire(REGISTER_ENTRY, entry)
    record.update(left_on=max(left_on, entry.admitted_on).isoformat(), leaving_reason="graduated")
    apply_record(session, RegisterEntry, record, entry)
