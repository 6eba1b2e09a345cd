"""The city office's analytical dashboards in a real browser: a hub serving HTTP on 127.0.0.1 over the
hand-built city (tests/hub/warehouse_city.py), Debian's chromium driven by Playwright, axe WCAG 2.1 AA
checks of the attendance page and its drill-down to classes, grade averages, teachers' FTE, class sizes
with the classes over their limit, data freshness, and a filter error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.warehouse.pseudonym import load_or_create_key
from tests.browser.test_node_register import CHROMIUM_ARGS, assert_accessible, chromium_path
from tests.hub import warehouse_city as wc
from tests.hub.web_factories import PASSWORD, start_test_hub

pytestmark = pytest.mark.browser


@pytest.fixture
def hub_url(tmp_path: Path) -> Iterator[str]:
    chromium_path()  # skip before starting anything when there is no browser
    hub = start_test_hub(tmp_path / "hub", **{"dashboard.municipal_class_limit": 1})
    try:
        wc.build(hub.warehouse.cursor(), load_or_create_key(hub.settings["paths.pseudonym_key"]))
        hub.warehouse.refresh_model(hub.db)
        yield hub.url
    finally:
        hub.close()


def test_city_office_reads_attendance_grades_staff_and_freshness(hub_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="pl-PL")
            page.goto(hub_url + "/dashboard/attendance?school_year=2026%2F2027")
            page.get_by_label("Nazwa użytkownika").fill("analityk")
            page.get_by_label("Hasło").fill(PASSWORD)
            page.get_by_role("button", name="Zaloguj się").click()
            page.wait_for_url(hub_url + "/dashboard/attendance?school_year=2026%2F2027")
            assert page.get_by_role("heading", level=1).inner_text() == "Frekwencja"
            table = page.get_by_role("table", name="Frekwencja w procentach według szkół i miesięcy, 2026/2027")
            assert table.get_by_role("row").last.inner_text().split() == ["Razem", "63,6", "50,0", "61,5", "13"]
            assert page.get_by_role("img", name="Frekwencja w roku szkolnym, w procentach").is_visible()
            assert_accessible(page, "attendance")

            table.get_by_role("link", name="Szkoła Podstawowa nr 5").click()
            assert page.get_by_role("heading", level=1).inner_text() == "Frekwencja: Szkoła Podstawowa nr 5"
            classes = page.get_by_role("table", name="Frekwencja w procentach według oddziałów i miesięcy, 2026/2027")
            assert classes.get_by_role("row").nth(1).inner_text().split() == ["1a", "50,0", "100,0", "57,1", "7"]
            assert_accessible(page, "attendance of one school's classes")

            page.get_by_label("Typ szkoły").select_option("secondary")  # a GET form: works without JavaScript
            page.get_by_role("button", name="Pokaż").click()
            assert page.get_by_text("Dla wybranych filtrów nie zapisano frekwencji.").is_visible()

            def nav(name: str) -> None:
                page.get_by_role("navigation", name="Strony pulpitu").get_by_role("link", name=name).click()

            nav("Średnie ocen")  # the links between pages keep the filters: secondary schools only
            subjects = page.get_by_role("table", name="Średnia ocen według przedmiotów, 2026/2027")
            assert subjects.get_by_role("row").last.inner_text().split() == ["matematyka", "4,25", "2"]
            assert_accessible(page, "grade averages")

            nav("Nauczyciele i etaty")
            page.get_by_label("Dzień").fill("2026-10-01")
            page.get_by_label("Typ szkoły").select_option("")
            page.get_by_role("button", name="Pokaż").click()
            staff = page.get_by_role("table", name="Nauczyciele i etaty według szkół w dniu 01.10.2026")
            assert staff.get_by_role("row").last.inner_text().split()[-3:] == ["2", "2,00", "0,50"]
            assert_accessible(page, "teachers and FTE")

            nav("Liczebność oddziałów")
            over = page.get_by_role("table", name="Oddziały ponad limit liczebności w dniu 01.10.2026")
            assert over.get_by_role("row").nth(1).inner_text().split()[-4:] == ["1a", "2", "1", "miasto"]
            assert_accessible(page, "class sizes and limits")

            nav("Aktualność danych")
            assert page.get_by_role("table", name="Aktualność danych według szkół").get_by_role("row").count() == 3
            assert_accessible(page, "data freshness")

            page.goto(hub_url + "/dashboard/grades?school_year=1999%2F2000")
            assert page.title().startswith("Błąd: Średnie ocen")
            assert page.locator(".error-summary").get_by_role("link").all_inner_texts() == [
                "Wybierz jeden z podanych lat szkolnych"]
            assert_accessible(page, "grade averages with a filter error")
        finally:
            browser.close()
