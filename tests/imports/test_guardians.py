"""Guardians file: guardians linked to pupils already in the register, with custody and consent."""

from __future__ import annotations

from sqlalchemy import select

from node_agent.register.models import Guardian, Pupil, PupilGuardian
from tests.imports.factories import (
    count,
    make_pesel,
    outbox_count,
    pupil_row,
    rendered,
    run_guardians,
    run_pupils,
    write_csv,
)

PUPIL_HEADERS = ["PESEL", "Imię", "Nazwisko", "Płeć", "Data urodzenia", "Rodzaj dokumentu", "Numer dokumentu"]
HEADERS = ["PESEL", "Rodzaj dokumentu", "Numer dokumentu", "Imię", "Nazwisko", "Telefon", "E-mail",
           "Pokrewieństwo", "Władza rodzicielska", "Zgoda na informowanie"]


def _pupils(db, tmp_path) -> list[str]:
    rows = [pupil_row(i) for i in range(3)]
    rows.append(pupil_row(3, **{"PESEL": "", "Płeć": "M", "Data urodzenia": "2018-04-04",
                                "Rodzaj dokumentu": "paszport", "Numer dokumentu": "UA 555"}))
    assert run_pupils(db, write_csv(tmp_path / "pupils.csv", rows, headers=PUPIL_HEADERS)).created == 4
    return [r["PESEL"] for r in rows[:3]]


def _guardian(pesel: str = "", **cells: str) -> dict[str, str]:
    row = {"PESEL": pesel, "Imię": "Anna", "Nazwisko": "Kowalska", "Telefon": "600 100 200",
           "E-mail": "anna@example.pl", "Pokrewieństwo": "matka", "Władza rodzicielska": "tak",
           "Zgoda na informowanie": "tak"}
    row.update(cells)
    return row


def test_guardians_file_links_by_pesel_and_document_and_reports_bad_rows(db, tmp_path, pl):
    pesels = _pupils(db, tmp_path)
    rows = [
        _guardian(pesels[0]),
        _guardian(pesels[1]),  # the same mother of a sibling: one guardian, two links
        _guardian(pesels[2], **{"Imię": "Jan", "Nazwisko": "Kowalski", "Telefon": "", "E-mail": "",
                                "Pokrewieństwo": "Ojciec", "Władza rodzicielska": "nie",
                                "Zgoda na informowanie": "nie"}),
        _guardian("", **{"Rodzaj dokumentu": "Paszport", "Numer dokumentu": "UA 555", "Imię": "Olena",
                         "Nazwisko": "Kovalenko", "Pokrewieństwo": "opiekun prawny",
                         "Telefon": "+380 50 123 4567"}),
        _guardian(pesels[0][:10] + str((int(pesels[0][10]) + 1) % 10)),
        _guardian(make_pesel(999)),
        _guardian(pesels[2], **{"Pokrewieństwo": ""}),
        _guardian(pesels[2], **{"Zgoda na informowanie": "może"}),
        _guardian("", **{"Rodzaj dokumentu": "paszport", "Numer dokumentu": "XX 1"}),
        _guardian(""),
        _guardian(pesels[2], **{"Imię": "", "Nazwisko": "", "Telefon": "", "E-mail": "", "Pokrewieństwo": "",
                                "Władza rodzicielska": "", "Zgoda na informowanie": ""}),
    ]
    path = write_csv(tmp_path / "guardians.csv", rows, headers=HEADERS)

    report = run_guardians(db, path)

    assert (report.created, report.updated, report.unchanged, report.rejected) == (4, 0, 0, 7)
    assert rendered(report, pl)[1:] == [
        "Wiersz 7, kolumna „PESEL”: w księdze uczniów nie ma ucznia z tym numerem PESEL",
        "Wiersz 8, kolumna „Pokrewieństwo”: wpisz, kim opiekun jest dla ucznia "
        "(matka, ojciec, opiekun prawny, rodzina zastępcza, inne)",
        "Wiersz 9, kolumna „Zgoda na informowanie”: wpisz tak lub nie",
        "Wiersz 10, kolumna „Numer dokumentu”: w księdze uczniów nie ma ucznia z tym dokumentem",
        "Wiersz 11, kolumna „PESEL”: wpisz PESEL ucznia albo rodzaj i numer jego dokumentu",
        "Wiersz 12, kolumna „Imię”: wiersz wskazuje ucznia, ale nie zawiera danych opiekuna",
    ]
    first = report.errors[0]
    assert (first.row, first.column, first.code) == (6, "PESEL", "pesel_checksum")
    with db.read_session() as session:
        links = session.execute(select(Pupil.last_name, Guardian.first_name, PupilGuardian.relation,
                                       PupilGuardian.legal_custody, PupilGuardian.may_receive_info)
                                .join(PupilGuardian, PupilGuardian.pupil_id == Pupil.id)
                                .join(Guardian, Guardian.id == PupilGuardian.guardian_id)).all()
    by_pupil = sorted((first, relation, custody, info) for _, first, relation, custody, info in links)
    assert by_pupil == [("Anna", "mother", True, True), ("Anna", "mother", True, True),
                        ("Jan", "father", False, False), ("Olena", "legal_guardian", True, True)]
    assert count(db, Guardian) == 3

    outbox = outbox_count(db)
    again = run_guardians(db, path)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 4, 7)
    assert again.errors == report.errors
    assert outbox_count(db) == outbox
    assert count(db, Guardian) == 3 and count(db, PupilGuardian) == 4


def test_changed_consent_and_new_contact_update_the_link_and_guardian(db, tmp_path):
    pesels = _pupils(db, tmp_path)
    run_guardians(db, write_csv(tmp_path / "a.csv", [_guardian(pesels[0])], headers=HEADERS))
    changed = _guardian(pesels[0], **{"Zgoda na informowanie": "nie", "E-mail": "nowy@example.pl",
                                      "Władza rodzicielska": ""})
    report = run_guardians(db, write_csv(tmp_path / "b.csv", [changed], headers=HEADERS))
    assert (report.created, report.updated) == (0, 1)
    with db.read_session() as session:
        guardian = session.scalar(select(Guardian))
        link = session.scalar(select(PupilGuardian))
        assert (guardian.email, guardian.phone) == ("nowy@example.pl", "600 100 200")
        assert (link.legal_custody, link.may_receive_info) == (True, False)


def test_invalid_guardian_data_writes_nothing(db, tmp_path, pl):
    pesels = _pupils(db, tmp_path)
    outbox = outbox_count(db)
    report = run_guardians(db, write_csv(tmp_path / "g.csv", [_guardian(pesels[0], **{"E-mail": "anna@"})],
                                         headers=HEADERS))
    assert [(e.row, e.column, e.field, e.code) for e in report.errors] == [(2, "E-mail", "email", "email")]
    assert count(db, Guardian) == 0 and outbox_count(db) == outbox


def test_guardians_file_needs_pupil_identity_and_relation_columns(db, tmp_path, pl):
    path = write_csv(tmp_path / "g.csv", [_guardian("x")], headers=["Imię", "Nazwisko", "Telefon"])
    report = run_guardians(db, path)
    assert [e.render(pl) for e in report.file_errors] == [
        "Kolumna „PESEL”: brakuje tej wymaganej kolumny (bez niej potrzebne są obie kolumny: "
        "„Rodzaj dokumentu” i „Numer dokumentu”)",
        "Kolumna „Pokrewieństwo”: brakuje tej wymaganej kolumny",
    ]


def test_guardians_dry_run_changes_nothing(db, tmp_path):
    pesels = _pupils(db, tmp_path)
    outbox = outbox_count(db)
    report = run_guardians(db, write_csv(tmp_path / "g.csv", [_guardian(p) for p in pesels], headers=HEADERS),
                           dry_run=True)
    assert (report.dry_run, report.created) == (True, 3)
    assert count(db, Guardian) == count(db, PupilGuardian) == 0 and outbox_count(db) == outbox
