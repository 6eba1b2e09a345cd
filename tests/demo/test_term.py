"""The demo term: a timetable per class, lessons with attendance, grades and proposed term grades that
follow the school's rules, leave the rest of the demo city unchanged, and reach the hub's warehouse."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from hub import config as hub_config
from protocol import grading
from protocol.entities import ENTITIES
from zszo.demo.generator import generate_school
from zszo.demo.load import write_city
from zszo.demo.plan import city_plan
from zszo.demo.run import enrol_nodes, prepare_city, process, sync_city, wait_for, wait_merged
from zszo.demo.term import TODAY, YEAR_START, lesson_days

TERM = ("bell_time", "grade_category", "teaching_assignment", "timetable_entry", "lesson", "attendance_code",
        "attendance", "grade", "term_grade")


@pytest.fixture(scope="module")
def school():  # type: ignore[no-untyped-def]
    """The city's first institution (a primary school) at 20% size with the whole term."""
    return generate_school(city_plan(2026)[0], scale=0.2, term_weeks=None)


def test_lesson_days_follow_the_calendar() -> None:
    days = lesson_days(None)
    assert days[0] == YEAR_START and days[-1] == dt.date(2026, 11, 27)  # Friday before the demo's Saturday
    assert all(d.isoweekday() <= 5 for d in days)
    assert dt.date(2026, 11, 11) not in days and dt.date(2026, 11, 2) in days  # Independence Day off
    assert lesson_days(2)[0] == dt.date(2026, 11, 16) and len(lesson_days(2)) == 10


def test_records_are_valid_and_complete(school) -> None:  # type: ignore[no-untyped-def]
    for name in TERM:
        records = school.records[name]
        assert records, name
        assert all(tuple(r) == ENTITIES[name].field_names for r in records), name
        assert [e for r in records for e in ENTITIES[name].validate(r)] == [], name


def test_nobody_is_in_two_places_at_once(school) -> None:  # type: ignore[no-untyped-def]
    entries = school.records["timetable_entry"]
    by_class = Counter((e["class_id"], e["weekday"], e["lesson_number"]) for e in entries)
    by_teacher = Counter((e["staff_member_id"], e["weekday"], e["lesson_number"]) for e in entries)
    assert max(by_class.values()) == 1 and max(by_teacher.values()) == 1
    graded = {c["id"] for c in school.records["class_unit"] if c["level"] >= 1}
    assert {e["class_id"] for e in entries} == graded  # every class of grade 1 and up, no preschool group
    hours = Counter(e["class_id"] for e in entries)
    assert all(20 <= h <= 32 for h in hours.values()), hours
    # each entry's teacher holds the teaching assignment of it
    assigned = {(a["staff_member_id"], a["subject_id"], a["class_id"]) for a in school.records["teaching_assignment"]}
    assert all((e["staff_member_id"], e["subject_id"], e["class_id"]) in assigned for e in entries)


def test_every_enrolled_pupil_has_attendance_at_every_lesson(school) -> None:  # type: ignore[no-untyped-def]
    entries = {e["id"]: e for e in school.records["timetable_entry"]}
    lessons = {x["id"]: x for x in school.records["lesson"]}
    assert {x["lesson_date"] for x in lessons.values()} == {d.isoformat() for d in lesson_days(None)}
    marks = Counter(a["lesson_id"] for a in school.records["attendance"])
    for lesson in lessons.values():
        day = lesson["lesson_date"]
        class_id = entries[lesson["timetable_entry_id"]]["class_id"]
        enrolled = [e for e in school.records["enrolment"] if e["class_id"] == class_id and e["starts_on"] <= day
                    and (e["ends_on"] is None or day <= e["ends_on"])]
        assert marks[lesson["id"]] == len(enrolled)
        assert lesson["realised"] and lesson["topic"] and lesson["lesson_date"] < TODAY.isoformat()
    codes = Counter(a["code"] for a in school.records["attendance"])
    share = {code: n / sum(codes.values()) for code, n in codes.items()}
    assert 0.88 <= share["present"] <= 0.96, share  # mostly present; illness as whole days, mostly excused
    assert share["excused"] > share["absent"] > 0 and share["late"] > 0
    tutors = {c["id"]: c["tutor_id"] for c in school.records["class_unit"]}
    for a in school.records["attendance"]:
        if a["code"] == "excused":
            assert a["excused_by"] == tutors[entries[lessons[a["lesson_id"]]["timetable_entry_id"]]["class_id"]]


def test_every_third_school_marks_part_of_its_school_business_with_its_own_codes(school) -> None:  # type: ignore[no-untyped-def]
    codes = {c["id"]: c for c in school.records["attendance_code"]}  # the city's first institution: index 0
    assert sorted((c["mark"], c["kind"], c["active"]) for c in codes.values()) == [
        ("kon", "school_reason", True), ("kw", "excused", False), ("wyc", "school_reason", True),
        ("zwr", "released", True)]
    used = Counter((a["code"], codes[a["school_code_id"]]["mark"]) for a in school.records["attendance"]
                   if a["school_code_id"])
    assert set(used) == {("school_reason", "wyc"), ("school_reason", "kon"), ("released", "zwr")}  # its mapped kind
    own = sum(used.values())
    plain = sum(1 for a in school.records["attendance"]
                if a["code"] in ("school_reason", "released") and not a["school_code_id"])
    assert 0.45 < own / (own + plain) < 0.75  # about SCHOOL_CODE_SHARE of them
    lyceum = generate_school(city_plan(2026)[2], scale=0.1, term_weeks=1)  # index 2: standard codes only
    assert lyceum.records["attendance_code"] == [] and len(lyceum.records["attendance"]) > 1000
    assert all(a["school_code_id"] is None for a in lyceum.records["attendance"])


def test_grades_use_the_scale_and_categories(school) -> None:  # type: ignore[no-untyped-def]
    symbols = Counter(g["symbol"] for g in school.records["grade"])
    assert set(symbols) <= {f"{n}{m}" for n in range(1, 7) for m in ("", "+", "-")} | {"np"}
    # stored in normal form, as a teacher's typing would be (the school's default scale)
    assert all(grading.parse_grade(s, grading.GradingScale()).symbol == s for s in symbols)
    assert symbols["np"] > 0 and symbols["6"] > 0 and symbols["1"] > 0
    categories = Counter(g["category_id"] for g in school.records["grade"])
    names = {c["id"]: c["name"] for c in school.records["grade_category"]}
    assert {names[c] for c in categories} == {"kartkówka", "odpowiedź", "sprawdzian", "praca domowa", "aktywność"}
    pupils = {p["id"] for p in school.records["pupil"]}
    per_pupil = Counter(g["pupil_id"] for g in school.records["grade"])
    assert len(per_pupil) > 0.9 * len([e for e in school.records["enrolment"] if e["class_id"] in {
        c["id"] for c in school.records["class_unit"] if c["level"] >= 1}]) and set(per_pupil) <= pupils
    terms = school.records["term_grade"]
    assert {(t["period"], t["stage"]) for t in terms} == {("term", "proposed")}
    assert 0.15 < len({t["assignment_id"] for t in terms}) / len(school.records["teaching_assignment"]) < 0.6


def test_the_term_leaves_the_rest_of_the_city_unchanged(school) -> None:  # type: ignore[no-untyped-def]
    without = generate_school(city_plan(2026)[0], scale=0.2)
    assert all(without.records[name] == [] for name in TERM)
    assert {n: r for n, r in school.records.items() if n not in TERM} == {
        n: r for n, r in without.records.items() if n not in TERM}
    assert generate_school(city_plan(2026)[0], scale=0.2, term_weeks=None).records == school.records


def _node_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TERM}
    finally:
        conn.close()


@pytest.mark.integration
def test_a_small_demo_city_syncs_its_term_to_the_hub(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    manifest = write_city(root, schools=2, scale=0.1, term_weeks=1)
    assert manifest["term_weeks"] == 1
    city = prepare_city(root, schools=2, seed=2026, scale=0.1, jobs=1, hub_port=_port(), node_port=_port(),
                        sync_interval=60)
    node_db = root / manifest["schools"][0]["db"]
    on_node = _node_counts(node_db)
    assert on_node["attendance"] > 100 and on_node["grade"] > 10 and on_node["term_grade"] >= 0
    with process(["hub", "-c", str(city.hub_config), "serve"], root / "hub.log"):
        wait_for(city.hub_url)
        enrol_nodes(city)
        result = sync_city(city)
        assert result["failures"] == []
        wait_merged(city.hub_url, timeout=300)
    warehouse = duckdb.connect(str(hub_config.load(city.hub_config)["paths.warehouse"]), read_only=True)
    try:
        in_hub = {name: warehouse.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TERM}
        rejected = warehouse.execute("SELECT count(*) FROM rejected_change").fetchone()[0]
    finally:
        warehouse.close()
    second = _node_counts(root / manifest["schools"][1]["db"])  # a preschool: no lessons
    assert in_hub == {name: on_node[name] + second[name] for name in TERM}
    assert rejected == 0


def _port() -> int:
    from tests.integration.harness import free_port

    return free_port()
