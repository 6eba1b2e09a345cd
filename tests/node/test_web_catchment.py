"""Catchment pages: streets, the register extract (shared parser), statuses with Polish errors, the summary; roles."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from node_agent.catchment.models import CatchmentChild, CatchmentStreet
from node_agent.catchment.queries import default_school_year
from protocol import pesel as pesel_rules
from tests.node.web_factories import text

YEAR = "2027/2028"
HEADER = "pesel;document_type;document_number;first_name;last_name;birth_date;street;postal_code;city\n"


def child_line(serial: int, first: str, last: str, street: str, birth: dt.date = dt.date(2020, 5, 4)) -> str:
    return f"{pesel_rules.generate(birth, 'F', serial)};;;{first};{last};{birth.isoformat()};{street};30-001;Kraków\n"


EXTRACT = (HEADER + child_line(1, "Ola", "Nowak", "ul. Długa 7") + child_line(2, "Ela", "Mak", "ul. Długa 8")
           + child_line(3, "Iza", "Lis", "Krótka 3") + ";;;Bez;Dokumentu;2020-01-01;Krótka 1;30-001;Kraków\n"
           + "12345678901;;;Zły;Pesel;2020-01-01;Krótka 2;30-001;Kraków\n")


def load(client, data: str = EXTRACT, year: str = YEAR):
    return client.post("/catchment/children/import", {"file": (io.BytesIO(data.encode()), "wykaz.csv"),
                                                      "school_year": year}, content_type="multipart/form-data")


def children(db) -> dict[str, CatchmentChild]:
    with db.read_session() as session:
        return {c.last_name: c for c in session.scalars(select(CatchmentChild))}


def test_extract_loads_valid_children_reports_bad_rows_and_reloading_changes_nothing(as_user, db):
    client = as_user("sekretariat")
    page = text(load(client))
    assert "dodano 3, zmieniono 0, bez zmian 0; wiersze z błędami: 2" in page
    assert ("<td class=\"numeric\">5</td><td>PESEL: podaj numer PESEL, a jeśli dziecko go nie ma – rodzaj i numer "
            "dokumentu") in page
    assert "<td class=\"numeric\">6</td><td>PESEL: błędna cyfra kontrolna" in page
    assert sorted(children(db)) == ["Lis", "Mak", "Nowak"]
    assert "dodano 0, zmieniono 0, bez zmian 3" in text(load(client))
    assert len(children(db)) == 3


def test_statuses_summary_and_obwod(as_user, db):
    client = as_user("sekretariat")
    client.post("/catchment/streets", {"street": "ul. Długa", "number_from": "1", "number_to": "29",
                                       "parity": "odd"})
    client.post("/catchment/streets", {"street": "Krótka", "number_from": "", "number_to": "", "parity": "all"})
    load(client)
    kids = children(db)
    assert client.post(f"/catchment/children/{kids['Nowak'].id}", {"status": "enrolled"}).status_code == 302
    assert client.post(f"/catchment/children/{kids['Mak'].id}", {
        "status": "deferred", "decision_number": "SP7.4312.3.2027"}).status_code == 302
    page = text(client.get(f"/catchment?school_year={YEAR}"))
    summary = page[page.index("Zestawienie dla miasta"):page.index("<table")]
    numbers = [("Dzieci w wykazie", 3), ("Zapisane do naszej szkoły", 1), ("Z odroczeniem obowiązku szkolnego", 1),
               ("Spełniające obowiązek gdzie indziej (zgłoszenie rodziców)", 0), ("Brak informacji", 1),
               ("Adres poza obwodem szkoły", 1)]  # Długa 8 is even: outside
    for label, value in numbers:
        assert f"<dt>{label}</dt>\n    <dd>{value}</dd>" in summary
    assert children(db)["Mak"].decision_number == "SP7.4312.3.2027"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"status": "deferred"}, "decision_number", "Numer decyzji o odroczeniu: odroczenie wymaga numeru decyzji"),
    ({"status": "elsewhere", "other_school": "SP 3 w Wieliczce"}, "other_school_address",
     "Adres innej szkoły: podaj szkołę wskazaną przez rodziców"),
    ({"status": "lost"}, "status", "Stan: wybierz jedną z dostępnych opcji"),
])
def test_status_errors_in_polish(as_user, db, data, field, message):
    client = as_user("sekretariat")
    load(client)
    child = children(db)["Lis"]
    response = client.post(f"/catchment/children/{child.id}", data)
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in text(response)
    assert children(db)["Lis"].status == "unknown"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"street": ""}, "street", "Ulica: pole jest wymagane"),
    ({"street": "Długa", "number_from": "12", "number_to": "3"}, "number_to",
     "Numery domów do: nie może być mniejszy niż pierwszy numer"),
    ({"street": "Długa", "number_from": "1a"}, "number_from",
     "Numery domów od: wpisz numer domu od 1 do 9999 (same cyfry)"),
])
def test_street_errors_in_polish(as_user, db, data, field, message):
    response = as_user("sekretariat").post("/catchment/streets", {"parity": "all", **data})
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in text(response)
    with db.read_session() as session:
        assert session.scalars(select(CatchmentStreet)).all() == []


def test_extract_file_and_year_errors(as_user):
    client = as_user("sekretariat")
    response = load(client, year="2027-2028")
    assert response.status_code == 422 and "Rok szkolny: wpisz w formacie 2027/2028" in text(response)
    response = load(client, data="imie;nazwisko\nOla;Nowak\n")
    assert response.status_code == 422 and "w nagłówku brakuje kolumn" in text(response)


@pytest.mark.parametrize("path", ["/catchment", "/catchment/streets", "/catchment/children/import",
                                  "/import/catchment_streets"])
def test_teachers_do_not_see_the_catchment_lists(as_user, path):
    assert as_user("nauczyciel").get(path).status_code == 403


def test_teacher_cannot_open_a_child(as_user, db):
    load(as_user("sekretariat"))
    child = children(db)["Lis"]
    assert as_user("nauczyciel").get(f"/catchment/children/{child.id}").status_code == 403


@pytest.mark.parametrize(("day", "year"), [
    (dt.date(2027, 3, 1), "2027/2028"), (dt.date(2027, 10, 31), "2027/2028"), (dt.date(2027, 11, 1), "2028/2029"),
])
def test_default_intake_year(day, year):
    assert default_school_year(day) == year
