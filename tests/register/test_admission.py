"""Admission (przyjęcie) and leaving (skreślenie): register entries with numbers, dates, reasons and decisions.

Through the node's web app on a real SQLite copy of the seeded school; every failed form leaves the
database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from node_agent.register import admission
from node_agent.register.models import Enrolment, Pupil, RegisterEntry
from node_agent.transfers.models import PupilTransfer
from tests.node.conftest import TODAY
from tests.node.web_factories import make_pesel, text

BIRTH = dt.date(2019, 4, 2)


def _admission(seed, **changes):
    form = {"first_name": "Łucja", "last_name": "Żurawska-O'Hara", "birth_date": BIRTH.isoformat(), "sex": "F",
            "pesel": make_pesel(BIRTH, "F", 501), "class_id": seed.class_ids["1a"], "admitted_on": TODAY.isoformat(),
            "admission_reason": "recruitment", "admission_decision": "12/2026",
            "admission_decided_on": TODAY.isoformat()}
    form.update(changes)
    return form


def _counts(db):
    with db.read_session() as session:
        return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Pupil, Enrolment, RegisterEntry))


def test_admitting_a_new_pupil_writes_pupil_entry_and_class_at_once(as_user, db, seed):
    office = as_user("sekretariat")
    response = office.post("/register/admit", _admission(seed))
    assert response.status_code == 302
    card = text(office.get(response.headers["Location"]))
    assert "Uczeń został przyjęty do szkoły i wpisany do księgi uczniów pod numerem 1." in card
    with db.read_session() as session:
        pupil = session.scalar(select(Pupil).where(Pupil.last_name == "Żurawska-O'Hara"))
        (entry,) = admission.entries_of(session, pupil.id)
        assert (entry.number, entry.admitted_on, entry.admission_reason, entry.admission_decision,
                entry.admission_decided_on, entry.left_on) == ("1", TODAY, "recruitment", "12/2026", TODAY, None)
        assert pupil.register_number == "1"
        (enrolment,) = pupil.enrolments
        assert (enrolment.class_unit.name, enrolment.starts_on, enrolment.admission_reason) == (
            "1a", TODAY, "recruitment")
    assert "Żurawska-O&#39;Hara" in text(office.get("/register"))


def test_every_problem_of_an_admission_is_listed_and_nothing_is_written(as_user, db, seed):
    before = _counts(db)
    bad = _admission(seed, pesel="12345678901", class_id="", admitted_on="2026-02-30", admission_reason="",
                     admission_decided_on="wczoraj")
    response = as_user("sekretariat").post("/register/admit", bad)
    assert response.status_code == 422
    assert re.findall(r'<li><a href="#([^"]+)">([^<]+)</a>', text(response)) == [
        ("pesel", "PESEL: błędna cyfra kontrolna (pomyłka przy wpisywaniu?)"),
        ("class_id", "Oddział: wybierz jedną z dostępnych opcji"),
        ("admitted_on", "Data przyjęcia: nieprawidłowa data (użyj formatu RRRR-MM-DD, np. 2015-09-01)"),
        ("admission_reason", "Podstawa przyjęcia: pole jest wymagane"),
        ("admission_decided_on",
         "Data decyzji o przyjęciu: nieprawidłowa data (użyj formatu RRRR-MM-DD, np. 2015-09-01)"),
    ]
    assert _counts(db) == before


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"admission_decision": "x" * 51}, "admission_decision", "Numer decyzji o przyjęciu: dozwolone najwyżej 50 znaków"),
    ({"admission_reason": "bribe"}, "admission_reason", "Podstawa przyjęcia: wybierz jedną z dostępnych opcji"),
    ({"admitted_on": ""}, "admitted_on", "Data przyjęcia: pole jest wymagane"),
    ({"admission_reason": "transfer_in", "other_name": "SP 3 w Kielcach", "other_postal_code": "25 001"},
     "other_postal_code", "Kod pocztowy: wpisz w formacie 00-000"),
])
def test_bad_admission_fields_get_a_specific_polish_error(as_user, db, seed, change, field, message):
    before = _counts(db)
    response = as_user("sekretariat").post("/register/admit", _admission(seed, **change))
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}' in text(response)
    assert _counts(db) == before


def test_a_pupil_from_outside_the_city_brings_the_previous_schools_details(as_user, db, seed):
    office = as_user("sekretariat")
    response = office.post("/register/admit", _admission(
        seed, admission_reason="transfer_in", other_name="Szkoła Podstawowa nr 3 w Kielcach", other_rspo="21034",
        other_street="ul. Słowackiego 5", other_postal_code="25-001", other_city="Kielce"))
    assert response.status_code == 302
    with db.read_session() as session:
        (transfer,) = session.scalars(select(PupilTransfer))
        assert (transfer.direction, transfer.in_city, transfer.status, transfer.other_name, transfer.other_rspo,
                transfer.other_city, transfer.transfer_on) == (
            "in", False, "recorded", "Szkoła Podstawowa nr 3 w Kielcach", "21034", "Kielce", TODAY)
    assert "Szkoła Podstawowa nr 3 w Kielcach" in text(office.get(response.headers["Location"]))


def test_leaving_closes_the_entry_and_the_class_with_the_decision_and_next_school(as_user, db, seed):
    pupil_id = seed.pupil_ids["jan"]
    office = as_user("sekretariat")
    response = office.post(f"/pupils/{pupil_id}/leave", {
        "ends_on": TODAY.isoformat(), "leaving_reason": "transfer_out", "leaving_decision": "S/4/2026",
        "leaving_decided_on": TODAY.isoformat(), "other_name": "Liceum w Wiedniu", "other_city": "Wien"})
    assert response.status_code == 302
    with db.read_session() as session:
        (entry,) = admission.entries_of(session, pupil_id)  # made from the class history, then closed
        assert (entry.left_on, entry.leaving_reason, entry.leaving_decision) == (TODAY, "transfer_out", "S/4/2026")
        assert entry.admission_reason == "recruitment"
        (enrolment,) = session.scalars(select(Enrolment).where(Enrolment.pupil_id == pupil_id))
        assert (enrolment.ends_on, enrolment.leaving_reason) == (TODAY, "transfer_out")
        (transfer,) = session.scalars(select(PupilTransfer).where(PupilTransfer.pupil_id == pupil_id))
        assert (transfer.direction, transfer.status, transfer.other_name, transfer.transfer_on) == (
            "out", "recorded", "Liceum w Wiedniu", TODAY + dt.timedelta(days=1))


def test_leaving_before_the_admission_is_refused_and_nothing_changes(as_user, db, seed):
    pupil_id = seed.pupil_ids["jan"]
    response = as_user("sekretariat").post(f"/pupils/{pupil_id}/leave", {
        "ends_on": "2001-01-01", "leaving_reason": "moved_abroad"})
    assert response.status_code == 422
    assert "Data skreślenia: nie może być wcześniejsza niż data rozpoczęcia" in text(response)
    with db.read_session() as session:
        assert admission.entries_of(session, pupil_id) == []
        assert session.scalar(select(Enrolment.ends_on).where(Enrolment.pupil_id == pupil_id)) is None


def test_a_pupil_who_left_can_be_admitted_again_under_a_new_number(as_user, db, seed):
    pupil_id = seed.pupil_ids["lech"]
    office = as_user("sekretariat")
    assert office.post(f"/pupils/{pupil_id}/leave", {"ends_on": TODAY.isoformat(),
                                                     "leaving_reason": "moved_abroad"}).status_code == 302
    again = office.post(f"/register/admit/{pupil_id}", {
        "class_id": seed.class_ids["3c"], "admitted_on": (TODAY + dt.timedelta(days=3)).isoformat(),
        "admission_reason": "from_abroad"})
    assert again.status_code == 302
    with db.read_session() as session:
        first, second = admission.entries_of(session, pupil_id)
        assert (first.number, first.leaving_reason, second.number, second.admission_reason) == (
            "1", "moved_abroad", "2", "from_abroad")
        assert session.get(Pupil, pupil_id).register_number == "2"
    twice = office.post(f"/register/admit/{pupil_id}", {
        "class_id": seed.class_ids["3c"], "admitted_on": TODAY.isoformat(), "admission_reason": "other"})
    assert twice.status_code == 422
    assert "uczeń jest już wpisany do księgi uczniów pod numerem 2" in text(twice)


def test_missing_entries_are_made_from_class_history(as_user, db, seed):
    office = as_user("sekretariat")
    book = text(office.get("/register"))
    assert "Uczniowie bez wpisu w księdze: 3" in book
    assert office.post("/register/backfill", token_from="/register").status_code == 302
    with db.read_session() as session:
        numbers = sorted(session.scalars(select(RegisterEntry.number)))
    assert numbers == ["1", "2", "3"]
    book = text(office.get("/register"))
    assert "Znalezione wpisy: 3" in book and "Uczniowie bez wpisu" not in book


def test_teachers_cannot_reach_the_register_book(as_user, seed):
    teacher = as_user("nauczyciel")
    for path in ("/register", "/register/admit", f"/register/admit/{seed.pupil_ids['zofia']}", "/register/settings",
                 "/transfers"):
        assert teacher.get(path).status_code == 403, path
