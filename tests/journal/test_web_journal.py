"""Notes, homework and announcement pages through the Flask test client: who may open and write
what (checked on the server, refusals audited), Polish error summaries naming the field, nothing
half-written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from node_agent.audit.models import AuditEvent
from node_agent.journal.models import Announcement, AnnouncementClass, BehaviourNote, Homework
from tests.grades.factories import GradesSeed
from tests.journal.conftest import TODAY
from tests.node.web_factories import Seed, Web, text

Login = Callable[[str], Web]


def count(app: Flask, model: type) -> int:
    with app.extensions["zszo_db"].read_session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def denials(app: Flask) -> list[tuple[str, str, str | None]]:
    with app.extensions["zszo_db"].read_session() as session:
        return [(e.username, e.entity, e.record_id) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "denied").order_by(AuditEvent.seq))]


def note(pupil: str, **fields: str) -> dict[str, str]:
    return {"pupil_id": pupil, "kind": "positive", "category": "activity", "noted_on": TODAY.isoformat(),
            "text": "Pomógł koledze w zadaniu.", "audience": "families", **fields}


def test_a_teacher_of_the_class_adds_a_note_and_sees_it(app: Flask, as_user: Login, seed: Seed,
                                                        grades: GradesSeed) -> None:
    teacher = as_user("nauczyciel2")  # Bogdan teaches Polish in 1a but is not its tutor
    path = f"/notes/class/{seed.class_ids['1a']}/new"
    response = teacher.post(path, note(grades.pupils[0]))
    assert response.status_code == 302
    page = text(teacher.get(response.headers["Location"]))
    assert "Uwaga została zapisana." in text(teacher.get("/notes")) or "Pomógł koledze w zadaniu." in page
    assert "Uwaga pozytywna" in page and "Aktywność i zaangażowanie" in page and "Bogdan Wiśniewski" in page
    assert count(app, BehaviourNote) == 1


@pytest.mark.parametrize(("user", "class_key"), [("nauczyciel", "2b"), ("nauczyciel2", "3c"),
                                                 ("sekretariat", "1a")])
def test_a_note_outside_ones_classes_is_refused_and_audited(app: Flask, as_user: Login, seed: Seed,
                                                            grades: GradesSeed, user: str, class_key: str) -> None:
    client = as_user(user)
    class_id = seed.class_ids[class_key]
    response = client.post(f"/notes/class/{class_id}/new", note(seed.pupil_ids["jan"]), token_from="/account")
    assert response.status_code == 403
    assert count(app, BehaviourNote) == 0
    if user != "sekretariat":  # the secretary is stopped by the role check before the class is looked at
        assert denials(app) == [(user, "class_unit", class_id)]


def test_reading_a_class_outside_ones_classes_is_refused_and_audited(app: Flask, as_user: Login, seed: Seed,
                                                                     grades: GradesSeed) -> None:
    assert as_user("nauczyciel").get(f"/notes/class/{seed.class_ids['3c']}").status_code == 403
    assert denials(app) == [("nauczyciel", "class_unit", seed.class_ids["3c"])]
    assert as_user("dyrektor").get(f"/notes/class/{seed.class_ids['3c']}").status_code == 200
    assert as_user("sekretariat").get(f"/notes/pupil/{seed.pupil_ids['lech']}").status_code == 200
    assert as_user("nauczyciel2").get(f"/notes/pupil/{seed.pupil_ids['lech']}").status_code == 403
    with app.extensions["zszo_db"].read_session() as session:
        reads = session.execute(select(AuditEvent.username, AuditEvent.entity, AuditEvent.record_id, AuditEvent.purpose)
                                .where(AuditEvent.action == "read")).all()
    assert sorted(reads) == [("dyrektor", "class_unit", seed.class_ids["3c"], "behaviour_notes"),
                             ("sekretariat", "pupil", seed.pupil_ids["lech"], "behaviour_notes")]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"text": "   "}, "text", "Treść uwagi: pole jest wymagane"),
    ({"pupil_id": ""}, "pupil_id", "Uczeń: wybierz ucznia"),
    ({"kind": "bad"}, "kind", "Rodzaj uwagi: wybierz jedną z możliwości"),
    ({"noted_on": "2026-02-30"}, "noted_on", "Data: wpisz prawdziwą datę"),
    ({"noted_on": "1999-09-01"}, "noted_on", "Data: musi przypadać w roku szkolnym"),
])
def test_bad_notes_get_a_polish_error_summary(app: Flask, as_user: Login, seed: Seed, grades: GradesSeed,
                                              fields: dict[str, str], field: str, message: str) -> None:
    response = as_user("nauczyciel").post(f"/notes/class/{seed.class_ids['1a']}/new", note(grades.pupils[0], **fields))
    assert response.status_code == 422
    page = text(response)
    assert "Wystąpił problem" in page
    assert f'href="#{field}"' in page
    assert message in page
    assert count(app, BehaviourNote) == 0


def test_a_pupil_of_another_class_is_an_error_not_a_note(app: Flask, as_user: Login, seed: Seed,
                                                         grades: GradesSeed) -> None:
    response = as_user("nauczyciel").post(f"/notes/class/{seed.class_ids['1a']}/new", note(seed.pupil_ids["jan"]))
    assert response.status_code == 422
    assert "Uczeń: nie jest uczniem tej klasy" in text(response)


def test_only_the_author_deletes_a_note(app: Flask, as_user: Login, seed: Seed, grades: GradesSeed) -> None:
    anna, bogdan = as_user("nauczyciel"), as_user("nauczyciel2")
    assert anna.post(f"/notes/class/{seed.class_ids['1a']}/new", note(grades.pupils[0])).status_code == 302
    with app.extensions["zszo_db"].read_session() as session:
        note_id = session.scalar(select(BehaviourNote.id))
    assert bogdan.post(f"/notes/{note_id}/delete", token_from="/account").status_code == 403
    assert count(app, BehaviourNote) == 1
    assert anna.post(f"/notes/{note_id}/delete", token_from="/account").status_code == 302
    assert count(app, BehaviourNote) == 0


def homework(assignment: str, **fields: str) -> dict[str, str]:
    return {"assignment_id": assignment, "set_on": TODAY.isoformat(),
            "due_on": (TODAY + dt.timedelta(days=2)).isoformat(), "description": "Zadania 1–5 ze str. 42",
            "audience": "families", **fields}


def test_a_teacher_sets_homework_in_her_assignment(app: Flask, as_user: Login, grades: GradesSeed) -> None:
    teacher = as_user("nauczyciel")
    form = text(teacher.get("/homework/new"))
    assert "1a – matematyka" in form and "język polski" not in form  # only her own assignments
    response = teacher.post("/homework/new", homework(grades.maths))
    assert response.status_code == 302
    page = text(teacher.get("/homework"))
    assert "Zadania 1–5 ze str. 42" in page and "matematyka" in page
    assert "Zadania 1–5 ze str. 42" in text(as_user("nauczyciel2").get("/homework"))  # he teaches 1a too
    assert count(app, Homework) == 1


def test_homework_in_another_teachers_assignment_is_refused_and_audited(app: Flask, as_user: Login,
                                                                         grades: GradesSeed) -> None:
    response = as_user("nauczyciel").post("/homework/new", homework(grades.history))
    assert response.status_code == 403
    assert denials(app) == [("nauczyciel", "teaching_assignment", grades.history)]
    assert count(app, Homework) == 0


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"due_on": (TODAY - dt.timedelta(days=1)).isoformat()}, "due_on",
     "Termin wykonania: nie może być wcześniejszy niż data zadania"),
    ({"description": ""}, "description", "Opis zadania: pole jest wymagane"),
    ({"assignment_id": "00000000-0000-4000-8000-000000000000"}, "assignment_id",
     "Oddział i przedmiot: wybierz oddział i przedmiot z listy"),
    ({"due_on": ""}, "due_on", "Termin wykonania: pole jest wymagane"),
])
def test_bad_homework_gets_a_polish_error_summary(app: Flask, as_user: Login, grades: GradesSeed,
                                                  fields: dict[str, str], field: str, message: str) -> None:
    response = as_user("nauczyciel").post("/homework/new", homework(grades.maths, **fields))
    assert response.status_code == 422
    page = text(response)
    assert "Wystąpił problem" in page and f'href="#{field}"' in page and message in page
    assert count(app, Homework) == 0


def announcement(**fields: object) -> dict[str, object]:
    return {"title": "Wywiadówka", "body": "Zebranie z rodzicami w czwartek o 17:00.",
            "valid_from": TODAY.isoformat(), "valid_to": (TODAY + dt.timedelta(days=7)).isoformat(),
            "scope": "school", "audience": "families", **fields}


def test_the_director_publishes_for_chosen_classes_and_staff_read_it(app: Flask, as_user: Login, seed: Seed,
                                                                     grades: GradesSeed) -> None:
    director = as_user("dyrektor")
    chosen = [seed.class_ids["1a"], seed.class_ids["2b"]]
    response = director.post("/announcements/new", announcement(scope="classes", class_ids=chosen))
    assert response.status_code == 302
    page = text(as_user("nauczyciel").get("/announcements"))
    assert "Wywiadówka" in page and "1a, 2b" in page and "Celina Zając" in page
    assert count(app, AnnouncementClass) == 2
    assert as_user("nauczyciel").post("/announcements/new", announcement()).status_code == 403
    assert count(app, Announcement) == 1


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"valid_to": (TODAY - dt.timedelta(days=1)).isoformat()}, "valid_to",
     "Widoczne do: nie może być wcześniejsza niż pierwszy dzień widoczności"),
    ({"title": " "}, "title", "Tytuł: pole jest wymagane"),
    ({"scope": "classes"}, "class_ids", "Oddziały: wybierz co najmniej jedną klasę"),
    ({"scope": "classes", "class_ids": ["00000000-0000-4000-8000-000000000000"]}, "class_ids",
     "Oddziały: wybierz oddziały z listy"),
])
def test_bad_announcements_get_a_polish_error_summary(app: Flask, as_user: Login, grades: GradesSeed,
                                                      fields: dict[str, object], field: str, message: str) -> None:
    response = as_user("dyrektor").post("/announcements/new", announcement(**fields))
    assert response.status_code == 422
    page = text(response)
    assert "Wystąpił problem" in page and f'href="#{field}"' in page and message in page
    assert count(app, Announcement) == 0 and count(app, AnnouncementClass) == 0
