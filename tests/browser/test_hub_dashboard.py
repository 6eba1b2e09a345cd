"""The hub's web app in a real browser: a real `zszo hub serve` process on 127.0.0.1 receiving a
school's data over HTTP, Debian's chromium driven by Playwright, and axe WCAG 2.1 AA checks of
the login page, the dashboard, the pupils table, the sync status, the school server pages, an
institution form with errors and the page showing a new enrolment code."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_node_register import CHROMIUM_ARGS, assert_accessible, chromium_path
from tests.hub.web_factories import SP1, fill_school
from tests.integration.harness import PASSWORD, Service, free_port, get_json, run, services, wait_until
from tests.sync.helpers import make_node

pytestmark = pytest.mark.browser


@pytest.fixture
def hub_url(tmp_path: Path) -> Iterator[str]:
    """A hub made with `zszo hub init`, serving with TOTP off, holding SP 1's merged data."""
    chromium_path()  # skip before starting anything when there is no browser
    hub_dir, port = tmp_path / "hub", free_port()
    config = hub_dir / "hub.toml"
    run(["hub", "-c", str(config), "init", "--data-dir", str(hub_dir), "--port", str(port),
         "--admin-password", PASSWORD])
    run(["hub", "-c", str(config), "institution", "--rspo", SP1.rspo, "--name", SP1.name, "--kind", SP1.kind,
         "--district", SP1.district])
    token = run(["hub", "-c", str(config), "enrolment-token", "--rspo", SP1.rspo]).stdout.strip()
    env = {**os.environ, "ZSZO_HUB_WEB_REQUIRE_TOTP": "false", "ZSZO_HUB_WEB_THREADS": "4"}
    env.pop("ZSZO_HUB_CONFIG", None)
    hub = Service("hub", ["hub", "-c", str(config), "serve"], port, tmp_path / "hub.log", env=env)
    with services(hub):
        hub.start()
        node = make_node(tmp_path / "node", rspo=SP1.rspo, name=SP1.name, hub_url=hub.url)
        try:
            fill_school(node, SP1, serial_base=0)
            node.enrol(hub.url, token)
            assert node.sync().ok
        finally:
            node.close()

        def merged() -> bool:
            health = get_json(hub.url + "/healthz")
            return health["inbox_through"] > 0 and health["merged_through"] == health["inbox_through"]

        wait_until(merged, what="the merger to catch up")
        yield hub.url


def test_city_office_reads_the_dashboard_and_the_school_servers(hub_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="pl-PL")
            page.goto(hub_url + "/dashboard?day=2026-10-01")
            assert page.url.startswith(hub_url + "/login")
            assert page.title() == "Zaloguj się – ZSZO – Wydział Edukacji"
            assert_accessible(page, "login page")
            page.get_by_label("Nazwa użytkownika").fill("admin")
            page.get_by_label("Hasło").fill(PASSWORD)
            page.get_by_role("button", name="Zaloguj się").click()
            page.wait_for_url(hub_url + "/dashboard?day=2026-10-01")
            assert page.get_by_role("heading", level=1).inner_text() == "Pulpit"
            assert page.locator("#total-pupils").inner_text() == "9"  # 3 + 2 + 4 (one pupil left on 30 Sept)
            assert_accessible(page, "dashboard")

            page.get_by_role("navigation", name="Strony pulpitu").get_by_role(
                "link", name="Uczniowie według szkół i poziomów").click()
            table = page.get_by_role("table", name="Uczniowie zapisani na dzień 01.10.2026 według szkół i poziomów")
            assert table.get_by_role("row").last.inner_text().split() == ["Razem", "5", "4", "9"]
            assert_accessible(page, "pupils per school and level")
            page.get_by_label("Typ szkoły").select_option("secondary")  # the GET form works without JavaScript
            page.get_by_role("button", name="Pokaż").click()
            assert page.get_by_text("Żadna szkoła nie spełnia wybranych warunków.").is_visible()

            page.get_by_role("link", name="Stan synchronizacji").first.click()
            assert page.get_by_role("heading", level=1).inner_text() == "Stan synchronizacji"
            assert_accessible(page, "sync status")

            page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Serwery szkół").click()
            assert page.get_by_role("heading", level=1).inner_text() == "Serwery szkół"
            assert_accessible(page, "school servers")
            page.get_by_role("link", name=SP1.name).click()
            assert page.get_by_role("heading", level=1).inner_text() == f"Serwer szkolny: {SP1.name}"
            assert page.get_by_role("link", name="Odwołaj klucz").is_visible()
            assert_accessible(page, "school server")

            page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Placówki").click()
            page.get_by_role("link", name="Dodaj placówkę").click()
            page.get_by_label("Numer RSPO").fill("12a")
            page.get_by_label("Typ placówki").select_option("preschool")
            page.get_by_role("button", name="Zapisz").click()
            assert page.title().startswith("Błąd: Dodaj placówkę")
            assert page.locator(".error-summary").get_by_role("link").all_inner_texts() == [
                "Numer RSPO składa się wyłącznie z cyfr (od 1 do 10), np. 123456", "Wpisz nazwę placówki"]
            assert_accessible(page, "institution form with errors")
            page.get_by_label("Numer RSPO").fill("100404")
            page.get_by_label("Pełna nazwa placówki").fill("Przedszkole nr 4 „Żółty Żuraw”")
            page.get_by_role("button", name="Zapisz").click()
            assert page.get_by_role("heading", level=1).inner_text() == "Przedszkole nr 4 „Żółty Żuraw”"
            page.get_by_role("button", name="Wydaj kod rejestracyjny").click()
            assert page.locator(".token").inner_text().startswith("zszo-100404-")
            assert f"zszo node enrol --hub-url {hub_url} --token zszo-100404-" in page.locator("pre").inner_text()
            assert_accessible(page, "enrolment code issued")
        finally:
            browser.close()
