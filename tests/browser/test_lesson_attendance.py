"""A teacher takes attendance and enters a topic with the keyboard only: Debian's chromium driven by
Playwright against `zszo node serve` on 127.0.0.1 (a seeded school with a class week), with an axe
WCAG 2.1 AA check of the teacher's pages on the way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.browser.test_node_register as node_register
from node_agent.db import Database
from tests.attendance.factories import Week, make_week
from tests.browser.test_admission import login_by_keyboard, press_and_load, tab_to
from tests.browser.test_node_register import CHROMIUM_ARGS, assert_accessible, chromium_path
from tests.browser.test_node_register import server as server  # noqa: F401 - the seeded node process fixture

pytestmark = pytest.mark.browser


@pytest.fixture
def week_server(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[tuple[str, Week]]:
    """The seeded node process of tests/browser/test_node_register.py, its database also holding the week."""
    made: dict[str, Any] = {}
    seed_school = node_register.make_template

    def seed_with_week(path: Path, today: dt.date):  # type: ignore[no-untyped-def]
        seeded = seed_school(path, today)
        database = Database(path)
        try:
            made["week"] = make_week(database, seeded, today)
        finally:
            database.dispose()
        return seeded

    monkeypatch.setattr(node_register, "make_template", seed_with_week)
    yield request.getfixturevalue("server"), made["week"]


def test_teacher_takes_attendance_and_enters_the_topic_with_the_keyboard_only(week_server) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    server, week = week_server
    day = week.monday.isoformat()
    absent_pupil = week.pupils_1a[1]  # Barbara Bąk
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="pl-PL")
            login_by_keyboard(page, server, "nauczyciel")
            page.goto(f"{server}/lessons?day={day}")
            assert page.get_by_role("heading", level=1).inner_text().startswith("Moje lekcje: poniedziałek")
            assert_accessible(page, "my lessons")

            tab_to(page, f'a[href="/lessons/{week.entries["1a-1"]}/{day}"]')
            press_and_load(page)
            assert page.get_by_role("heading", level=1).inner_text() == "matematyka, klasa 1a"
            assert_accessible(page, "lesson page")

            tab_to(page, "#topic")
            page.keyboard.type("Ułamki zwykłe – powtórzenie")
            # the pupil's radio group: Tab lands on the checked code (present), an arrow key moves to absent
            tab_to(page, f'input[name="code-{absent_pupil}"]')
            assert page.evaluate("document.activeElement.value") == "present"
            page.keyboard.press("ArrowRight")
            assert page.locator(f'input[name="code-{absent_pupil}"]:checked').get_attribute("value") == "absent"
            tab_to(page, 'main button[type="submit"].button:not(.button--secondary)')
            press_and_load(page)

            assert page.url == f"{server}/lessons?day={day}"
            assert "Lekcja została zapisana." in page.locator(".notices").inner_text()
            row = page.locator("tbody tr").first.inner_text()
            assert "Ułamki zwykłe – powtórzenie" in row and "sprawdzono" in row
            assert_accessible(page, "my lessons after saving")

            # the next lesson copies attendance from this one, again without the mouse
            tab_to(page, f'a[href="/lessons/{week.entries["1a-2"]}/{day}"]')
            press_and_load(page)
            tab_to(page, "main button.button--secondary")
            press_and_load(page)
            assert "Skopiowano obecności z lekcji 1." in page.locator("main").inner_text()
            assert page.locator(f'input[name="code-{absent_pupil}"]:checked').get_attribute("value") == "absent"
            assert_accessible(page, "lesson page with copied attendance")
            tab_to(page, 'main button[type="submit"].button:not(.button--secondary)')
            press_and_load(page)  # no topic: the error summary says so and leads to the field
            assert page.title().startswith("Błąd:")
            assert_accessible(page, "lesson page with errors")
            tab_to(page, ".error-summary a")
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "topic"
            page.keyboard.type("Ułamki – zadania")
            tab_to(page, 'main button[type="submit"].button:not(.button--secondary)')
            press_and_load(page)
            assert "Lekcja została zapisana." in page.locator(".notices").inner_text()


            # the tutor's pages: excuse Barbara's two absences, then the month's summary
            tab_to(page, 'a[href$="/excuses"]')
            press_and_load(page)
            assert_accessible(page, "excuses")
            for _ in range(2):
                tab_to(page, 'input[name="excuse"]:not(:checked)')
                page.keyboard.press("Space")
            tab_to(page, 'main button[type="submit"]')
            press_and_load(page)
            assert "Usprawiedliwiono: 2." in page.locator(".notices").inner_text()
            page.goto(page.url.replace("/excuses", f"/month?month={day[:7]}"))
            assert "Frekwencja całej klasy: 80.0%" in page.locator("main").inner_text()  # 8 of 10
            assert_accessible(page, "monthly attendance")
        finally:
            browser.close()
