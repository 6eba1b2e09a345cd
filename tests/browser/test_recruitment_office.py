"""The recruitment pages used by schools, the city office and parents who lost their password, in a
real browser with the keyboard only: a real `zszo hub serve` process, Debian's chromium driven by
Playwright (Tab, typing, Space and Enter; no clicks), and an axe WCAG 2.1 AA check of every page on
the way, errors included: the school's exam-results import, the office's catchment areas (obwody)
with the town line, and the parents' "forgot your password" and "set a new password" pages."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub import config as hub_config
from hub.db import Database
from tests.browser.test_admission import press_and_load, tab_to, type_into
from tests.browser.test_node_register import CHROMIUM_ARGS, assert_accessible, chromium_path
from tests.integration.harness import PASSWORD, Service, free_port, run, services
from tests.recruitment.app_factories import LO1, LO2, make_campaign, make_parent, school_account
from tests.recruitment.app_factories import PASSWORD as SCHOOL_PASSWORD
from tests.recruitment.test_password_reset import _Relay
from tests.recruitment.test_password_reset import relay as relay  # noqa: F401 - the mail relay fixture

pytestmark = pytest.mark.browser

SP1 = ("400101", "Szkoła Podstawowa nr 1 im. Marii Skłodowskiej-Curie")
EMAIL, NEW_PASSWORD = "rodzic.zolw@example.pl", "nowe-haslo-rodzica-9"


@pytest.fixture
def hub_url(tmp_path: Path, relay: _Relay) -> Iterator[str]:
    """A hub made with `zszo hub init`: two secondary schools with a campaign, a primary school, a
    school account, a parent's account, and the mail relay double for the reset links."""
    chromium_path()  # skip before starting anything when there is no browser
    hub_dir, port = tmp_path / "hub", free_port()
    config = hub_dir / "hub.toml"
    run(["hub", "-c", str(config), "init", "--data-dir", str(hub_dir), "--port", str(port),
         "--admin-password", PASSWORD])
    for rspo, name, kind in ((LO1, "I Liceum Ogólnokształcące", "secondary"),
                             (LO2, "II Liceum Ogólnokształcące", "secondary"), (*SP1, "primary")):
        run(["hub", "-c", str(config), "institution", "--rspo", rspo, "--name", name, "--kind", kind])
    database = Database(hub_config.load(config)["paths.database"])
    try:
        with database.transaction() as session:
            make_campaign(session, "secondary")
            school_account(session, "lo1", LO1)
            make_parent(session, EMAIL)
    finally:
        database.dispose()
    env = {**os.environ, "ZSZO_HUB_WEB_REQUIRE_TOTP": "false", "ZSZO_HUB_WEB_THREADS": "4",
           "ZSZO_HUB_MERGE_ENABLED": "false", "ZSZO_HUB_MAIL_SMTP_HOST": "127.0.0.1",
           "ZSZO_HUB_MAIL_SMTP_PORT": str(relay.server_address[1]),
           "ZSZO_HUB_MAIL_SENDER": "rekrutacja@miasto.example"}
    env.pop("ZSZO_HUB_CONFIG", None)
    hub = Service("hub", ["hub", "-c", str(config), "serve"], port, tmp_path / "hub.log", env=env)
    with services(hub):
        hub.start()
        yield hub.url


def _login(page, url: str, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/login")
    type_into(page, "username", username)
    type_into(page, "password", password)
    press_and_load(page)


def test_school_imports_exam_results_and_office_sets_a_catchment_with_the_keyboard(hub_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    bad = tmp_path / "wyniki.csv"
    bad.write_text("pesel;exam_polish;exam_maths;exam_language\n12345678901;78;80;90\n", encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="pl-PL")
            _login(page, hub_url, "lo1", SCHOOL_PASSWORD)
            page.goto(hub_url + "/recruitment/school/exam-results")
            expect(page.get_by_role("heading", level=1)).to_have_text("Importuj wyniki egzaminu")
            assert_accessible(page, "exam results import")
            tab_to(page, "#file")
            with page.expect_file_chooser() as chooser:
                page.keyboard.press("Space")
            chooser.value.set_files(str(bad))
            tab_to(page, "button[type=submit]")
            press_and_load(page)
            expect(page.get_by_role("heading", level=2)).to_contain_text("Wiersze niezaimportowane (1)")
            expect(page.get_by_role("region", name="Wiersze niezaimportowane")).to_contain_text("PESEL")
            assert_accessible(page, "exam results import with rows not imported")

            office = browser.new_page(locale="pl-PL")
            _login(office, hub_url, "admin")
            office.goto(hub_url + "/recruitment/catchment")
            assert_accessible(office, "catchment areas")
            type_into(office, "rspo", "Szkoła Podstawowa nr 1")
            tab_to(office, "#streets")
            office.keyboard.type("Długa\nKrótka 1-25")  # no town line: refused, naming the line
            tab_to(office, "button[type=submit]")
            press_and_load(office)
            expect(office).to_have_title(re.compile(r"^Błąd: "))
            summary = office.locator(".error-summary").get_by_role("link")
            expect(summary).to_have_text([f"Ulice obwodu: wiersz {n}: nad ulicą wpisz jej miejscowość, w osobnym "
                                          "wierszu zakończonym dwukropkiem (np. „Radom:”)" for n in (1, 2)])
            assert_accessible(office, "catchment areas with an error")
            tab_to(office, ".error-summary a")
            office.keyboard.press("Enter")  # the summary's link takes the focus to the field
            assert office.evaluate("document.activeElement.id") == "streets"
            office.keyboard.press("Control+Home")
            office.keyboard.type("Radom:\n")
            tab_to(office, "button[type=submit]")
            press_and_load(office)
            expect(office.get_by_text("Obwód szkoły został zapisany.")).to_be_visible()
            expect(office.get_by_role("region", name="Obwody szkół")).to_contain_text("Radom:; Długa; Krótka 1-25")
            assert_accessible(office, "catchment areas saved")
        finally:
            browser.close()


def test_a_parent_resets_the_password_with_the_keyboard(hub_url, relay):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="pl-PL")
            page.goto(hub_url + "/portal/login")
            tab_to(page, "a[href$='/portal/password/forgot']")
            press_and_load(page)
            expect(page.get_by_role("heading", level=1)).to_have_text("Nie pamiętasz hasła?")
            assert_accessible(page, "forgot password")
            tab_to(page, "button[type=submit]")
            press_and_load(page)  # no address: refused
            expect(page).to_have_title(re.compile(r"^Błąd: "))
            assert_accessible(page, "forgot password with an error")
            type_into(page, "email", EMAIL)
            press_and_load(page)
            expect(page.get_by_text("Jeśli konto z tym adresem istnieje, wysłaliśmy na nie link")).to_be_visible()
            [message] = relay.messages
            path = re.search(r"http://[^/\s]+(/portal/password/reset/\S+)", message.get_content()).group(1)

            page.goto(hub_url + path)
            expect(page.get_by_role("heading", level=1)).to_have_text("Ustaw nowe hasło")
            assert_accessible(page, "set a new password")
            type_into(page, "password", "krótkie")
            type_into(page, "confirm_password", "krótkie")
            press_and_load(page)
            expect(page.locator(".error-summary")).to_contain_text("Hasło musi mieć co najmniej 10 znaków")
            assert_accessible(page, "set a new password with an error")
            type_into(page, "password", NEW_PASSWORD)
            type_into(page, "confirm_password", NEW_PASSWORD)
            press_and_load(page)
            assert page.url.startswith(hub_url + "/portal/login")
            type_into(page, "email", EMAIL)
            type_into(page, "password", NEW_PASSWORD)
            press_and_load(page)
            expect(page.get_by_role("heading", level=1)).to_have_text("Moje wnioski")
        finally:
            browser.close()
