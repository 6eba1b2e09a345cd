"""Deterministic demo term: bell times, a timetable per class, lessons with topics and attendance, grades.

For one generated institution (its classes, staff, subjects and enrolments from
:mod:`zszo.demo.generator`) this writes what a school's e-journal holds after the first weeks of the
school year: bell times; teaching assignments and a timetable for every class of grades 1 and up
(the tutor teaches the class's main subject, subject teachers share the rest without ever being in
two rooms at once); every lesson from the start of the year (or the last ``weeks`` weeks) to the
demo's "today" on lesson days of the city's calendar, with a topic and every enrolled pupil's
attendance (absences mostly as whole days of illness, excused by the tutor once a note came in;
some lateness, school business and releases; every third institution also defines a few attendance
codes of its own, each mapped to a standard kind, and marks part of its school business and releases
with them); grades in the usual categories, in columns for a
test and one by one for an answer; and proposed term grades in part of the subjects, from the
pupil's grades. Preschool groups keep their day-based life and get none of this.

Like the generator, it never writes anything: it returns wire records, every field present, that
pass the protocol's validation, drawn from RNGs seeded with (seed, institution, part), so the rest
of the demo city is unchanged by it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from node_agent.grades.settings import STANDARD_CATEGORIES
from node_agent.timetable.days import public_holiday
from protocol.calendar import standard_calendar

YEAR_START = dt.date(2026, 9, 1)
TODAY = dt.date(2026, 11, 28)  # the demo's "now" (zszo.demo.pupils.TODAY): lessons run up to the day before
BELLS = (("08:00", "08:45"), ("08:55", "09:40"), ("09:50", "10:35"), ("10:55", "11:40"), ("11:50", "12:35"),
         ("12:45", "13:30"), ("13:40", "14:25"), ("14:35", "15:20"))
EARLY_YEARS = {"ew": 16, "ang": 2, "wf": 3, "rel": 2, "gw": 0}
WEEK = {"pol": 5, "mat": 4, "ang": 3, "niem": 2, "hist": 2, "wos": 1, "przyr": 2, "biol": 1, "chem": 2, "fiz": 2,
        "geo": 1, "inf": 1, "tech": 1, "plast": 1, "muz": 1, "wf": 4, "edb": 1, "rel": 2, "gw": 1, "hisz": 2,
        "franc": 2, "filoz": 1, "biz": 1, "edzdr": 1}
SKIP = {"ew", "etyka", "dor", "edzdr"}  # not in the older classes' plan (ew is grades 1-3; the others optional)
MAX_WEEK = 32
TOPICS = ("Wprowadzenie do działu", "Ćwiczenia utrwalające", "Praca z podręcznikiem", "Rozwiązywanie zadań",
          "Powtórzenie wiadomości", "Praca w grupach", "Omówienie pracy domowej", "Nowe pojęcia i przykłady",
          "Sprawdzian wiadomości", "Poprawa sprawdzianu", "Praca z tekstem źródłowym", "Lekcja powtórzeniowa")
CATEGORY_USE = (("kartkówka", 35), ("odpowiedź", 20), ("sprawdzian", 15), ("praca domowa", 15), ("aktywność", 15))
WHOLE_CLASS = {"kartkówka", "sprawdzian", "praca domowa"}
# A school's own codes (mark, name, standard kind, in use); "kw" is kept but out of use, as schools keep old codes.
SCHOOL_CODES = (("wyc", "Wycieczka szkolna", "school_reason", True),
                ("kon", "Konkurs lub zawody", "school_reason", True),
                ("zwr", "Zwolniony na prośbę rodzica", "released", True),
                ("kw", "Kwarantanna", "excused", False))
SCHOOL_CODE_SHARE = 0.6  # of the school business and releases marked with a school's own code


def fast_uid(rng: random.Random) -> Callable[[], str]:
    """UUID4 text drawn from ``rng``: the same text as ``str(uuid.UUID(int=..., version=4))``, several times faster
    (a term has hundreds of thousands of records)."""
    clear = ~((0xC000 << 48) | (0xF000 << 64))
    fixed = (0x8000 << 48) | (4 << 76)

    def uid() -> str:
        h = f"{(rng.getrandbits(128) & clear) | fixed:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return uid


def _winter_holidays(first_year: int) -> dt.date:
    january = dt.date(first_year + 1, 1, 1)
    return january + dt.timedelta(days=(7 - january.weekday()) % 7 + 14)


def lesson_days(weeks: int | None) -> list[dt.date]:
    """Lesson days of the demo school year up to the demo's today (the last ``weeks`` weeks of them, or all)."""
    calendar = standard_calendar(YEAR_START.year, _winter_holidays(YEAR_START.year))
    first = YEAR_START if weeks is None else max(YEAR_START, TODAY - dt.timedelta(weeks=weeks))
    days, day = [], first
    while day < TODAY:
        if day.isoweekday() <= 5 and calendar.is_lesson_day(day) and public_holiday(day) is None:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _week_plan(level: int, codes: list[str]) -> list[tuple[str, int]]:
    """(subject code, lessons a week) of a class, from the subjects the school teaches."""
    if level <= 3 and "ew" in codes:
        return [(c, h) for c, h in EARLY_YEARS.items() if c in codes and h]
    plan, total = [], 0
    for code in codes:
        hours = WEEK.get(code, 3 if code.startswith("z") else 2)
        if code in SKIP or (code.startswith("z") and sum(c.startswith("z") for c, _h in plan) >= 3):
            continue
        if total + hours <= MAX_WEEK:
            plan.append((code, hours))
            total += hours
    return plan


@dataclass
class _Slotting:
    """Who is where when: a class and a teacher are each in one place per (weekday, lesson number)."""

    busy: set[tuple[str, int, int]]
    load: dict[str, int]

    def free(self, who: str, weekday: int, number: int) -> bool:
        return (who, weekday, number) not in self.busy

    def take(self, class_id: str, teacher: str, weekday: int, number: int) -> None:
        self.busy.update({(class_id, weekday, number), (teacher, weekday, number)})
        self.load[teacher] = self.load.get(teacher, 0) + 1


def _timetable(classes: list[dict[str, Any]], teachers: list[str], subjects: dict[str, str],
               rng: random.Random, uid: Callable[[], str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Timetable entries and teaching assignments of ``classes`` (subject code → id in ``subjects``)."""
    slots = _Slotting(set(), {})
    by_subject: dict[str, list[str]] = defaultdict(list)
    entries, assignments = [], {}
    codes = list(subjects)
    for unit in classes:
        plan = _week_plan(unit["level"], codes)
        lessons = [code for code, hours in plan for _ in range(hours)]
        rng.shuffle(lessons)
        teacher_of: dict[str, str] = {}
        if plan and unit["tutor_id"]:
            teacher_of[plan[0][0]] = unit["tutor_id"]
        for code in lessons:
            teacher = teacher_of.get(code)
            if teacher is None:
                pool = [t for t in by_subject[code] if slots.load.get(t, 0) < 22]
                teacher = min(pool or teachers, key=lambda t: (slots.load.get(t, 0), t))
                teacher_of[code] = teacher
                if teacher not in by_subject[code]:
                    by_subject[code].append(teacher)
            place = next(((d, n) for n in range(1, len(BELLS) + 1) for d in range(1, 6)
                          if slots.free(unit["id"], d, n) and slots.free(teacher, d, n)), None)
            if place is None:  # the subject teacher is full where the class is free: a colleague takes it
                place, teacher = next(((d, n), t) for n in range(1, len(BELLS) + 1) for d in range(1, 6)
                                      for t in sorted(teachers, key=lambda t: slots.load.get(t, 0))
                                      if slots.free(unit["id"], d, n) and slots.free(t, d, n))
            slots.take(unit["id"], teacher, *place)
            entries.append({"id": uid(), "class_id": unit["id"], "weekday": place[0], "lesson_number": place[1],
                            "subject_id": subjects[code], "staff_member_id": teacher, "group_name": None,
                            "room": str(rng.randint(1, 40)), "valid_from": YEAR_START.isoformat(), "valid_to": None})
            key = (teacher, subjects[code], unit["id"])
            if key not in assignments:
                assignments[key] = {"id": uid(), "staff_member_id": teacher, "subject_id": subjects[code],
                                    "class_id": unit["id"], "group_name": None, "hours_per_week": 0,
                                    "starts_on": YEAR_START.isoformat(), "ends_on": None}
            assignments[key]["hours_per_week"] += 1
    return entries, list(assignments.values())


def _members(enrolments: list[dict[str, Any]]) -> dict[str, list[tuple[str, dt.date, dt.date | None]]]:
    out: dict[str, list[tuple[str, dt.date, dt.date | None]]] = defaultdict(list)
    for e in enrolments:
        out[e["class_id"]].append((e["pupil_id"], dt.date.fromisoformat(e["starts_on"]),
                                   dt.date.fromisoformat(e["ends_on"]) if e["ends_on"] else None))
    return out


def _illness(pupils: list[str], days: list[dt.date], rng: random.Random) -> set[tuple[str, dt.date]]:
    """(pupil, day) of whole days away ill: spells of 1-5 lesson days, about 6% of days in all."""
    away: set[tuple[str, dt.date]] = set()
    for pupil in pupils:
        i = 0
        while i < len(days):
            if rng.random() < 0.02:
                for day in days[i:i + rng.randint(1, 5)]:
                    away.add((pupil, day))
                i += 5
            i += 1
    return away


def _code(rng: random.Random, ill: bool, day: dt.date) -> str:
    if ill:  # a note from home excuses it, except the last week's, which may still come
        return "excused" if day < TODAY - dt.timedelta(days=7) or rng.random() < 0.3 else "absent"
    roll = rng.random()
    if roll < 0.012:
        return "late"
    if roll < 0.016:
        return "absent"  # a skipped lesson
    if roll < 0.019:
        return "school_reason"
    if roll < 0.022:
        return "released"
    return "present"


def _symbol(rng: random.Random, ability: float) -> str:
    if rng.random() < 0.02:
        return "np"
    value = min(6.0, max(1.0, rng.gauss(ability, 0.9)))
    whole = int(round(value))
    rest = value - whole
    modifier = "+" if rest > 0.2 and whole < 6 else "-" if rest < -0.2 and whole > 1 else ""
    return f"{whole}{modifier}"


@dataclass(frozen=True)
class Term:
    """The term's records by entity name."""

    records: dict[str, list[dict[str, Any]]]


def _school_codes(seed: str) -> tuple[list[dict[str, Any]], Callable[[str], str | None]]:
    """A school's own attendance codes and a function giving the code (or None) for a row of a standard kind.

    Drawn from their own RNG (seeded by ``seed``), so the rest of the term is the same with or without them.
    """
    rng = random.Random(seed)
    uid = fast_uid(rng)
    codes = [{"id": uid(), "mark": mark, "name": name, "kind": kind, "active": active}
             for mark, name, kind, active in SCHOOL_CODES]
    in_use: dict[str, list[str]] = defaultdict(list)
    for code in codes:
        if code["active"]:
            in_use[code["kind"]].append(code["id"])

    def pick(kind: str) -> str | None:
        choices = in_use.get(kind)
        return rng.choice(choices) if choices and rng.random() < SCHOOL_CODE_SHARE else None
    return codes, pick


def generate_term(classes: list[dict[str, Any]], staff: list[dict[str, Any]], subjects: list[dict[str, Any]],
                  enrolments: list[dict[str, Any]], rng: random.Random, uid: Callable[[], str],
                  weeks: int | None, *, school_codes: bool = False) -> Term:
    """The term of the institution's classes of grade 1 and up (see the module docstring); ``school_codes``:
    the school defines its own attendance codes and uses them."""
    graded = [c for c in classes if c["level"] >= 1]
    teachers = [s["id"] for s in staff if s["position"] == "teacher" and s["active"]]
    if not graded or not teachers:
        return Term({})
    bells = [{"id": uid(), "number": n, "starts_at": start, "ends_at": end}
             for n, (start, end) in enumerate(BELLS, start=1)]
    categories = [{"id": uid(), "name": name, "weight": weight, "counts": counts, "active": True}
                  for name, weight, counts in STANDARD_CATEGORIES]
    category_id = {c["name"]: c["id"] for c in categories}
    entries, assignments = _timetable(graded, teachers, {s["code"]: s["id"] for s in subjects}, rng, uid)
    days = lesson_days(weeks)
    members = _members(enrolments)
    tutors = {c["id"]: c["tutor_id"] for c in graded}
    by_class_day: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        by_class_day[(entry["class_id"], entry["weekday"])].append(entry)
    codes, pick = _school_codes(f"school-codes-{graded[0]['id']}") if school_codes else ([], lambda _kind: None)
    lessons, attendance = [], []
    taught: dict[tuple[str, str, str], list[dt.date]] = defaultdict(list)  # (teacher, subject, class) → days
    count: dict[tuple[str, str], int] = defaultdict(int)
    for unit in graded:
        pupils = [p for p, _s, _e in members[unit["id"]]]
        ill = _illness(sorted(set(pupils)), days, rng)
        for day in days:
            present = [p for p, starts, ends in members[unit["id"]] if starts <= day and (ends is None or day <= ends)]
            for entry in sorted(by_class_day[(unit["id"], day.isoweekday())], key=lambda e: e["lesson_number"]):
                count[(unit["id"], entry["subject_id"])] += 1
                n = count[(unit["id"], entry["subject_id"])]
                lesson = {"id": uid(), "timetable_entry_id": entry["id"], "lesson_date": day.isoformat(),
                          "staff_member_id": entry["staff_member_id"],
                          "topic": f"Lekcja {n}: {TOPICS[(n * 7 + len(unit['letter'])) % len(TOPICS)]}",
                          "realised": True}
                lessons.append(lesson)
                taught[(entry["staff_member_id"], entry["subject_id"], unit["id"])].append(day)
                for pupil in present:
                    code = _code(rng, (pupil, day) in ill, day)
                    attendance.append({"id": uid(), "lesson_id": lesson["id"], "pupil_id": pupil, "code": code,
                                       "excused_by": tutors[unit["id"]] if code == "excused" else None,
                                       "school_code_id": pick(code) if code in ("school_reason", "released")
                                       else None})
    grades, terms = _grades(assignments, taught, members, category_id, rng, uid)
    return Term({"bell_time": bells, "grade_category": categories, "teaching_assignment": assignments,
                 "timetable_entry": entries, "lesson": lessons, "attendance_code": codes, "attendance": attendance,
                 "grade": grades, "term_grade": terms})


def _grades(assignments: list[dict[str, Any]], taught: dict[tuple[str, str, str], list[dt.date]],
            members: dict[str, list[tuple[str, dt.date, dt.date | None]]], category_id: dict[str, str],
            rng: random.Random, uid: Callable[[], str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Current grades (about one per pupil per three lessons) and, in a third of the subjects, proposed term grades."""
    ability: dict[str, float] = {}
    grades, terms = [], []
    names, weights = zip(*CATEGORY_USE, strict=True)
    for a in assignments:
        days = taught.get((a["staff_member_id"], a["subject_id"], a["class_id"]), [])
        pupils = sorted({p for p, _s, _e in members[a["class_id"]]})
        given: dict[str, list[str]] = defaultdict(list)
        for day in days[2::3]:
            category = rng.choices(names, weights)[0]
            on_day = [p for p, starts, ends in members[a["class_id"]]
                      if starts <= day and (ends is None or day <= ends)]
            chosen = on_day if category in WHOLE_CLASS else rng.sample(on_day, min(len(on_day), rng.randint(2, 5)))
            series = uid() if len(chosen) > 1 else None
            for pupil in chosen:
                level = ability.setdefault(pupil, min(5.6, max(2.2, rng.gauss(3.9, 0.8))))
                symbol = _symbol(rng, level)
                given[pupil].append(symbol)
                grades.append({"id": uid(), "pupil_id": pupil, "assignment_id": a["id"],
                               "category_id": category_id[category], "symbol": symbol, "given_on": day.isoformat(),
                               "description": category.capitalize() if category in WHOLE_CLASS else None,
                               "series_id": series, "teacher_id": a["staff_member_id"]})
        if days and rng.random() < 0.33:  # this teacher has already proposed the term grades
            for pupil in pupils:
                values = [int(s[0]) for s in given.get(pupil, []) if s[0].isdigit()]
                if values:
                    terms.append({"id": uid(), "pupil_id": pupil, "assignment_id": a["id"], "period": "term",
                                  "stage": "proposed", "value": max(1, min(6, round(sum(values) / len(values)))),
                                  "given_on": (TODAY - dt.timedelta(days=1)).isoformat(),
                                  "teacher_id": a["staff_member_id"]})
    return grades, terms
