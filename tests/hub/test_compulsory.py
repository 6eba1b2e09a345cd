"""Compulsory-schooling control on a hand-built city: three schools' real node databases synced and
merged into a real hub, a population register CSV, reported schooling, and the lists the office gets.

School year 2026/2027, checked on 1 October 2026: children born in 2020 owe preschool preparation,
children born in 2019 or earlier owe school until they are 18.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from hub.auth.operations import create_user
from hub.compulsory import operations as ops
from hub.compulsory.control import run_control
from hub.compulsory.models import ChildAccess, ControlCase
from hub.compulsory.register import parse_register
from hub.fleet import operations as fleet
from hub.warehouse.pseudonym import load_or_create_key
from node_agent.register import operations as register
from node_agent.register.models import ClassUnit
from node_agent.school import operations as school_ops
from node_agent.school.models import School
from protocol import pesel
from tests.hub.web_factories import Web, hub_app, login_as, start_test_hub, text
from tests.sync.helpers import HubServer, make_node

YEAR, DAY = "2026/2027", dt.date(2026, 10, 1)
OFFICER_PASSWORD = "urzednik-haslo-1"


@dataclass(frozen=True)
class Kid:
    first: str
    last: str
    born: dt.date
    sex: str
    serial: int
    passport: str | None = None  # no PESEL: identified by a passport

    @property
    def pesel(self) -> str | None:
        return None if self.passport else pesel.generate(self.born, self.sex, self.serial)


ALA = Kid("Ala", "Nowak", dt.date(2019, 3, 1), "F", 11)  # grade 1 in SP 1
BARTEK = Kid("Bartek", "Żak", dt.date(2020, 6, 2), "M", 12)  # preschool preparation in P 3
CELINA = Kid("Celina", "O'Hara", dt.date(2018, 1, 9), "F", 13, passport="ZX1234567")  # no PESEL, in SP 2
DAREK = Kid("Darek", "Kłos", dt.date(2017, 4, 4), "M", 14)  # in SP 1 and in SP 2
EWA = Kid("Ewa", "Łąka", dt.date(2016, 2, 2), "F", 15)  # nowhere: schooled abroad, reported
FILIP = Kid("Filip", "Róg", dt.date(2019, 8, 8), "M", 16)  # deferred, in preschool
GOSIA = Kid("Gosia", "Wiśniewska", dt.date(2015, 5, 5), "F", 17)  # nowhere, nothing reported
HUBERT = Kid("Hubert", "Źrebiec", dt.date(2019, 9, 9), "M", 18)  # in preschool, no deferral
IGA = Kid("Iga", "Mała", dt.date(2022, 1, 1), "F", 19)  # too young: not checked
JAN = Kid("Jan", "Dorosły", dt.date(2008, 5, 1), "M", 20)  # 18 since May: not checked
KASIA = Kid("Kasia", "Ćma", dt.date(2019, 2, 2), "F", 21)  # deferred but enrolled nowhere
KIDS = (ALA, BARTEK, CELINA, DAREK, EWA, FILIP, GOSIA, HUBERT, IGA, JAN, KASIA)
SCHOOLS = {"100901": ("Szkoła Podstawowa nr 1", "primary", (ALA, DAREK)),
           "100902": ("Szkoła Podstawowa nr 2", "primary", (CELINA, DAREK)),
           "100903": ("Przedszkole nr 3", "preschool", (BARTEK, FILIP, HUBERT))}


def _fill(node, kind: str, kids: tuple[Kid, ...]) -> None:  # type: ignore[no-untyped-def]
    with node.db.transaction() as session:
        school_ops.save_school(session, {"kind": kind, "district": "Śródmieście"}, session.scalar(select(School)))
        year = school_ops.save_school_year(session, {"label": YEAR, "starts_on": dt.date(2026, 9, 1),
                                                     "ends_on": dt.date(2027, 8, 31)})
        unit = session.get(ClassUnit, school_ops.save_class(
            session, {"school_year_id": year.id, "level": 0 if kind == "preschool" else 1, "letter": "a"}).id)
        for kid in kids:
            data = {"first_name": kid.first, "last_name": kid.last, "birth_date": kid.born.isoformat(),
                    "sex": kid.sex}
            data |= {"document_type": "passport", "document_number": kid.passport} if kid.passport else \
                {"pesel": kid.pesel}
            pupil = register.save_pupil(session, data)
            register.assign_class(session, pupil, unit, starts_on=dt.date(2026, 9, 1), admission_reason="recruitment")


def register_csv(kids: tuple[Kid, ...] = KIDS) -> bytes:
    lines = ["pesel;document_type;document_number;first_name;last_name;birth_date;street;postal_code;city"]
    for kid in kids:
        lines.append(f"{kid.pesel or ''};{'passport' if kid.passport else ''};{kid.passport or ''};{kid.first};"
                     f"{kid.last};{kid.born.isoformat()};ul. Długa 7;26-600;Radom")
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServer]:
    root = tmp_path_factory.mktemp("compulsory")
    hub = start_test_hub(root / "hub")
    for rspo, (name, kind, kids) in SCHOOLS.items():
        with hub.db.transaction() as session:
            fleet.add_institution(session, rspo=rspo, name=name, kind=kind, district="Śródmieście")
        node = make_node(root / rspo, rspo=rspo, name=name, hub_url=hub.url)
        _fill(node, kind, kids)
        node.enrol(hub.url, hub.issue_token(rspo))
        assert node.sync().ok
        node.close()
    hub.merge()
    key = load_or_create_key(hub.settings["paths.pseudonym_key"])
    with hub.db.transaction() as session:
        ops.save_import(session, parse_register(register_csv(), key), as_of=dt.date(2026, 9, 30),
                        file_name="ewidencja.csv", by="test")
        for kid, kind, details in ((EWA, "abroad", "Szkoła w Dublinie, Irlandia"),
                                   (FILIP, "deferral", "decyzja dyrektora SP 1 nr 12/2026"),
                                   (KASIA, "deferral", "decyzja dyrektora SP 2 nr 3/2026")):
            ops.add_exemption(session, pupil_key=_key(hub, kid), school_year=YEAR, kind=kind, details=details,
                              by="test")
        create_user(session, username="urzednik", display_name="Urszula Urzędnik", role="officer",
                    password=OFFICER_PASSWORD)
    yield hub
    hub.close()


def _key(hub: HubServer, kid: Kid) -> str:
    from hub.warehouse.pseudonym import pupil_key

    key = load_or_create_key(hub.settings["paths.pseudonym_key"])
    return pupil_key(key, kid.pesel, "passport" if kid.passport else None, kid.passport)


def test_the_lists_equal_the_hand_built_expectation(city: HubServer):
    with city.db.reading() as session:
        findings = run_control(session, city.warehouse.cursor(), YEAR, DAY)
        by_status: dict[str, set[str]] = {}
        for f in findings:
            by_status.setdefault(f.status, set()).add(f.child.first_name)
        obligations = {f.child.first_name: f.obligation for f in findings}
    assert by_status == {
        "ok": {"Ala", "Bartek", "Celina"},  # Celina matched by her passport, without a PESEL
        "enrolled_twice": {"Darek"},
        "exempt": {"Ewa"},
        "deferred": {"Filip"},
        "not_enrolled": {"Gosia", "Kasia"},  # a deferral still needs a preschool place
        "preschool_no_deferral": {"Hubert"},
    }
    assert obligations["Bartek"] == "preschool_preparation" and obligations["Gosia"] == "school"
    assert "Iga" not in obligations and "Jan" not in obligations


def test_register_rows_with_errors_are_reported_and_the_rest_imported(city: HubServer):
    key = load_or_create_key(city.settings["paths.pseudonym_key"])
    bad_pesel = ALA.pesel[:10] + str((int(ALA.pesel[10]) + 1) % 10)
    data = register_csv((ALA, BARTEK)).decode("utf-8-sig") + (
        f"{bad_pesel};;;Zła;Cyfra;2019-03-01;;;\n"
        f"{ALA.pesel};;;Ala;Powtórzona;2019-03-01;;;\n"
        ";;;Bez;Dokumentu;2019-03-01;;;\n"
        f"{GOSIA.pesel};;;Gosia;Data;2015-05-06;;;\n"
        f"{IGA.pesel};;;;Bezimienna;2022-01-01;;;\n")
    parsed = parse_register(data.encode("utf-8"), key)
    from zszo.i18n import gettext_for

    pl = gettext_for("pl")
    assert [(e.line, e.error.render(pl)) for e in parsed.errors] == [
        (4, "PESEL: błędna cyfra kontrolna (pomyłka przy wpisywaniu?)"),
        (5, "PESEL: już na liście w wierszu 2"),
        (6, "PESEL: podaj numer PESEL, a jeśli dziecko go nie ma – rodzaj i numer dokumentu"),
        (7, "Data urodzenia: nie zgadza się z datą zapisaną w numerze PESEL (2015-05-05)"),
        (8, "Imię: pole jest wymagane"),
    ]
    assert [c["first_name"] for c in parsed.children] == ["Ala", "Bartek"] and parsed.rows_read == 7
    assert parse_register(b"imie;nazwisko\nAla;Nowak\n", key).file_error.render(pl) == (
        "Plik: w nagłówku brakuje kolumn: first_name, last_name, birth_date")
    assert parse_register("pesel\n".encode("cp1250") + "Żółć".encode("cp1250"), key).file_error.code == "encoding"


def test_only_officers_see_children_and_every_view_is_logged(city: HubServer):
    app = hub_app(city)
    assert login_as(app, "analityk").get("/compulsory").status_code == 403
    officer = Web(app.test_client())
    officer.login("urzednik", OFFICER_PASSWORD)
    page = text(officer.get(f"/compulsory?school_year={YEAR}&day={DAY.isoformat()}"))
    assert "Dzieci niezapisane do żadnej szkoły (2)" in page and "Wiśniewska Gosia" in page
    assert "Dzieci zapisane do dwóch szkół (1)" in page and "Kłos Darek" in page
    csv_text = officer.get(f"/compulsory/not_enrolled.csv?school_year={YEAR}&day={DAY.isoformat()}").data
    assert "Wiśniewska;Gosia;" in csv_text.decode("utf-8-sig") and "Ćma;Kasia" in csv_text.decode("utf-8-sig")
    with city.db.reading() as session:
        actions = session.execute(select(ChildAccess.username, ChildAccess.action, ChildAccess.purpose)
                                  .order_by(ChildAccess.id)).all()
    assert [tuple(a) for a in actions][-2:] == [("urzednik", "list", "compulsory_control"),
                                                 ("urzednik", "export", "compulsory_list:not_enrolled")]


def test_a_case_goes_from_open_to_closed_with_a_letter(city: HubServer):
    app = hub_app(city)
    officer = Web(app.test_client())
    officer.login("urzednik", OFFICER_PASSWORD)
    gosia = _key(city, GOSIA)
    from hub.compulsory.models import ResidentChild

    with city.db.reading() as session:
        child_id = session.scalar(select(ResidentChild.id).where(ResidentChild.pupil_key == gosia))
    page = f"/compulsory/child/{child_id}"
    assert "W żadnej szkole ani przedszkolu miasta." in text(officer.get(page))
    assert officer.post(f"{page}/case", {"school_year": YEAR}, token_from=page).status_code == 302
    with city.db.reading() as session:
        case = session.scalar(select(ControlCase).where(ControlCase.pupil_key == gosia))
        assert (case.reason, case.status) == ("not_enrolled", "open")
    refused = officer.post(f"/compulsory/case/{case.id}/advance", {"status": "explained", "note": ""}, token_from=page)
    assert refused.status_code == 422
    assert "Krok: ten krok nie może nastąpić po obecnym" in text(refused) and "Notatka: pole jest wymagane" in \
        text(refused)
    letter = officer.get(f"/compulsory/case/{case.id}/letter.pdf")
    assert letter.mimetype == "application/pdf"
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.data)).pages)
    assert "Wezwanie do spełnienia obowiązku szkolnego" in pdf_text and "Gosia Wiśniewska" in pdf_text
    for status, note in (("notified", "Wysłano wezwanie listem poleconym."),
                         ("explained", "Matka: dziecko uczy się w szkole w Krakowie od października."),
                         ("closed", "Potwierdzenie ze szkoły w aktach.")):
        assert officer.post(f"/compulsory/case/{case.id}/advance", {"status": status, "note": note},
                            token_from=page).status_code == 302
    with city.db.reading() as session:
        assert session.get(ControlCase, case.id).status == "closed"
        assert session.scalar(select(func.count()).select_from(ChildAccess).where(
            ChildAccess.pupil_key == gosia, ChildAccess.action == "letter")) == 1
