"""Reading CSV/XLSX files: encodings, delimiters, cell types, limits, header problems, cell values."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from node_agent.imports import columns as cols
from node_agent.imports.reader import read_table
from node_agent.imports.report import FileRejected
from node_agent.imports.values import (
    BadValue,
    fold,
    parse_bool,
    parse_date,
    parse_document_type,
    parse_relation,
    parse_sex,
)
from node_agent.register.models import Pupil
from tests.imports.factories import HEADERS, count, pupil_row, run_pupils, write_csv, write_xlsx

POLISH = "ąęłśżźćńó ĄĘŁŚŻŹĆŃÓ"
TOO_MANY = "Plik ma więcej niż 10 wierszy; podziel go na mniejsze pliki"


def _file_errors(path, pl, **kwargs) -> list[str]:
    with pytest.raises(FileRejected) as info:
        read_table(path, **kwargs)
    return [e.render(pl) for e in info.value.errors]


# --- encodings and delimiters ---------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1250"])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_encodings_and_delimiters(tmp_path, encoding, delimiter):
    row = {"Imię": "Łucja; Zoë", "Nazwisko": f"Gęś-Żółć, {POLISH}"}
    path = write_csv(tmp_path / "p.csv", [row, row], headers=["Imię", "Nazwisko"], delimiter=delimiter,
                     encoding=encoding)
    table = read_table(path)
    assert table.headers == ["Imię", "Nazwisko"]  # no BOM left on the first header
    assert table.delimiter == delimiter
    assert table.encoding == ("cp1250" if encoding == "cp1250" else "utf-8")
    assert [r.cells for r in table.rows] == [(row["Imię"], row["Nazwisko"])] * 2


def test_cp1250_file_with_polish_letters_imports_intact(db, tmp_path):
    row = pupil_row(1, **{"Imię": "Bożena", "Nazwisko": "Świątek-Żółćńęź", "Opiekun 1 nazwisko": "Łoś"})
    report = run_pupils(db, write_csv(tmp_path / "p.csv", [row], encoding="cp1250"))
    assert report.created == 1
    with db.read_session() as session:
        names = session.execute(select(Pupil.first_name, Pupil.last_name)).one()
    assert names == ("Bożena", "Świątek-Żółćńęź")


def test_utf8_bom_file_imports(db, tmp_path):
    report = run_pupils(db, write_csv(tmp_path / "p.csv", [pupil_row(1)], encoding="utf-8-sig"))
    assert (report.created, report.warnings, report.file_errors) == (1, [], [])


def test_quoted_cells_with_delimiters_and_line_breaks_keep_row_numbers(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text('Imię;Nazwisko\n"Anna;Maria";"Nowak\nKowalska"\n\n;\nJan;Nowak\n', encoding="utf-8")
    table = read_table(path)
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, ("Anna;Maria", "Nowak\nKowalska")), (5, ("Jan", "Nowak"))]


def test_undecodable_bytes_are_a_file_error(tmp_path, pl):
    path = tmp_path / "p.csv"
    path.write_bytes("Imię;Nazwisko\n".encode() + b"Jan;\x81\x98\n")  # invalid in UTF-8 and in cp1250
    assert _file_errors(path, pl) == ["Nie rozpoznano kodowania znaków w pliku: zapisz go jako CSV UTF-8"]


def test_binary_garbage_is_a_file_error(tmp_path, pl):
    path = tmp_path / "p.csv"
    path.write_bytes(b"Imi\xc4\x99;Nazwisko\nJan;No\x00wak\n")
    assert _file_errors(path, pl) == ["To nie jest poprawny plik CSV (dane binarne lub bardzo długa komórka)"]


def test_a_cell_over_the_csv_limit_is_a_file_error(tmp_path, pl):
    path = tmp_path / "p.csv"
    path.write_text("Imię;Nazwisko\nJan;Nowak\nEwa;" + "x" * 200_000 + "\n", encoding="utf-8")
    assert _file_errors(path, pl) == [
        "Wiersz 3: to nie jest poprawny plik CSV (dane binarne lub bardzo długa komórka)"]


# --- XLSX -----------------------------------------------------------------------------------------


def test_xlsx_cells_become_text(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [
        ["12345678901", 18210112345, 3.0, 2.5, dt.datetime(2015, 9, 1, 8, 30), dt.date(2016, 2, 29), True,
         None],
    ], headers=["a", "b", "c", "d", "e", "f", "g", "h"])
    table = read_table(path)
    row = table.rows[0]
    assert row.cells[:7] == ("12345678901", "18210112345", "3", "2.5", "2015-09-01", "2016-02-29", "tak")
    assert row.numeric == frozenset({1, 2, 3})
    assert table.encoding == "xlsx"


def test_xlsx_named_sheet_and_missing_sheet(tmp_path, pl):
    wb = Workbook()
    wb.active.title = "Spis"
    wb.active.append(["nic"])
    sheet = wb.create_sheet("Uczniowie")
    sheet.append(["Imię", "Nazwisko"])
    sheet.append(["Jan", "Nowak"])
    path = tmp_path / "plik.xlsx"
    wb.save(path)
    assert read_table(path, sheet="Uczniowie").rows[0].cells == ("Jan", "Nowak")
    assert _file_errors(path, pl, sheet="Oceny") == [
        "Nie ma arkusza „Oceny” (arkusze w pliku: Spis, Uczniowie)"]


def test_xlsx_row_numbers_count_empty_rows(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [["Jan", "Nowak"], [None, None], [" ", ""], ["Ewa", "Nowak"]],
                      headers=["Imię", "Nazwisko"])
    assert [r.number for r in read_table(path).rows] == [2, 5]


def test_xlsx_read_from_a_file_without_the_xlsx_suffix(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [["Jan", "Nowak"]], headers=["Imię", "Nazwisko"])
    upload = path.rename(tmp_path / "upload.tmp")  # how a web upload is stored
    assert read_table(upload).rows[0].cells == ("Jan", "Nowak")


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "Plik jest pusty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
     "Stare pliki Excela (.xls) nie są obsługiwane: zapisz plik jako .xlsx lub CSV"),
    (b"PK\x03\x04 not really a zip", "Plik nie jest poprawnym skoroszytem XLSX (.xlsx)"),
    (b"Imi\xc4\x99;Nazwisko\n", "Plik ma wiersz nagłówka, ale nie ma wierszy z danymi"),
    (b"Imi\xc4\x99;Nazwisko\n;\n\n", "Plik ma wiersz nagłówka, ale nie ma wierszy z danymi"),
    (b"\n\nJan;Nowak\n", "Pierwszy wiersz musi zawierać nazwy kolumn"),
])
def test_unusable_files(tmp_path, pl, content, expected):
    path = tmp_path / "plik"
    path.write_bytes(content)
    assert _file_errors(path, pl) == [expected]


def test_size_and_row_limits(tmp_path, pl):
    rows = [{"Imię": "Jan", "Nazwisko": "Nowak"}] * 11
    path = write_csv(tmp_path / "p.csv", rows, headers=["Imię", "Nazwisko"])
    assert _file_errors(path, pl, max_rows=10) == [TOO_MANY]
    assert len(read_table(path, max_rows=11).rows) == 11
    big = tmp_path / "big.csv"
    big.write_bytes(b"Imie;Nazwisko\n" + b"Jan;Nowak\n" * 110_000)
    assert _file_errors(big, pl, max_bytes=1024 * 1024) == [
        "Plik jest większy niż 1 MB; podziel go na mniejsze pliki"]


def test_many_empty_rows_hit_the_limit_too(tmp_path, pl):
    path = tmp_path / "p.csv"
    path.write_text("Imię;Nazwisko\n" + ";\n" * 1100 + "Jan;Nowak\n", encoding="utf-8")
    assert _file_errors(path, pl, max_rows=10) == [TOO_MANY]


def test_sheet_name_for_a_csv_is_an_error(tmp_path, pl):
    path = write_csv(tmp_path / "p.csv", [{"Imię": "Jan"}], headers=["Imię"])
    assert _file_errors(path, pl, sheet="Arkusz1") == ["Plik CSV nie ma arkuszy; pomiń nazwę arkusza"]


# --- header row -----------------------------------------------------------------------------------


def _map(headers, pl, known=cols.PUPIL_COLUMNS, required=None):
    return cols.map_columns(headers, known, required or (lambda c: []))


def test_headers_match_case_diacritics_spacing_and_english():
    headers = ["pesel", "IMIE", "last_name", "data_urodzenia", "PLEC", "Opiekun 1 E-mail", "oddzial",
               "Klasa x"]
    columns, warnings = _map(headers, None)
    assert columns.index == {"pesel": 0, "first_name": 1, "last_name": 2, "birth_date": 3, "sex": 4,
                             "g1.email": 5, "class": 6}
    assert [(w.column, w.code) for w in warnings] == [("Klasa x", "unknown_column")]


def test_no_two_columns_accept_the_same_header():
    for known in (cols.PUPIL_COLUMNS, cols.GUARDIAN_FILE_COLUMNS):
        seen: dict[str, str] = {}
        for column in known:
            for header in column.folded:
                assert seen.setdefault(header, column.key) == column.key, header


def test_duplicate_and_synonymous_headers_are_file_errors(pl):
    with pytest.raises(FileRejected) as info:
        _map(["Nazwisko", "nazwisko", "Ulica", "Adres"], pl)
    assert [e.render(pl) for e in info.value.errors] == [
        "Kolumna „nazwisko”: ta kolumna występuje dwa razy (także jako „Nazwisko”)",
        "Kolumna „Adres”: ta kolumna oznacza to samo co „Ulica”; zostaw tylko jedną z nich",
    ]


def test_required_pupil_columns(db, tmp_path, pl):
    path = write_csv(tmp_path / "p.csv", [pupil_row(1)], headers=["Imię", "Opiekun 1 imię", "Oddział"])
    report = run_pupils(db, path)
    assert [e.render(pl) for e in report.file_errors] == [
        "Kolumna „PESEL”: brakuje tej wymaganej kolumny (bez niej potrzebne są obie kolumny: "
        "„Rodzaj dokumentu” i „Numer dokumentu”)",
        "Kolumna „Nazwisko”: brakuje tej wymaganej kolumny",
        "Kolumna „Data urodzenia”: brakuje tej wymaganej kolumny",
        "Kolumna „Płeć”: brakuje tej wymaganej kolumny",
        "Kolumna „Opiekun 1 nazwisko”: brakuje tej wymaganej kolumny",
        "Kolumna „Opiekun 1 pokrewieństwo”: brakuje tej wymaganej kolumny",
    ]
    assert count(db, Pupil) == 0


def test_whole_headers_only_pupil_file_is_accepted(db, tmp_path):
    headers = [c.name for c in cols.PUPIL_COLUMNS]
    report = run_pupils(db, write_csv(tmp_path / "p.csv", [pupil_row(1)], headers=headers))
    assert report.warnings == [] and report.file_errors == [] and report.created == 1
    assert HEADERS == [h for h in headers if h in HEADERS]


# --- cell values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "iso"), [
    ("2015-09-01", "2015-09-01"), ("01.09.2015", "2015-09-01"), ("29.02.2016", "2016-02-29"),
])
def test_dates_accepted(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize(("text", "code"), [
    ("2015-02-30", "date"), ("30.02.2015", "date"), ("2015-13-01", "date"),
    ("1.9.2015", "date_format"), ("2015/09/01", "date_format"), ("01-09-2015", "date_format"),
    ("09/01/2015", "date_format"), ("2015-9-1", "date_format"), ("１９.０９.２０１５", "date_format"),
    ("jutro", "date_format"),
])
def test_dates_rejected(text, code):
    with pytest.raises(BadValue) as info:
        parse_date(text)
    assert info.value.code == code


@pytest.mark.parametrize(("parser", "text", "value"), [
    (parse_sex, "K", "F"), (parse_sex, "kobieta", "F"), (parse_sex, "f", "F"), (parse_sex, "M", "M"),
    (parse_sex, "Mężczyzna", "M"), (parse_sex, "MEZCZYZNA", "M"),
    (parse_document_type, "Paszport", "passport"), (parse_document_type, "karta pobytu", "residence_card"),
    (parse_document_type, "dowód osobisty", "id_card"),
    (parse_document_type, "Akt urodzenia", "birth_certificate"),
    (parse_document_type, "inny", "other"), (parse_document_type, "passport", "passport"),
    (parse_relation, "matka", "mother"), (parse_relation, "Ojciec", "father"),
    (parse_relation, "opiekun prawny", "legal_guardian"),
    (parse_relation, "Rodzina zastępcza", "foster_parent"),
    (parse_relation, "inne", "other"), (parse_relation, "mother", "mother"),
    (parse_bool, "tak", True), (parse_bool, "NIE", False), (parse_bool, "1", True),
    (parse_bool, "fałsz", False),
])
def test_polish_values(parser, text, value):
    assert parser(text) == value


@pytest.mark.parametrize(("parser", "text"), [
    (parse_sex, "X"), (parse_sex, "kobiety"), (parse_document_type, "legitymacja"),
    (parse_relation, "babcia"), (parse_bool, "może"),
])
def test_unknown_values(parser, text):
    with pytest.raises(BadValue):
        parser(text)


def test_fold():
    assert fold("Opiekun 1 e-mail") == fold("opiekun_1_email") == "opiekun1email"
    assert fold("Miejscowość") == fold("MIEJSCOWOSC") == "miejscowosc"
    assert fold("Płeć") == "plec" and fold("Łódź") == "lodz"


def test_data_without_a_header_is_a_warning(db, tmp_path, pl):
    path = tmp_path / "p.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow([*HEADERS, "", ""])
        writer.writerow([*(pupil_row(1)[h] for h in HEADERS), "", ""])
        writer.writerow([*(pupil_row(2)[h] for h in HEADERS), "", "uwaga", "i jeszcze"])
    report = run_pupils(db, path)
    assert report.created == 2
    assert [w.render(pl) for w in report.warnings] == [
        f"Kolumna nr {len(HEADERS) + 2} zawiera dane, ale nie ma nagłówka; te dane pominięto",
        f"Kolumna nr {len(HEADERS) + 3} zawiera dane, ale nie ma nagłówka; te dane pominięto",
    ]
