"""A teacher enters a column of grades for the whole class with the keyboard only, in Debian's
chromium driven by Playwright against `zszo node serve` on 127.0.0.1; a typo is caught with a Polish
message next to the pupil's field and fixed from the error summary; axe WCAG 2.1 AA checks of the
gradebook, the entry form (with and without errors) and the pupil's card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from node_agent.db import Database
from node_agent.register.models import ClassUnit, Pupil
from node_agent.staff.models import StaffMember
from tests.browser.test_admission import login_by_keyboard, press_and_load, tab_to, type_into
from tests.browser.test_node_register import CHROMIUM_ARGS, assert_accessible, chromium_path
from tests.browser.test_node_register import server as server  # noqa: F401 - the seeded node process fixture
from tests.grades.factories import GradesSeed, add_grades_seed
from tests.node.web_factories import Seed, school_year_dates

pytestmark = pytest.mark.browser


@pytest.fixture
def gradebook_server(server: str, tmp_path: Path) -> Iterator[tuple[str, GradesSeed]]:  # noqa: F811
    """The seeded node with subjects, assignments and categories written into its running database."""
    db = Database(tmp_path / "node" / "node.sqlite")
    try:
        with db.transaction() as session:
            staff = {m.first_name.lower(): m.id for m in session.scalars(select(StaffMember))}
            classes = {c.name: c.id for c in session.scalars(select(ClassUnit))}
            zofia = session.scalar(select(Pupil.id).where(Pupil.first_name == "Zofia"))
            seed = Seed("", classes, staff, {}, {"zofia": zofia}, "", "")
            grades = add_grades_seed(session, seed, school_year_dates(dt.date.today())[1])
    finally:
        db.dispose()
    yield server, grades


def test_teacher_enters_a_column_of_grades_with_the_keyboard(gradebook_server) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    url, grades = gradebook_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="pl-PL")
            login_by_keyboard(page, url, "nauczyciel")
            tab_to(page, 'a[href="/grades"]')
            press_and_load(page)
            tab_to(page, f'a[href="/grades/{grades.maths}"]')
            press_and_load(page)
            assert page.get_by_role("heading", level=1).inner_text() == "matematyka – klasa 1a"
            assert_accessible(page, "empty gradebook")
            tab_to(page, f'a[href="/grades/{grades.maths}/series"]')
            press_and_load(page)
            assert_accessible(page, "column entry form")

            type_into(page, "category_id", "sprawdzian")
            assert page.locator("#category_id option:checked").inner_text().startswith("sprawdzian")
            type_into(page, "description", "Ułamki zwykłe")
            # the pupils are listed by name: Bąk, Czerwińska, Dudek, Łęcka
            names = page.locator("table.grade-entry th[scope=row]").all_inner_texts()
            assert names == ["Bąk Adam", "Czerwińska Ewa", "Dudek Igor", "Łęcka Zofia"]
            for symbol in ("5+", "7", "np", "3−"):
                page.keyboard.press("Tab")
                assert page.evaluate("document.activeElement.id").startswith("grade-")
                page.keyboard.type(symbol)
            press_and_load(page)  # Enter in the last field sends the column

            assert page.title().startswith("Błąd: Dodaj kolumnę ocen")
            summary = page.locator(".error-summary")
            assert summary.get_by_role("link").all_inner_texts() == [
                "Czerwińska Ewa: „7” nie jest oceną: wpisz 1–6, ewentualnie z + lub -, albo znak (np, bz, +, -)"]
            assert page.locator("#description").input_value() == "Ułamki zwykłe"  # kept after the failed POST
            assert_accessible(page, "column entry form with an error")
            tab_to(page, ".error-summary a")
            page.keyboard.press("Enter")
            focused = page.evaluate("document.activeElement.id")
            assert page.get_by_label("Czerwińska Ewa").get_attribute("id") == focused
            page.keyboard.press("Control+A")
            page.keyboard.type("4")
            press_and_load(page)

            assert page.get_by_role("heading", level=1).inner_text() == "matematyka – klasa 1a"
            assert "Zapisano oceny: 4." in page.locator(".notices").inner_text()
            rows = page.locator("table.gradebook tbody tr")
            first = rows.nth(0).inner_text()
            assert "Bąk Adam" in first and "5+" in first and "5,50" in first
            assert "np" in rows.nth(2).inner_text() and "–" in rows.nth(2).inner_text()
            assert "3-" in rows.nth(3).inner_text() and "2,75" in rows.nth(3).inner_text()
            assert_accessible(page, "gradebook with grades")

            tab_to(page, 'th[scope=row] a')
            press_and_load(page)
            assert page.get_by_role("heading", level=1).inner_text() == "Oceny: Adam Bąk"
            assert_accessible(page, "pupil's grades card")
        finally:
            browser.close()
