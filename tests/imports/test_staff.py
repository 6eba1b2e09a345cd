"""Importing staff: people with position and grade, employment with an exact FTE, subjects; re-import idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from node_agent.db import Database
from node_agent.imports.staff import import_staff
from node_agent.imports.staff_values import parse_fte
from node_agent.imports.values import BadValue
from node_agent.school import operations as school_ops
from node_agent.staff.models import StaffEmployment, StaffMember, StaffSubject
from tests.imports.factories import count, outbox_count, rendered, write_csv, write_xlsx

HEADERS = ["Imię", "Nazwisko", "Stanowisko", "Stopień awansu", "E-mail", "Podstawa zatrudnienia",
           "Zatrudniony od", "Etat", "Pensum", "Przedmioty"]


def row(first: str, last: str, **cells: str) -> dict[str, str]:
    base = {"Imię": first, "Nazwisko": last, "Stanowisko": "nauczyciel", "Stopień awansu": "mianowany",
            "Podstawa zatrudnienia": "umowa o pracę", "Zatrudniony od": "01.09.2020", "Etat": "18/18",
            "Pensum": "18", "Przedmioty": "matematyka"}
    return {**base, **cells}


def run(db: Database, path: Path, **kwargs):
    with db.transaction() as session:
        return import_staff(session, path, **kwargs)


@pytest.fixture
def subjects(db: Database) -> dict[str, str]:
    with db.transaction() as session:
        return {code: school_ops.save_subject(session, {"code": code, "name": name}).id
                for code, name in (("MAT", "matematyka"), ("FIZ", "fizyka"))}


@pytest.mark.parametrize(("text", "expected"), [
    ("18/18", (18, 18)), ("9 / 18", (9, 18)), ("1/2", (1, 2)), ("0,5", (1, 2)), ("0.75", (3, 4)), ("1", (1, 1)),
])
def test_fte_cells(text: str, expected: tuple[int, int]) -> None:
    assert parse_fte(text) == expected


@pytest.mark.parametrize("text", ["0,33", "pół", "0/18", "1,5,1"])
def test_bad_fte_cells(text: str) -> None:
    with pytest.raises(BadValue):
        parse_fte(text)


def test_import_then_reimport_changes_nothing(db, subjects, tmp_path):
    path = write_csv(tmp_path / "kadra.csv", [
        row("Anna", "Nowak", **{"E-mail": "a.nowak@sp7.pl", "Przedmioty": "matematyka, FIZ"}),
        row("Jan", "Kowalski", **{"Stanowisko": "obsługa", "Stopień awansu": "bez stopnia", "Etat": "0,5",
                                   "Pensum": "", "Przedmioty": ""}),
    ], headers=HEADERS)
    report = run(db, path)
    assert (report.created, report.updated, report.unchanged, report.rejected) == (2, 0, 0, 0)
    with db.read_session() as session:
        anna = session.scalar(select(StaffMember).where(StaffMember.last_name == "Nowak"))
        assert (anna.position, anna.promotion_grade, anna.email) == ("teacher", "appointed", "a.nowak@sp7.pl")
        jobs = {(e.fte_numerator, e.fte_denominator, e.teaching_hours_norm)
                for e in session.scalars(select(StaffEmployment))}
        assert jobs == {(18, 18, 18), (1, 2, None)}
        assert set(session.scalars(select(StaffSubject.subject_id))) == {subjects["MAT"], subjects["FIZ"]}
    outbox = outbox_count(db)
    again = run(db, path)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 0)
    assert (count(db, StaffMember), count(db, StaffEmployment), count(db, StaffSubject)) == (2, 2, 2)
    assert outbox_count(db) == outbox  # nothing written, nothing to sync


def test_a_changed_fte_updates_the_same_employment(db, subjects, tmp_path):
    run(db, write_csv(tmp_path / "a.csv", [row("Anna", "Nowak")], headers=HEADERS))
    report = run(db, write_csv(tmp_path / "b.csv", [row("Anna", "Nowak", Etat="9/18")], headers=HEADERS))
    assert (report.created, report.updated) == (0, 1)
    with db.read_session() as session:
        assert [(e.fte_numerator, e.fte_denominator) for e in session.scalars(select(StaffEmployment))] == [(9, 18)]


def test_bad_rows_are_reported_in_polish_and_leave_nothing(db, subjects, tmp_path, pl):
    path = write_xlsx(tmp_path / "kadra.xlsx", [
        row("Anna", "Nowak"),
        row("Bogdan", "Wiśniewski", Stanowisko="kierownik"),
        row("Celina", "Zając", Etat="20/18"),
        row("Dorota", "Lis", Przedmioty="astrologia"),
        row("Ewa", "Mak", **{"Stopień awansu": "stażysta", "Podstawa zatrudnienia": "mianowanie"}),
        row("Filip", "Nowy", **{"Stopień awansu": "początkujący", "Podstawa zatrudnienia": "mianowanie"}),
    ], headers=HEADERS, sheet="Kadra")
    report = run(db, path)
    assert (report.created, report.rejected) == (1, 5)
    assert rendered(report, pl) == [
        "Wiersz 3, kolumna „Stanowisko”: wpisz jedno z: nauczyciel, dyrektor, wicedyrektor, pedagog, psycholog, "
        "logopeda, bibliotekarz, administracja, obsługa",
        "Wiersz 4, kolumna „Etat”: jeden stosunek pracy to najwyżej pełny etat: licznik nie może być większy od "
        "mianownika (18)",
        "Wiersz 5, kolumna „Przedmioty”: szkoła nie ma przedmiotu „astrologia” (dodaj go na stronie Szkoła albo "
        "popraw nazwę)",
        "Wiersz 6, kolumna „Stopień awansu”: wpisz jedno z: początkujący, mianowany, dyplomowany, bez stopnia",
        "Wiersz 7, kolumna „Podstawa zatrudnienia”: mianowanie jest tylko dla nauczycieli mianowanych i "
        "dyplomowanych; najpierw wpisz stopień awansu",
    ]
    assert (count(db, StaffMember), count(db, StaffEmployment)) == (1, 1)  # row 7's person rolled back too


def test_missing_required_column_rejects_the_file(db, tmp_path, pl):
    path = write_csv(tmp_path / "k.csv", [{"Imię": "Anna", "Nazwisko": "Nowak"}], headers=["Imię", "Nazwisko"])
    report = run(db, path)
    assert [e.render(pl) for e in report.file_errors] == [
        "Kolumna „Stanowisko”: brakuje tej wymaganej kolumny"]
    assert count(db, StaffMember) == 0


def test_same_name_twice_needs_an_email(db, tmp_path, pl):
    path = write_csv(tmp_path / "k.csv", [row("Anna", "Nowak", **{"E-mail": "a1@sp7.pl", "Przedmioty": ""}),
                                          row("Anna", "Nowak", **{"E-mail": "a2@sp7.pl", "Przedmioty": ""})],
                     headers=HEADERS)
    assert run(db, path).created == 2
    path = write_csv(tmp_path / "k2.csv", [row("Anna", "Nowak", Przedmioty="")], headers=HEADERS)
    report = run(db, path)
    assert rendered(report, pl) == ["Wiersz 2, kolumna „Nazwisko”: to imię i nazwisko ma więcej niż jedna osoba; "
                                    "dodaj adres e-mail, by je rozróżnić"]
