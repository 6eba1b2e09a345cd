"""Running the demo city: a hub and school nodes as separate processes on 127.0.0.1.

:func:`prepare_city` turns a generated city (:mod:`zszo.demo.load`) into installs: one
``hub.toml`` with the city's institutions and a city admin, and one ``node.toml`` per school next
to its database. :func:`run_processes` starts ``zszo hub serve`` and ``zszo node serve`` for
each school, enrols the nodes with one-time tokens and lets their schedulers sync.
:func:`sync_city` syncs every node database in turn from this one process (the full 97-school
city) through the hub's real HTTP API.

Demo installs turn TOTP off and use short sync intervals; that is the only difference from a
real install. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub import config as hub_config
from hub.auth.operations import AccountError
from hub.auth.operations import create_user as create_hub_user
from hub.dictionaries.operations import publish_calendar
from hub.fleet.operations import add_institution, issue_token
from hub.runtime import build as build_hub
from node_agent import config as node_config
from node_agent.db import Database, prepare
from node_agent.sync import identity
from node_agent.sync.client import enrol, run_sync
from protocol.calendar import standard_calendar
from zszo.demo.generator import SCHOOL_YEAR
from zszo.demo.load import MANIFEST, write_city
from zszo.settings import render_toml

HUB_ADMIN = ("miasto", "demo-miasto-2026")
HOST = "127.0.0.1"


@dataclass(frozen=True)
class NodeInstall:
    """One school's demo install."""

    rspo: str
    name: str
    config: Path
    port: int
    logins: list[dict[str, str]]

    @property
    def url(self) -> str:
        """The school's web address."""
        return f"http://{HOST}:{self.port}/"


@dataclass(frozen=True)
class CityInstall:
    """The demo city on disk: the hub's config and every school's install."""

    root: Path
    hub_config: Path
    hub_port: int
    nodes: list[NodeInstall]
    manifest: dict[str, Any]

    @property
    def hub_url(self) -> str:
        """The hub's base address."""
        return f"http://{HOST}:{self.hub_port}"


def port_free(port: int) -> bool:
    """True if nothing listens on ``port`` at 127.0.0.1."""
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) != 0


def _current_first_year() -> int:
    today = dt.date.today()
    return today.year if today.month >= 9 else today.year - 1


def _winter_holidays(first_year: int) -> dt.date:
    """The demo city's winter holidays: from the third Monday of January (the minister sets them per voivodeship)."""
    january = dt.date(first_year + 1, 1, 1)
    return january + dt.timedelta(days=(7 - january.weekday()) % 7 + 14)


def prepare_city(root: Path, *, schools: int | None, seed: int, scale: float, jobs: int, hub_port: int,
                 node_port: int, sync_interval: int,
                 on_school: Callable[[dict[str, Any]], None] | None = None, term_weeks: int | None = 0) -> CityInstall:
    """Generate the city under ``root`` (or reuse it) and write the hub and node configurations."""
    manifest_path = root / MANIFEST
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    else:
        manifest = write_city(root, schools=schools, seed=seed, scale=scale, jobs=jobs, on_school=on_school,
                              term_weeks=term_weeks)
    hub_dir = root / "hub"
    hub_cfg = hub_dir / "hub.toml"
    if not hub_cfg.exists():
        hub_dir.mkdir(parents=True, exist_ok=True)
        hub_cfg.write_text(render_toml(hub_config.OPTIONS, {
            "paths.data_dir": str(hub_dir.resolve()), "web.port": hub_port, "web.require_totp": False,
            "merge.interval_seconds": 2,
        }), encoding="utf-8")
        runtime = build_hub(hub_config.load(hub_cfg), open_warehouse=True)
        try:
            with runtime.db.transaction() as session:
                for school in manifest["schools"]:
                    add_institution(session, rspo=school["rspo"], name=school["name"], kind=school["kind"],
                                    district=school["district"])
                # The generated school year's calendar, and this year's if the demo runs in another one.
                for first_year in sorted({int(SCHOOL_YEAR["label"][:4]), _current_first_year()}):
                    publish_calendar(session, standard_calendar(first_year, _winter_holidays(first_year)).to_body(),
                                     by="demo")
                try:
                    create_hub_user(session, username=HUB_ADMIN[0], display_name="Wydział Edukacji (demo)",
                                    role="admin", password=HUB_ADMIN[1])
                except AccountError:
                    pass
        finally:
            runtime.close()
    port_in_file = hub_config.load(hub_cfg)["web.port"]
    nodes = []
    for index, school in enumerate(manifest["schools"]):
        db_path = (root / school["db"]).resolve()
        cfg = db_path.parent / "node.toml"
        port = node_port + index
        if not cfg.exists():
            cfg.write_text(render_toml(node_config.OPTIONS, {
                "paths.data_dir": str(db_path.parent), "paths.database": str(db_path), "web.port": port,
                "web.require_totp": False, "sync.hub_url": f"http://{HOST}:{port_in_file}",
                "sync.interval_seconds": sync_interval,
            }), encoding="utf-8")
        port = node_config.load(cfg)["web.port"]
        nodes.append(NodeInstall(school["rspo"], school["name"], cfg, port, school["logins"]))
    return CityInstall(root, hub_cfg, port_in_file, nodes, manifest)


def enrol_nodes(city: CityInstall, nodes: list[NodeInstall] | None = None,
                on_node: Callable[[NodeInstall], None] | None = None) -> int:
    """Enrol every node not enrolled yet (tokens issued directly in the hub's store); return how many."""
    runtime = build_hub(hub_config.load(city.hub_config), open_warehouse=False)
    enrolled = 0
    try:
        for install in nodes if nodes is not None else city.nodes:
            settings = node_config.load(install.config)
            db = Database(settings["paths.database"])
            try:
                prepare(db, settings["paths.backups"])
                with db.read_session() as session:
                    done = identity.state(session).node_id is not None
                if not done:
                    with runtime.db.transaction() as session:
                        token = issue_token(session, rspo=install.rspo, created_by="demo", hours=1)
                    enrol(settings, db, hub_url=city.hub_url, token=token)
                    enrolled += 1
            finally:
                db.dispose()
            if on_node is not None:
                on_node(install)
    finally:
        runtime.close()
    return enrolled


def sync_city(city: CityInstall, on_node: Callable[[NodeInstall, Any], None] | None = None) -> dict[str, Any]:
    """Sync every node database once, in turn, from this process; return totals and timing."""
    sent = 0
    started = time.perf_counter()
    failures = []
    for install in city.nodes:
        settings = node_config.load(install.config)
        db = Database(settings["paths.database"])
        try:
            prepare(db, settings["paths.backups"])
            report = run_sync(settings, db, "demo")
        finally:
            db.dispose()
        sent += report.sent_changes
        if not report.ok:
            failures.append((install.rspo, report.error))
        if on_node is not None:
            on_node(install, report)
    return {"changes": sent, "seconds": time.perf_counter() - started, "failures": failures}


def _healthz(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
            return json.loads(response.read())
    except OSError:
        return None


def wait_for(url: str, timeout: float = 60) -> dict[str, Any]:
    """Wait until the service at ``url`` answers /healthz; return its answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = _healthz(url)
        if answer is not None:
            return answer
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not start within {timeout:.0f} s")


def wait_merged(hub_url: str, timeout: float = 600) -> dict[str, Any]:
    """Wait until the hub's merger has merged everything in the inbox."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = _healthz(hub_url)
        if answer and answer["merged_through"] is not None and answer["merged_through"] >= answer["inbox_through"]:
            return answer
        time.sleep(0.5)
    raise RuntimeError("the hub's merger did not catch up in time")


@contextmanager
def process(args: list[str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``zszo ARGS`` in its own process group, logging to ``log_path``; stop it on exit."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "zszo", *args], stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
