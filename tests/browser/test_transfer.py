"""A transfer between two city schools in a real browser, keyboard only, with axe WCAG 2.1 AA checks.

School A's and school B's `zszo node serve` processes run on 127.0.0.1 on databases enrolled at a
real hub (in this process, on a waitress thread); syncs run between the steps as the scheduler would.
A's secretary sends a pupil; B's secretary first tries to reject without a reason, then accepts into
a class; A's card then says, in Polish, why the pupil can no longer be changed there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from node_agent.auth import operations as auth_ops
from node_agent.register import admission
from tests.browser.test_admission import login_by_keyboard, press_and_load, tab_to, type_into
from tests.browser.test_node_register import CHROMIUM_ARGS, assert_accessible, chromium_path, free_port
from tests.node.web_factories import PASSWORD
from tests.sync.conftest import hub_factory, node_factory  # noqa: F401
from tests.sync.helpers import NAME_A, NAME_B, RSPO_A, RSPO_B, SchoolNode, fill_register
from tests.transfers.conftest import City

pytestmark = pytest.mark.browser


def _serve(node: SchoolNode, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "ZSZO_NODE_PATHS_DATA_DIR": str(node.settings["paths.data_dir"]),
           "ZSZO_NODE_WEB_PORT": str(port), "ZSZO_NODE_WEB_HOST": "127.0.0.1", "ZSZO_NODE_WEB_REQUIRE_TOTP": "false",
           "ZSZO_NODE_SYNC_ENABLED": "false", "ZSZO_NODE_WEB_THREADS": "4"}
    env.pop("ZSZO_NODE_CONFIG", None)
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "zszo", "node", "serve", "--no-scheduler"], env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/login", timeout=2):  # noqa: S310 - http on loopback
                return process, url
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the node did not start:\n{log.read_text(errors='replace')}") from None
            time.sleep(0.2)


@pytest.fixture
def schools(hub_factory, node_factory, tmp_path: Path) -> Iterator[tuple[City, str, str]]:  # noqa: F811
    """Both schools enrolled and synced, each with a secretary, each serving its web app."""
    chromium_path()
    hub = hub_factory(warehouse=True)
    a = node_factory("a", rspo=RSPO_A, name=NAME_A, hub_url=hub.url)
    a.enrol(hub.url, hub.issue_token(RSPO_A))
    b = node_factory("b", rspo=RSPO_B, name=NAME_B, hub_url=hub.url)
    b.enrol(hub.url, hub.issue_token(RSPO_B))
    city = City(hub, a, b, fill_register(a, pupils=2, doc_only=0), fill_register(b, pupils=1, doc_only=0,
                                                                                   serial_base=100))
    for node, name in ((a, "Halina Sekretarska"), (b, "Bożena Sekretarz")):
        with node.db.transaction() as session:
            auth_ops.create_user(session, username="sekretariat", display_name=name, role="secretary",
                                 password=PASSWORD)
            admission.backfill(session)
    city.settle()
    processes = []
    try:
        process_a, url_a = _serve(a, tmp_path / "node-a.log")
        processes.append(process_a)
        process_b, url_b = _serve(b, tmp_path / "node-b.log")
        processes.append(process_b)
        yield city, url_a, url_b
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_a_transfer_with_the_keyboard_only(schools):
    from playwright.sync_api import sync_playwright

    city, url_a, url_b = schools
    pupil = city.reg_a.pupils[0]
    name = f"{pupil['first_name']} {pupil['last_name']}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            # School A sends the pupil.
            page_a = browser.new_page(locale="pl-PL")
            login_by_keyboard(page_a, url_a, "sekretariat")
            page_a.goto(f"{url_a}/pupils/{pupil['id']}")
            tab_to(page_a, f'a[href="/transfers/new/{pupil["id"]}"]')
            press_and_load(page_a)
            assert page_a.get_by_role("heading", level=1).inner_text() == (
                f"Przenieś do innej szkoły w mieście: {name}")
            assert_accessible(page_a, "start of a transfer")
            type_into(page_a, "to_rspo", "Szkoła Podstawowa nr 2")
            assert page_a.locator("#to_rspo").input_value() == RSPO_B
            tab_to(page_a, 'main button[type="submit"]')
            press_and_load(page_a)
            notices = page_a.locator(".notices").inner_text()
            assert f"Przeniesienie zostało wysłane do szkoły: {NAME_B}." in notices
            assert f"Trwa przenoszenie ucznia do szkoły {NAME_B}" in page_a.locator("main").inner_text()
            assert_accessible(page_a, "pupil card while the transfer waits")

            city.a.sync()
            city.hub.merge()
            city.b.sync()

            # School B's secretary opens the offer, tries to reject it without a reason, then accepts.
            page_b = browser.new_page(locale="pl-PL")
            login_by_keyboard(page_b, url_b, "sekretariat")
            page_b.goto(url_b + "/transfers")
            assert_accessible(page_b, "transfer list")
            tab_to(page_b, 'a[href^="/transfers/offers/"]')
            press_and_load(page_b)
            assert page_b.get_by_role("heading", level=1).inner_text() == f"Przeniesienie: {name}"
            assert "Oddziały w poprzednich szkołach" in page_b.locator("main").inner_text()
            assert_accessible(page_b, "offer with history")
            tab_to(page_b, 'form[action$="/reject"] button')
            press_and_load(page_b)
            summary = page_b.locator(".error-summary")
            assert summary.get_by_role("link").all_inner_texts() == ["Uzasadnienie decyzji: pole jest wymagane"]
            assert_accessible(page_b, "offer with an error")
            type_into(page_b, "class_id", "3a")
            assert page_b.locator("#class_id option:checked").inner_text().startswith("3a")
            tab_to(page_b, 'form[action$="/accept"] button')
            press_and_load(page_b)
            assert page_b.get_by_role("heading", level=1).inner_text() == name
            assert f"Historia z: {NAME_A} (tylko do odczytu)" in page_b.locator("main").inner_text()
            assert_accessible(page_b, "card of the admitted pupil")

            city.b.sync()
            city.hub.merge()
            city.a.sync()

            # School A keeps the history but can no longer change the pupil, and says why.
            page_a.reload()
            main = page_a.locator("main").inner_text()
            assert f"Tylko do odczytu: Uczeń został przeniesiony do szkoły {NAME_B}" in main
            assert page_a.get_by_role("link", name="Edytuj dane ucznia").count() == 0
            page_a.goto(f"{url_a}/pupils/{pupil['id']}/edit")
            assert page_a.get_by_role("heading", level=1).inner_text() == "Tu nie można zmienić danych tego ucznia"
            assert_accessible(page_a, "refused edit")
        finally:
            browser.close()
