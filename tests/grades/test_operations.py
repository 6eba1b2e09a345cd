"""Grade writes: series stored whole or not at all, every change in the history with its author,
term/year grades with deadlines, behaviour grades and descriptive assessments, settings."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask import Flask
from sqlalchemy import func, select

from node_agent.grades import operations as ops
from node_agent.grades import queries
from node_agent.grades import settings as grade_settings
from node_agent.grades.models import BehaviourGrade, DescriptiveAssessment, Grade, GradeHistory, TermGrade
from node_agent.records import ValidationFailed
from node_agent.register.models import ClassUnit
from node_agent.staff.models import TeachingAssignment
from tests.grades.conftest import TODAY
from tests.grades.factories import GradesSeed
from tests.node.web_factories import Seed, school_year_dates
from zszo.i18n import gettext_for

PL = gettext_for("pl")
LABEL, STARTS, ENDS = school_year_dates(TODAY)


def actor(seed: Seed, who: str = "anna") -> ops.Actor:
    return ops.Actor("nauczyciel" if who == "anna" else "nauczyciel2", seed.staff_ids[who])


def add(app: Flask, seed: Seed, grades: GradesSeed, symbols: list[str], **kw: object) -> list[str]:
    with app.extensions["zszo_db"].transaction() as session:
        added = ops.add_series(session, actor(seed), session.get(TeachingAssignment, grades.maths),
                               category_id=kw.get("category", grades.categories["sprawdzian"]),
                               given_on=kw.get("given_on", STARTS.isoformat()), description=kw.get("description"),
                               symbols=dict(zip(grades.pupils, symbols, strict=False)),
                               labels={p: f"Uczeń {i}" for i, p in enumerate(grades.pupils)})
        return [g.id for g in added]


def errors_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.render(PL) for e in exc.value.errors}


def test_a_series_shares_category_date_and_series_id(app: Flask, seed: Seed, grades: GradesSeed) -> None:
    ids = add(app, seed, grades, ["5+", "", "np", "3−"], description="ułamki")
    with app.extensions["zszo_db"].read_session() as session:
        stored = [session.get(Grade, i) for i in ids]
        assert [g.symbol for g in stored] == ["5+", "np", "3-"]
        assert {g.series_id for g in stored} != {None} and len({g.series_id for g in stored}) == 1
        assert {(g.given_on, g.description, g.teacher_id) for g in stored} == {(STARTS, "ułamki",
                                                                                 seed.staff_ids["anna"])}
        history = session.scalars(select(GradeHistory).order_by(GradeHistory.id)).all()
        assert [(h.action, h.username, h.value("after", "symbol")) for h in history] == [
            ("create", "nauczyciel", "5+"), ("create", "nauczyciel", "np"), ("create", "nauczyciel", "3-")]


def test_one_bad_symbol_writes_nothing_and_names_the_pupil(app: Flask, seed: Seed, grades: GradesSeed) -> None:
    with pytest.raises(ValidationFailed) as caught:
        add(app, seed, grades, ["5", "7", "4", "6+"])
    assert errors_of(caught) == {
        f"grade-{grades.pupils[1]}": "Uczeń 1: „7” nie jest oceną: wpisz 1–6, ewentualnie z + lub -, albo znak "
                                     "(np, bz, +, -)",
        f"grade-{grades.pupils[3]}": "Uczeń 3: „6+” wykracza poza skalę 1–6",
    }
    with app.extensions["zszo_db"].read_session() as session:
        assert session.scalar(select(func.count()).select_from(Grade)) == 0
        assert session.scalar(select(func.count()).select_from(GradeHistory)) == 0


@pytest.mark.parametrize(("given_on", "message"), [
    ((STARTS - dt.timedelta(days=1)).isoformat(),
     f"Data: musi przypadać w roku szkolnym {LABEL} ({STARTS:%d.%m.%Y} – {ENDS:%d.%m.%Y})"),
    ("2026-02-30", "Data: wpisz prawdziwą datę, na przykład 2026-10-05"),
    ("", "Data: pole jest wymagane"),
])
def test_date_outside_the_school_year_is_refused(app: Flask, seed: Seed, grades: GradesSeed, given_on: str,
                                                 message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        add(app, seed, grades, ["5"], given_on=given_on)
    assert errors_of(caught) == {"given_on": message}


def test_missing_category_and_empty_column(app: Flask, seed: Seed, grades: GradesSeed) -> None:
    with pytest.raises(ValidationFailed) as caught:
        add(app, seed, grades, ["", ""], category="")
    assert errors_of(caught) == {"category_id": "Kategoria: wybierz kategorię"}
    with pytest.raises(ValidationFailed) as caught:
        add(app, seed, grades, ["", ""])
    assert errors_of(caught) == {"grades": "Oceny: wpisz ocenę co najmniej jednego ucznia"}


def test_a_pupil_of_another_class_is_refused(app: Flask, seed: Seed, grades: GradesSeed) -> None:
    with app.extensions["zszo_db"].transaction() as session, pytest.raises(ValidationFailed) as caught:
        ops.add_series(session, actor(seed), session.get(TeachingAssignment, grades.maths),
                       category_id=grades.categories["sprawdzian"], given_on=STARTS, description=None,
                       symbols={seed.pupil_ids["jan"]: "5"}, labels={seed.pupil_ids["jan"]: "Jan Kowalski"})
    assert errors_of(caught) == {f"grade-{seed.pupil_ids['jan']}": "Jan Kowalski: nie jest uczniem tej klasy"}


def test_edit_and_delete_keep_every_version(app: Flask, seed: Seed, grades: GradesSeed) -> None:
    (grade_id,) = add(app, seed, grades, ["3"])
    with app.extensions["zszo_db"].transaction() as session:
        grade = session.get(Grade, grade_id)
        ops.update_grade(session, actor(seed), grade, symbol="4-", category_id=grades.categories["kartkówka"],
                         given_on=STARTS, description="poprawa")
    with app.extensions["zszo_db"].transaction() as session:
        with pytest.raises(ValidationFailed) as caught:
            ops.update_grade(session, actor(seed), session.get(Grade, grade_id), symbol="4,5",
                             category_id=grades.categories["kartkówka"], given_on=STARTS, description=None)
        assert list(errors_of(caught)) == ["symbol"]
    with app.extensions["zszo_db"].transaction() as session:
        ops.delete(session, actor(seed), session.get(Grade, grade_id))
    with app.extensions["zszo_db"].read_session() as session:
        assert session.get(Grade, grade_id) is None
        history = ops.history(session, "grade", grade_id)
        assert [(h.action, h.value("before", "symbol"), h.value("after", "symbol")) for h in history] == [
            ("create", None, "3"), ("update", "3", "4-"), ("delete", "4-", None)]
        assert json.loads(history[1].after)["description"] == "poprawa"


def test_gradebook_average_follows_the_settings(app: Flask, seed: Seed, grades: GradesSeed) -> None:
    add(app, seed, grades, ["5+", "2"])
    add(app, seed, grades, ["4-", "np"], category=grades.categories["kartkówka"])
    add(app, seed, grades, ["1+"], category=grades.categories["próbny egzamin"])  # not counted
    with app.extensions["zszo_db"].read_session() as session:
        book = queries.gradebook(session, session.get(TeachingAssignment, grades.maths), TODAY)
        averages = {r.pupil.id: r.average for r in book.rows}
    # (5.5·5 + 3.75·3) / 8 = 4.84375; the second pupil: 2 (np does not count)
    assert [str(averages[p]) for p in grades.pupils[:2]] == ["4.84", "2.00"]
    assert averages[grades.pupils[2]] is None
    with app.extensions["zszo_db"].transaction() as session:
        grade_settings.save_settings(session, {"plus": "0,25", "minus": "0,5", "marks": "np = nieprzygotowany"},
                                     session.get(ClassUnit, seed.class_ids["1a"]).school_year)
    with app.extensions["zszo_db"].read_session() as session:
        book = queries.gradebook(session, session.get(TeachingAssignment, grades.maths), TODAY)
        # (5.25·5 + 3.5·3) / 8 = 4.59375
        assert {r.pupil.id: str(r.average) for r in book.rows}[grades.pupils[0]] == "4.59"


def test_term_grades_with_a_deadline(app: Flask, seed: Seed, grades: GradesSeed) -> None:
    labels = {p: f"Uczeń {i}" for i, p in enumerate(grades.pupils)}
    with app.extensions["zszo_db"].transaction() as session:
        assignment = session.get(TeachingAssignment, grades.maths)
        with pytest.raises(ValidationFailed) as caught:
            ops.set_term_grades(session, actor(seed), assignment, period="term", stage="proposed",
                                values={grades.pupils[0]: "5+", grades.pupils[1]: "4"}, labels=labels, today=TODAY)
        assert errors_of(caught) == {f"grade-{grades.pupils[0]}": "Uczeń 0: musi być całą oceną od 1 do 6"}
        assert ops.set_term_grades(session, actor(seed), assignment, period="term", stage="proposed",
                                   values={grades.pupils[0]: "5", grades.pupils[1]: "4"}, labels=labels,
                                   today=TODAY) == 2
        assert ops.set_term_grades(session, actor(seed), assignment, period="term", stage="proposed",
                                   values={grades.pupils[0]: "5", grades.pupils[1]: ""}, labels=labels,
                                   today=TODAY) == 1
        grade_settings.save_settings(session, {"plus": "0,5", "minus": "0,25", "marks": "np = nieprzygotowany",
                                               "term_proposed_by": STARTS.isoformat()},
                                     session.get(ClassUnit, seed.class_ids["1a"]).school_year)
        with pytest.raises(ValidationFailed) as caught:
            ops.set_term_grades(session, actor(seed), assignment, period="term", stage="proposed",
                                values={grades.pupils[0]: "6"}, labels=labels, today=STARTS + dt.timedelta(days=1))
        assert errors_of(caught) == {"grades": f"Ocena: termin wystawienia tych ocen minął {STARTS:%d.%m.%Y}"}
    with app.extensions["zszo_db"].read_session() as session:
        assert [(t.pupil_id, t.value) for t in session.scalars(select(TermGrade))] == [(grades.pupils[0], 5)]
        assert session.scalar(select(func.count()).select_from(GradeHistory)
                              .where(GradeHistory.entity == "term_grade")) == 3


def test_behaviour_and_descriptive_assessments(app: Flask, seed: Seed, grades: GradesSeed) -> None:
    labels = {p: f"Uczeń {i}" for i, p in enumerate(grades.pupils)}
    with app.extensions["zszo_db"].transaction() as session:
        class_1a = session.get(ClassUnit, seed.class_ids["1a"])
        with pytest.raises(ValidationFailed) as caught:
            ops.set_behaviour_grades(session, actor(seed), class_1a, period="year", stage="final",
                                     values={grades.pupils[0]: "wspaniałe"}, labels=labels, today=TODAY)
        assert errors_of(caught) == {f"grade-{grades.pupils[0]}": "Uczeń 0: wybierz ocenę zachowania z listy"}
        ops.set_behaviour_grades(session, actor(seed), class_1a, period="year", stage="final",
                                 values={grades.pupils[0]: "exemplary", grades.pupils[1]: ""}, labels=labels,
                                 today=TODAY)
        ops.set_descriptive(session, actor(seed), class_1a, period="term", labels=labels, today=TODAY,
                            texts={grades.pupils[0]: "  Czyta płynnie.  "})
    with app.extensions["zszo_db"].transaction() as session:
        class_3c = session.get(ClassUnit, seed.class_ids["3c"])
        class_3c.level = 4  # a class beyond grade 3 gets no descriptive assessment
        with pytest.raises(ValidationFailed) as caught:
            ops.set_descriptive(session, actor(seed), class_3c, period="term", labels=labels, today=TODAY,
                                texts={})
        assert errors_of(caught) == {"grades": "Klasa: oceny opisowe wystawia się tylko w klasach 1–3"}
        session.rollback()  # leave class 3c as it was
    with app.extensions["zszo_db"].read_session() as session:
        assert [(b.pupil_id, b.value) for b in session.scalars(select(BehaviourGrade))] == [
            (grades.pupils[0], "exemplary")]
        assert [d.text for d in session.scalars(select(DescriptiveAssessment))] == ["Czyta płynnie."]


@pytest.mark.parametrize(("data", "errors"), [
    ({"plus": "1", "minus": "0,25", "marks": ""}, {"plus": "Wartość plusa: musi wynosić od 0 do 0,99 (dwa miejsca "
                                                          "po przecinku)"}),
    ({"plus": "pół", "minus": "0,333", "marks": "np"},
     {"plus": "Wartość plusa: wpisz liczbę, na przykład 0,5",
      "minus": "Wartość minusa: musi wynosić od 0 do 0,99 (dwa miejsca po przecinku)",
      "marks": "Znaki nieliczbowe: wpisz każdy znak w postaci „symbol = opis”"}),
    ({"plus": "0,5", "minus": "0,25", "marks": "", "year_final_by": "1999-06-20"},
     {"year_final_by": f"Oceny roczne do dnia: musi przypadać w roku szkolnym {LABEL}"}),
])
def test_settings_errors_name_the_field(app: Flask, seed: Seed, data: dict[str, str], errors: dict[str, str]) -> None:
    with app.extensions["zszo_db"].transaction() as session, pytest.raises(ValidationFailed) as caught:
        grade_settings.save_settings(session, data, session.get(ClassUnit, seed.class_ids["1a"]).school_year)
    assert errors_of(caught) == errors


@pytest.mark.parametrize(("data", "errors"), [
    ({"name": "kartkówka", "weight": "2"}, {"name": "Nazwa kategorii: kategoria o tej nazwie już istnieje"}),
    ({"name": "projekt", "weight": "11"}, {"weight": "Waga: musi mieścić się w zakresie od 1 do 10"}),
    ({"name": "projekt", "weight": "0"}, {"weight": "Waga: musi mieścić się w zakresie od 1 do 10"}),
])
def test_category_errors(app: Flask, grades: GradesSeed, data: dict[str, str], errors: dict[str, str]) -> None:
    with app.extensions["zszo_db"].transaction() as session, pytest.raises(ValidationFailed) as caught:
        grade_settings.save_category(session, data)
    assert errors_of(caught) == errors
