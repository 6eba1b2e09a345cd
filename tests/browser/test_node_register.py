"""The node web app in a real browser: Debian's chromium driven by Playwright against the real
server process (``zszo node serve``) on 127.0.0.1, with axe WCAG 2.1 AA checks of key pages."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.node.web_factories import PASSWORD, make_pesel, make_template

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A seeded node serving on a free port, started as its own process; stopped afterwards."""
    chromium_path()  # skip before starting anything when there is no browser
    data_dir = tmp_path / "node"
    data_dir.mkdir()
    make_template(data_dir / "node.sqlite", dt.date.today())
    port = free_port()
    env = {
        **os.environ,
        "ZSZO_NODE_PATHS_DATA_DIR": str(data_dir),
        "ZSZO_NODE_WEB_PORT": str(port),
        "ZSZO_NODE_WEB_HOST": "127.0.0.1",
        "ZSZO_NODE_WEB_REQUIRE_TOTP": "false",
        "ZSZO_NODE_SYNC_ENABLED": "false",
        "ZSZO_NODE_WEB_THREADS": "4",
    }
    env.pop("ZSZO_NODE_CONFIG", None)
    log_path = tmp_path / "node.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "zszo", "node", "serve", "--no-scheduler"],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/login", timeout=2) as response:  # noqa: S310 - http on loopback
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the node did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def assert_accessible(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


def test_secretary_adds_a_pupil_and_fixes_a_bad_pesel(server):
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    birth = dt.date(2018, 5, 17)
    pesel = make_pesel(birth, "F", 321)
    bad_pesel = pesel[:10] + str((int(pesel[10]) + 1) % 10)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="pl-PL")
            page.goto(server + "/pupils")
            assert page.url.startswith(server + "/login")
            assert page.title().startswith("Zaloguj się")
            assert_accessible(page, "login page")
            page.get_by_label("Nazwa użytkownika").fill("sekretariat")
            page.get_by_label("Hasło").fill(PASSWORD)
            page.get_by_role("button", name="Zaloguj się").click()
            page.wait_for_url(server + "/pupils")
            assert page.get_by_role("heading", level=1).inner_text() == "Księga uczniów"
            assert_accessible(page, "pupil list")

            page.get_by_role("link", name="Dodaj ucznia").click()
            page.get_by_label("Imię", exact=True).fill("Zoë")
            page.get_by_label("Nazwisko", exact=True).fill("O'Brien-Łęcka")
            page.get_by_label("Data urodzenia").fill(birth.isoformat())
            page.get_by_label("Płeć").select_option("F")
            page.get_by_label("Numer PESEL").fill(bad_pesel)
            page.get_by_role("button", name="Zapisz").click()

            assert page.title().startswith("Błąd: Dodaj ucznia")
            summary = page.locator(".error-summary")
            assert summary.get_by_role("heading").inner_text() == "Wystąpił problem"
            message = "PESEL: błędna cyfra kontrolna (pomyłka przy wpisywaniu?)"
            assert summary.get_by_role("link").all_inner_texts() == [message]
            assert " ".join(page.locator("#pesel-error").text_content().split()) == f"Błąd: {message}"
            assert page.get_by_label("Imię", exact=True).input_value() == "Zoë"  # kept after the failed POST
            assert_accessible(page, "pupil form with errors")
            summary.get_by_role("link", name=message).click()
            assert page.evaluate("document.activeElement.id") == "pesel"  # the link takes you to the field

            page.get_by_label("Numer PESEL").fill(pesel)
            page.get_by_role("button", name="Zapisz").click()
            assert page.get_by_role("heading", level=1).inner_text() == "Zoë O'Brien-Łęcka"
            assert "Uczeń został wpisany do księgi uczniów." in page.locator(".notices").inner_text()
            assert pesel in page.locator("#identity ~ .summary-list").inner_text()
            assert_accessible(page, "pupil card")
        finally:
            browser.close()
