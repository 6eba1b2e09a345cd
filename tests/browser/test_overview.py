"""The class tutor opens the class at a glance and a pupil's card with the keyboard only, in Debian's
chromium driven by Playwright against `zszo node serve` on 127.0.0.1, and both pages pass axe's
WCAG 2.1 AA checks (the data: tests/overview/factories.py, three October Mondays of class 1a)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from node_agent.db import Database
from node_agent.register.models import ClassUnit, Pupil
from node_agent.staff.models import StaffMember
from tests.browser.test_admission import login_by_keyboard, press_and_load, tab_to
from tests.browser.test_node_register import CHROMIUM_ARGS, assert_accessible, chromium_path
from tests.browser.test_node_register import server as server  # noqa: F401 - the seeded node process fixture
from tests.grades.factories import add_grades_seed
from tests.node.web_factories import Seed, school_year_dates
from tests.overview.factories import OverviewSeed, add_overview_seed

pytestmark = pytest.mark.browser


@pytest.fixture
def overview_server(server: str, tmp_path: Path) -> Iterator[tuple[str, str, OverviewSeed]]:  # noqa: F811
    """The seeded node with the overview tests' lessons and grades written into its running database."""
    db = Database(tmp_path / "node" / "node.sqlite")
    today = dt.date.today()
    try:
        with db.transaction() as session:
            staff = {m.first_name.lower(): m.id for m in session.scalars(select(StaffMember))}
            classes = {c.name: c.id for c in session.scalars(select(ClassUnit))}
            zofia = session.scalar(select(Pupil.id).where(Pupil.first_name == "Zofia"))
            seed = Seed("", classes, staff, {}, {"zofia": zofia}, "", "")
            grades = add_grades_seed(session, seed, school_year_dates(today)[1])
            written = add_overview_seed(session, seed, grades, today)
    finally:
        db.dispose()
    yield server, classes["1a"], written


def test_tutor_opens_the_class_and_a_pupil_card_with_the_keyboard(overview_server) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    url, class_id, written = overview_server
    month = written.days[0].strftime("%Y-%m")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="pl-PL")
            login_by_keyboard(page, url, "nauczyciel")
            tab_to(page, 'a[href="/grades"]')
            press_and_load(page)
            tab_to(page, f'a[href="/overview/class/{class_id}"]')
            press_and_load(page)
            assert page.get_by_role("heading", level=1).inner_text() == "Klasa 1a w skrócie"
            # the month of the lessons, chosen with the keyboard in the month field
            tab_to(page, "#month")
            page.fill("#month", month)
            tab_to(page, "form.inline-form button")
            press_and_load(page)
            assert page.url.endswith(f"month={month}")
            row = page.locator("table.glance tbody tr", has_text="Bąk Adam")
            assert row.locator("td").all_inner_texts()[:2] == ["20,0%", "4"]
            assert "nieusprawiedliwiona nieobecność w 2 z 3 dni zajęć" in row.inner_text()
            assert_accessible(page, "class at a glance")

            tab_to(page, f'a[href^="/overview/pupil/{written.pupils["adam"]}"]')
            press_and_load(page)
            assert page.get_by_role("heading", level=1).inner_text() == "Karta ucznia: Adam Bąk"
            assert_accessible(page, "pupil card")
            tab_to(page, 'a[href="#attendance"]')
            page.keyboard.press("Enter")
            assert page.url.endswith("#attendance")
            october = page.locator("tr", has=page.locator(f'th:text-is("{written.days[0]:%m.%Y}")'))
            assert october.locator("td").all_inner_texts()[:2] == ["1", "4"]  # ob 1, nb 4
        finally:
            browser.close()
