"""A pupil added in a school's browser UI reaches the city dashboard: real processes, real browser.

The foundation's promise end to end: a `zszo hub serve` process and a `zszo node serve` process on
127.0.0.1, Debian's chromium driving both web apps. First with the scheduler off, the pupil shows
on the dashboard only after `zszo node sync`; then with the scheduler on, a second pupil shows by
itself within the incremental sync interval — nobody runs a command.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import node_agent.config
from node_agent.school import operations as school_ops
from protocol import pesel
from tests.browser.test_node_register import CHROMIUM_ARGS, chromium_path
from tests.integration.harness import PASSWORD, Service, free_port, get_json, run, services, wait_until
from tests.sync.helpers import make_node

pytestmark = [pytest.mark.integration, pytest.mark.browser]

RSPO, NAME = "100777", "Szkoła Podstawowa nr 77 im. Ireny Sendlerowej w Radomiu"
INTERVAL = 4  # seconds between the node's incremental syncs in the second half


def _school_year(today: dt.date) -> tuple[str, dt.date, dt.date]:
    first = today.year if today.month >= 9 else today.year - 1
    return f"{first}/{first + 1}", dt.date(first, 9, 1), dt.date(first + 1, 8, 31)


@dataclass
class City:
    hub: Service
    node_env: dict[str, str]
    node_config: Path
    tmp: Path

    def node(self, *, scheduler: bool) -> Service:
        """A `zszo node serve` process (not started)."""
        env = {**self.node_env, "ZSZO_NODE_SYNC_ENABLED": "true" if scheduler else "false",
               "ZSZO_NODE_WEB_PORT": str(free_port())}
        args = ["node", "serve"] + ([] if scheduler else ["--no-scheduler"])
        return Service("node", args, int(env["ZSZO_NODE_WEB_PORT"]), self.tmp / "node.log", env=env)


@pytest.fixture
def city(tmp_path: Path) -> Iterator[City]:
    """A hub serving (merging every second) and an enrolled node with one class and a secretary."""
    chromium_path()  # skip before starting anything when there is no browser
    hub_dir, port = tmp_path / "hub", free_port()
    config = hub_dir / "hub.toml"
    run(["hub", "-c", str(config), "init", "--data-dir", str(hub_dir), "--port", str(port),
         "--admin-password", PASSWORD])
    run(["hub", "-c", str(config), "institution", "--rspo", RSPO, "--name", NAME, "--kind", "primary",
         "--district", "Śródmieście"])
    token = run(["hub", "-c", str(config), "enrolment-token", "--rspo", RSPO]).stdout.strip()
    hub_env = {**os.environ, "ZSZO_HUB_WEB_REQUIRE_TOTP": "false", "ZSZO_HUB_MERGE_INTERVAL_SECONDS": "1"}
    hub_env.pop("ZSZO_HUB_CONFIG", None)
    hub = Service("hub", ["hub", "-c", str(config), "serve"], port, tmp_path / "hub.log", env=hub_env)
    with services(hub):
        hub.start()
        node = make_node(tmp_path / "node", rspo=RSPO, name=NAME, hub_url=hub.url)
        label, starts, ends = _school_year(dt.date.today())
        try:
            with node.db.transaction() as session:
                year = school_ops.save_school_year(session, {"label": label, "starts_on": starts, "ends_on": ends})
                school_ops.save_class(session, {"school_year_id": year.id, "level": 1, "letter": "a"})
            node.enrol(hub.url, token)
            assert node.sync().ok
        finally:
            node.close()
        node_env = {**os.environ, "ZSZO_NODE_PATHS_DATA_DIR": str(tmp_path / "node"),
                    "ZSZO_NODE_SYNC_HUB_URL": hub.url, "ZSZO_NODE_WEB_HOST": "127.0.0.1",
                    "ZSZO_NODE_WEB_REQUIRE_TOTP": "false", "ZSZO_NODE_SYNC_INTERVAL_SECONDS": str(INTERVAL),
                    "ZSZO_NODE_SYNC_NIGHTLY_JITTER_MINUTES": "0"}
        node_env.pop("ZSZO_NODE_CONFIG", None)
        run(["node", "user", "add", "--username", "sekretariat", "--name", "Halina Sekretarska",
             "--role", "secretary", "--password", PASSWORD], env=node_env)
        yield City(hub, node_env, config, tmp_path)


def _add_pupil(page, node_url: str, first: str, last: str, serial: int) -> None:
    """What a secretary does: add the pupil, then put them in class 1a."""
    birth = dt.date(dt.date.today().year - 7, 3, 14)
    page.goto(node_url + "/pupils/new")
    page.get_by_label("Imię", exact=True).fill(first)
    page.get_by_label("Nazwisko", exact=True).fill(last)
    page.get_by_label("Data urodzenia").fill(birth.isoformat())
    page.get_by_label("Płeć").select_option("F")
    page.get_by_label("Numer PESEL").fill(pesel.generate(birth, "F", serial))
    page.get_by_role("button", name="Zapisz").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"{first} {last}"
    page.get_by_role("link", name="Przypisz do oddziału").click()
    page.get_by_label("Oddział").select_option(label="1a")
    page.get_by_role("button", name="Zapisz").click()
    assert "1a" in page.locator(".notices").inner_text()


def _login(page, url: str, username: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Nazwa użytkownika").fill(username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_load_state()


def _dashboard_pupils(page, hub_url: str) -> int:
    """Pupils enrolled today city-wide, as the city office's dashboard shows them."""
    page.goto(hub_url + "/dashboard")
    return int(page.locator("#total-pupils").inner_text().replace("\xa0", "").replace(" ", ""))


def _last_sending_trigger(city: City) -> str:
    """What started the node's latest sync run that sent anything."""
    database = node_agent.config.load(overrides={"paths.data_dir": city.tmp / "node"})["paths.database"]
    with contextlib.closing(sqlite3.connect(database)) as con:
        return con.execute("SELECT trigger FROM sync_run WHERE sent_changes > 0 ORDER BY id DESC LIMIT 1").fetchone()[0]


def _merged(hub_url: str) -> bool:
    health = get_json(hub_url + "/healthz")
    return health["merged_through"] == health["inbox_through"]


def test_a_pupil_added_in_the_browser_reaches_the_dashboard_by_command_and_by_itself(city: City):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            office, school = browser.new_page(locale="pl-PL"), browser.new_page(locale="pl-PL")
            _login(office, city.hub.url, "admin")
            wait_until(lambda: _merged(city.hub.url), what="the initial merge")
            assert _dashboard_pupils(office, city.hub.url) == 0

            # 1. Scheduler off: the pupil waits on the node until someone runs `zszo node sync`.
            node = city.node(scheduler=False)
            with services(node):
                node.start(ready_path="/login")
                _login(school, node.url, "sekretariat")
                _add_pupil(school, node.url, "Zoë", "Żółkiewska-O'Neil", 11)
                assert _dashboard_pupils(office, city.hub.url) == 0  # nothing has left the school yet
                result = run(["node", "sync"], env=city.node_env)
                assert re.fullmatch(r"sent [1-9]\d* changes in 1 batches, received \d+ messages, 0 changes waiting",
                                    result.stdout.strip()), result.stdout
                wait_until(lambda: _merged(city.hub.url) and _dashboard_pupils(office, city.hub.url) == 1,
                           timeout=60, what="the pupil on the dashboard after `zszo node sync`")

            # 2. Scheduler on: nobody runs anything; the incremental sync carries the next pupil.
            node = city.node(scheduler=True)
            with services(node):
                node.start(ready_path="/login")
                _login(school, node.url, "sekretariat")
                _add_pupil(school, node.url, "Józef", "Łęcki", 12)
                # The interval plus the merger's second, with generous slack for a loaded CI machine.
                wait_until(lambda: _dashboard_pupils(office, city.hub.url) == 2, timeout=INTERVAL + 60,
                           interval=1, what="the second pupil on the dashboard without a manual sync")
            assert _last_sending_trigger(city) == "interval"  # the scheduler carried it, not a command
        finally:
            browser.close()
