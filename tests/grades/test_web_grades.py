"""Gradebook pages through the Flask test client: who may open and write what (checked on the
server), the column entry with Polish errors per pupil and nothing half-written, editing with the
history, the pupil's card, the tutor's pages and the settings page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from node_agent.grades.models import BehaviourGrade, Grade, GradeCategory, GradingSettings, TermGrade
from tests.grades.conftest import TODAY
from tests.grades.factories import GradesSeed
from tests.node.web_factories import Seed, Web, text

Login = Callable[[str], Web]


def column(grades: GradesSeed, symbols: list[str], **fields: str) -> dict[str, str]:
    data = {"category_id": grades.categories["sprawdzian"], "given_on": TODAY.isoformat(), "description": "ułamki"}
    data.update({f"grade-{p}": s for p, s in zip(grades.pupils, symbols, strict=False)})
    return {**data, **fields}


def count(app: Flask, model: type) -> int:
    with app.extensions["zszo_db"].read_session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(("user", "assignment", "status"), [
    ("nauczyciel", "maths", 200),   # her own assignment
    ("nauczyciel", "polish", 200),  # she tutors 1a: reads every subject of the class
    ("nauczyciel", "history", 403),  # 2b: neither hers nor her class
    ("nauczyciel2", "polish", 200),
    ("nauczyciel2", "maths", 403),  # teaches 1a but is not its tutor
    ("dyrektor", "history", 200),
    ("sekretariat", "maths", 200),
    ("admin", "maths", 403),
])
def test_who_reads_a_gradebook(as_user: Login, grades: GradesSeed, user: str, assignment: str, status: int) -> None:
    assert as_user(user).get(f"/grades/{getattr(grades, assignment)}").status_code == status


@pytest.mark.parametrize(("user", "assignment", "status"), [
    ("nauczyciel", "maths", 200), ("nauczyciel", "polish", 403), ("nauczyciel2", "maths", 403),
    ("dyrektor", "maths", 403), ("sekretariat", "maths", 403),
])
def test_only_the_assignments_teacher_enters_grades(app: Flask, as_user: Login, grades: GradesSeed, user: str,
                                                    assignment: str, status: int) -> None:
    client = as_user(user)
    path = f"/grades/{getattr(grades, assignment)}/series"
    assert client.get(path).status_code == status
    if status == 403:
        response = client.post(path, column(grades, ["5"]), token_from="/account")
        assert response.status_code == 403
        assert count(app, Grade) == 0


def test_a_column_of_grades_lands_in_the_gradebook(app: Flask, as_user: Login, grades: GradesSeed) -> None:
    teacher = as_user("nauczyciel")
    response = teacher.post(f"/grades/{grades.maths}/series", column(grades, ["5+", "4", "np", ""]))
    assert response.status_code == 302
    page = text(teacher.get(response.headers["Location"], follow_redirects=True))
    assert "Zapisano oceny: 3." in page
    assert ">5+<" in page and ">np<" in page
    assert "<td>5,50</td>" in page and "<td>4,00</td>" in page
    assert count(app, Grade) == 3


def test_bad_symbols_are_shown_per_pupil_and_nothing_is_saved(app: Flask, as_user: Login, grades: GradesSeed,
                                                             pl: Callable[[str], str]) -> None:
    teacher = as_user("nauczyciel")
    response = teacher.post(f"/grades/{grades.maths}/series", column(grades, ["5", "7", "4", ""]))
    assert response.status_code == 422
    page = text(response)
    assert "Wystąpił problem" in page or pl("There is a problem") in page
    assert f'href="#grade-{grades.pupils[1]}"' in page
    assert "„7” nie jest oceną" in page
    assert 'value="7"' in page  # what was typed stays for correction
    assert count(app, Grade) == 0


def test_a_date_outside_the_year_and_a_missing_category(as_user: Login, grades: GradesSeed) -> None:
    response = as_user("nauczyciel").post(f"/grades/{grades.maths}/series",
                                          column(grades, ["5"], given_on="1999-09-01", category_id=""))
    page = text(response)
    assert response.status_code == 422
    assert 'href="#given_on"' in page and "Data: musi przypadać w roku szkolnym" in page
    assert 'href="#category_id"' in page and "Kategoria: wybierz kategorię" in page


def test_one_pupils_grade_edit_and_delete_with_history(app: Flask, as_user: Login, grades: GradesSeed) -> None:
    teacher = as_user("nauczyciel")
    pupil = grades.pupils[2]
    response = teacher.post(f"/grades/{grades.maths}/series?pupil={pupil}",
                            {"category_id": grades.categories["odpowiedź"], "given_on": TODAY.isoformat(),
                             f"grade-{pupil}": "3"})
    assert response.status_code == 302
    with app.extensions["zszo_db"].read_session() as session:
        grade = session.scalars(select(Grade)).one()
        assert (grade.pupil_id, grade.symbol, grade.series_id) == (pupil, "3", None)
    path = f"/grades/grade/{grade.id}"
    assert teacher.post(path, {"symbol": "3+", "category_id": grades.categories["odpowiedź"],
                               "given_on": TODAY.isoformat()}).status_code == 302
    bad = teacher.post(path, {"symbol": "9", "category_id": grades.categories["odpowiedź"],
                              "given_on": TODAY.isoformat()})
    assert bad.status_code == 422 and "Ocena: „9” nie jest oceną" in text(bad)
    page = text(teacher.get(path))
    assert "Historia zmian" in page and "zmiana" in page.lower()
    # the tutor of another class cannot change it; the director reads it without a form
    assert as_user("nauczyciel2").post(path, {"symbol": "1"}, token_from="/account").status_code == 403
    director_page = text(as_user("dyrektor").get(path))
    assert 'name="symbol"' not in director_page and "3+" in director_page
    assert teacher.post(f"{path}/delete", token_from=path).status_code == 302
    assert count(app, Grade) == 0


def test_term_grades_page(app: Flask, as_user: Login, grades: GradesSeed) -> None:
    teacher = as_user("nauczyciel")
    path = f"/grades/{grades.maths}/term/term/proposed"
    assert "Przewidywana ocena śródroczna" in text(teacher.get(path))
    assert teacher.post(path, {f"grade-{grades.pupils[0]}": "5"}).status_code == 302
    bad = teacher.post(path, {f"grade-{grades.pupils[0]}": "8"})
    assert bad.status_code == 422 and "musi być całą oceną od 1 do 6" in text(bad)
    assert teacher.get(f"/grades/{grades.maths}/term/semester/proposed").status_code == 404
    with app.extensions["zszo_db"].read_session() as session:
        assert [(t.period, t.stage, t.value) for t in session.scalars(select(TermGrade))] == [("term", "proposed", 5)]


def test_behaviour_grades_only_by_the_tutor(app: Flask, as_user: Login, seed: Seed, grades: GradesSeed) -> None:
    path = f"/grades/class/{seed.class_ids['1a']}/behaviour/year/final"
    assert as_user("nauczyciel2").get(path).status_code == 403
    assert as_user("dyrektor").get(path).status_code == 403
    tutor = as_user("nauczyciel")
    assert "wzorowe" in text(tutor.get(path))
    assert tutor.post(path, {f"grade-{grades.pupils[0]}": "very_good"}).status_code == 302
    with app.extensions["zszo_db"].read_session() as session:
        assert [b.value for b in session.scalars(select(BehaviourGrade))] == ["very_good"]
    card = text(as_user("dyrektor").get(f"/grades/pupil/{grades.pupils[0]}"))
    assert "Zachowanie" in card and "bardzo dobre" in card


def test_descriptive_assessment_page(as_user: Login, seed: Seed, grades: GradesSeed) -> None:
    tutor = as_user("nauczyciel")
    path = f"/grades/class/{seed.class_ids['1a']}/descriptive/term"
    assert tutor.post(path, {f"grade-{grades.pupils[0]}": "Czyta płynnie, liczy do stu."}).status_code == 302
    assert "Czyta płynnie, liczy do stu." in text(as_user("dyrektor").get(f"/grades/pupil/{grades.pupils[0]}"))


def test_pupil_card_shows_what_the_reader_may_see(as_user: Login, seed: Seed, grades: GradesSeed) -> None:
    teacher = as_user("nauczyciel")
    teacher.post(f"/grades/{grades.maths}/series", column(grades, ["4+"]))
    director = text(as_user("dyrektor").get(f"/grades/pupil/{grades.pupils[0]}"))
    assert "matematyka" in director and "język polski" in director and "4,50" in director
    # Bogdan teaches Polish in 1a but is not its tutor: he sees his subject only
    own = text(as_user("nauczyciel2").get(f"/grades/pupil/{grades.pupils[0]}"))
    assert "język polski" in own and "matematyka" not in own
    # a pupil of 2b for Anna (no subject there, not her class)
    assert as_user("nauczyciel").get(f"/grades/pupil/{seed.pupil_ids['jan']}").status_code == 403


def test_index_lists_own_gradebooks_and_tutored_classes(as_user: Login, grades: GradesSeed) -> None:
    page = text(as_user("nauczyciel").get("/grades"))
    assert "matematyka" in page and "język polski" in page and "historia" not in page
    assert "Klasy, których jesteś wychowawcą" in page
    assert "historia" in text(as_user("sekretariat").get("/grades"))


def test_settings_page(app: Flask, as_user: Login, grades: GradesSeed) -> None:
    director = as_user("dyrektor")
    assert as_user("nauczyciel").get("/grades/settings").status_code == 403
    bad = director.post("/grades/settings", {"plus": "2", "minus": "0,25", "marks": "np = nieprzygotowany"})
    assert bad.status_code == 422 and "Wartość plusa: musi wynosić od 0 do 0,99" in text(bad)
    assert count(app, GradingSettings) == 0
    ok = director.post("/grades/settings", {"plus": "0,33", "minus": "0,33", "marks": "np = nieprzygotowany"})
    assert ok.status_code == 302
    with app.extensions["zszo_db"].read_session() as session:
        row = session.get(GradingSettings, 1)
        assert (row.plus_hundredths, row.minus_hundredths, row.marks) == (33, 33, "np = nieprzygotowany")
    added = director.post("/grades/settings/categories", {"name": "projekt", "weight": "4", "counts": "y"},
                          token_from="/grades/settings")
    assert added.status_code == 302
    bad = director.post("/grades/settings/categories", {"name": "esej", "weight": "12"}, token_from="/grades/settings")
    assert bad.status_code == 422 and "Waga: musi mieścić się w zakresie od 1 do 10" in text(bad)
    with app.extensions["zszo_db"].read_session() as session:
        assert session.scalar(select(GradeCategory.weight).where(GradeCategory.name == "projekt")) == 4
        assert session.scalar(select(GradeCategory).where(GradeCategory.name == "esej")) is None
