"""The parents' recruitment portal in a real browser: a real `zszo hub serve` process, Debian's
chromium driven by Playwright on a phone-sized screen with JavaScript switched off (the whole
application is made without it), then axe WCAG 2.1 AA checks of the same pages with a second,
ordinary browser context, and a check that nothing needs scrolling sideways on the phone."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub import config as hub_config
from hub.db import Database
from protocol import pesel
from tests.browser.test_node_register import CHROMIUM_ARGS, assert_accessible, chromium_path
from tests.integration.harness import PASSWORD, Service, free_port, run, services
from tests.recruitment.app_factories import city_today, make_campaign, preschool_criteria

pytestmark = pytest.mark.browser

P1 = ("300501", "Przedszkole Miejskie nr 1 „Słoneczko”")
P2 = ("300502", "Przedszkole Miejskie nr 2 „Żabka”")
PHONE = {"width": 390, "height": 844}
EMAIL, PARENT_PASSWORD = "mama.zolw@example.pl", "haslo-rodzica-1"
CAMPAIGN = "Przedszkola – rekrutacja"


@pytest.fixture
def hub_url(tmp_path: Path) -> Iterator[str]:
    """A hub made with `zszo hub init`, two preschools and a preschool campaign taking applications."""
    chromium_path()  # skip before starting anything when there is no browser
    hub_dir, port = tmp_path / "hub", free_port()
    config = hub_dir / "hub.toml"
    run(["hub", "-c", str(config), "init", "--data-dir", str(hub_dir), "--port", str(port),
         "--admin-password", PASSWORD])
    for rspo, name in (P1, P2):
        run(["hub", "-c", str(config), "institution", "--rspo", rspo, "--name", name, "--kind", "preschool"])
    database = Database(hub_config.load(config)["paths.database"])
    try:
        with database.transaction() as session:
            make_campaign(session, "preschool", name=CAMPAIGN, classes=(
                (P1[0], "Grupa 3-latków „Biedronki”", 20, None, None, False),
                (P2[0], "Grupa 3-latków „Pszczółki”", 20, None, None, False)))
            preschool_criteria(session, city_today().replace(year=city_today().year - 1))
    finally:
        database.dispose()
    env = {**os.environ, "ZSZO_HUB_WEB_REQUIRE_TOTP": "false", "ZSZO_HUB_WEB_THREADS": "4",
           "ZSZO_HUB_MERGE_ENABLED": "false"}
    env.pop("ZSZO_HUB_CONFIG", None)
    hub = Service("hub", ["hub", "-c", str(config), "serve"], port, tmp_path / "hub.log", env=env)
    with services(hub):
        hub.start()
        yield hub.url


def test_a_parent_applies_on_a_phone_without_javascript(hub_url):
    from playwright.sync_api import expect, sync_playwright

    born = dt.date(city_today().year - 2, 5, 17)  # three in the calendar year the school year starts
    good_pesel = pesel.generate(born, "F", 42)
    bad_pesel = good_pesel[:10] + str((int(good_pesel[10]) + 1) % 10)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            phone = browser.new_context(locale="pl-PL", viewport=PHONE, java_script_enabled=False)
            page = phone.new_page()
            page.goto(hub_url + "/portal")
            expect(page.get_by_text("Kolejność składania wniosków nie ma znaczenia.")).to_be_visible()
            page.get_by_role("main").get_by_role("link", name="Załóż konto").click()
            page.get_by_label("Adres e-mail").fill(EMAIL)
            page.get_by_label("Hasło", exact=True).fill(PARENT_PASSWORD)
            page.get_by_label("Powtórz hasło").fill(PARENT_PASSWORD)
            page.get_by_role("button", name="Załóż konto").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Moje wnioski")
            page.get_by_role("link", name=f"Złóż wniosek: {CAMPAIGN}").click()

            page.get_by_label("Imię", exact=True).fill("Łucja")
            page.get_by_label("Nazwisko", exact=True).fill("Żółw-O'Neill")
            page.get_by_label("PESEL").fill(bad_pesel)
            page.get_by_label("Ulica i numer").fill("ul. Źródlana 7/2")
            page.get_by_label("Kod pocztowy").fill("26-600")
            page.get_by_label("Miejscowość").fill("Radom")
            page.get_by_label("Imię rodzica").fill("Małgorzata")
            page.get_by_label("Nazwisko rodzica").fill("Żółw")
            page.get_by_label("Telefon").fill("600 100 200")
            page.get_by_role("button", name="Zapisz i przejdź dalej").click()
            expect(page).to_have_title(re.compile(r"^Błąd: Dane dziecka"))
            expect(page.locator(".error-summary").get_by_role("link")).to_have_text(
                ["PESEL: błędna cyfra kontrolna (pomyłka przy wpisywaniu?)"])
            assert page.get_by_label("Nazwisko", exact=True).input_value() == "Żółw-O'Neill"  # kept
            page.get_by_label("PESEL").fill(good_pesel)
            page.get_by_role("button", name="Zapisz i przejdź dalej").click()

            expect(page.get_by_role("heading", level=1)).to_have_text("Klasy w kolejności preferencji")
            page.get_by_label("Wybór 1 (najbardziej preferowany)").select_option(
                label=f"Grupa 3-latków „Pszczółki” ({P2[1]})")
            page.get_by_label("Wybór 2", exact=True).select_option(label=f"Grupa 3-latków „Biedronki” ({P1[1]})")
            page.get_by_role("button", name="Zapisz preferencje").click()

            expect(page.get_by_role("heading", level=1)).to_have_text("Kryteria, które spełnia dziecko")
            page.get_by_label("Wielodzietność rodziny kandydata (troje i więcej dzieci)").check()
            page.get_by_label("Oboje rodzice pracują (20 pkt)").check()
            page.get_by_role("button", name="Zapisz kryteria").click()

            page.get_by_role("button", name="Złóż wniosek").click()
            summary = page.locator(".error-summary").get_by_role("link")
            expect(summary).to_have_text(["Oświadczenie: pole jest wymagane"])
            page.get_by_label("Oświadczam, że dane we wniosku są zgodne z prawdą.", exact=False).check()
            page.get_by_role("button", name="Złóż wniosek").click()
            expect(page.get_by_text("Złożony: czeka na weryfikację przez szkołę pierwszego wyboru")).to_be_visible()
            preferences = page.get_by_role("main").locator("ol").first.inner_text()
            assert preferences.index("Pszczółki") < preferences.index("Biedronki")
            application_url = page.url

            # The same pages with an ordinary browser: WCAG 2.1 AA, and nothing wider than the phone.
            checked = browser.new_context(locale="pl-PL", viewport=PHONE).new_page()
            checked.goto(hub_url + "/portal")
            assert_accessible(checked, "portal start page")
            checked.goto(hub_url + "/portal/login")
            assert_accessible(checked, "portal login")
            checked.get_by_label("Adres e-mail").fill(EMAIL)
            checked.get_by_label("Hasło").fill(PARENT_PASSWORD)
            checked.get_by_role("button", name="Zaloguj się").click()
            expect(checked.get_by_role("heading", level=1)).to_have_text("Moje wnioski")
            assert_accessible(checked, "my applications")
            checked.goto(application_url)
            assert_accessible(checked, "application status")
            assert checked.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            checked.goto(application_url + "/preferences")
            assert_accessible(checked, "preferences")
            checked.goto(hub_url + "/portal/applications")
            checked.get_by_role("link", name=f"Złóż wniosek: {CAMPAIGN}").click()
            checked.get_by_role("button", name="Zapisz i przejdź dalej").click()
            expect(checked).to_have_title(re.compile(r"^Błąd: Dane dziecka"))
            assert_accessible(checked, "child's details with errors")
            assert checked.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        finally:
            browser.close()
