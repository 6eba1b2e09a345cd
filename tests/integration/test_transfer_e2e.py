"""A pupil transferred between two city schools, end to end with real processes on 127.0.0.1.

One `zszo hub serve` and two `zszo node serve` processes (schools A and B), each with its own data
directory; syncs run as `zszo node sync` commands, the secretaries work through the nodes' web apps
over HTTP. A sends the pupil; the record arrives at B with its history; B's secretary accepts; A can
no longer change the pupil (its pages say why in Polish, and a write slipped past the web app is
refused at the hub); the warehouse shows one open class membership, B's.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from pathlib import Path

import duckdb
import pytest
import requests

from tests.integration.factories import fill_school
from tests.integration.harness import PASSWORD, Service, free_port, get_json, run, services, wait_until

pytestmark = pytest.mark.integration

SCHOOLS = {"a": ("100101", "Szkoła Podstawowa nr 1 im. Marii Skłodowskiej-Curie"),
           "b": ("100202", "Szkoła Podstawowa nr 2 im. Jana Kochanowskiego")}
TRANSFER_ON = "2026-11-02"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Office:
    """A secretary's browser session on one node's web app (plain HTTP, forms with their CSRF token)."""

    def __init__(self, url: str) -> None:
        self.url, self.http = url, requests.Session()

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.url + path, timeout=30, allow_redirects=False)

    def post(self, path: str, data: dict[str, str], token_from: str | None = None) -> requests.Response:
        page = self.get(token_from or path).text
        token = _TOKEN.search(page)
        assert token, f"no form on {token_from or path}"
        return self.http.post(self.url + path, data={"csrf_token": token.group(1), **data}, timeout=30,
                              allow_redirects=False)

    def login(self) -> None:
        assert self.post("/login", {"username": "admin", "password": PASSWORD}).status_code == 302


def _query(db: Path, sql: str, *params: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as con:
        return con.execute(sql, params).fetchall()


def test_a_pupil_moves_from_school_a_to_school_b(tmp_path):
    hub_dir, hub_port = tmp_path / "hub", free_port()
    hub_cfg = hub_dir / "hub.toml"
    run(["hub", "-c", str(hub_cfg), "init", "--data-dir", str(hub_dir), "--port", str(hub_port),
         "--admin-password", PASSWORD])
    tokens = {}
    for key, (rspo, name) in SCHOOLS.items():
        run(["hub", "-c", str(hub_cfg), "institution", "--rspo", rspo, "--name", name, "--kind", "primary"])
        tokens[key] = run(["hub", "-c", str(hub_cfg), "enrolment-token", "--rspo", rspo]).stdout.strip()
    hub_env = {**os.environ, "ZSZO_HUB_MERGE_INTERVAL_SECONDS": "1"}
    hub_env.pop("ZSZO_HUB_CONFIG", None)
    hub = Service("hub", ["hub", "-c", str(hub_cfg), "serve"], hub_port, tmp_path / "hub.log", env=hub_env)
    dbs, configs, nodes = {}, {}, {}
    with services(hub):
        hub.start()

        def merged() -> bool:
            health = get_json(hub.url + "/healthz")
            return health["merged_through"] == health["inbox_through"]

        def sync(key: str) -> None:
            run(["node", "-c", str(configs[key]), "sync"])
            wait_until(merged, what="the merger to catch up")

        for i, (key, (rspo, name)) in enumerate(SCHOOLS.items()):
            configs[key] = tmp_path / key / "node.toml"
            run(["node", "-c", str(configs[key]), "init", "--data-dir", str(tmp_path / key), "--rspo", rspo,
                 "--name", name, "--kind", "primary", "--admin-password", PASSWORD, "--hub-url", hub.url,
                 "--token", tokens[key]])
            dbs[key] = tmp_path / key / "node.sqlite"
            fill_school(dbs[key], pupils=4 + i, seed=i, serial_base=100 * i)
        for key in ("a", "b", "a", "b"):  # data up, then the city's school list down
            sync(key)
        assert {r[0] for r in _query(dbs["a"], "SELECT rspo FROM city_institution WHERE connected")} == {
            SCHOOLS["a"][0], SCHOOLS["b"][0]}
        pupil_id, first, last = _query(dbs["a"], "SELECT id, first_name, last_name FROM pupil ORDER BY id")[0]
        class_b = _query(dbs["b"], "SELECT id FROM class_unit WHERE letter = 'a'")[0][0]

        for key in SCHOOLS:
            port = free_port()
            env = {**os.environ, "ZSZO_NODE_WEB_PORT": str(port), "ZSZO_NODE_WEB_HOST": "127.0.0.1",
                   "ZSZO_NODE_WEB_REQUIRE_TOTP": "false"}
            env.pop("ZSZO_NODE_CONFIG", None)
            nodes[key] = Service(f"node-{key}", ["node", "-c", str(configs[key]), "serve", "--no-scheduler"], port,
                                 tmp_path / f"node-{key}.log", env=env)
        with services(*nodes.values()):
            for node in nodes.values():
                node.start(ready_path="/login")
            a, b = Office(nodes["a"].url), Office(nodes["b"].url)
            a.login()
            b.login()

            # School A sends the pupil.
            sent = a.post(f"/transfers/new/{pupil_id}", {"to_rspo": SCHOOLS["b"][0], "transfer_on": TRANSFER_ON})
            assert sent.status_code == 302, sent.text
            assert f"Trwa przenoszenie ucznia do szkoły {SCHOOLS['b'][1]}" in a.get(f"/pupils/{pupil_id}").text
            sync("a")

            # The record arrives at B with its history.
            def offered() -> list[tuple]:
                run(["node", "-c", str(configs["b"]), "sync"])
                return _query(dbs["b"], "SELECT id FROM incoming_transfer WHERE status = 'pending'")

            ((offer_id,),) = wait_until(offered, what="the offer at school B")
            page = b.get(f"/transfers/offers/{offer_id}").text
            assert f"{first} {last}" in page and SCHOOLS["a"][1] in page
            assert "Oddziały w poprzednich szkołach" in page and "2026/2027" in page

            # B's secretary accepts; A hears back.
            accepted = b.post(f"/transfers/offers/{offer_id}/accept", {"class_id": class_b},
                              token_from=f"/transfers/offers/{offer_id}")
            assert accepted.status_code == 302, accepted.text
            card = b.get(f"/pupils/{pupil_id}").text
            assert f"Historia z: {SCHOOLS['a'][1]} (tylko do odczytu)" in card
            sync("b")

            def decided() -> list[tuple]:
                run(["node", "-c", str(configs["a"]), "sync"])
                return _query(dbs["a"], "SELECT status FROM pupil_transfer WHERE status = 'accepted'")

            wait_until(decided, what="the acceptance at school A")

            # A can no longer edit: its pages say why, and its write is refused.
            edit = a.get(f"/pupils/{pupil_id}/edit")
            assert edit.status_code == 409
            assert "Tu nie można zmienić danych tego ucznia" in edit.text
            assert f"Uczeń został przeniesiony do szkoły {SCHOOLS['b'][1]} z dniem 02.11.2026" in edit.text
            refused = a.post(f"/pupils/{pupil_id}/edit", {"first_name": "Inne", "last_name": last,
                                                          "birth_date": "2018-01-01", "sex": "F"},
                             token_from="/pupils")
            assert refused.status_code == 409
            assert "Tylko do odczytu:" in a.get(f"/pupils/{pupil_id}").text
        with contextlib.closing(sqlite3.connect(dbs["a"])) as con, con:  # a tool writing past the web app
            con.execute("UPDATE pupil SET second_name = 'Obca' WHERE id = ?", (pupil_id,))
        sync("a")
        a_node = _query(dbs["a"], "SELECT node_id FROM sync_state")[0][0]
        b_node = _query(dbs["b"], "SELECT node_id FROM sync_state")[0][0]

    con = duckdb.connect(str(hub_dir / "warehouse.duckdb"), read_only=True)
    try:
        enrolments = con.execute("SELECT _rspo, ends_on IS NULL, admission_reason, leaving_reason FROM enrolment "
                                 "WHERE pupil_id = ? ORDER BY starts_on", [pupil_id]).fetchall()
        assert enrolments == [(SCHOOLS["a"][0], False, "promotion", "transfer_out"),
                              (SCHOOLS["b"][0], True, "transfer_in", None)]  # one open membership: B's
        assert con.execute("SELECT _node_id FROM pupil WHERE id = ?", [pupil_id]).fetchall() == [(b_node,)]
        assert con.execute("SELECT owner_node, version FROM _record_owner WHERE entity = 'pupil'").fetchall() == [
            (b_node, 1)]
        assert con.execute("SELECT node_id, entity, code FROM rejected_change").fetchall() == [
            (a_node, "pupil", "not_owner")]
    finally:
        con.close()
