"""A teacher adds a behaviour note and sets homework with the keyboard only, in Debian's chromium
driven by Playwright against `zszo node serve` on 127.0.0.1: an empty note is caught with a Polish
error summary and fixed from it; axe WCAG 2.1 AA checks of the notes and homework pages (forms with
and without errors, the lists) and of the announcement and message pages."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.test_admission import login_by_keyboard, press_and_load, tab_to, type_date, type_into
from tests.browser.test_gradebook import gradebook_server as gradebook_server  # noqa: F401 - fixture
from tests.browser.test_node_register import CHROMIUM_ARGS, assert_accessible, chromium_path
from tests.browser.test_node_register import server as server  # noqa: F401 - the seeded node process fixture

pytestmark = pytest.mark.browser


def test_teacher_adds_a_note_and_sets_homework_with_the_keyboard(gradebook_server) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    url, grades = gradebook_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="pl-PL")
            login_by_keyboard(page, url, "nauczyciel")
            tab_to(page, 'a[href="/notes"]')
            press_and_load(page)
            assert page.get_by_role("heading", level=1).inner_text() == "Uwagi"
            assert_accessible(page, "notes: classes")
            tab_to(page, 'a[href^="/notes/class/"]')  # 1a, the first of her classes
            press_and_load(page)
            assert page.get_by_role("heading", level=1).inner_text() == "Uwagi klasy 1a"
            tab_to(page, 'a[href$="/new"]')
            press_and_load(page)
            assert_accessible(page, "note form")

            type_into(page, "pupil_id", "Bąk")
            assert page.locator("#pupil_id option:checked").inner_text() == "Bąk Adam"
            type_into(page, "kind", "Uwaga p")
            assert page.locator("#kind option:checked").inner_text() == "Uwaga pozytywna"
            type_into(page, "category", "Akt")
            assert page.locator("#category option:checked").inner_text() == "Aktywność i zaangażowanie"
            tab_to(page, "button[type=submit]")  # the text is left empty on purpose
            press_and_load(page)

            assert page.title().startswith("Błąd: Dodaj uwagę w klasie 1a")
            assert page.locator(".error-summary").get_by_role("link").all_inner_texts() == [
                "Treść uwagi: pole jest wymagane"]
            assert page.locator("#pupil_id option:checked").inner_text() == "Bąk Adam"  # kept after the POST
            assert_accessible(page, "note form with an error")
            tab_to(page, ".error-summary a")
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "text"
            page.keyboard.type("Pomógł koledze z ławki w zadaniu z ułamków.")
            tab_to(page, "button[type=submit]")
            press_and_load(page)

            assert page.get_by_role("heading", level=1).inner_text() == "Uwagi klasy 1a"
            assert "Uwaga została zapisana." in page.locator(".notices").inner_text()
            row = page.locator("table tbody tr").nth(0).inner_text()
            assert "Bąk Adam" in row and "Uwaga pozytywna" in row and "Pomógł koledze" in row
            assert_accessible(page, "class notes")

            tab_to(page, 'a[href="/homework"]')
            press_and_load(page)
            assert_accessible(page, "homework list (empty)")
            tab_to(page, 'a[href="/homework/new"]')
            press_and_load(page)
            assert_accessible(page, "homework form")
            type_into(page, "assignment_id", "1a – m")
            assert page.locator("#assignment_id option:checked").inner_text() == "1a – matematyka"
            tab_to(page, "#due_on")
            type_date(page, dt.date.today() + dt.timedelta(days=2))
            type_into(page, "description", "Zadania 1–5 ze strony 42.")
            tab_to(page, "button[type=submit]")
            press_and_load(page)

            assert page.get_by_role("heading", level=1).inner_text() == "Zadania domowe"
            assert "Zadanie domowe zostało zapisane." in page.locator(".notices").inner_text()
            row = page.locator("table tbody tr").nth(0).inner_text()
            assert "matematyka" in row and "Zadania 1–5 ze strony 42." in row
            assert (dt.date.today() + dt.timedelta(days=2)).strftime("%d.%m.%Y") in row
            assert_accessible(page, "homework list")

            for path, name in (("/announcements", "announcements"), ("/messages", "inbox"),
                               ("/messages/new", "message form")):
                page.goto(url + path)
                assert_accessible(page, name)
            tab_to(page, "form[novalidate] button[type=submit]")  # not the header's log-out button
            press_and_load(page)  # nothing chosen or typed
            assert page.locator(".error-summary").get_by_role("link").all_inner_texts() == [
                "Adresaci: wybierz co najmniej jednego adresata", "Temat: pole jest wymagane",
                "Treść wiadomości: pole jest wymagane"]
            assert_accessible(page, "message form with errors")
        finally:
            browser.close()
