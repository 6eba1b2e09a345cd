"""Importing staff qualifications: found people only, kinds in Polish words, row errors, re-import idempotent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from node_agent.db import Database
from node_agent.imports.qualifications import import_qualifications
from node_agent.staff import operations as staff_ops
from node_agent.staff.models import StaffQualification
from tests.imports.factories import count, outbox_count, rendered, write_csv, write_xlsx

HEADERS = ["Imię", "Nazwisko", "E-mail", "Rodzaj kwalifikacji", "Kierunek lub specjalność", "Uczelnia",
           "Data uzyskania", "Nr dyplomu"]


def row(first: str, last: str, **cells: str) -> dict[str, str]:
    base = {"Imię": first, "Nazwisko": last, "Rodzaj kwalifikacji": "studia magisterskie",
            "Kierunek lub specjalność": "matematyka", "Uczelnia": "Uniwersytet Warszawski",
            "Data uzyskania": "30.06.2010", "Nr dyplomu": "123/2010"}
    return {**base, **cells}


def run(db: Database, path: Path, **kwargs):
    with db.transaction() as session:
        return import_qualifications(session, path, **kwargs)


def people(db: Database) -> dict[str, str]:
    with db.transaction() as session:
        return {key: staff_ops.save_staff_member(session, data).id for key, data in (
            ("anna", {"first_name": "Anna", "last_name": "Nowak", "position": "teacher", "email": "a.nowak@sp7.pl"}),
            ("jan1", {"first_name": "Jan", "last_name": "Kowalski", "position": "teacher", "email": "jk1@sp7.pl"}),
            ("jan2", {"first_name": "Jan", "last_name": "Kowalski", "position": "teacher", "email": "jk2@sp7.pl"}),
        )}


def test_import_then_reimport_changes_nothing_and_a_new_institution_updates(db, tmp_path):
    ids = people(db)
    path = write_csv(tmp_path / "kwalifikacje.csv", [
        row("Anna", "Nowak"),
        row("Anna", "Nowak", **{"Rodzaj kwalifikacji": "Studia podyplomowe", "Kierunek lub specjalność": "Fizyka",
                                "Data uzyskania": "2015-06-20", "Nr dyplomu": ""}),
        row("Jan", "Kowalski", **{"E-mail": "JK2@sp7.pl", "Rodzaj kwalifikacji": "kurs kwalifikacyjny",
                                  "Kierunek lub specjalność": "oligofrenopedagogika", "Data uzyskania": ""}),
    ], headers=HEADERS)
    report = run(db, path)
    assert (report.created, report.updated, report.unchanged, report.rejected) == (3, 0, 0, 0)
    with db.read_session() as session:
        got = {(q.staff_member_id, q.kind, q.field_of_study, q.obtained_on, q.document_number)
               for q in session.scalars(select(StaffQualification))}
    assert got == {(ids["anna"], "masters", "matematyka", dt.date(2010, 6, 30), "123/2010"),
                   (ids["anna"], "postgraduate", "Fizyka", dt.date(2015, 6, 20), None),
                   (ids["jan2"], "qualification_course", "oligofrenopedagogika", None, "123/2010")}
    outbox = outbox_count(db)
    again = run(db, path)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert count(db, StaffQualification) == 3 and outbox_count(db) == outbox
    # The same qualification (field of study written differently) with a new institution is updated in place.
    changed = run(db, write_csv(tmp_path / "b.csv", [row("Anna", "Nowak", **{
        "Kierunek lub specjalność": "MATEMATYKA", "Uczelnia": "Uniwersytet Jagielloński"})], headers=HEADERS))
    assert (changed.created, changed.updated) == (0, 1)
    with db.read_session() as session:
        masters = session.scalar(select(StaffQualification).where(StaffQualification.kind == "masters"))
    assert (masters.field_of_study, masters.institution) == ("matematyka", "Uniwersytet Jagielloński")
    assert count(db, StaffQualification) == 3 and outbox_count(db) == outbox + 1


def test_bad_rows_are_reported_with_column_and_reason_and_nothing_is_written_for_them(db, tmp_path, pl):
    people(db)
    path = write_xlsx(tmp_path / "kwalifikacje.xlsx", [
        row("Anna", "Nowak"),  # good
        row("Ewa", "Zielińska"),  # not on the staff list
        row("Jan", "Kowalski"),  # two people of that name, no e-mail
        row("Anna", "Nowak", **{"Rodzaj kwalifikacji": "doktorat"}),
        row("Anna", "Nowak", **{"Kierunek lub specjalność": ""}),
        row("Anna", "Nowak", **{"Data uzyskania": "31.02.2010"}),
    ], headers=HEADERS, sheet="Kwalifikacje")
    report = run(db, path)
    assert (report.created, report.rejected) == (1, 5)
    errors = {(e.row, e.column, e.code) for e in report.errors}
    assert errors == {(3, "Nazwisko", "unknown_person"), (4, "Nazwisko", "ambiguous"),
                      (5, "Rodzaj kwalifikacji", "qualification_kind"), (6, "Kierunek lub specjalność", "required"),
                      (7, "Data uzyskania", "date")}
    text = " | ".join(rendered(report, pl))
    assert "nikt o tym imieniu i nazwisku nie jest na liście pracowników" in text
    assert "wpisz jedno z: studia magisterskie" in text
    assert count(db, StaffQualification) == 1


def test_a_file_without_the_required_columns_is_refused(db, tmp_path):
    people(db)
    report = run(db, write_csv(tmp_path / "k.csv", [{"Imię": "Anna", "Nazwisko": "Nowak"}],
                               headers=["Imię", "Nazwisko"]))
    assert report.file_errors and count(db, StaffQualification) == 0
    assert {e.column for e in report.file_errors} >= {"Rodzaj kwalifikacji", "Kierunek lub specjalność"}
