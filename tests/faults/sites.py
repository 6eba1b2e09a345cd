"""Real hub and node processes on 127.0.0.1 over data directories built once and copied per run.

A :class:`Site` is a hub data directory and a school node's data directory side by side; its
hub runs as ``zszo hub serve`` and its node syncs as ``zszo node sync``, configured through
``ZSZO_*`` variables only (so copies of one site run anywhere). :func:`build_site` fills a site
in this process — the same code ``zszo hub init`` and ``zszo node enrol`` run, much faster — and
:func:`copy_site` gives every run an identical copy.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

import node_agent.sync.client as client_module
from hub.fleet import operations as fleet
from tests.faults.network import HUB_URL, InProcessHub, Network
from tests.faults.replicas import node_checksums, table_checksums
from tests.integration.harness import ZSZO, Service, free_port, get_json, run, wait_until
from tests.sync.helpers import NAME_A, RSPO_A, fill_register, make_node

# Values that legitimately differ between two runs from one site: the city's subjects arrive by
# downlink and get new ids (and capture times) on each copy of the school.
HUB_VARIES = {"subject": {"id", "_ts"}}
NODE_VARIES = {"subject": {"id"}}


def limited(fsize: int, args: list[str]) -> list[str]:
    """The `zszo` command line run under ``prlimit``: no file of the process may grow past ``fsize``.

    Writes beyond the limit fail with EFBIG, which SQLite and DuckDB report like a full disk
    (Python ignores SIGXFSZ). Only the soft limit is lowered, so ``prlimit --pid`` can lift it.
    """
    return ["prlimit", f"--fsize={fsize}:unlimited", "--", *ZSZO, *args]


def set_fsize(pid: int, fsize: int | None) -> None:
    """Fill (``fsize`` bytes per file) or empty (None) the "disk" of a running process."""
    value = "unlimited" if fsize is None else str(fsize)
    subprocess.run(["prlimit", "--pid", str(pid), f"--fsize={value}:unlimited"], check=True)


@dataclass
class LimitedService(Service):
    """A service optionally started under :func:`limited`."""

    fsize: int | None = None

    def start(self, ready_path: str = "/healthz", timeout: float = 60) -> None:
        """Start the process (under prlimit if asked) and wait until ``ready_path`` answers."""
        if self.fsize is None:
            super().start(ready_path, timeout)
            return
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(limited(self.fsize, self.args), stdout=log, stderr=subprocess.STDOUT,
                                        env=self.env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + ready_path, timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{self.name} did not become ready:\n{self.log()}")


@dataclass
class Site:
    """A copy of the hub's and the school's data directories, and the hub's service."""

    root: Path
    port: int
    hub: Service | None = None

    @property
    def hub_dir(self) -> Path:
        return self.root / "hub"

    @property
    def node_dir(self) -> Path:
        return self.root / "node"

    def env(self, failpoints: str = "") -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("ZSZO_HUB_CONFIG", "ZSZO_NODE_CONFIG", "ZSZO_FAILPOINTS")}
        env |= {"ZSZO_HUB_PATHS_DATA_DIR": str(self.hub_dir), "ZSZO_HUB_WEB_PORT": str(self.port),
                "ZSZO_HUB_MERGE_INTERVAL_SECONDS": "1", "ZSZO_NODE_PATHS_DATA_DIR": str(self.node_dir),
                "ZSZO_NODE_SYNC_RETRIES": "0"}
        if failpoints:
            env["ZSZO_FAILPOINTS"] = failpoints
        return env

    def start_hub(self, failpoints: str = "", *, fsize: int | None = None, **env: str) -> Service:
        """Start ``zszo hub serve``; ``fsize`` starts it with a "full disk" (no file may grow past it)."""
        self.hub = LimitedService("hub", ["hub", "serve"], self.port, self.root / "hub.log",
                                  env=self.env(failpoints) | env, fsize=fsize)
        self.hub.start()
        return self.hub

    def stop_hub(self) -> None:
        if self.hub is not None:
            self.hub.stop()

    def sync(self, failpoints: str = "", *, fsize: int | None = None):  # type: ignore[no-untyped-def]
        """Run ``zszo node sync`` to completion (with a "full disk" if ``fsize`` is given)."""
        if fsize is None:
            return run(["node", "sync"], env=self.env(failpoints), check=False)
        return subprocess.run(limited(fsize, ["node", "sync"]), capture_output=True, text=True,
                              env=self.env(failpoints), timeout=120)

    def hub_command(self, *args: str, fsize: int | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``zszo hub ARGS`` to completion on this site's hub data directory."""
        return subprocess.run(limited(fsize, ["hub", *args]) if fsize else [*ZSZO, "hub", *args],
                              capture_output=True, text=True, env=self.env(), timeout=120)

    def finish(self) -> None:
        """A clean sync, then wait until the merger has merged the whole inbox."""
        result = self.sync()
        assert result.returncode == 0, result.stderr
        assert result.stdout.rstrip().endswith("0 changes waiting")
        assert self.hub is not None

        def merged() -> bool:
            health = get_json(self.hub.url + "/healthz")
            return health["inbox_through"] > 0 and health["merged_through"] == health["inbox_through"]

        wait_until(merged, what="the merger to catch up")

    def stores(self) -> tuple[dict, dict]:
        """Checksums of the warehouse and of the school's database (the hub must be stopped)."""
        with sqlite3.connect(self.hub_dir / "hub.sqlite") as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con = duckdb.connect(str(self.hub_dir / "warehouse.duckdb"), read_only=True)
        try:
            warehouse = table_checksums(con, exclude=HUB_VARIES)
        finally:
            con.close()
        return warehouse, node_checksums(self.node_dir / "node.sqlite", exclude=NODE_VARIES)


def build_site(root: Path, *, pupils: int = 12, doc_only: int = 2) -> Site:
    """A hub with the school's institution and a school with a filled register, enrolled there.

    The school's stored hub address is the port every copy's hub process will listen on.
    """
    site = Site(root, free_port())
    hub = InProcessHub(site.hub_dir)
    try:
        with hub.db.transaction() as session:
            fleet.add_institution(session, rspo=RSPO_A, name=NAME_A, kind="primary")
            token = fleet.issue_token(session, rspo=RSPO_A, created_by="test", hours=1)
        node = make_node(site.node_dir, rspo=RSPO_A, name=NAME_A)
        fill_register(node, pupils=pupils, doc_only=doc_only)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(client_module, "client_for", Network(hub).client_for)
            node.enrol(HUB_URL, token)
        node.set_state(hub_url=f"http://127.0.0.1:{site.port}")
        node.close()
    finally:
        hub.crash()
    return site


def copy_site(template: Site, root: Path) -> Site:
    """Identical copies of both data directories, served on the template's port (the node's hub URL)."""
    site = Site(root, template.port)
    for name in ("hub", "node"):
        shutil.copytree(template.root / name, root / name)
    return site
