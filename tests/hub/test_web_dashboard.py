"""The city dashboard over a real warehouse: three schools enrolled, synced over HTTP and merged
(see tests/hub/web_factories.py for the plan; every figure here is counted by hand from it).

On 1 October 2026: SP 1 has classes 1a (3 pupils), 1b (2), 2a (4; a fifth pupil left on
30 September) and 2b (empty); LO 2 has 1a (5) and 3a (1); Przedszkole 3 has group 0a (2).
Active teachers: 2 + 1 (a second one is inactive) + 1.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from hub.dashboard.queries import NodeStatus
from hub.dashboard.tables import node_lines
from tests.hub.web_factories import DAY, LO2, P3, SP1, City, csv_rows, login_as, squash, tables, text
from zszo.web.i18n import TIMEZONE
from zszo.web.tables import csv_bytes


@pytest.fixture
def analyst(city_app):  # type: ignore[no-untyped-def]
    """The analyst's client (the dashboard is the same for administrators)."""
    return login_as(city_app, "analityk")


def test_headline_figures_on_a_chosen_day(analyst):
    page = text(analyst.get(f"/dashboard?day={DAY.isoformat()}"))
    assert tables(page)["Miasto w liczbach na dzień 01.10.2026"] == [
        ["Wskaźnik", "Wartość"],
        ["Uczniowie", "17"],
        ["Szkoły przesyłające dane", "3"],
        ["Oddziały w roku szkolnym", "7"],
        ["Nauczyciele (aktywni)", "4"],
    ]
    assert "Stan na 1 października 2026 według danych przesłanych przez szkoły." in page


@pytest.mark.parametrize(("day", "pupils", "classes"), [
    ("2026-09-15", "18", "7"),  # before the leaver's last day: counted
    ("15.09.2026", "18", "7"),  # the way people write dates
    ("2026-08-31", "0", "0"),  # before the school year
])
def test_figures_follow_the_day(analyst, day, pupils, classes):
    rows = dict(map(tuple, list(tables(text(analyst.get(f"/dashboard?day={day}"))).values())[0][1:]))
    assert (rows["Uczniowie"], rows["Oddziały w roku szkolnym"]) == (pupils, classes)


def test_the_day_defaults_to_today(analyst):
    today = dt.datetime.now(TIMEZONE).date()
    assert f'name="day" type="date" value="{today.isoformat()}"' in text(analyst.get("/dashboard"))


@pytest.mark.parametrize("day", ["2026-02-30", "jutro", "1.13.2026"])
def test_a_bad_day_is_a_polish_error_not_a_crash(analyst, day):
    response = analyst.get(f"/dashboard/pupils?day={day}")
    page = text(response)
    assert response.status_code == 400 and "<title>Błąd: Liczba uczniów według szkół i poziomów" in page
    assert '<a href="#day">Wpisz prawidłową datę, np. 01.10.2026</a>' in page
    assert "<table" not in page
    assert analyst.get(f"/dashboard/pupils.csv?day={day}").status_code == 400


def test_pupils_per_school_and_level_in_polish_order(analyst):
    page = text(analyst.get(f"/dashboard/pupils?day={DAY.isoformat()}"))
    assert tables(page)["Uczniowie zapisani na dzień 01.10.2026 według szkół i poziomów"] == [
        ["Szkoła", "Oddział przedszkolny", "Klasa 1", "Klasa 2", "Klasa 3", "Razem"],
        [f"{LO2.name} Szkoła ponadpodstawowa, Północ", "0", "5", "0", "1", "6"],
        [f"{P3.name} Przedszkole, Śródmieście", "2", "0", "0", "0", "2"],  # Ł between L and S
        [f"{SP1.name} Szkoła podstawowa, Śródmieście", "0", "5", "4", "0", "9"],
        ["Razem", "2", "10", "4", "1", "17"],
    ]
    html = squash(page)
    assert '<th scope="col" class="numeric">Klasa 1</th>' in html and '<td class="numeric">17</td>' in html
    assert f'<a href="/dashboard/classes?rspo={SP1.rspo}&amp;day=2026-10-01">{SP1.name}</a>' in html


SP1_CELL, P3_CELL = f"{SP1.name} Szkoła podstawowa, Śródmieście", f"{P3.name} Przedszkole, Śródmieście"


@pytest.mark.parametrize(("query", "expected"), [
    ("kind=primary", [["Szkoła", "Klasa 1", "Klasa 2", "Razem"], [SP1_CELL, "5", "4", "9"], ["Razem", "5", "4", "9"]]),
    ("district=%C5%9Ar%C3%B3dmie%C5%9Bcie",  # Śródmieście
     [["Szkoła", "Oddział przedszkolny", "Klasa 1", "Klasa 2", "Razem"], [P3_CELL, "2", "0", "0", "2"],
      [SP1_CELL, "0", "5", "4", "9"], ["Razem", "2", "5", "4", "11"]]),
])
def test_pupils_filtered_by_kind_and_district(analyst, query, expected):
    page = text(analyst.get(f"/dashboard/pupils?day=2026-10-01&{query}"))
    assert tables(page)["Uczniowie zapisani na dzień 01.10.2026 według szkół i poziomów"] == expected
    csv_link = squash(page).split('<p class="download"><a href="')[1].split('"')[0]
    assert csv_link.startswith("/dashboard/pupils.csv?day=2026-10-01&amp;")


def test_pupils_filters_that_match_nothing_or_are_unknown(analyst):
    none = text(analyst.get("/dashboard/pupils?day=2026-10-01&kind=secondary&district=%C5%9Ar%C3%B3dmie%C5%9Bcie"))
    assert "Żadna szkoła nie spełnia wybranych warunków." in none
    bad_kind = analyst.get("/dashboard/pupils?kind=university")
    assert bad_kind.status_code == 400
    assert '<a href="#kind">Wybierz jeden z typów szkół z listy</a>' in text(bad_kind)
    bad_district = analyst.get("/dashboard/pupils?district=Atlantyda")
    assert bad_district.status_code == 400
    assert '<a href="#district">Wybierz jedną z dzielnic z listy</a>' in text(bad_district)


def test_pupils_csv_is_the_same_table_for_excel(analyst):
    response = analyst.get("/dashboard/pupils.csv?day=2026-10-01")
    assert response.headers["Content-Disposition"] == 'attachment; filename="uczniowie-wg-szkol-2026-10-01.csv"'
    assert b";" in response.get_data() and b"\r\n" in response.get_data()
    assert csv_rows(response) == [
        ["Numer RSPO", "Szkoła", "Rodzaj", "Dzielnica", "Oddział przedszkolny", "Klasa 1", "Klasa 2", "Klasa 3",
         "Razem"],
        [LO2.rspo, LO2.name, "Szkoła ponadpodstawowa", "Północ", "0", "5", "0", "1", "6"],
        [P3.rspo, P3.name, "Przedszkole", "Śródmieście", "2", "0", "0", "0", "2"],
        [SP1.rspo, SP1.name, "Szkoła podstawowa", "Śródmieście", "0", "5", "4", "0", "9"],
        ["", "Razem", "", "", "2", "10", "4", "1", "17"],
    ]
    filtered = csv_rows(analyst.get("/dashboard/pupils.csv?day=2026-10-01&kind=preschool"))
    assert filtered == [["Numer RSPO", "Szkoła", "Rodzaj", "Dzielnica", "Oddział przedszkolny", "Razem"],
                        [P3.rspo, P3.name, "Przedszkole", "Śródmieście", "2", "2"], ["", "Razem", "", "", "2", "2"]]


def test_class_sizes_per_level_and_per_school(analyst):
    page = text(analyst.get("/dashboard/classes?day=2026-10-01"))
    found = tables(page)
    assert found["Liczebność oddziałów według poziomów w całym mieście na dzień 01.10.2026"] == [
        ["Poziom", "Oddziały", "Uczniowie", "Średnia liczebność", "Najmniejszy oddział", "Największy oddział"],
        ["Oddział przedszkolny", "1", "2", "2,0", "2", "2"],
        ["Klasa 1", "3", "10", "3,3", "2", "5"],
        ["Klasa 2", "2", "4", "2,0", "0", "4"],  # the empty class 2b counts
        ["Klasa 3", "1", "1", "1,0", "1", "1"],
    ]
    assert found[f"{SP1.name} (RSPO {SP1.rspo})"] == [
        ["Oddział", "Rok szkolny", "Uczniowie"], ["1a", "2026/2027", "3"], ["1b", "2026/2027", "2"],
        ["2a", "2026/2027", "4"], ["2b", "2026/2027", "0"], ["Razem", "", "9"]]
    assert list(found)[1:] == [f"{s.name} (RSPO {s.rspo})" for s in (LO2, P3, SP1)]


def test_class_sizes_of_one_school(analyst):
    page = text(analyst.get(f"/dashboard/classes?day=2026-10-01&rspo={LO2.rspo}"))
    assert f"<h1>Liczebność oddziałów: {LO2.name}</h1>" in page
    found = tables(page)
    assert list(found)[1:] == [f"{LO2.name} (RSPO {LO2.rspo})"]
    assert found[f"{LO2.name} (RSPO {LO2.rspo})"][1:] == [["1a", "2026/2027", "5"], ["3a", "2026/2027", "1"],
                                                           ["Razem", "", "6"]]
    assert f'<input type="hidden" name="rspo" value="{LO2.rspo}">' in page  # the day form keeps the school
    assert csv_rows(analyst.get(f"/dashboard/classes.csv?day=2026-10-01&rspo={LO2.rspo}")) == [
        ["Numer RSPO", "Szkoła", "Rok szkolny", "Poziom", "Oddział", "Uczniowie"],
        [LO2.rspo, LO2.name, "2026/2027", "1", "1a", "5"], [LO2.rspo, LO2.name, "2026/2027", "3", "3a", "1"]]


def test_class_size_csv_uses_a_decimal_comma(analyst):
    assert csv_rows(analyst.get("/dashboard/classes-levels.csv?day=2026-10-01")) == [
        ["Poziom", "Oddziały", "Uczniowie", "Średnia liczebność", "Najmniejszy oddział", "Największy oddział"],
        ["Oddział przedszkolny", "1", "2", "2,0", "2", "2"], ["Klasa 1", "3", "10", "3,3", "2", "5"],
        ["Klasa 2", "2", "4", "2,0", "0", "4"], ["Klasa 3", "1", "1", "1,0", "1", "1"]]
    assert csv_rows(analyst.get("/dashboard/totals.csv?day=2026-10-01")) == [
        ["Wskaźnik", "Wartość"], ["Uczniowie", "17"], ["Szkoły przesyłające dane", "3"],
        ["Oddziały w roku szkolnym", "7"], ["Nauczyciele (aktywni)", "4"]]


def test_sync_status_marks_stale_and_failing_servers_in_words(analyst, city: City):
    page = text(analyst.get("/dashboard/sync"))
    html = squash(page)
    assert "Serwery wymagające uwagi: 2 z 3." in html
    rows = tables(page)["Serwery szkół i ich synchronizacja"]
    assert rows[0] == ["Placówka", "Stan", "Ostatni kontakt", "Ostatni sukces", "Potwierdzone do zmiany nr",
                       "Czeka na serwerze szkoły", "Paczki czekające na scalenie", "Wersja i zegar", "Ostatni błąd"]
    by_name = {row[0]: row for row in rows[1:]}
    assert list(by_name) == [P3.name, LO2.name, SP1.name]  # silent for three days: on top
    assert by_name[LO2.name][1] == "⚠ wymaga uwagi ostatni kontakt zakończony błędem"
    assert by_name[LO2.name][8].startswith(
        "Brakuje wcześniejszych zmian z tego serwera (luka w numeracji), np. po odtworzeniu serwera miejskiego "
        "z kopii zapasowej. sequence_gap")
    assert by_name[P3.name][1] == "⚠ wymaga uwagi brak kontaktu od ponad 48 godz."
    assert by_name[SP1.name][1] == "w porządku" and by_name[SP1.name][8] == "–"
    for rspo, row in ((p.rspo, by_name[p.name]) for p in (SP1, LO2, P3)):
        acked = city.nodes[rspo].state()["acked_through"]
        assert row[4] == str(acked) and row[6] == "0"
        assert re.fullmatch(r"zszo-node/0\.1\.0 zegar -?[0-5] s", row[7]), row[7]  # one machine: no skew
    assert html.count('<tr class="row--attention">') == 2


def test_merger_state_and_rejected_changes(analyst, city: City):
    page = text(analyst.get("/dashboard/sync"))
    html = squash(page)
    last = city.hub.inbox()[-1][0]
    assert f"<dt>Scalono do paczki nr</dt> <dd>{last}</dd>" in html
    assert f"<dt>Ostatnia otrzymana paczka nr</dt> <dd>{last}</dd>" in html
    assert "<dt>Paczki czekające na scalenie</dt> <dd>0</dd>" in html
    assert "<dt>Proces scalania</dt> <dd>nie działa w tym procesie</dd>" in html
    rejected = tables(page)["Ostatnio odrzucone zmiany (najwyżej 100)"]
    assert [row[1:] for row in rejected[1:]] == [
        [SP1.name, "pracownik", "adres e-mail", "nieprawidłowy adres e-mail email", city.rejected_pk]]
    rows = csv_rows(analyst.get("/dashboard/sync-rejected.csv"))
    assert rows[0] == ["Kiedy", "Numer RSPO", "Placówka", "Rodzaj rekordu", "Identyfikator rekordu", "Pole",
                       "Powód", "Kod"]
    assert [row[1:] for row in rows[1:]] == [
        [SP1.rspo, SP1.name, "pracownik", city.rejected_pk, "adres e-mail", "nieprawidłowy adres e-mail", "email"]]
    assert "nie-adres" not in page  # the rejected value itself is never shown


def test_sync_status_csv(analyst, city: City):
    rows = csv_rows(analyst.get("/dashboard/sync-nodes.csv"))
    assert rows[0][:3] == ["Numer RSPO", "Placówka", "Stan klucza"] and rows[0][-4:] == [
        "Ostatni błąd", "Kod błędu", "Brak kontaktu od ponad 48 godzin", "Wymaga uwagi"]
    assert [(r[0], r[2], r[8], r[9], r[12], r[13], r[14]) for r in rows[1:]] == [
        (P3.rspo, "aktywny", "0", "zszo-node/0.1.0", "", "tak", "tak"),
        (LO2.rspo, "aktywny", "0", "zszo-node/0.1.0", "sequence_gap", "nie", "tak"),
        (SP1.rspo, "aktywny", "0", "zszo-node/0.1.0", "", "nie", "nie")]


def test_dashboard_pages_show_no_personal_data(analyst):
    for path in ("/dashboard?day=2026-10-01", "/dashboard/pupils?day=2026-10-01", "/dashboard/classes?day=2026-10-01",
                 "/dashboard/sync", "/dashboard/pupils.csv?day=2026-10-01", "/dashboard/classes.csv?day=2026-10-01"):
        body = analyst.get(path).get_data(as_text=True)
        assert "Ąbecka" not in body and "Dyrektorski" not in body and "dyrektor@example.pl" not in body, path


def test_administrators_see_the_same_dashboard(city_app):
    admin = login_as(city_app, "admin")
    assert "<td class=\"numeric\" id=\"total-pupils\">17</td>" in text(admin.get("/dashboard?day=2026-10-01"))


def test_csv_cells_never_become_spreadsheet_formulas():
    data = csv_bytes(["Szkoła", "Uczniowie", "Średnia"],
                     [["=HYPERLINK(\"http://x\")", 12, 3.25], ["+48 Żółw; \"cytat\"", -1, None]])
    assert data.decode("utf-8-sig").splitlines() == [
        "Szkoła;Uczniowie;Średnia",
        "\"'=HYPERLINK(\"\"http://x\"\")\";12;3,2",
        "\"'+48 Żółw; \"\"cytat\"\"\";-1;",
    ]


def test_node_lines_put_the_longest_silent_first_and_mark_clock_and_schema_problems():
    now = dt.datetime(2026, 11, 28, 12, 0)

    def status(name: str, contact_hours: float | None, **extra: object) -> NodeStatus:
        contact = None if contact_hours is None else now - dt.timedelta(hours=contact_hours)
        return NodeStatus(node_id=name, rspo="1", institution=name, status="active", fingerprint="f", enrolled_at=now,
                          last_contact_at=contact, last_success_at=contact, acked_through=0, batches=0, changes=0,
                          reported_backlog=0, last_error=None, last_error_at=None, unmerged_batches=0, **extra)

    lines = node_lines([status("Ala", 1), status("Bocian", 49), status("Cis", None), status("Dąb", 24.5),
                        status("Ełk", 72), status("Fiołek", 0.1, clock_skew_seconds=-301),
                        status("Gil", 0.1, held_batches=2), status("Hel", 47.9, clock_skew_seconds=300)], now)
    assert [(line.status.institution, line.silent, line.stale, line.skewed, line.held, line.attention)
            for line in lines] == [
        ("Cis", True, True, False, False, True),  # never heard from
        ("Ełk", True, True, False, False, True),
        ("Bocian", True, True, False, False, True),
        ("Ala", False, False, False, False, False),
        ("Dąb", False, True, False, False, True),
        ("Fiołek", False, False, True, False, True),
        ("Gil", False, False, False, True, True),
        ("Hel", False, True, False, False, True),  # 300 s is within tolerance; 47.9 h is stale, not silent
    ]


def test_every_table_downloads_as_xlsx_with_typed_cells(analyst):
    import io

    from openpyxl import load_workbook

    for path in ("/dashboard/pupils.csv?day=2026-10-01", "/dashboard/classes-levels.csv?day=2026-10-01",
                 "/dashboard/sync-nodes.csv"):
        response = analyst.get(path + "&format=xlsx" if "?" in path else path + "?format=xlsx")
        assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
        assert response.headers["Content-Disposition"].endswith('.xlsx"')
        sheet = load_workbook(io.BytesIO(response.data)).active
        xlsx = [[("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)]
        csv = csv_rows(analyst.get(path))
        assert [str(h) for h in xlsx[0]] == csv[0]
        assert len(xlsx) == len(csv)
    sheet = load_workbook(io.BytesIO(analyst.get("/dashboard/pupils.csv?day=2026-10-01&format=xlsx").data)).active
    totals = list(sheet.iter_rows(values_only=True))[-1]
    assert "Razem" in totals and totals[-1] == 17 and isinstance(totals[-1], int)


def test_xlsx_text_is_never_a_formula():
    import io

    from openpyxl import load_workbook

    from zszo.web.tables import xlsx_bytes

    sheet = load_workbook(io.BytesIO(xlsx_bytes(["Szkoła", "Uczniowie"], [["=HYPERLINK(\"http://x\")", 3]]))).active
    cell = sheet["A2"]
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s" and sheet["B2"].value == 3


def test_charts_are_accessible_svg_beside_their_tables(analyst):
    pupils = squash(text(analyst.get("/dashboard/pupils?day=2026-10-01")))
    assert ('<svg role="img" aria-labelledby="chart-pupils-title chart-pupils-desc"' in pupils
            and '<title id="chart-pupils-title">Uczniowie według poziomów</title>' in pupils)
    desc = re.search(r'<desc id="chart-pupils-desc">([^<]*)</desc>', pupils).group(1)
    assert desc == "Oddział przedszkolny: 2; Klasa 1: 10; Klasa 2: 4; Klasa 3: 1"  # the table's totals row
    classes = squash(text(analyst.get("/dashboard/classes?day=2026-10-01")))
    desc = re.search(r'<desc id="chart-class-sizes-desc">([^<]*)</desc>', classes).group(1)
    assert desc == "Oddział przedszkolny: 2,0; Klasa 1: 3,3; Klasa 2: 2,0; Klasa 3: 1,0"
    assert "<script" not in pupils and "<script" not in classes
