"""Exam results from a CSV or XLSX file: each row checked on its own (line, column, reason in Polish),
good rows kept and shown on the school's verification form, bad rows changing nothing; only the
applications whose first choice is the importing school are matched; a file that cannot be read
as a whole is refused with the reason."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from hub.recruitment.models import Application, ExamResult
from tests.hub.web_factories import squash, text
from tests.recruitment.app_factories import (
    LO1,
    LO2,
    child,
    class_ids,
    hub_fixture,
    login_as,
    make_campaign,
    make_parent,
    school_account,
    submitted,
    teen_birth,
)

hub_ = pytest.fixture(name="hub")(hub_fixture)
PAGE = "/recruitment/school/exam-results"


def _setup(hub):  # type: ignore[no-untyped-def]
    """Ala and Celina chose LO1 first (Celina without a PESEL), Bartek LO2."""
    with hub.db.transaction() as session:
        campaign = make_campaign(session, "secondary")
        ids = class_ids(session, campaign)
        parent = make_parent(session, "rodzic@example.pl")
        ala_data = child(31, teen_birth(campaign), first_name="Ala")
        ala = submitted(session, campaign, parent.id, ala_data, [ids[(LO1, "1A mat-fiz")]])
        bartek_data = child(32, teen_birth(campaign, 1), "M")
        submitted(session, campaign, parent.id, bartek_data, [ids[(LO2, "1C humanistyczna")]])
        celina_data = child(33, teen_birth(campaign, 2), first_name="Celina", pesel="", no_pesel="y",
                            document_type="passport", document_number="ab 123456",
                            birth_date=teen_birth(campaign, 2).isoformat())
        celina = submitted(session, campaign, parent.id, celina_data, [ids[(LO1, "1B biol-chem")]])
        school_account(session, "lo1", LO1)
        return campaign.id, ala.id, celina.id, ala_data["pesel"], bartek_data["pesel"]


def _upload(web, campaign_id: int, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return web.post(PAGE, {"campaign_id": str(campaign_id), "file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data")


def test_csv_rows_are_checked_one_by_one_and_fill_in_the_verification(hub):
    campaign_id, ala, celina, ala_pesel, bartek_pesel = _setup(hub)
    lo1 = login_as(hub.app, "lo1")
    csv_text = "\n".join([
        "pesel;document_type;document_number;exam_polish;exam_maths;exam_language",
        f"{ala_pesel};;;80;70,5;zw",
        f"{bartek_pesel};;;50;50;50",                 # first choice elsewhere
        ";passport;AB123456;101;60;",                  # Celina: two bad cells
        f"{ala_pesel};;;81;70;60",                     # listed twice
        "12345678901;;;50;50;50",                      # bad PESEL
        ";;;;;",                                       # empty: skipped
    ]) + "\n"
    answer = _upload(lo1, campaign_id, "wyniki.csv", csv_text.encode("utf-8-sig"))
    assert answer.status_code == 200
    html = squash(text(answer))
    assert "Zapisano wyniki egzaminu: 1 z 5 wierszy" in html
    for line, message in (
            (3, "Kandydat: żaden złożony wniosek w tej rekrutacji nie ma tej szkoły na pierwszym miejscu"),
            (4, "Wynik egzaminu w procentach: język polski: podaj wynik w procentach od 0 do 100, np. 78 lub 78,5"),
            (4, "Wynik egzaminu w procentach: język obcy: wpisz wynik w procentach albo „zw” przy zwolnieniu"),
            (5, "Kandydat: już na liście w wierszu 2"),
            (6, "PESEL: błędna cyfra kontrolna")):
        assert f'<td class="numeric">{line}</td><td>{message}' in html, (line, message)
    with hub.db.reading() as session:
        results = {r.application_id: (r.exam_polish, r.exam_maths, r.exam_language, r.source, r.imported_by)
                   for r in session.scalars(select(ExamResult))}
        assert results == {ala: ("80", "70.5", None, "wyniki.csv:2", "lo1")}
        assert session.get(Application, ala).status == "submitted"  # the school still verifies
    form = squash(text(lo1.get(f"/recruitment/school/applications/{ala}")))
    assert "Wyniki egzaminu zaimportowane z pliku wyniki.csv:2" in form
    assert 'name="exam_polish" type="text" value="80"' in form
    assert 'name="exam_maths" type="text" value="70,5"' in form
    assert 'name="exempt_language" value="y" checked' in form and 'name="exempt_polish" value="y">' in form

    corrected = "pesel;document_type;document_number;exam_polish;exam_maths;exam_language\n" \
                ";passport;ab 123456;99;60;45,25\n"
    assert _upload(lo1, campaign_id, "poprawka.csv", corrected.encode()).status_code == 302
    with hub.db.reading() as session:
        assert session.get(ExamResult, celina).exam_language == "45.25"
        assert session.scalar(select(func.count()).select_from(ExamResult)) == 2


def test_xlsx_with_numbers_and_polish_column_names(hub):
    campaign_id, ala, _celina, ala_pesel, _bartek = _setup(hub)
    book = Workbook()
    sheet = book.active
    sheet.append(["PESEL", "Język polski", "Matematyka", "Język obcy"])
    sheet.append([ala_pesel, 78, 66.5, "zw"])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = _upload(login_as(hub.app, "lo1"), campaign_id, "oke.xlsx", buffer.getvalue())
    assert answer.status_code == 302
    with hub.db.reading() as session:
        row = session.get(ExamResult, ala)
        assert (row.exam_polish, row.exam_maths, row.exam_language) == ("78", "66.5", None)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("a.csv", b"pesel;exam_polish;exam_maths\n1;2;3\n", "Plik: w nagłówku brakuje kolumn: exam_language"),
    ("a.xlsx", b"PK\x03\x04 not really a workbook", "Plik: plik nie jest poprawnym skoroszytem XLSX (.xlsx)"),
    ("a.csv", "pesel;exam_polish\n".encode("utf-16"), "Plik: plik nie jest tekstem UTF-8"),
    ("a.csv", b"", "Plik: plik jest pusty"),
])
def test_an_unreadable_file_is_refused_whole(hub, name, data, message):
    campaign_id, *_rest = _setup(hub)
    answer = _upload(login_as(hub.app, "lo1"), campaign_id, name, data)
    assert answer.status_code == 422
    assert message in squash(text(answer))
    with hub.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(ExamResult)) == 0


def test_only_school_accounts_import(hub):
    _setup(hub)
    assert login_as(hub.app, "admin").get(PAGE).status_code == 403
    page = text(login_as(hub.app, "lo1").get(PAGE))
    assert "Importuj wyniki egzaminu" in page and 'enctype="multipart/form-data"' in page
