"""Staff pages: list with filters and FTE sums, the card, qualifications, employment, subjects; role checks."""

from __future__ import annotations

from fractions import Fraction

import pytest
from sqlalchemy import select

from node_agent.school import operations as school_ops
from node_agent.staff import operations as staff_ops
from node_agent.staff.models import StaffEmployment, StaffMember, StaffQualification, StaffSubject
from node_agent.staff.queries import school_fte
from tests.node.conftest import TODAY
from tests.node.web_factories import text

EMPLOYMENT = {"basis": "employment_contract", "starts_on": "2020-09-01", "ends_on": "",
              "fte_numerator": "18", "fte_denominator": "18", "teaching_hours_norm": "18"}


def _count(db, model) -> int:
    with db.read_session() as session:
        return len(session.scalars(select(model)).all())


def test_add_qualification_and_employment_then_the_card_and_list_show_them(as_user, db, seed):
    client = as_user("sekretariat")
    anna = seed.staff_ids["anna"]
    response = client.post(f"/staff/{anna}/qualification/new", {
        "kind": "masters", "field_of_study": "matematyka", "institution": "Uniwersytet Jagielloński",
        "obtained_on": "2009-06-30", "document_number": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/{anna}")
    response = client.post(f"/staff/{anna}/employment/new", {**EMPLOYMENT, "fte_numerator": "9"})
    assert response.status_code == 302
    card = text(client.get(f"/staff/{anna}"))
    assert "studia magisterskie" in card and "Uniwersytet Jagielloński" in card and "9/18" in card
    with db.read_session() as session:
        employment = session.scalar(select(StaffEmployment))
        assert (employment.fte_numerator, employment.fte_denominator, employment.teaching_hours_norm) == (9, 18, 18)
        assert school_fte(session, TODAY).teachers == Fraction(1, 2)
    page = text(client.get("/staff"))
    assert "0,50 etatu w 1 stosunkach pracy" in page


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"fte_numerator": "19"}, "fte_numerator",
     "Wymiar etatu (licznik): jeden stosunek pracy to najwyżej pełny etat: licznik nie może być większy od "
     "mianownika (18)"),
    ({"fte_denominator": "0"}, "fte_denominator", "Wymiar etatu (mianownik): musi mieścić się w zakresie od 1 do 40"),
    ({"fte_numerator": "pół"}, "fte_numerator", "Wymiar etatu (licznik): oczekiwano liczby całkowitej"),
    ({"starts_on": ""}, "starts_on", "Data rozpoczęcia: pole jest wymagane"),
    ({"ends_on": "2019-08-31"}, "ends_on", "Data zakończenia: nie może być wcześniejsza niż data rozpoczęcia"),
    ({"basis": "appointment"}, "basis",
     "Podstawa zatrudnienia: mianowanie jest tylko dla nauczycieli mianowanych i dyplomowanych; najpierw wpisz "
     "stopień awansu"),
])
def test_employment_errors_in_polish_per_field(as_user, db, seed, pl, change, field, message):
    response = as_user("sekretariat").post(f"/staff/{seed.staff_ids['anna']}/employment/new", {**EMPLOYMENT, **change})
    assert response.status_code == 422
    page = text(response)
    assert f'<a href="#{field}">{message}</a>' in page
    assert _count(db, StaffEmployment) == 0


def test_appointment_accepted_once_the_grade_is_recorded(as_user, db, seed):
    client = as_user("dyrektor")
    anna = seed.staff_ids["anna"]
    response = client.post(f"/staff/{anna}/edit", {"first_name": "Anna", "last_name": "Nowak", "position": "teacher",
                                                   "promotion_grade": "appointed", "email": "", "phone": ""})
    assert response.status_code == 302
    assert client.post(f"/staff/{anna}/employment/new", {**EMPLOYMENT, "basis": "appointment"}).status_code == 302
    with db.read_session() as session:
        assert session.get(StaffMember, anna).promotion_grade == "appointed"
    assert "nauczyciel mianowany" in text(client.get("/staff?promotion_grade=appointed"))
    assert "Nowak" not in text(client.get("/staff?promotion_grade=chartered"))


def test_list_filters_by_position_name_and_status(as_user, db, seed):
    client = as_user("sekretariat")
    page = text(client.get("/staff?position=director"))
    assert "Zając" in page and "Nowak" not in page and "Znaleziono pracowników: 1" in page
    page = text(client.get("/staff?q=wiś"))
    assert "Wiśniewski" in page and "Nowak" not in page
    with db.transaction() as session:
        staff_ops.set_active(session, session.get(StaffMember, seed.staff_ids["bogdan"]), False)
    assert "Wiśniewski" not in text(client.get("/staff"))
    assert "Wiśniewski" in text(client.get("/staff?status=left"))


def test_edit_and_remove_a_qualification(as_user, db, seed):
    anna = seed.staff_ids["anna"]
    with db.transaction() as session:
        member = session.get(StaffMember, anna)
        qualification = staff_ops.save_qualification(session, member, {"kind": "postgraduate",
                                                                       "field_of_study": "informatyka"})
        qid = qualification.id
    client = as_user("sekretariat")
    assert client.post(f"/staff/{anna}/qualification/{qid}/edit", {
        "kind": "postgraduate", "field_of_study": "informatyka w szkole", "institution": "", "obtained_on": "",
        "document_number": ""}).status_code == 302
    with db.read_session() as session:
        assert session.get(StaffQualification, qid).field_of_study == "informatyka w szkole"
    # another person's qualification id under this person's URL is not found
    other = seed.staff_ids["bogdan"]
    assert client.post(f"/staff/{other}/qualification/{qid}/delete", token_from=f"/staff/{anna}").status_code == 404
    assert client.post(f"/staff/{anna}/qualification/{qid}/delete", token_from=f"/staff/{anna}").status_code == 302
    assert _count(db, StaffQualification) == 0


def test_subjects_the_teacher_may_teach(as_user, db, seed):
    with db.transaction() as session:
        maths = school_ops.save_subject(session, {"code": "MAT", "name": "matematyka"}).id
        physics = school_ops.save_subject(session, {"code": "FIZ", "name": "fizyka"}).id
    client = as_user("sekretariat")
    anna = seed.staff_ids["anna"]
    assert client.post(f"/staff/{anna}/subjects", {"subject_ids": [maths, physics]}).status_code == 302
    assert client.post(f"/staff/{anna}/subjects", {"subject_ids": [maths]}).status_code == 302
    with db.read_session() as session:
        assert session.scalars(select(StaffSubject.subject_id)).all() == [maths]
    response = client.post(f"/staff/{anna}/subjects", {"subject_ids": ["not-a-subject"]})
    assert response.status_code == 422 and "Przedmiot: wybierz jedną z dostępnych opcji" in text(response)


@pytest.mark.parametrize("path", ["/staff", "/staff/{anna}", "/staff/{anna}/employment/new",
                                  "/staff/{anna}/qualification/new", "/staff/{anna}/subjects", "/import/staff"])
def test_teachers_never_see_staff_employment_data(as_user, seed, path):
    response = as_user("nauczyciel").get(path.format(anna=seed.staff_ids["anna"]))
    assert response.status_code == 403


def test_teacher_cannot_post_an_employment(as_user, db, seed, app):
    client = as_user("nauczyciel")
    with client.client.session_transaction() as cookie:
        cookie["csrf_token"] = "x"
    response = client.client.post(f"/staff/{seed.staff_ids['anna']}/employment/new", data=EMPLOYMENT)
    assert response.status_code in (400, 403)
    assert _count(db, StaffEmployment) == 0
