"""Pupil import: good rows in, bad rows reported by row, column and Polish reason, nothing half-written."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from node_agent.register.models import Enrolment, Guardian, Pupil, PupilGuardian
from node_agent.sync.models import OutboxChange
from protocol import pesel
from tests.imports.factories import (
    HEADERS,
    YEAR_START,
    count,
    make_pesel,
    outbox_count,
    pupil_row,
    rendered,
    run_pupils,
    write_csv,
    write_xlsx,
)


def _acceptance_rows() -> tuple[list[dict[str, str]], list[tuple[int, str, str, str, dict]]]:
    """1,000 rows, exactly 10 of them bad; returns rows and expected (row, column, code, msgid, params)."""
    rows = [pupil_row(i) for i in range(1000)]
    for i in range(0, 1000, 7):  # Polish dates are accepted (and must match the PESEL)
        rows[i]["Data urodzenia"] = pesel.parse(rows[i]["PESEL"]).birth_date.strftime("%d.%m.%Y")
    for i in range(1, 1000, 11):
        rows[i]["Data urodzenia"] = pesel.parse(rows[i]["PESEL"]).birth_date.isoformat()
    good = rows[4]["PESEL"]
    rows[4]["PESEL"] = good[:10] + str((int(good[10]) + 1) % 10)
    rows[100]["PESEL"] = rows[3]["PESEL"]
    rows[200]["Oddział"] = "9z"
    rows[300]["Nazwisko"] = ""
    rows[400]["Data urodzenia"] = "2015-02-30"
    rows[500]["Data urodzenia"] = "2018/01/05"
    rows[600]["Opiekun 1 e-mail"] = "rodzic@"
    rows[700]["Płeć"] = "X"
    rows[800]["Opiekun 1 pokrewieństwo"] = "babcia"
    rows[900]["Data urodzenia"] = "01.01.2010"
    birth_900 = pesel.parse(rows[900]["PESEL"]).birth_date.isoformat()
    expected = [
        (6, "PESEL", "pesel_checksum", "the check digit is wrong (a typing error?)", {}),
        (102, "PESEL", "duplicate_in_file", "the same PESEL is already in row {other_row}", {"other_row": 5}),
        (202, "Oddział", "unknown_class", "there is no class “{name}” in the school year {year}",
         {"name": "9z", "year": "2026/2027"}),
        (302, "Nazwisko", "required", "this field is required", {}),
        (402, "Data urodzenia", "date", "this date does not exist", {}),
        (502, "Data urodzenia", "date_format",
         "not a date: write it as YYYY-MM-DD or DD.MM.YYYY, e.g. 2015-09-01", {}),
        (602, "Opiekun 1 e-mail", "email", "this is not a valid e-mail address", {}),
        (702, "Płeć", "sex", "write K (kobieta) or M (mężczyzna)", {}),
        (802, "Opiekun 1 pokrewieństwo", "relation",
         "write one of: matka, ojciec, opiekun prawny, rodzina zastępcza, inne", {}),
        (902, "Data urodzenia", "pesel_birth_date",
         "does not match the date encoded in the PESEL ({expected})", {"expected": birth_900}),
    ]
    return rows, expected


def test_thousand_rows_with_ten_bad_ones_and_idempotent_reimport(db, tmp_path, pl):
    rows, expected = _acceptance_rows()
    path = write_csv(tmp_path / "uczniowie.csv", rows)

    first = run_pupils(db, path)

    assert (first.created, first.updated, first.unchanged, first.rejected) == (990, 0, 0, 10)
    found = [(e.row, e.column, e.code, e.message, {k: v for k, v in e.params.items() if k != "label"})
             for e in first.errors]  # "label" is the protocol field's own label, not part of the reason
    assert found == expected
    birth_902 = expected[-1][4]["expected"]
    assert rendered(first, pl) == [
        "Wiersz 6, kolumna „PESEL”: błędna cyfra kontrolna (pomyłka przy wpisywaniu?)",
        "Wiersz 102, kolumna „PESEL”: ten sam PESEL jest już w wierszu 5",
        "Wiersz 202, kolumna „Oddział”: w roku szkolnym 2026/2027 nie ma oddziału „9z”",
        "Wiersz 302, kolumna „Nazwisko”: pole jest wymagane",
        "Wiersz 402, kolumna „Data urodzenia”: taka data nie istnieje",
        "Wiersz 502, kolumna „Data urodzenia”: to nie jest data: wpisz ją jako RRRR-MM-DD lub DD.MM.RRRR, "
        "np. 2015-09-01",
        "Wiersz 602, kolumna „Opiekun 1 e-mail”: to nie jest poprawny adres e-mail",
        "Wiersz 702, kolumna „Płeć”: wpisz K (kobieta) lub M (mężczyzna)",
        "Wiersz 802, kolumna „Opiekun 1 pokrewieństwo”: wpisz jedno z: matka, ojciec, opiekun prawny, "
        "rodzina zastępcza, inne",
        f"Wiersz 902, kolumna „Data urodzenia”: nie zgadza się z datą zapisaną w numerze PESEL ({birth_902})",
    ]
    assert first.warnings == [] and first.file_errors == []
    assert count(db, Pupil) == 990
    assert count(db, Guardian) == count(db, PupilGuardian) == count(db, Enrolment) == 990
    outbox_after_first = outbox_count(db)

    second = run_pupils(db, path)

    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 990, 10)
    assert second.errors == first.errors
    assert count(db, Pupil) == 990 and count(db, Guardian) == 990 and count(db, Enrolment) == 990
    assert outbox_count(db) == outbox_after_first  # "unchanged" really wrote nothing


def test_polish_reason_of_a_protocol_error(db, tmp_path, pl):
    # The reason comes from zszo/translations/pl/protocol.po, the frame from imports.po.
    bad = pupil_row(7)
    bad["PESEL"] = bad["PESEL"][:10] + str((int(bad["PESEL"][10]) + 1) % 10)
    report = run_pupils(db, write_csv(tmp_path / "p.csv", [*(pupil_row(i) for i in range(5)), bad]))
    assert rendered(report, pl) == [
        "Wiersz 7, kolumna „PESEL”: błędna cyfra kontrolna (pomyłka przy wpisywaniu?)"]


def test_xlsx_with_dates_numbers_and_a_pesel_that_lost_its_leading_zero(db, tmp_path, pl):
    born_2005 = dt.date(2005, 3, 10)
    lost_zero = pesel.generate(born_2005, "F", 7)
    assert lost_zero.startswith("0")
    rows = []
    for i in range(20):
        row = pupil_row(i)
        birth = pesel.parse(row["PESEL"]).birth_date
        # PESEL typed as a number is fine when it has all 11 digits
        rows.append({**row, "PESEL": int(row["PESEL"]) if i % 2 else row["PESEL"],
                     "Data urodzenia": dt.datetime(birth.year, birth.month, birth.day),
                     "Opiekun 1 telefon": 600100200 + i})
    rows.append({**pupil_row(20), "PESEL": int(lost_zero), "Data urodzenia": born_2005})
    rows.append({**pupil_row(21), "Oddział": "4c"})
    path = write_xlsx(tmp_path / "uczniowie.xlsx", rows)

    first = run_pupils(db, path)

    assert (first.created, first.rejected) == (20, 2)
    assert rendered(first, pl) == [
        "Wiersz 22, kolumna „PESEL”: PESEL zapisany jako liczba stracił zero na początku — "
        "sformatuj kolumnę jako tekst",
        "Wiersz 23, kolumna „Oddział”: w roku szkolnym 2026/2027 nie ma oddziału „4c”",
    ]
    with db.read_session() as session:
        stored = session.scalar(select(Pupil).where(Pupil.pesel == pupil_row(1)["PESEL"]))
        assert stored is not None and stored.birth_date == pesel.parse(stored.pesel).birth_date
        assert session.scalar(select(Guardian.phone).where(Guardian.last_name == "Rodzic-1")) == "600100201"
    again = run_pupils(db, path)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 20, 2)


def test_invalid_guardian_rolls_back_the_whole_row(db, tmp_path, pl):
    path = write_csv(tmp_path / "p.csv", [pupil_row(0), pupil_row(1, **{"Opiekun 1 e-mail": "zły adres"})])
    outbox_before = outbox_count(db)

    report = run_pupils(db, path)

    assert (report.created, report.rejected) == (1, 1)
    assert [(e.row, e.column, e.field, e.code) for e in report.errors] == [
        (3, "Opiekun 1 e-mail", "email", "email")]
    with db.read_session() as session:
        assert session.scalars(select(Pupil.pesel)).all() == [pupil_row(0)["PESEL"]]
    assert count(db, Guardian) == count(db, PupilGuardian) == count(db, Enrolment) == 1
    assert outbox_count(db) == outbox_before + 4  # pupil, enrolment, guardian, link of row 2 only


def test_missing_required_column_rejects_the_file_before_any_row(db, tmp_path, pl):
    headers = [h for h in HEADERS if h != "Nazwisko"]
    path = write_csv(tmp_path / "p.csv", [pupil_row(i) for i in range(5)], headers=headers)
    outbox_before = outbox_count(db)

    report = run_pupils(db, path)

    assert report.rows == 0 and report.errors == []
    assert [e.render(pl) for e in report.file_errors] == ["Kolumna „Nazwisko”: brakuje tej wymaganej kolumny"]
    assert report.summary(pl) == "Plik nie został zaimportowany."
    assert count(db, Pupil) == 0 and outbox_count(db) == outbox_before


def test_dry_run_reports_like_a_real_run_and_changes_nothing(db, tmp_path):
    rows, _ = _acceptance_rows()
    path = write_csv(tmp_path / "p.csv", rows[:120])
    outbox_before = outbox_count(db)

    preview = run_pupils(db, path, dry_run=True)

    assert preview.dry_run and (preview.created, preview.rejected) == (118, 2)
    assert count(db, Pupil) == count(db, Guardian) == count(db, Enrolment) == 0
    assert outbox_count(db) == outbox_before
    real = run_pupils(db, path)
    assert (real.created, real.updated, real.unchanged, real.rejected) == (118, 0, 0, 2)
    assert real.errors == preview.errors
    assert count(db, Pupil) == 118


def test_names_with_diacritics_apostrophes_and_emoji_are_stored_intact(db, tmp_path):
    names = [("Zoë 🌟", "D'Amico"), ("Łucja", "O’Brien-Żółć"), ("Ignacy", "Ćwiękała-Gąsiński")]
    rows = [pupil_row(i, **{"Imię": first, "Nazwisko": last, "Opiekun 1 nazwisko": last})
            for i, (first, last) in enumerate(names)]
    report = run_pupils(db, write_csv(tmp_path / "p.csv", rows))
    assert report.created == 3
    with db.read_session() as session:
        stored = session.execute(select(Pupil.first_name, Pupil.last_name).order_by(Pupil.pesel)).all()
        guardians = set(session.scalars(select(Guardian.last_name)))
    assert sorted(stored) == sorted(names)
    assert guardians == {last for _, last in names}


def test_existing_pupil_is_updated_only_by_non_empty_cells(db, tmp_path):
    headers = [*HEADERS, "Miejscowość", "Kod pocztowy"]
    row = pupil_row(5, **{"Miejscowość": "Radom", "Kod pocztowy": "26-600"})
    run_pupils(db, write_csv(tmp_path / "a.csv", [row], headers=headers))

    changed = {**row, "Miejscowość": "Kraków", "Kod pocztowy": "", "Imię": ""}
    report = run_pupils(db, write_csv(tmp_path / "b.csv", [changed], headers=headers))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    with db.read_session() as session:
        pupil = session.scalar(select(Pupil))
        assert (pupil.first_name, pupil.city, pupil.postal_code) == (row["Imię"], "Kraków", "26-600")


def test_pupil_without_pesel_is_matched_by_document(db, tmp_path):
    headers = [*HEADERS, "Rodzaj dokumentu", "Numer dokumentu"]
    row = pupil_row(3, **{"PESEL": "", "Data urodzenia": "12.05.2018", "Płeć": "kobieta",
                          "Rodzaj dokumentu": "paszport", "Numer dokumentu": "UA 123456"})
    path = write_csv(tmp_path / "p.csv", [row], headers=headers)
    assert run_pupils(db, path).created == 1
    again = run_pupils(db, path)
    assert (again.created, again.unchanged) == (0, 1)
    with db.read_session() as session:
        pupil = session.scalar(select(Pupil))
        assert (pupil.pesel, pupil.document_type, pupil.document_number, pupil.birth_date, pupil.sex) == (
            None, "passport", "UA 123456", dt.date(2018, 5, 12), "F")


def test_duplicate_document_in_file_names_the_earlier_row(db, tmp_path, pl):
    headers = [*HEADERS, "Rodzaj dokumentu", "Numer dokumentu"]
    doc = {"PESEL": "", "Data urodzenia": "2018-05-12", "Płeć": "M", "Rodzaj dokumentu": "Karta pobytu",
           "Numer dokumentu": "KP-1"}
    path = write_csv(tmp_path / "p.csv", [pupil_row(1, **doc), pupil_row(2, **doc)], headers=headers)
    report = run_pupils(db, path)
    assert rendered(report, pl) == [
        "Wiersz 3, kolumna „Numer dokumentu”: ten sam dokument jest już w wierszu 2"]


def test_class_names_are_matched_loosely_and_start_on_the_school_year(db, tmp_path):
    names = ["1A", "1 b", " 3B ", "motylki"]
    rows = [pupil_row(i, **{"Oddział": name}) for i, name in enumerate(names)]
    rows.append(pupil_row(9, **{"Oddział": "1a", "Data przyjęcia": "15.10.2026"}))
    report = run_pupils(db, write_csv(tmp_path / "p.csv", rows, headers=[*HEADERS, "Data przyjęcia"]))
    assert report.created == 5
    with db.read_session() as session:
        enrolments = session.scalars(select(Enrolment).join(Pupil).order_by(Pupil.last_name)).all()
        found = sorted((e.class_unit.name, e.starts_on, e.admission_reason) for e in enrolments)
    assert found == sorted([
        ("1a", YEAR_START, "other"), ("1b", YEAR_START, "other"), ("3b", YEAR_START, "other"),
        ("Motylki", YEAR_START, "other"), ("1a", dt.date(2026, 10, 15), "other"),
    ])


def test_class_needs_a_school_year(tmp_path, pl):
    from node_agent.db import Database, prepare

    db = Database(tmp_path / "empty.sqlite")
    prepare(db, tmp_path / "backups")
    report = run_pupils(db, write_csv(tmp_path / "p.csv", [pupil_row(1)]))
    assert rendered(report, pl) == [
        "Wiersz 2, kolumna „Oddział”: nie założono jeszcze roku szkolnego, więc nie ma oddziałów"]
    db.dispose()


def test_birth_date_and_sex_come_from_the_pesel_when_left_out(db, tmp_path):
    headers = ["PESEL", "Imię", "Nazwisko"]
    number = make_pesel(40, sex="M", birth=dt.date(2017, 11, 30))
    row = {"PESEL": number, "Imię": "Jan", "Nazwisko": "Nowak"}
    report = run_pupils(db, write_csv(tmp_path / "p.csv", [row], headers=headers))
    assert report.created == 1
    with db.read_session() as session:
        pupil = session.scalar(select(Pupil))
        assert (pupil.birth_date, pupil.sex) == (dt.date(2017, 11, 30), "M")


def test_siblings_share_one_guardian_and_reimport_adds_none(db, tmp_path):
    mother = {"Opiekun 1 imię": "Anna", "Opiekun 1 nazwisko": "Kowalska", "Opiekun 1 telefon": "600 700 800",
              "Opiekun 1 e-mail": "", "Opiekun 1 pokrewieństwo": "Matka"}
    father = {"Opiekun 2 imię": "Piotr", "Opiekun 2 nazwisko": "Kowalski", "Opiekun 2 telefon": "",
              "Opiekun 2 e-mail": "", "Opiekun 2 pokrewieństwo": "ojciec",
              "Opiekun 2 władza rodzicielska": "nie"}
    headers = [*HEADERS, *father]
    rows = [pupil_row(i, **mother, **father) for i in (1, 2)]
    path = write_csv(tmp_path / "p.csv", rows, headers=headers)
    assert run_pupils(db, path).created == 2
    again = run_pupils(db, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    with db.read_session() as session:
        # the mother is found by name and phone; the father (no contact) by name among the pupil's guardians
        assert sorted(session.scalars(select(Guardian.first_name))) == ["Anna", "Piotr", "Piotr"]
        columns = (Guardian.first_name, PupilGuardian.relation, PupilGuardian.legal_custody)
        links = session.execute(select(*columns).join(PupilGuardian)).all()
    assert sorted(links) == [("Anna", "mother", True), ("Anna", "mother", True),
                             ("Piotr", "father", False), ("Piotr", "father", False)]


def test_guardian_without_relation_is_a_row_error(db, tmp_path, pl):
    row = pupil_row(1, **{"Opiekun 1 pokrewieństwo": ""})
    report = run_pupils(db, write_csv(tmp_path / "p.csv", [row]))
    assert rendered(report, pl) == [
        "Wiersz 2, kolumna „Opiekun 1 pokrewieństwo”: wpisz, kim opiekun jest dla ucznia "
        "(matka, ojciec, opiekun prawny, rodzina zastępcza, inne)"]
    assert count(db, Pupil) == 0


def test_unknown_columns_are_warnings_not_errors(db, tmp_path, pl):
    headers = [*HEADERS, "Uwagi"]
    report = run_pupils(db, write_csv(tmp_path / "p.csv", [pupil_row(1, Uwagi="alergia")], headers=headers))
    assert report.created == 1
    assert report.lines(pl) == [
        "Wierszy: 1; dodano: 1, zaktualizowano: 0, bez zmian: 0, odrzucono: 0.",
        "Ostrzeżenie: Kolumna „Uwagi”: nie rozpoznano tej kolumny, została pominięta",
    ]


def test_outbox_holds_every_created_row(db, tmp_path):
    before = outbox_count(db)
    run_pupils(db, write_csv(tmp_path / "p.csv", [pupil_row(i) for i in range(3)]))
    with db.read_session() as session:
        entities = session.scalars(select(OutboxChange.entity).where(OutboxChange.seq > before)).all()
    assert sorted(set(entities)) == ["enrolment", "guardian", "pupil", "pupil_guardian"]
    assert len(entities) == 12


def test_class_change_within_the_year_starts_on_the_import_date(db, tmp_path):
    run_pupils(db, write_csv(tmp_path / "a.csv", [pupil_row(1, **{"Oddział": "1a"})]))
    report = run_pupils(db, write_csv(tmp_path / "b.csv", [pupil_row(1, **{"Oddział": "1b"})]),
                        on=dt.date(2026, 11, 16))
    assert (report.updated, report.rejected) == (1, 0)
    with db.read_session() as session:
        history = [(e.class_unit.name, e.starts_on, e.ends_on, e.admission_reason, e.leaving_reason)
                   for e in session.scalars(select(Enrolment).order_by(Enrolment.starts_on))]
    assert history == [
        ("1a", YEAR_START, dt.date(2026, 11, 15), "other", "class_change"),
        ("1b", dt.date(2026, 11, 16), None, "class_change", None),
    ]


def test_current_school_year_is_the_one_containing_the_import_date_else_the_latest(db, tmp_path, pl):
    from node_agent.register.models import ClassUnit
    from node_agent.school.models import SchoolYear

    with db.transaction() as session:
        next_year = SchoolYear(label="2027/2028", starts_on=dt.date(2027, 9, 1), ends_on=dt.date(2028, 6, 23))
        session.add(next_year)
        session.flush()
        session.add(ClassUnit(school_year_id=next_year.id, level=2, letter="a"))
    path = write_csv(tmp_path / "p.csv", [pupil_row(1, **{"Oddział": "2a"})])
    during = run_pupils(db, path, dry_run=True, on=dt.date(2027, 3, 1))
    assert rendered(during, pl) == [
        "Wiersz 2, kolumna „Oddział”: w roku szkolnym 2026/2027 nie ma oddziału „2a”"]
    summer = run_pupils(db, path, on=dt.date(2027, 7, 15))  # between years: the latest one
    assert (summer.created, summer.rejected) == (1, 0)
    with db.read_session() as session:
        assert session.scalar(select(Enrolment.starts_on)) == dt.date(2027, 9, 1)
