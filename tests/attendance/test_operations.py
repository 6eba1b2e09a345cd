"""Timetable and attendance writes: rules, what is stored, what is captured for sync, and nothing
half-written on bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from node_agent.attendance import operations as ops
from node_agent.attendance import queries
from node_agent.attendance.models import Attendance, Lesson
from node_agent.db import Database
from node_agent.records import ValidationFailed
from node_agent.sync.models import OutboxChange
from node_agent.timetable import operations as tt_ops
from node_agent.timetable.models import Substitution, TimetableEntry
from node_agent.timetable.queries import lessons_on, planned_lesson
from tests.attendance.factories import Week
from tests.node.web_factories import Seed
from zszo.i18n import gettext_for

PL = gettext_for("pl")


def errors_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


def save(db: Database, week: Week, seed: Seed, key: str = "1a-1", teacher: str = "anna", **kw):  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        planned = planned_lesson(session, week.entries[key], week.monday)
        kw.setdefault("topic", "Dodawanie ułamków")
        kw.setdefault("realised", True)
        kw.setdefault("codes", {})
        return ops.save_lesson(session, planned, seed.staff_ids[teacher], **kw).id


def stored_codes(db: Database, lesson_id: str) -> dict[str, str]:
    with db.read_session() as session:
        return queries.codes(session, lesson_id)


def test_quick_entry_everyone_present_except_the_changed_pupils(db: Database, week: Week, seed: Seed) -> None:
    first, second = week.pupils_1a[0], week.pupils_1a[1]
    lesson_id = save(db, week, seed, codes={first: "absent", second: "late"})
    codes = stored_codes(db, lesson_id)
    assert codes == {first: "absent", second: "late", **{p: "present" for p in week.pupils_1a[2:]}}
    with db.read_session() as session:
        lesson = session.get(Lesson, lesson_id)
        assert (lesson.topic, lesson.realised, lesson.staff_member_id) == ("Dodawanie ułamków", True,
                                                                           seed.staff_ids["anna"])
        # every row went into the outbox with the lesson: 1 lesson + 5 attendance records
        captured = session.scalar(select(func.count()).select_from(OutboxChange)
                                  .where(OutboxChange.entity.in_(["lesson", "attendance"])))
    assert captured == 6


def test_saving_again_writes_only_what_changed(db: Database, week: Week, seed: Seed) -> None:
    first = week.pupils_1a[0]
    lesson_id = save(db, week, seed, codes={first: "absent"})
    with db.read_session() as session:
        before = session.scalar(select(func.max(OutboxChange.seq)))
    assert save(db, week, seed, codes={first: "present", week.pupils_1a[4]: "released"}) == lesson_id
    with db.read_session() as session:
        new = session.execute(select(OutboxChange.entity).where(OutboxChange.seq > before)).scalars().all()
    assert sorted(new) == ["attendance", "attendance"]  # the lesson row itself did not change
    assert stored_codes(db, lesson_id)[week.pupils_1a[4]] == "released"


@pytest.mark.parametrize(("kw", "expected", "polish"), [
    ({"topic": "", "realised": True}, [("topic", "required")], "Temat: wpisz temat lekcji, która się odbyła"),
    ({"topic": "x" * 501}, [("topic", "too_long")], "Temat: dozwolone najwyżej 500 znaków, podano 501"),
    ({"topic": "a\x00b"}, [("topic", "control_chars")], None),
])
def test_bad_topic_is_refused_and_nothing_is_written(  # type: ignore[no-untyped-def]
        db: Database, week: Week, seed: Seed, kw, expected, polish) -> None:
    with pytest.raises(ValidationFailed) as exc:
        save(db, week, seed, **kw)
    assert errors_of(exc) == expected
    if polish:
        assert exc.value.errors[0].render(PL) == polish
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Lesson)) == 0
        assert session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_a_lesson_that_did_not_take_place_needs_no_topic(db: Database, week: Week, seed: Seed) -> None:
    lesson_id = save(db, week, seed, topic="  ", realised=False)
    with db.read_session() as session:
        assert session.get(Lesson, lesson_id).topic is None


def test_bad_codes_and_strangers_are_named(db: Database, week: Week, seed: Seed) -> None:
    stranger = seed.pupil_ids["jan"]  # of 2b
    with pytest.raises(ValidationFailed) as exc:
        save(db, week, seed, codes={week.pupils_1a[0]: "ob", stranger: "present"})
    assert errors_of(exc) == [(f"code-{stranger}", "not_in_class"), (f"code-{week.pupils_1a[0]}", "choice")]
    assert exc.value.errors[1].render(PL) == "Abacki Adam: wybierz jeden z kodów obecności".replace(
        "Abacki Adam", "Adam Abacki")


def test_only_the_lessons_teacher_may_save(db: Database, week: Week, seed: Seed) -> None:
    with pytest.raises(ops.NotAllowed):
        save(db, week, seed, teacher="bogdan")


def test_substitute_teaches_the_lesson(db: Database, week: Week, seed: Seed) -> None:
    with db.transaction() as session:
        tt_ops.save_substitution(session, {"timetable_entry_id": week.entries["1a-1"], "lesson_date": week.monday,
                                           "staff_member_id": seed.staff_ids["bogdan"]})
    with db.read_session() as session:
        bogdan = [p.entry.id for p in lessons_on(session, week.monday, staff_member_id=seed.staff_ids["bogdan"])]
        anna = [p.entry.id for p in lessons_on(session, week.monday, staff_member_id=seed.staff_ids["anna"])]
    assert bogdan == [week.entries["1a-1"], week.entries["2b-1"], week.entries["1a-3"]]
    assert anna == [week.entries["1a-2"]]
    with pytest.raises(ops.NotAllowed):
        save(db, week, seed, teacher="anna")
    lesson_id = save(db, week, seed, teacher="bogdan")
    with db.read_session() as session:
        assert session.get(Lesson, lesson_id).staff_member_id == seed.staff_ids["bogdan"]


def test_substitution_rules(db: Database, week: Week, seed: Seed) -> None:
    def attempt(**data):  # type: ignore[no-untyped-def]
        record = {"timetable_entry_id": week.entries["1a-1"], "lesson_date": week.monday,
                  "staff_member_id": seed.staff_ids["bogdan"], **data}
        with pytest.raises(ValidationFailed) as exc, db.transaction() as session:
            tt_ops.save_substitution(session, record)
        return errors_of(exc)

    assert attempt(staff_member_id=seed.staff_ids["anna"]) == [("staff_member_id", "same_teacher")]
    assert attempt(lesson_date=week.monday + dt.timedelta(days=1)) == [("lesson_date", "no_lesson")]
    save(db, week, seed)
    assert attempt() == [("lesson_date", "lessons_held")]


def test_timetable_clashes(db: Database, week: Week, seed: Seed) -> None:
    base = {"class_id": seed.class_ids["1a"], "weekday": 1, "lesson_number": 1, "subject_id": week.subjects["POL"],
            "staff_member_id": seed.staff_ids["bogdan"], "valid_from": week.monday}
    with pytest.raises(ValidationFailed) as exc, db.transaction() as session:
        tt_ops.add_entry(session, base)
    assert errors_of(exc) == [("lesson_number", "slot_taken")]
    # Bogdan teaches 2b in lesson 1 on Mondays: he cannot teach 3c at the same time.
    with pytest.raises(ValidationFailed) as exc, db.transaction() as session:
        tt_ops.add_entry(session, {**base, "class_id": seed.class_ids["3c"]})
    assert errors_of(exc) == [("staff_member_id", "teacher_busy")]
    with pytest.raises(ValidationFailed) as exc, db.transaction() as session:
        tt_ops.add_entry(session, {**base, "class_id": seed.class_ids["3c"], "weekday": 8, "lesson_number": "x"})
    assert errors_of(exc) == [("weekday", "out_of_range"), ("lesson_number", "type")]


def test_change_from_a_date_keeps_the_logged_lessons(db: Database, week: Week, seed: Seed) -> None:
    old_id = week.entries["1a-1"]
    save(db, week, seed)
    next_monday = week.monday + dt.timedelta(days=7)
    with pytest.raises(ValidationFailed) as exc, db.transaction() as session:
        tt_ops.change_entry(session, session.get(TimetableEntry, old_id), {"room": "7"}, week.monday)
    assert errors_of(exc) == [("valid_from", "lessons_held")]
    with db.transaction() as session:
        new = tt_ops.change_entry(session, session.get(TimetableEntry, old_id), {"room": "7"}, next_monday)
        new_id = new.id
    with db.read_session() as session:
        old = session.get(TimetableEntry, old_id)
        assert old.valid_to == week.monday + dt.timedelta(days=6) and old.room == "12"
        assert session.get(TimetableEntry, new_id).valid_from == next_monday
        assert planned_lesson(session, old_id, week.monday) is not None
        assert planned_lesson(session, old_id, next_monday) is None
        assert planned_lesson(session, new_id, next_monday).entry.room == "7"


def test_end_entry_before_it_starts_removes_it(db: Database, week: Week, seed: Seed) -> None:
    with db.transaction() as session:
        entry = session.get(TimetableEntry, week.entries["2b-1"])
        tt_ops.save_substitution(session, {"timetable_entry_id": entry.id, "lesson_date": week.monday,
                                           "staff_member_id": seed.staff_ids["anna"]})
        assert tt_ops.end_entry(session, entry, entry.valid_from) is None
    with db.read_session() as session:
        assert session.get(TimetableEntry, week.entries["2b-1"]) is None
        assert session.scalar(select(func.count()).select_from(Substitution)) == 0


def test_no_lessons_on_a_school_day_off(db: Database, week: Week, seed: Seed) -> None:
    with db.transaction() as session:
        tt_ops.save_day_off(session, {"day": week.monday, "reason": "Dzień wolny dyrektora"})
    with db.read_session() as session:
        assert lessons_on(session, week.monday) == []
        assert planned_lesson(session, week.entries["1a-1"], week.monday) is None
    with pytest.raises(ValidationFailed) as exc, db.transaction() as session:
        tt_ops.save_day_off(session, {"day": week.monday.isoformat(), "reason": "Drugi raz"})
    assert errors_of(exc) == [("day", "duplicate")]


def test_bell_times_rules(db: Database) -> None:
    with pytest.raises(ValidationFailed) as exc, db.transaction() as session:
        tt_ops.save_bell_time(session, {"number": 4, "starts_at": "10:45", "ends_at": "10:45"})
    assert errors_of(exc) == [("ends_at", "time_order")]
    assert exc.value.errors[0].render(PL) == "Godzina zakończenia: musi być późniejsza niż godzina rozpoczęcia"
    with pytest.raises(ValidationFailed) as exc, db.transaction() as session:
        tt_ops.save_bell_time(session, {"number": 1, "starts_at": "7:10", "ends_at": "07:55"})
    assert errors_of(exc) == [("starts_at", "time")]
    with pytest.raises(ValidationFailed) as exc, db.transaction() as session:
        tt_ops.save_bell_time(session, {"number": 1, "starts_at": "07:10", "ends_at": "07:55"})
    assert errors_of(exc) == [("number", "duplicate")]


def test_copy_previous_and_excuse(db: Database, week: Week, seed: Seed) -> None:
    first, second = week.pupils_1a[0], week.pupils_1a[1]
    save(db, week, seed, codes={first: "absent", second: "late"})
    with db.read_session() as session:
        entry2 = session.get(TimetableEntry, week.entries["1a-2"])
        previous = queries.previous_lesson(session, entry2, week.monday)
        entry1 = session.get(TimetableEntry, week.entries["1a-1"])
        assert queries.previous_lesson(session, entry1, week.monday) is None
        assert queries.codes(session, previous.id)[first] == "absent"
        waiting = [a.id for a, _l, _e in queries.to_excuse(session, seed.class_ids["1a"])]
    assert len(waiting) == 2
    with pytest.raises(ops.NotAllowed), db.transaction() as session:
        ops.excuse(session, seed.staff_ids["bogdan"], seed.class_ids["1a"], waiting)
    with pytest.raises(ValidationFailed) as exc, db.transaction() as session:
        ops.excuse(session, seed.staff_ids["anna"], seed.class_ids["1a"], [*waiting, "not-an-id"])
    assert errors_of(exc) == [("excuse", "stale")]
    with db.transaction() as session:
        assert ops.excuse(session, seed.staff_ids["anna"], seed.class_ids["1a"], waiting) == 2
    with db.read_session() as session:
        rows = {a.pupil_id: (a.code, a.excused_by) for a in session.scalars(select(Attendance))}
        assert rows[first] == ("excused", seed.staff_ids["anna"])
        assert rows[second] == ("late_excused", seed.staff_ids["anna"])
        assert queries.to_excuse(session, seed.class_ids["1a"]) == []


def test_month_tallies_per_pupil_and_subject(db: Database, week: Week, seed: Seed) -> None:
    first = week.pupils_1a[0]
    save(db, week, seed, "1a-1", codes={first: "absent"})
    save(db, week, seed, "1a-2", codes={first: "absent"})
    save(db, week, seed, "1a-3", teacher="bogdan", codes={first: "released"})
    with db.read_session() as session:
        per_pupil, per_subject = queries.month_tallies(session, seed.class_ids["1a"], week.monday)
        other_month = queries.month_tallies(session, seed.class_ids["1a"], week.monday + dt.timedelta(days=40))
    # first pupil: 2 counted lessons (released not counted), both unexcused → 0 %, flagged
    assert per_pupil[first].counted == 2 and per_pupil[first].percent == 0
    assert per_pupil[week.pupils_1a[1]].percent == 100
    # mathematics: 2 lessons × 5 pupils = 10 records, 8 present → 80 %; Polish: 4 of 4 counted present
    assert per_subject[week.subjects["MAT"]].percent == 80
    assert per_subject[week.subjects["POL"]].counted == 4 and per_subject[week.subjects["POL"]].percent == 100
    assert other_month == ({}, {})
