"""Admitting a pupil in a real browser, with the keyboard only: Debian's chromium driven by Playwright
against `zszo node serve` on 127.0.0.1, and an axe WCAG 2.1 AA check of every page on the way."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.test_node_register import CHROMIUM_ARGS, assert_accessible, chromium_path
from tests.browser.test_node_register import server as server  # noqa: F401 - the seeded node process fixture
from tests.node.web_factories import PASSWORD, make_pesel

pytestmark = pytest.mark.browser


def tab_to(page, matches: str, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the focused element matches the CSS selector ``matches`` (fails if it never does)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement && document.activeElement.matches(sel)", matches):
            return
    raise AssertionError(f"{matches} cannot be reached with the Tab key")


def type_into(page, field_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Tab to a field and type ``text`` (for a select: its type-ahead picks the option)."""
    tab_to(page, f"#{field_id}")
    page.keyboard.type(text)


def type_date(page, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    """Type a date into the focused date field segment by segment, as a keyboard user does.

    The order of the segments depends on the browser's own locale, so a probe date finds it first.
    """
    page.keyboard.type("01022003")
    month_first = page.evaluate("document.activeElement.value") == "2003-01-02"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")  # back to the first segment
    first, second = (day.month, day.day) if month_first else (day.day, day.month)
    page.keyboard.type(f"{first:02d}{second:02d}{day.year:04d}")
    assert page.evaluate("document.activeElement.value") == day.isoformat()


def press_and_load(page, key: str = "Enter") -> None:  # type: ignore[no-untyped-def]
    """Press ``key`` on the focused element and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)


def login_by_keyboard(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    """Log in without the mouse."""
    page.goto(url + "/login")
    type_into(page, "username", username)
    type_into(page, "password", PASSWORD)
    press_and_load(page)


def test_secretary_admits_a_pupil_with_the_keyboard_only(server):  # noqa: F811
    from playwright.sync_api import sync_playwright

    birth = dt.date(2019, 6, 1)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="pl-PL")
            login_by_keyboard(page, server, "sekretariat")
            assert page.url == server + "/pupils"
            tab_to(page, 'a[href="/register/admit"]')
            press_and_load(page)
            assert page.get_by_role("heading", level=1).inner_text() == "Przyjmij ucznia do szkoły"
            assert_accessible(page, "admission form")

            type_into(page, "first_name", "Zoë")
            type_into(page, "last_name", "Ćwik-O'Connor")
            tab_to(page, "#birth_date")
            type_date(page, birth)
            type_into(page, "sex", "Kobieta")
            type_into(page, "pesel", make_pesel(birth, "F", 733))
            type_into(page, "admission_reason", "Rekrutacja")
            type_into(page, "admission_decision", "15/2026")
            tab_to(page, 'main button[type="submit"]')
            press_and_load(page)  # the class is still missing

            assert page.title().startswith("Błąd: Przyjmij ucznia do szkoły")
            summary = page.locator(".error-summary")
            assert summary.get_by_role("link").all_inner_texts() == ["Oddział: wybierz jedną z dostępnych opcji"]
            assert page.get_by_label("Imię", exact=True).input_value() == "Zoë"  # kept after the failed POST
            assert_accessible(page, "admission form with errors")
            tab_to(page, ".error-summary a")
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "class_id"  # the summary leads to the field
            page.keyboard.type("1a")
            assert page.locator("#class_id option:checked").inner_text() == "1a"
            tab_to(page, 'main button[type="submit"]')
            press_and_load(page)

            assert page.get_by_role("heading", level=1).inner_text() == "Zoë Ćwik-O'Connor"
            assert ("Uczeń został przyjęty do szkoły i wpisany do księgi uczniów pod numerem 1."
                    in page.locator(".notices").inner_text())
            assert "15/2026" in page.locator("#register ~ .table-wrap").inner_text()
            assert_accessible(page, "pupil card after admission")

            page.goto(server + "/register")
            assert "Ćwik-O'Connor Zoë" in page.locator("table").inner_text()
            assert_accessible(page, "register book")
            page.goto(server + "/register/promotion")
            assert_accessible(page, "promotion preview")
        finally:
            browser.close()
