"""A transferred pupil's history, as the sending school's package shows it (read-only, for pages).

The package holds records of any entity that concerns the pupil (see hub/transfers/package.py);
this module turns the ones a page can show — class memberships with their class and school
year, register entries, guardians, current and term grades per subject, behaviour grades and
attendance per month — into rows, and counts the rest per entity. Attendance is tallied by standard
kind with :mod:`protocol.attendance` (a school's own codes are stored as their kind). Averages are
not recomputed: the value of ``+``/``−`` is the sending school's own setting, which does not travel.
Pure: no database, no writes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from protocol.attendance import CODES, day_tally, tally_counts
from protocol.entities import ENTITIES
from protocol.fields import parse_date

SHOWN = frozenset({"pupil", "enrolment", "class_unit", "school_year", "register_entry", "guardian",
                   "pupil_guardian", "guardian_verification", "school", "subject", "grade", "term_grade",
                   "grade_category", "teaching_assignment", "behaviour_grade", "attendance", "lesson",
                   "timetable_entry", "attendance_code"})


@dataclass
class History:
    """Rows of a pupil's history at other schools."""

    enrolments: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    guardians: list[dict[str, Any]] = field(default_factory=list)
    grades: list[dict[str, Any]] = field(default_factory=list)  # per school and subject
    behaviour: list[dict[str, Any]] = field(default_factory=list)
    attendance: list[dict[str, Any]] = field(default_factory=list)  # per school and month
    others: list[tuple[str, int]] = field(default_factory=list)  # (entity label message id, count)


def summarize(body: dict[str, Any]) -> History:
    """The history rows of a ``transfer_offer`` body."""
    records: dict[str, list[dict[str, Any]]] = body.get("records") or {}
    schools: dict[str, str] = body.get("schools") or {}
    classes = {c.get("id"): c for c in records.get("class_unit", [])}
    years = {y.get("id"): y for y in records.get("school_year", [])}
    history = History()
    for e in sorted(records.get("enrolment", []), key=lambda r: (r.get("starts_on") or "", r.get("id") or "")):
        unit = classes.get(e.get("class_id"), {})
        level, letter = unit.get("level"), unit.get("letter") or ""
        history.enrolments.append({
            "school": schools.get(e.get("_school"), e.get("_school") or ""),
            "class": f"{level}{letter}" if level else letter,
            "year": years.get(unit.get("school_year_id"), {}).get("label", ""),
            "starts_on": e.get("starts_on"), "ends_on": e.get("ends_on"),
            "admission_reason": e.get("admission_reason"), "leaving_reason": e.get("leaving_reason")})
    for r in sorted(records.get("register_entry", []), key=lambda r: r.get("admitted_on") or ""):
        history.entries.append({**r, "school": schools.get(r.get("_school"), r.get("_school") or "")})
    guardians = {g.get("id"): g for g in records.get("guardian", [])}
    for link in records.get("pupil_guardian", []):
        if link.get("_school") == body.get("from_rspo") and link.get("guardian_id") in guardians:
            history.guardians.append({**guardians[link["guardian_id"]], "relation": link.get("relation"),
                                      "legal_custody": link.get("legal_custody"),
                                      "may_receive_info": link.get("may_receive_info")})
    history.grades = _grades(records, schools)
    history.behaviour = sorted(({**b, "school": schools.get(b.get("_school"), b.get("_school") or "")}
                                for b in records.get("behaviour_grade", [])),
                               key=lambda b: (b.get("given_on") or "", b.get("period") or "", b.get("stage") or ""))
    history.attendance = _attendance(records, schools)
    counts = Counter(name for name, rows in records.items() if name not in SHOWN for _ in rows)
    history.others = [(ENTITIES[name].label if name in ENTITIES else name, n) for name, n in sorted(counts.items())]
    return history


def _grades(records: dict[str, list[dict[str, Any]]], schools: dict[str, str]) -> list[dict[str, Any]]:
    """Per school and subject: the current grades (symbol, category, date) and the term grades."""
    subjects = {s.get("id"): s.get("name") or "" for s in records.get("subject", [])}
    assignments = {a.get("id"): a for a in records.get("teaching_assignment", [])}
    categories = {c.get("id"): c.get("name") or "" for c in records.get("grade_category", [])}
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(record: dict[str, Any]) -> dict[str, Any]:
        assignment = assignments.get(record.get("assignment_id"), {})
        school = schools.get(record.get("_school"), record.get("_school") or "")
        subject = subjects.get(assignment.get("subject_id"), "")
        return rows.setdefault((school, subject), {"school": school, "subject": subject, "grades": [], "term": {}})

    for g in sorted(records.get("grade", []), key=lambda g: (g.get("given_on") or "", g.get("id") or "")):
        row(g)["grades"].append({"symbol": g.get("symbol"), "category": categories.get(g.get("category_id"), ""),
                                 "given_on": g.get("given_on")})
    for t in records.get("term_grade", []):
        row(t)["term"][(t.get("period"), t.get("stage"))] = t.get("value")
    return [rows[key] for key in sorted(rows)]


def _attendance(records: dict[str, list[dict[str, Any]]], schools: dict[str, str]) -> list[dict[str, Any]]:
    """Per school and month: lessons with each standard code, the attendance tally and the class days."""
    days = {lesson.get("id"): lesson.get("lesson_date") or "" for lesson in records.get("lesson", [])}
    months: dict[tuple[str, str], list[tuple[dt.date, str]]] = {}
    for a in records.get("attendance", []):
        day, code = parse_date(days.get(a.get("lesson_id"), "")), a.get("code")
        if day is None or code not in CODES:
            continue
        school = schools.get(a.get("_school"), a.get("_school") or "")
        months.setdefault((school, f"{day:%Y-%m}"), []).append((day, code))
    out = []
    for (school, month), items in sorted(months.items()):
        counts = Counter(code for _day, code in items)
        tally, class_days = tally_counts(counts), day_tally(items)
        out.append({"school": school, "month": f"{month[5:]}.{month[:4]}", "codes": {c: counts[c] for c in CODES},
                    "tally": tally, "days": class_days})
    return out
