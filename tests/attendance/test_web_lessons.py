"""The lesson, attendance and timetable pages through the Flask test client: what each role may
open, what is stored, and the Polish errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from node_agent.attendance.models import Attendance, Lesson
from node_agent.db import Database
from node_agent.timetable.models import BellTime, DayOff, Substitution
from tests.attendance.factories import Week
from tests.node.web_factories import Seed, Web, text


def lesson_url(week: Week, key: str = "1a-1", day: dt.date | None = None) -> str:
    return f"/lessons/{week.entries[key]}/{(day or week.monday).isoformat()}"


def test_my_lessons_lists_only_the_teachers_lessons(as_user: Callable[[str], Web], week: Week) -> None:
    page = text(as_user("nauczyciel").get(f"/lessons?day={week.monday.isoformat()}"))
    assert page.count("/lessons/" + week.entries["1a-1"]) == 1 and week.entries["1a-2"] in page
    assert week.entries["1a-3"] not in page and week.entries["2b-1"] not in page
    assert "08:00–08:45" in page and "Moja klasa (wychowawstwo)" in page
    weekend = week.monday - dt.timedelta(days=1)
    assert "Tego dnia nie ma lekcji: weekend." in text(as_user("nauczyciel").get(f"/lessons?day={weekend}"))


def test_teacher_saves_topic_and_attendance(as_user: Callable[[str], Web], week: Week, db: Database) -> None:
    teacher = as_user("nauczyciel")
    url = lesson_url(week)
    absent = week.pupils_1a[2]
    response = teacher.post(url, {"topic": "Dodawanie ułamków", "realised": "y", f"code-{absent}": "absent"})
    assert response.status_code == 302 and response.location.endswith(f"/lessons?day={week.monday.isoformat()}")
    with db.read_session() as session:
        lesson = session.scalar(select(Lesson))
        assert (lesson.topic, lesson.realised) == ("Dodawanie ułamków", True)
        codes = {a.pupil_id: a.code for a in session.scalars(select(Attendance))}
    assert codes == {p: ("absent" if p == absent else "present") for p in week.pupils_1a}
    page = text(teacher.get(url))
    assert "Dodawanie ułamków" in page
    assert f'name="code-{absent}" value="absent" checked' in page


def test_errors_are_polish_and_nothing_is_saved(as_user: Callable[[str], Web], week: Week, db: Database) -> None:
    pupil = week.pupils_1a[0]
    response = as_user("nauczyciel").post(lesson_url(week), {"topic": "", "realised": "y", f"code-{pupil}": "xx"})
    assert response.status_code == 422
    page = text(response)
    assert "Temat: wpisz temat lekcji, która się odbyła" in page
    assert "Adam Abacki: wybierz jeden z kodów obecności" in page
    assert "<title>Błąd:" in page
    with db.read_session() as session:
        assert session.scalar(select(Lesson)) is None and session.scalar(select(Attendance)) is None


def test_another_teachers_lesson_is_forbidden(as_user: Callable[[str], Web], week: Week, db: Database) -> None:
    other = as_user("nauczyciel2")
    assert other.get(lesson_url(week)).status_code == 403
    assert other.post(lesson_url(week), {"topic": "Cudzy temat", "realised": "y"},
                      token_from=lesson_url(week, "1a-3")).status_code == 403
    # a secretary has no lessons of their own; the office cannot write the lesson log either
    assert as_user("sekretariat").get(lesson_url(week)).status_code == 403
    with db.read_session() as session:
        assert session.scalar(select(Lesson)) is None


def test_lesson_not_in_the_timetable_that_day_is_not_found(as_user: Callable[[str], Web], week: Week) -> None:
    teacher = as_user("nauczyciel")
    assert teacher.get(lesson_url(week, day=week.monday + dt.timedelta(days=1))).status_code == 404
    assert teacher.get(f"/lessons/{week.entries['1a-1']}/not-a-date").status_code == 404


def test_substitute_opens_the_lesson_and_the_usual_teacher_no_longer_can(
        as_user: Callable[[str], Web], week: Week, seed: Seed, db: Database) -> None:
    office = as_user("sekretariat")
    url = f"/timetable/substitutions?day={week.monday.isoformat()}"
    response = office.post(url, {"timetable_entry_id": week.entries["1a-1"],
                                 "staff_member_id": seed.staff_ids["bogdan"]})
    assert response.status_code == 302
    with db.read_session() as session:
        assert session.scalar(select(Substitution.staff_member_id)) == seed.staff_ids["bogdan"]
    assert as_user("nauczyciel").get(lesson_url(week)).status_code == 403
    substitute = as_user("nauczyciel2")
    assert "(zastępstwo)" in text(substitute.get(f"/lessons?day={week.monday.isoformat()}"))
    assert substitute.post(lesson_url(week), {"topic": "Zastępstwo: zadania", "realised": "y"}).status_code == 302


def test_copy_from_the_previous_lesson(as_user: Callable[[str], Web], week: Week, db: Database) -> None:
    teacher = as_user("nauczyciel")
    late = week.pupils_1a[1]
    none_yet = teacher.post(lesson_url(week, "1a-2") + "/copy", {"topic": "T"}, token_from=lesson_url(week, "1a-2"))
    assert none_yet.status_code == 422
    assert "Oddział nie ma dziś wcześniejszej lekcji ze sprawdzoną obecnością." in text(none_yet)
    teacher.post(lesson_url(week), {"topic": "Lekcja 1", "realised": "y", f"code-{late}": "late"})
    copied = teacher.post(lesson_url(week, "1a-2") + "/copy", {"topic": "Lekcja 2", "realised": "y"},
                          token_from=lesson_url(week, "1a-2"))
    page = text(copied)
    assert copied.status_code == 200 and "Skopiowano obecności z lekcji 1." in page
    assert f'name="code-{late}" value="late" checked' in page and "Lekcja 2" in page
    with db.read_session() as session:  # copying shows, saving stores
        assert len(session.scalars(select(Lesson)).all()) == 1


def test_topics_of_a_class_and_subject(as_user: Callable[[str], Web], week: Week, seed: Seed) -> None:
    teacher = as_user("nauczyciel")
    teacher.post(lesson_url(week), {"topic": "Ułamki <b>zwykłe</b>", "realised": "y"})
    url = f"/lessons/topics/{seed.class_ids['1a']}/{week.subjects['MAT']}"
    page = text(teacher.get(url))
    assert "Ułamki &lt;b&gt;zwykłe&lt;/b&gt;" in page
    other = as_user("nauczyciel2")
    assert other.get(url).status_code == 403  # neither teaches maths in 1a nor is its tutor
    assert other.get(f"/lessons/topics/{seed.class_ids['1a']}/{week.subjects['POL']}").status_code == 200  # teaches
    assert other.get(f"/lessons/topics/{seed.class_ids['2b']}/{week.subjects['POL']}").status_code == 200  # tutor
    assert other.get(f"/lessons/topics/{seed.class_ids['3c']}/{week.subjects['POL']}").status_code == 403
    assert as_user("dyrektor").get(url).status_code == 200


def test_tutor_excuses_and_others_may_not(as_user: Callable[[str], Web], week: Week, seed: Seed, db: Database) -> None:
    absent = week.pupils_1a[0]
    as_user("nauczyciel").post(lesson_url(week), {"topic": "T", "realised": "y", f"code-{absent}": "absent"})
    url = f"/attendance/class/{seed.class_ids['1a']}/excuses"
    assert as_user("nauczyciel2").get(url).status_code == 403
    tutor = as_user("nauczyciel")
    with db.read_session() as session:
        record_id = session.scalar(select(Attendance.id).where(Attendance.pupil_id == absent))
    nothing = tutor.post(url, {})
    assert nothing.status_code == 422
    assert "Nieobecności: zaznacz co najmniej jedną nieobecność do usprawiedliwienia" in text(nothing)
    assert tutor.post(url, {"excuse": record_id}).status_code == 302
    with db.read_session() as session:
        assert session.get(Attendance, record_id).code == "excused"
    assert "Nic nie czeka na usprawiedliwienie." in text(tutor.get(url))


def test_monthly_summary_flags_at_the_setting(make_app, week: Week, seed: Seed) -> None:  # type: ignore[no-untyped-def]
    app = make_app(**{"attendance.absence_flag_percent": 50})
    client = Web(app.test_client())
    client.login("nauczyciel")
    absent, skipper = week.pupils_1a[0], week.pupils_1a[1]
    next_monday = week.monday + dt.timedelta(days=7)
    if next_monday.month != week.monday.month:  # keep both Mondays in one month
        next_monday = week.monday - dt.timedelta(days=7)
    # Monday 1: the first pupil misses both lessons, the second only the first one.
    client.post(lesson_url(week), {"topic": "T1", "realised": "y", f"code-{absent}": "absent",
                                   f"code-{skipper}": "absent"})
    client.post(lesson_url(week, "1a-2"), {"topic": "T2", "realised": "y", f"code-{absent}": "absent"})
    # Monday 2: everyone at the first lesson.
    client.post(f"/lessons/{week.entries['1a-1']}/{next_monday.isoformat()}", {"topic": "T3", "realised": "y"})
    url = f"/attendance/class/{seed.class_ids['1a']}/month?month={week.monday.strftime('%Y-%m')}"
    page = text(client.get(url))
    # first pupil: 2 class days, 1 of them absent unexcused = exactly 50 %: flagged. The second pupil
    # skipped one lesson of 3 (66.7 % attendance) but was at school both days: 0 days of absence.
    # The class: 12 present of 15 lesson records = 80 %.
    assert page.count("niespełniany") == 1 and "Frekwencja całej klasy: 80.0%" in page
    assert "<td>33.3%</td>\n      <td>2</td><td>1</td>" in page
    assert "<td>66.7%</td>\n      <td>2</td><td>0</td>" in page
    assert Web(app.test_client()).login("nauczyciel2").status_code == 302


def test_office_sets_up_the_timetable(as_user: Callable[[str], Web], week: Week, seed: Seed, db: Database) -> None:
    office = as_user("sekretariat")
    assert as_user("nauczyciel").get("/timetable").status_code == 403
    assert office.post("/timetable/bells", {"number": "4", "starts_at": "10:45", "ends_at": "11:30"}).status_code == 302
    bad = office.post("/timetable/bells", {"number": "5", "starts_at": "11:40", "ends_at": "11:40"})
    assert bad.status_code == 422
    assert "Godzina zakończenia: musi być późniejsza niż godzina rozpoczęcia" in text(bad)
    class_url = f"/timetable/class/{seed.class_ids['3c']}?day={week.monday.isoformat()}"
    added = office.post(class_url, {"weekday": "1", "lesson_number": "1", "subject_id": week.subjects["POL"],
                                    "staff_member_id": seed.staff_ids["bogdan"], "valid_from": week.monday.isoformat()})
    assert added.status_code == 422 and "Nauczyciel: uczy w tym czasie inny oddział" in text(added)
    added = office.post(class_url, {"weekday": "2", "lesson_number": "1", "subject_id": week.subjects["POL"],
                                    "staff_member_id": seed.staff_ids["bogdan"], "valid_from": week.monday.isoformat()})
    assert added.status_code == 302
    assert "język polski" in text(office.get(class_url))
    assert office.post("/timetable/days-off", {"day": week.monday.isoformat(), "reason": "Dzień wolny dyrektora"},
                       ).status_code == 302
    with db.read_session() as session:
        assert session.scalar(select(BellTime.ends_at).where(BellTime.number == 4)) == "11:30"
        assert session.scalar(select(DayOff.reason)) == "Dzień wolny dyrektora"
    page = text(as_user("nauczyciel").get(f"/lessons?day={week.monday.isoformat()}"))
    assert "Tego dnia nie ma lekcji: dzień wolny ustalony przez szkołę (Dzień wolny dyrektora)." in page


def test_office_changes_the_timetable_from_a_date(as_user: Callable[[str], Web], week: Week, seed: Seed,
                                                  db: Database) -> None:
    teacher, office = as_user("nauczyciel"), as_user("sekretariat")
    teacher.post(lesson_url(week), {"topic": "Zapisana lekcja", "realised": "y"})
    class_url = f"/timetable/class/{seed.class_ids['1a']}?day={week.monday.isoformat()}"
    end_url = f"/timetable/entries/{week.entries['1a-1']}/end"
    refused = office.post(end_url, {"from_day": week.monday.isoformat()}, token_from=class_url)
    assert refused.status_code == 422
    assert ("Obowiązuje od: lekcje od tego dnia są już zapisane w dzienniku; wybierz późniejszą datę"
            in text(refused))
    assert office.post(end_url, {"from_day": ""}, token_from=class_url).status_code == 422
    next_monday = week.monday + dt.timedelta(days=7)
    assert office.post(end_url, {"from_day": next_monday.isoformat()}, token_from=class_url).status_code == 302
    # the logged lesson stays where it was; from next Monday the lesson is gone from Anna's day
    assert teacher.get(lesson_url(week)).status_code == 200
    assert teacher.get(lesson_url(week, day=next_monday)).status_code == 404
    assert week.entries["1a-1"] not in text(teacher.get(f"/lessons?day={next_monday.isoformat()}"))
    assert as_user("nauczyciel").post(end_url, {"from_day": next_monday.isoformat()},
                                      token_from="/lessons").status_code == 403
