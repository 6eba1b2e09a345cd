"""Guardians on the pupil card (add, find and link, edit, unlink) and class membership (assign,
move, leave) through the register pages."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from node_agent.register.models import Enrolment, Guardian, Pupil, PupilGuardian
from tests.node.conftest import TODAY
from tests.node.web_factories import school_year_dates, text

NEW_GUARDIAN = {
    "first_name": "Piotr",
    "last_name": "Kowalski",
    "phone": "+48 601 202 303",
    "email": "piotr.k@example.pl",
    "street": "",
    "postal_code": "",
    "city": "Kraków",
    "relation": "father",
    "legal_custody": "y",
    "may_receive_info": "y",
}


def links(db, pupil_id: str) -> list[tuple[str, str, bool, bool]]:
    with db.read_session() as session:
        return [
            (link.guardian.full_name, link.relation, link.legal_custody, link.may_receive_info)
            for link in session.scalars(select(PupilGuardian).where(PupilGuardian.pupil_id == pupil_id))
        ]


def guardian_count(db) -> int:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(Guardian))


def test_add_a_new_guardian(as_user, db, seed):
    pupil_id = seed.pupil_ids["jan"]
    response = as_user("sekretariat").post(
        f"/pupils/{pupil_id}/guardians/new", {**NEW_GUARDIAN, "may_receive_info": ""}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/pupils/{pupil_id}#guardians"
    assert links(db, pupil_id) == [("Piotr Kowalski", "father", True, False)]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"last_name": ""}, "last_name", "Nazwisko: pole jest wymagane"),
        ({"phone": "tel. 601"}, "phone", "Telefon: wpisz same cyfry, np. 600 100 200"),
        ({"email": "piotr@"}, "email", "Adres e-mail: to nie jest poprawny adres e-mail"),
        ({"relation": ""}, "relation", "Stopień pokrewieństwa: pole jest wymagane"),
        ({"relation": "uncle"}, "relation", "Stopień pokrewieństwa: wybierz jedną z dostępnych opcji"),
    ],
)
def test_new_guardian_errors_write_nothing(as_user, db, seed, change, field, message):
    before = guardian_count(db)
    response = as_user("sekretariat").post(
        f"/pupils/{seed.pupil_ids['jan']}/guardians/new", {**NEW_GUARDIAN, **change}
    )
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in text(response)
    assert guardian_count(db) == before and links(db, seed.pupil_ids["jan"]) == []


def test_adding_the_same_guardian_twice_offers_linking_instead(as_user, db, seed):
    client = as_user("sekretariat")
    data = {
        "first_name": "Maria",
        "last_name": "Łęcka",
        "phone": "600 100 200",
        "relation": "mother",
        "legal_custody": "y",
        "may_receive_info": "y",
    }
    response = client.post(f"/pupils/{seed.pupil_ids['lech']}/guardians/new", data)
    assert response.status_code == 422
    page = text(response)
    assert (
        "Opiekun o tym imieniu i nazwisku oraz tym numerze telefonu lub adresie e-mail jest już w księdze."
        in page
    )
    assert f"/pupils/{seed.pupil_ids['lech']}/guardians/link/{seed.guardian_id}" in page
    assert guardian_count(db) == 1


def test_find_and_link_an_existing_guardian(as_user, db, seed):
    client = as_user("sekretariat")
    sibling = seed.pupil_ids["lech"]
    for query in ("lecka", "MARIA", "600100200", "600 100 200"):
        page = text(client.get(f"/pupils/{sibling}/guardians/find", query_string={"q": query}))
        assert "Maria Łęcka" in page, query
    assert "Nie znaleziono opiekuna" in text(client.get(f"/pupils/{sibling}/guardians/find?q=Nowakowska"))
    response = client.post(
        f"/pupils/{sibling}/guardians/link/{seed.guardian_id}",
        {"relation": "legal_guardian", "legal_custody": "y"},
    )
    assert response.status_code == 302
    assert links(db, sibling) == [("Maria Łęcka", "legal_guardian", True, False)]
    assert guardian_count(db) == 1  # one person, two children
    assert "już powiązany" in text(client.get(f"/pupils/{sibling}/guardians/find?q=lecka"))


def test_edit_guardian_and_link(as_user, db, seed):
    pupil_id, link_id = seed.pupil_ids["zofia"], seed.guardian_link_id
    client = as_user("sekretariat")
    form = text(client.get(f"/pupils/{pupil_id}/guardians/{link_id}/edit"))
    assert 'value="maria@example.pl"' in form and '<option selected value="mother">Matka</option>' in form
    response = client.post(
        f"/pupils/{pupil_id}/guardians/{link_id}/edit",
        {
            "first_name": "Maria",
            "last_name": "Łęcka-Nowak",
            "phone": "600 100 201",
            "relation": "mother",
            "may_receive_info": "y",
        },
    )
    assert response.status_code == 302
    assert links(db, pupil_id) == [("Maria Łęcka-Nowak", "mother", False, True)]
    bad = client.post(
        f"/pupils/{pupil_id}/guardians/{link_id}/edit",
        {"first_name": "Maria", "last_name": "", "phone": "600 100 201", "relation": "mother"},
    )
    assert bad.status_code == 422
    assert links(db, pupil_id) == [("Maria Łęcka-Nowak", "mother", False, True)]


def test_unlink_keeps_the_guardian(as_user, db, seed):
    pupil_id, link_id = seed.pupil_ids["zofia"], seed.guardian_link_id
    client = as_user("sekretariat")
    confirm = text(client.get(f"/pupils/{pupil_id}/guardians/{link_id}/unlink"))
    assert "Odłączyć opiekuna Maria Łęcka od ucznia Zofia Łęcka?" in confirm
    assert client.post(f"/pupils/{pupil_id}/guardians/{link_id}/unlink").status_code == 302
    assert links(db, pupil_id) == []
    assert guardian_count(db) == 1
    assert "Opiekun nie jest już powiązany z tym uczniem." in text(client.get(f"/pupils/{pupil_id}"))


def enrolments(db, pupil_id: str) -> list[tuple[str, dt.date, dt.date | None, str, str | None]]:
    with db.read_session() as session:
        pupil = session.get(Pupil, pupil_id)
        return [
            (e.class_unit.name, e.starts_on, e.ends_on, e.admission_reason, e.leaving_reason)
            for e in pupil.enrolments
        ]


def test_class_assignment_keeps_the_history(as_user, db, seed):
    _, year_start, _ = school_year_dates(TODAY)
    pupil_id = seed.pupil_ids["lech"]
    client = as_user("sekretariat")
    form = text(client.get(f"/pupils/{pupil_id}/class"))
    assert "Uczeń jest teraz w oddziale 3c" in form
    move_on = year_start + dt.timedelta(days=30)
    response = client.post(
        f"/pupils/{pupil_id}/class", {"class_id": seed.class_ids["2b"], "starts_on": move_on.isoformat()}
    )
    assert response.status_code == 302
    assert enrolments(db, pupil_id) == [
        ("3c", year_start, move_on - dt.timedelta(days=1), "recruitment", "class_change"),
        ("2b", move_on, None, "class_change", None),
    ]
    card = text(client.get(f"/pupils/{pupil_id}"))
    assert "Uczeń jest teraz w oddziale 2b." in card and "Zmiana oddziału" in card


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"class_id": ""}, "class_id", "Oddział: wybierz jedną z dostępnych opcji"),
        (
            {"starts_on": "2026-13-01"},
            "starts_on",
            "Data rozpoczęcia: nieprawidłowa data (użyj formatu RRRR-MM-DD, np. 2015-09-01)",
        ),
        (
            {"starts_on": "2000-01-01"},
            "starts_on",
            "Data rozpoczęcia: nie może być wcześniejsza niż początek obecnego przydziału do oddziału",
        ),
    ],
)
def test_class_assignment_errors(as_user, db, seed, data, field, message):
    pupil_id = seed.pupil_ids["lech"]
    before = enrolments(db, pupil_id)
    form = {"class_id": seed.class_ids["2b"], "starts_on": TODAY.isoformat(), **data}
    response = as_user("sekretariat").post(f"/pupils/{pupil_id}/class", form)
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in text(response)
    assert enrolments(db, pupil_id) == before


def test_first_assignment_of_a_new_pupil_uses_the_admission_reason(as_user, db, seed):
    client = as_user("sekretariat")
    client.post(
        "/pupils/new",
        {
            "first_name": "Ola",
            "last_name": "Nowa",
            "birth_date": "2019-01-01",
            "sex": "F",
            "no_pesel": "y",
            "document_type": "birth_certificate",
            "document_number": "AU 77",
        },
    )
    with db.read_session() as session:
        pupil_id = session.scalar(select(Pupil.id).where(Pupil.last_name == "Nowa"))
    assert "Uczeń nie został jeszcze przypisany do oddziału." in text(client.get(f"/pupils/{pupil_id}"))
    client.post(
        f"/pupils/{pupil_id}/class",
        {"class_id": seed.class_ids["1a"], "starts_on": TODAY.isoformat(), "admission_reason": "transfer_in"},
    )
    assert enrolments(db, pupil_id) == [("1a", TODAY, None, "transfer_in", None)]


def test_leaving_the_school(as_user, db, seed):
    pupil_id = seed.pupil_ids["jan"]
    client = as_user("sekretariat")
    missing = client.post(f"/pupils/{pupil_id}/leave", {"ends_on": TODAY.isoformat(), "leaving_reason": ""})
    assert '<a href="#leaving_reason">Przyczyna skreślenia: pole jest wymagane</a>' in text(missing)
    assert (
        client.post(
            f"/pupils/{pupil_id}/leave", {"ends_on": TODAY.isoformat(), "leaving_reason": "transfer_out"}
        ).status_code
        == 302
    )
    with db.read_session() as session:
        enrolment = session.scalar(select(Enrolment).where(Enrolment.pupil_id == pupil_id))
        assert (enrolment.ends_on, enrolment.leaving_reason) == (TODAY, "transfer_out")
    assert "Przeniesienie do innej szkoły" in text(client.get(f"/pupils/{pupil_id}"))
