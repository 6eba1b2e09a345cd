"""Editing behaviour notes and homework through the Flask test client: who may edit (a note: its
author, the director or the class's tutor; homework: its author), the change kept in the history
with the account and time, captured for the hub as an upsert of the same record, Polish errors
naming the field, and nothing half-written."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from node_agent.journal.models import BehaviourNote, Homework, JournalHistory
from node_agent.sync.models import OutboxChange
from tests.grades.factories import GradesSeed
from tests.journal.conftest import TODAY
from tests.journal.test_web_journal import denials, homework, note
from tests.node.web_factories import Seed, Web, text

Login = Callable[[str], Web]


def _only(app: Flask, model: type) -> object:
    with app.extensions["zszo_db"].read_session() as session:
        row = session.scalars(select(model)).one()
        session.expunge(row)
        return row


def _history(app: Flask, record_id: str) -> list[tuple[str, str, str | None, dict, dict]]:
    with app.extensions["zszo_db"].read_session() as session:
        return [(h.action, h.username, h.staff_member_id, h.record("before"), h.record("after"))
                for h in session.scalars(select(JournalHistory).where(JournalHistory.record_id == record_id)
                                         .order_by(JournalHistory.id))]


def _captured(app: Flask, entity: str, pk: str) -> list[tuple[str, dict | None]]:
    with app.extensions["zszo_db"].read_session() as session:
        return [(op, json.loads(data) if data else None) for op, data in session.execute(
            select(OutboxChange.op, OutboxChange.data).where(OutboxChange.entity == entity, OutboxChange.pk == pk)
            .order_by(OutboxChange.seq)).all()]


def _bogdans_note_in_1a(app: Flask, as_user: Login, seed: Seed, grades: GradesSeed) -> str:
    """A note Bogdan (Polish teacher of 1a, not its tutor) writes about a pupil of 1a; its id."""
    assert as_user("nauczyciel2").post(f"/notes/class/{seed.class_ids['1a']}/new",
                                       note(grades.pupils[0])).status_code == 302
    return _only(app, BehaviourNote).id  # type: ignore[attr-defined]


def edited_note(**fields: str) -> dict[str, str]:
    return {"kind": "negative", "category": "conduct", "noted_on": (TODAY - dt.timedelta(days=1)).isoformat(),
            "text": "Przeszkadzał na lekcji.", "audience": "staff", **fields}


def test_the_author_edits_a_note_and_the_change_is_kept_and_captured(app: Flask, as_user: Login, seed: Seed,
                                                                    grades: GradesSeed) -> None:
    note_id = _bogdans_note_in_1a(app, as_user, seed, grades)
    bogdan = as_user("nauczyciel2")
    listing = text(bogdan.get(f"/notes/class/{seed.class_ids['1a']}"))
    assert f'href="/notes/{note_id}/edit">Zmień uwagę<span class="visually-hidden">' in listing
    form = text(bogdan.get(f"/notes/{note_id}/edit"))
    assert '<label class="field__label" for="text">Treść uwagi</label>' in form
    assert "Pomógł koledze w zadaniu." in form and 'name="pupil_id"' not in form  # the pupil stays
    response = bogdan.post(f"/notes/{note_id}/edit", edited_note())
    assert response.status_code == 302 and response.headers["Location"] == f"/notes/class/{seed.class_ids['1a']}"
    saved = _only(app, BehaviourNote)
    assert (saved.kind, saved.category, saved.noted_on, saved.text, saved.audience) == (  # type: ignore[attr-defined]
        "negative", "conduct", TODAY - dt.timedelta(days=1), "Przeszkadzał na lekcji.", "staff")
    assert (saved.author_id, saved.pupil_id) == (seed.staff_ids["bogdan"], grades.pupils[0])  # type: ignore[attr-defined]
    history = _history(app, note_id)
    assert [(a, u, s) for a, u, s, _b, _a in history] == [("create", "nauczyciel2", seed.staff_ids["bogdan"]),
                                                          ("update", "nauczyciel2", seed.staff_ids["bogdan"])]
    assert history[1][3]["text"] == "Pomógł koledze w zadaniu." and history[1][4]["text"] == "Przeszkadzał na lekcji."
    captured = _captured(app, "behaviour_note", note_id)
    assert [op for op, _d in captured] == ["upsert", "upsert"]  # the edit is a new version of the same record
    assert captured[-1][1]["text"] == "Przeszkadzał na lekcji." and captured[-1][1]["kind"] == "negative"
    page = text(bogdan.get(f"/notes/{note_id}/edit"))
    changes = page.split('id="history"', 1)[1]
    assert "Rodzaj uwagi: Uwaga pozytywna → Uwaga negatywna" in changes
    assert f"Data: {TODAY.strftime('%d.%m.%Y')} → {(TODAY - dt.timedelta(days=1)).strftime('%d.%m.%Y')}" in changes
    assert "Treść uwagi: „Pomógł koledze w zadaniu.” → „Przeszkadzał na lekcji.”" in changes
    assert "<td>Bogdan Wiśniewski</td>" in changes and "<td>dodanie</td>" in changes and "<td>zmiana</td>" in changes


def test_an_unchanged_note_writes_nothing(app: Flask, as_user: Login, seed: Seed, grades: GradesSeed) -> None:
    note_id = _bogdans_note_in_1a(app, as_user, seed, grades)
    same = {k: v for k, v in note(grades.pupils[0]).items() if k != "pupil_id"}
    assert as_user("nauczyciel2").post(f"/notes/{note_id}/edit", same).status_code == 302
    assert [a for a, *_ in _history(app, note_id)] == ["create"]
    assert len(_captured(app, "behaviour_note", note_id)) == 1


@pytest.mark.parametrize(("user", "staff"), [("nauczyciel", "anna"), ("dyrektor", "celina")])
def test_the_class_tutor_and_the_director_edit_anothers_note(app: Flask, as_user: Login, seed: Seed,
                                                             grades: GradesSeed, user: str, staff: str) -> None:
    note_id = _bogdans_note_in_1a(app, as_user, seed, grades)
    editor = as_user(user)  # Anna is 1a's tutor
    assert f"/notes/{note_id}/edit" in text(editor.get(f"/notes/class/{seed.class_ids['1a']}"))
    assert editor.post(f"/notes/{note_id}/edit", edited_note(text="Poprawione przez wychowawcę.")).status_code == 302
    saved = _only(app, BehaviourNote)
    assert saved.text == "Poprawione przez wychowawcę."  # type: ignore[attr-defined]
    assert saved.author_id == seed.staff_ids["bogdan"]  # type: ignore[attr-defined] - the author stays
    assert _history(app, note_id)[-1][:3] == ("update", user, seed.staff_ids[staff])


def test_others_may_not_edit_a_note_and_are_audited(app: Flask, as_user: Login, seed: Seed,
                                                    grades: GradesSeed) -> None:
    bogdan = as_user("nauczyciel2")  # 2b's tutor: his note there may be edited by him and the director only
    assert bogdan.post(f"/notes/class/{seed.class_ids['2b']}/new", note(seed.pupil_ids["jan"])).status_code == 302
    note_id = _only(app, BehaviourNote).id  # type: ignore[attr-defined]
    anna = as_user("nauczyciel")
    assert anna.get(f"/notes/{note_id}/edit").status_code == 403
    assert anna.post(f"/notes/{note_id}/edit", edited_note(), token_from="/account").status_code == 403
    assert denials(app) == [("nauczyciel", "behaviour_note", note_id)] * 2
    assert as_user("sekretariat").get(f"/notes/{note_id}/edit").status_code == 403  # role: reads, never writes
    assert _only(app, BehaviourNote).text == "Pomógł koledze w zadaniu."  # type: ignore[attr-defined]
    assert as_user("nauczyciel").get("/notes/00000000-0000-4000-8000-000000000000/edit").status_code == 404


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"text": "  "}, "text", "Treść uwagi: pole jest wymagane"),
    ({"text": "x" * 1001}, "text", "Treść uwagi: może mieć najwyżej 1000 znaków"),
    ({"kind": "bad"}, "kind", "Rodzaj uwagi: wybierz jedną z możliwości"),
    ({"noted_on": "2026-02-30"}, "noted_on", "Data: wpisz prawdziwą datę"),
    ({"noted_on": "1999-09-01"}, "noted_on", "Data: musi przypadać w roku szkolnym"),
    ({"audience": "everyone"}, "audience", "Kto widzi: wybierz jedną z możliwości"),
])
def test_a_bad_edit_gets_a_polish_error_and_changes_nothing(app: Flask, as_user: Login, seed: Seed,
                                                            grades: GradesSeed, fields: dict[str, str], field: str,
                                                            message: str) -> None:
    note_id = _bogdans_note_in_1a(app, as_user, seed, grades)
    response = as_user("nauczyciel2").post(f"/notes/{note_id}/edit", edited_note(**fields))
    assert response.status_code == 422
    page = text(response)
    assert "Wystąpił problem" in page and f'href="#{field}"' in page and message in page
    assert 'aria-invalid="true"' in page
    saved = _only(app, BehaviourNote)
    assert (saved.kind, saved.text) == ("positive", "Pomógł koledze w zadaniu.")  # type: ignore[attr-defined]
    assert [a for a, *_ in _history(app, note_id)] == ["create"]


def _annas_homework(app: Flask, as_user: Login, grades: GradesSeed) -> str:
    assert as_user("nauczyciel").post("/homework/new", homework(grades.maths)).status_code == 302
    return _only(app, Homework).id  # type: ignore[attr-defined]


def edited_homework(**fields: str) -> dict[str, str]:
    return {"set_on": TODAY.isoformat(), "due_on": (TODAY + dt.timedelta(days=5)).isoformat(),
            "description": "Zadania 1–8 ze str. 42", "audience": "staff", **fields}


def test_the_teacher_edits_her_homework_with_history_and_capture(app: Flask, as_user: Login,
                                                                 grades: GradesSeed, seed: Seed) -> None:
    homework_id = _annas_homework(app, as_user, grades)
    anna = as_user("nauczyciel")
    assert f'href="/homework/{homework_id}/edit">Zmień zadanie domowe' in text(anna.get("/homework"))
    form = text(anna.get(f"/homework/{homework_id}/edit"))
    assert "1a – matematyka" in form and 'name="assignment_id"' not in form
    assert '<label class="field__label" for="due_on">Termin wykonania</label>' in form
    assert anna.post(f"/homework/{homework_id}/edit", edited_homework()).status_code == 302
    saved = _only(app, Homework)
    assert (saved.due_on, saved.description, saved.audience, saved.assignment_id) == (  # type: ignore[attr-defined]
        TODAY + dt.timedelta(days=5), "Zadania 1–8 ze str. 42", "staff", grades.maths)
    history = _history(app, homework_id)
    assert [(a, u) for a, u, *_ in history] == [("create", "nauczyciel"), ("update", "nauczyciel")]
    assert (history[1][3]["due_on"], history[1][4]["due_on"]) == (
        (TODAY + dt.timedelta(days=2)).isoformat(), (TODAY + dt.timedelta(days=5)).isoformat())
    captured = _captured(app, "homework", homework_id)
    assert [op for op, _d in captured] == ["upsert", "upsert"]
    assert captured[-1][1]["description"] == "Zadania 1–8 ze str. 42"
    changes = text(anna.get(f"/homework/{homework_id}/edit")).split('id="history"', 1)[1]
    assert "Co zrobić: „Zadania 1–5 ze str. 42” → „Zadania 1–8 ze str. 42”" in changes
    assert "Kto widzi: Pracownicy, uczeń i opiekunowie → Tylko pracownicy szkoły" in changes
    assert "Data zadania:" not in changes  # unchanged fields are not listed


def test_only_the_author_edits_homework(app: Flask, as_user: Login, grades: GradesSeed) -> None:
    homework_id = _annas_homework(app, as_user, grades)
    assert as_user("nauczyciel2").get(f"/homework/{homework_id}/edit").status_code == 403  # teaches 1a too
    assert denials(app) == [("nauczyciel2", "homework", homework_id)]
    assert as_user("dyrektor").get(f"/homework/{homework_id}/edit").status_code == 403  # only the teacher sets it
    assert f"/homework/{homework_id}/edit" not in text(as_user("nauczyciel2").get("/homework"))
    assert _only(app, Homework).description == "Zadania 1–5 ze str. 42"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"due_on": (TODAY - dt.timedelta(days=1)).isoformat()}, "due_on",
     "Termin wykonania: nie może być wcześniejszy niż data zadania"),
    ({"description": ""}, "description", "Opis zadania: pole jest wymagane"),
    ({"set_on": "jutro"}, "set_on", "Data zadania: wpisz prawdziwą datę"),
    ({"due_on": "1999-09-01"}, "due_on", "Termin wykonania: musi przypadać w roku szkolnym"),
])
def test_a_bad_homework_edit_gets_a_polish_error_and_changes_nothing(app: Flask, as_user: Login,
                                                                     grades: GradesSeed, fields: dict[str, str],
                                                                     field: str, message: str) -> None:
    homework_id = _annas_homework(app, as_user, grades)
    response = as_user("nauczyciel").post(f"/homework/{homework_id}/edit", edited_homework(**fields))
    assert response.status_code == 422
    page = text(response)
    assert "Wystąpił problem" in page and f'href="#{field}"' in page and message in page
    assert _only(app, Homework).description == "Zadania 1–5 ze str. 42"  # type: ignore[attr-defined]
    assert [a for a, *_ in _history(app, homework_id)] == ["create"]
