"""Every figure of the analytical dashboards on a small hand-built city (tests/hub/warehouse_city.py),
worked out by hand: attendance per school, class, level and month, grade averages per subject and
school, teachers' FTE, classes above their limit, data freshness, the compulsory-schooling absence
list; their CSV and XLSX files; the layer's tables hold no PESEL or pupil id, only the pupil key.

Attendance by hand (present ÷ counted; "released" is not counted, a lesson not held is not counted):
SP 5 1a: September 6 counted, 3 present (50.0 %); October 1 counted (P1 released), 1 present (100 %).
SP 5 4a: September 1/1 (100 %), October 1/0 (0 %).  LO 7 1a: September 4/3 (75 %), October: not held.
SP 5: September 7/4 = 57.1 %, October 2/1 = 50.0 %, year 9/5 = 55.6 %.  LO 7: 75.0 %.
City: September 11/7 = 63.6 %, October 2/1 = 50.0 %, year 13/8 = 61.5 %.
Levels: grade 1: September 10/6 = 60.0 %, October 1/1 = 100 %, year 11/7 = 63.6 %; grade 4: 100, 0, 50.0 %.

Grades (city scale 4+ = 4.5, 3- = 2.75; weights 3/1, "activity" does not count, np is no grade):
maths SP 5: 5·3 + 4.5·1 + 2.75·3 + 1.5·1 = 29.25 over 8; LO 7: 5·2 + 3.5·2 = 17 over 4;
maths in the city 46.25/12 = 3.854 → 3.85 (6 grades); Polish 10/4 = 2.50 (2); SP 5 39.25/12 → 3.27; LO 7 4.25.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from stdnum.pl import pesel as stdnum_pesel

from hub.compulsory import operations as compulsory_ops
from hub.compulsory.absence import absence_list
from hub.compulsory.register import parse_register
from hub.dashboard import analytics
from hub.dictionaries.operations import publish_calendar
from hub.fleet import operations as fleet
from hub.fleet.models import Node
from hub.sync.models import NodeContact
from hub.warehouse import model
from hub.warehouse.pseudonym import load_or_create_key
from protocol.calendar import standard_calendar
from tests.hub import warehouse_city as wc
from tests.hub.web_factories import Web, csv_rows, login_as, start_test_hub, tables, text
from tests.sync.helpers import HubServer

SEPT, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)
ARGS = "school_year=2026%2F2027"


def register_csv() -> bytes:
    lines = ["pesel;document_type;document_number;first_name;last_name;birth_date;street;postal_code;city",
             f"{wc.PESELS['P1']};;;Ola;Zawada;2019-01-20;ul. Krótka 1;26-600;Radom",
             f"{wc.PESELS['P2']};;;Piotr;Ćwik;2019-01-05;ul. Krótka 2;26-600;Radom",
             f"{wc.PESELS['P3']};;;Róża;Adamczyk;2016-07-20;ul. Krótka 3;26-600;Radom"]
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServer]:
    """A hub whose warehouse holds the hand-built city, its analytical layer built; SP 5 synced 2 hours ago."""
    server = start_test_hub(tmp_path_factory.mktemp("analytics") / "hub", **{"dashboard.municipal_class_limit": 1})
    key = load_or_create_key(server.settings["paths.pseudonym_key"])
    wc.build(server.warehouse.cursor(), key)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with server.db.transaction() as session:
        for rspo, (name, kind, district) in wc.SCHOOLS.items():
            fleet.add_institution(session, rspo=rspo, name=name, kind=kind, district=district)
        session.add(Node(id="node-sp5", rspo=wc.SP5, name="sp5", kid="kid-sp5", sign_key="x", kex_key="x",
                         fingerprint="f", status="active"))
        session.flush()
        session.add(NodeContact(node_id="node-sp5", last_contact_at=now - dt.timedelta(hours=2),
                                last_success_at=now - dt.timedelta(hours=2, minutes=5)))
        compulsory_ops.save_import(session, parse_register(register_csv(), key), as_of=dt.date(2026, 9, 30),
                                   file_name="ewidencja.csv", by="test")
        publish_calendar(session, standard_calendar(2026, dt.date(2027, 1, 18)).to_body(), by="test")
    report = server.warehouse.refresh_model(server.db)
    assert report.rows["agg_attendance_class_month"] == 5
    yield server
    server.close()


@pytest.fixture(scope="module")
def analyst(hub: HubServer) -> Web:
    from tests.hub.web_factories import hub_app
    return login_as(hub_app(hub), "analityk")


def cur(hub: HubServer):  # type: ignore[no-untyped-def]
    return hub.warehouse.cursor()


# -- the model --------------------------------------------------------------------------------------


def test_dimensions_and_calendar(hub: HubServer):
    c = cur(hub)
    assert c.execute("SELECT rspo, kind, district FROM dim_school ORDER BY rspo").fetchall() == [
        (wc.SP5, "primary", "Północ"), (wc.LO7, "secondary", "Południe")]
    assert c.execute("SELECT count(*), count(DISTINCT school_year) FROM dim_class").fetchone() == (3, 1)
    assert c.execute("SELECT count(*) FROM dim_teacher").fetchone() == (4,)
    assert c.execute("SELECT count(*) FROM dim_subject").fetchone() == (3,)
    assert c.execute("SELECT lesson_day, public_holiday, weekend FROM dim_date WHERE day = DATE '2026-11-11'"
                     ).fetchone() == (False, "Narodowe Święto Niepodległości", False)
    assert c.execute("SELECT lesson_day FROM dim_date WHERE day = DATE '2026-11-12'").fetchone() == (True,)
    assert c.execute("SELECT lesson_day FROM dim_date WHERE day = DATE '2027-06-25'").fetchone() == (True,)  # Fri
    assert c.execute("SELECT lesson_day FROM dim_date WHERE day = DATE '2027-06-28'").fetchone() == (False,)
    assert c.execute("SELECT count(*) FROM dim_date").fetchone() == (365,)
    # the city's published calendar: its breaks are no lesson days
    assert c.execute("SELECT city_break, lesson_day FROM dim_date WHERE day = DATE '2027-01-20'").fetchone() == (
        "winter_holidays", False)
    # weekdays from 1 September to 25 June, less public holidays and the three breaks
    assert c.execute("SELECT count(*) FROM dim_date WHERE lesson_day").fetchone() == (188,)


def test_facts_at_lesson_grain(hub: HubServer):
    c = cur(hub)
    # 14 attendance rows at held lessons (2 more at one not held), 13 counted; 10 grades; 6 employments
    assert c.execute("SELECT count(*), count(*) FILTER (WHERE counted), count(*) FILTER (WHERE present) "
                     "FROM fact_attendance").fetchone() == (14, 13, 8)
    assert c.execute("SELECT count(*), count(value) FROM fact_grade").fetchone() == (10, 9)
    assert c.execute("SELECT value FROM fact_grade WHERE symbol = '3-'").fetchone() == (pytest.approx(2.75),)
    assert c.execute("SELECT count(*) FROM fact_staff_fte").fetchone() == (6,)


def test_the_layer_holds_no_pesel_and_no_pupil_id(hub: HubServer):
    c = cur(hub)
    names = [*model.MODEL_TABLES, *model.FACT_VIEWS]
    columns = {t: [r[0] for r in c.execute(f"DESCRIBE {t}").fetchall()] for t in names}
    assert all("pupil_id" not in cols and "pesel" not in cols for cols in columns.values())
    texts = [str(v) for t in names for row in c.execute(f"SELECT * FROM {t}").fetchall() for v in row]
    elevens = [m for t in texts for m in re.findall(r"(?<![0-9])[0-9]{11}(?![0-9])", t)]
    assert [m for m in elevens if stdnum_pesel.is_valid(m)] == []
    assert {wc.uid(p) for p in wc.PESELS} & set(texts) == set()


# -- attendance -------------------------------------------------------------------------------------


def _shown(table: analytics.AttendanceTable) -> list[tuple]:
    return [(line.label, {m.month: r.shown for m, r in line.months.items()}, line.total.shown, line.total.counted)
            for line in table.lines]


def test_attendance_per_school_level_class_and_month(hub: HubServer):
    c = cur(hub)
    year = analytics.Filters(wc.YEAR)
    by_school = analytics.attendance(c, year, "school")
    assert by_school.months == [SEPT, OCT]
    assert _shown(by_school) == [("Liceum Ogólnokształcące nr 7", {9: 75.0}, 75.0, 4),
                                 ("Szkoła Podstawowa nr 5", {9: 57.1, 10: 50.0}, 55.6, 9)]
    total = by_school.total
    assert (total.months[SEPT].shown, total.months[OCT].shown, total.total.shown) == (63.6, 50.0, 61.5)
    by_level = analytics.attendance(c, year, "level")
    assert [(line.key, line.months[SEPT].shown, line.months[OCT].shown, line.total.shown)
            for line in by_level.lines] == [("1", 60.0, 100.0, 63.6), ("4", 100.0, 0.0, 50.0)]
    classes = analytics.attendance(c, analytics.Filters(wc.YEAR, rspo=wc.SP5), "class")
    assert _shown(classes) == [("1a", {9: 50.0, 10: 100.0}, 57.1, 7), ("4a", {9: 100.0, 10: 0.0}, 50.0, 2)]
    assert _shown(analytics.attendance(c, analytics.Filters(wc.YEAR, district="Południe"), "school")) == [
        ("Liceum Ogólnokształcące nr 7", {9: 75.0}, 75.0, 4)]
    assert analytics.attendance(c, analytics.Filters(wc.YEAR, kind="preschool"), "school").lines == []
    assert analytics.attendance(c, analytics.Filters("2025/2026"), "school").lines == []


def test_attendance_page_and_files(analyst: Web):
    page = text(analyst.get(f"/dashboard/attendance?{ARGS}"))
    found = tables(page)
    assert found["Frekwencja w procentach według szkół i miesięcy, 2026/2027"] == [
        ["Szkoła", "wrzesień 2026", "październik 2026", "Rok szkolny", "Liczone lekcje"],
        ["Liceum Ogólnokształcące nr 7", "75,0", "–", "75,0", "4"],
        ["Szkoła Podstawowa nr 5", "57,1", "50,0", "55,6", "9"],
        ["Razem", "63,6", "50,0", "61,5", "13"]]
    assert found["Frekwencja w procentach według poziomów i miesięcy, 2026/2027"][1:] == [
        ["Klasa 1", "60,0", "100,0", "63,6", "11"], ["Klasa 4", "100,0", "0,0", "50,0", "2"],
        ["Razem", "63,6", "50,0", "61,5", "13"]]
    assert 'role="img"' in page and "Szkoła Podstawowa nr 5: 55,6" in page
    drill = tables(text(analyst.get(f"/dashboard/attendance?{ARGS}&rspo={wc.SP5}")))
    assert drill["Frekwencja w procentach według oddziałów i miesięcy, 2026/2027"][1:] == [
        ["1a", "50,0", "100,0", "57,1", "7"], ["4a", "100,0", "0,0", "50,0", "2"],
        ["Razem", "57,1", "50,0", "55,6", "9"]]
    rows = csv_rows(analyst.get(f"/dashboard/attendance-school.csv?{ARGS}"))
    assert rows == [["Szkoła", "wrzesień 2026", "październik 2026", "Rok szkolny", "Liczone lekcje",
                     "Lekcje z obecnością"],
                    ["Liceum Ogólnokształcące nr 7", "75,0", "", "75,0", "4", "3"],
                    ["Szkoła Podstawowa nr 5", "57,1", "50,0", "55,6", "9", "5"],
                    ["Razem", "63,6", "50,0", "61,5", "13", "8"]]
    book = load_workbook(io.BytesIO(analyst.get(f"/dashboard/attendance-class.csv?{ARGS}&rspo={wc.SP5}&format=xlsx")
                                    .get_data()))
    assert [list(r) for r in book.active.iter_rows(min_row=2, values_only=True)] == [
        ["1a", 50.0, 100.0, 57.1, 7, 4], ["4a", 100.0, 0.0, 50.0, 2, 1], ["Razem", 57.1, 50.0, 55.6, 9, 5]]


def test_a_year_the_warehouse_does_not_know_is_named_in_polish(analyst: Web):
    response = analyst.get("/dashboard/attendance?school_year=1999%2F2000")
    assert response.status_code == 400
    assert "Wybierz jeden z podanych lat szkolnych" in text(response)
    assert analyst.get("/dashboard/attendance-school.csv?school_year=1999%2F2000").status_code == 400
    assert analyst.get(f"/dashboard/attendance-pupil.csv?{ARGS}").status_code == 404


# -- grades, staff, classes, freshness --------------------------------------------------------------


def test_grade_averages(hub: HubServer, analyst: Web):
    c = cur(hub)
    year = analytics.Filters(wc.YEAR)
    assert [(g.label, str(g.average), g.grades) for g in analytics.grade_averages(c, year, "subject")] == [
        ("język polski", "2.50", 2), ("matematyka", "3.85", 6)]
    assert [(g.label, str(g.average), g.grades) for g in analytics.grade_averages(c, year, "school")] == [
        ("Liceum Ogólnokształcące nr 7", "4.25", 2), ("Szkoła Podstawowa nr 5", "3.27", 6)]
    found = tables(text(analyst.get(f"/dashboard/grades?{ARGS}")))
    assert found["Średnia ocen według przedmiotów, 2026/2027"][1:] == [["język polski", "2,50", "2"],
                                                                      ["matematyka", "3,85", "6"]]
    assert found["Średnia ocen według szkół, 2026/2027"][1:] == [["Liceum Ogólnokształcące nr 7", "4,25", "2"],
                                                                ["Szkoła Podstawowa nr 5", "3,27", "6"]]
    one = tables(text(analyst.get(f"/dashboard/grades?{ARGS}&rspo={wc.LO7}")))
    assert one["Średnia ocen według przedmiotów, 2026/2027"][1:] == [["matematyka", "4,25", "2"]]
    assert csv_rows(analyst.get(f"/dashboard/grades-subject.csv?{ARGS}&kind=primary")) == [
        ["Przedmiot", "Średnia ważona", "Oceny"], ["język polski", "2,50", "2"], ["matematyka", "3,66", "4"]]


def test_teachers_fte_per_school(hub: HubServer, analyst: Web):
    staff = analytics.staff_fte(cur(hub), wc.DAY)
    assert [(s.name, s.teachers, s.teacher_fte, s.other_fte) for s in staff] == [
        ("Liceum Ogólnokształcące nr 7", 1, 0.5, 0), ("Szkoła Podstawowa nr 5", 2, 2, 0.5)]
    earlier = analytics.staff_fte(cur(hub), dt.date(2026, 6, 1))  # T2 not yet employed, T3 full time
    assert [(s.teachers, s.teacher_fte) for s in earlier] == [(1, 1), (1, 1)]
    found = tables(text(analyst.get("/dashboard/staff?day=2026-10-01")))
    assert found["Nauczyciele i etaty według szkół w dniu 01.10.2026"] == [
        ["Szkoła", "Nauczyciele", "Etaty nauczycieli", "Etaty pozostałych pracowników"],
        ["Liceum Ogólnokształcące nr 7", "1", "0,50", "0,00"], ["Szkoła Podstawowa nr 5", "2", "2,00", "0,50"]]
    assert csv_rows(analyst.get("/dashboard/staff.csv?day=2026-10-01&district=P%C3%B3%C5%82noc"))[1:] == [
        [wc.SP5, "Szkoła Podstawowa nr 5", "2", "2,00", "0,50"]]


def test_classes_above_their_limit(analyst: Web):
    # 1a of SP 5 has 2 pupils under the statutory 25; 1a of LO 7 has 2 over the city's limit of 1 (this hub).
    found = tables(text(analyst.get("/dashboard/classes?day=2026-10-01")))
    assert found["Oddziały ponad limit liczebności w dniu 01.10.2026"] == [
        ["Szkoła", "Oddział", "Uczniowie", "Limit", "Limit określa"],
        ["Liceum Ogólnokształcące nr 7", "1a", "2", "1", "miasto"]]
    assert csv_rows(analyst.get("/dashboard/classes-over-limit.csv?day=2026-10-01"))[1] == [
        wc.LO7, "Liceum Ogólnokształcące nr 7", "1a", "2", "1", "miasto"]
    assert analytics.class_limit("primary", 3, 30) == (25, True)
    assert analytics.class_limit("primary", 4, 30) == (30, False)
    assert analytics.class_limit("preschool", 0, 30) == (25, True)


def test_data_freshness_per_school(hub: HubServer, analyst: Web):
    rows = analytics.freshness(cur(hub))
    assert [(f.name, f.last_lesson_day) for f in rows] == [("Liceum Ogólnokształcące nr 7", dt.date(2026, 9, 10)),
                                                            ("Szkoła Podstawowa nr 5", dt.date(2026, 10, 5))]
    assert rows[0].last_change_at == dt.datetime(2026, 10, 6, 12, 0)
    table = tables(text(analyst.get("/dashboard/freshness")))["Aktualność danych według szkół"]
    assert [(r[0], r[2], r[3], r[4]) for r in table[1:]] == [
        ("Liceum Ogólnokształcące nr 7", "–", "10.09.2026", "⚠ wymaga uwagi"),
        ("Szkoła Podstawowa nr 5", "2", "05.10.2026", "aktualne")]
    file = csv_rows(analyst.get("/dashboard/freshness.csv?kind=primary"))
    assert [(r[0], r[3], r[4], r[6]) for r in file[1:]] == [(wc.SP5, "2", "2026-10-05", "nie")]


# -- compulsory schooling ---------------------------------------------------------------------------


def test_children_with_unexcused_absence_on_half_their_class_days(hub: HubServer):
    # P2: 7 Sep all lessons unexcused, 8 Sep excused -> 1 of 2 days (50 %). P3: 5 Oct unexcused -> 1 of 1.
    # P4 (1 of 2 days in September) lives outside the city: not in the register, not listed.
    with hub.db.reading() as session:
        found = absence_list(session, cur(hub), wc.YEAR, 50)
        assert [(f.child.first_name, f.month, f.class_days, f.unexcused_days, f.school, f.class_label,
                 float(f.lesson_percent)) for f in found] == [
            ("Róża", OCT, 1, 1, "Szkoła Podstawowa nr 5", "4a", 100.0),
            ("Piotr", SEPT, 2, 1, "Szkoła Podstawowa nr 5", "1a", pytest.approx(66.67, abs=0.01))]
        assert [f.child.first_name for f in absence_list(session, cur(hub), wc.YEAR, 60)] == ["Róża"]
        assert absence_list(session, cur(hub), "2025/2026", 50) == []
        with pytest.raises(ValueError):
            absence_list(session, cur(hub), wc.YEAR, 0)


def test_the_officer_sees_and_exports_the_absence_list(hub: HubServer):
    from hub.auth.operations import create_user
    from tests.hub.web_factories import hub_app
    with hub.db.transaction() as session:
        create_user(session, username="urzednik", display_name="Urszula Urzędnik", role="officer",
                    password="urzednik-haslo-1")
    officer = login_as(hub_app(hub), "urzednik")
    page = text(officer.get("/compulsory?school_year=2026%2F2027&day=2026-10-01"))
    assert "Dzieci z nieobecnościami nieusprawiedliwionymi w co najmniej 50 proc. dni zajęć w miesiącu (2)" in page
    rows = csv_rows(officer.get("/compulsory/absence.csv?school_year=2026%2F2027&day=2026-10-01"))
    assert [r[:3] + r[6:] for r in rows[1:]] == [
        ["Adamczyk", "Róża", wc.PESELS["P3"], "2026-10", "Szkoła Podstawowa nr 5", "4a", "1", "1", "100,0", "100,0"],
        ["Ćwik", "Piotr", wc.PESELS["P2"], "2026-09", "Szkoła Podstawowa nr 5", "1a", "2", "1", "50,0", "66,7"]]
    analyst = login_as(hub_app(hub), "analityk")
    assert analyst.get("/compulsory/absence.csv?school_year=2026%2F2027").status_code == 403


def test_refresh_follows_a_merge_and_readers_see_a_whole_layer(hub: HubServer, tmp_path: Path):
    before = cur(hub).execute("SELECT refreshed_at FROM _model_state").fetchone()[0]
    report = hub.warehouse.refresh_model(hub.db)
    assert report.rows["agg_attendance_pupil_month"] == 8  # P1 Sep/Oct, P2 Sep/Oct, P3 Sep/Oct, P4 Sep, P5 Sep
    assert cur(hub).execute("SELECT refreshed_at FROM _model_state").fetchone()[0] >= before
