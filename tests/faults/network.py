"""An in-process hub and a faulty network between it and real node databases.

:class:`InProcessHub` is a real hub (SQLite OLTP store with the append-only inbox, DuckDB
warehouse, the Flask app with ``/api/v1``) in this process, without an HTTP server: requests are
handed to its WSGI app directly, which keeps a Hypothesis run fast and deterministic. It can
*crash* — everything in memory is dropped and only what was committed to its files survives —
and be started again from its data directory.

:class:`Network` is what the nodes' :class:`~node_agent.sync.client.HubClient` talks through (a
``requests`` transport adapter, so every byte still goes through the client's real code). Each
request may suffer a scheduled fault: dropped on the way, answered but the answer lost, delivered
twice, held back and delivered later (possibly out of order, after newer requests), or a crash
of the hub or the node at a named failpoint (:mod:`zszo.failpoints`, turned into an exception here).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

import hub.config
from hub.app import create_app
from hub.fleet import operations as fleet
from hub.runtime import HubRuntime, build
from hub.warehouse.merger import MergeReport, Warehouse
from node_agent.db import Database as NodeDatabase
from node_agent.sync.client import HubClient
from protocol.keys import KeyPair, PublicKeys
from tests.sync.helpers import SchoolNode, Sender, from_template
from zszo import failpoints

HUB_URL = "http://hub.faults.invalid"

# What may happen to one request (see Network.send).
NONE, DROP, LOSE_ANSWER, DUPLICATE, DELAY, ECHO_LATER = "none", "drop", "lose_answer", "duplicate", "delay", "echo"
HUB_CRASH, NODE_CRASH = "hub_crash", "node_crash"
FAULTS = (NONE, DROP, LOSE_ANSWER, DUPLICATE, DELAY, ECHO_LATER, HUB_CRASH, NODE_CRASH)


class Crash(BaseException):  # noqa: N818 - it is not an error the code under test may catch
    """A process died at a failpoint. BaseException: ``except Exception`` in the code must not stop it."""


@contextlib.contextmanager
def armed(*names: str) -> Iterator[None]:
    """Arm failpoints in this process; reaching one raises :class:`Crash` instead of SIGKILL."""
    saved_armed, saved_die = failpoints.ARMED, failpoints._die

    def die(name: str) -> None:
        raise Crash(name)

    failpoints.ARMED, failpoints._die = frozenset(names), die
    try:
        yield
    finally:
        failpoints.ARMED, failpoints._die = saved_armed, saved_die


class InProcessHub:
    """A hub whose files live in ``data_dir``; ``crash()`` and ``start()`` model a hub process."""

    def __init__(self, data_dir: Path, *, fresh: bool = True) -> None:
        self.settings = hub.config.load(overrides={"paths.data_dir": data_dir})
        if fresh:  # else: the hub's files are already in data_dir (a copy of another hub's)
            from_template("hub", self.settings["paths.database"])
        self.runtime: HubRuntime | None = None
        self.app: Any = None
        self.start()

    @property
    def up(self) -> bool:
        """True while the hub process runs."""
        return self.runtime is not None

    def start(self) -> None:
        """Start the hub process: migrations, keys, warehouse, app (no merger thread: tests merge)."""
        assert self.runtime is None
        self.runtime = build(self.settings, open_warehouse=True)
        self.app = create_app(self.settings, runtime=self.runtime)

    def crash(self) -> None:
        """The process dies: whatever was not committed to the files is gone."""
        if self.runtime is None:
            return
        if self.runtime.warehouse is not None:
            self.runtime.warehouse.close()
        self.runtime.db.dispose()
        self.runtime, self.app = None, None

    @property
    def db(self) -> Any:
        """The OLTP store (the hub must be up)."""
        assert self.runtime is not None
        return self.runtime.db

    @property
    def warehouse(self) -> Warehouse:
        """The DuckDB warehouse (the hub must be up)."""
        assert self.runtime is not None and self.runtime.warehouse is not None
        return self.runtime.warehouse

    def merge(self) -> MergeReport:
        """Merge every pending inbox batch."""
        return self.warehouse.merge_pending(self.db)

    def enrol_sender(self, rspo: str, name: str) -> Sender:
        """Real keys for a new institution, enrolled over the API, to send hand-made batches."""
        keys = KeyPair.generate()
        with self.db.transaction() as session:
            fleet.add_institution(session, rspo=rspo, name=name, kind="primary")
            token = fleet.issue_token(session, rspo=rspo, created_by="test", hours=1)
        response = self.app.test_client().post("/api/v1/enrol", json={
            "token": token, "rspo": rspo, "name": name, "keys": keys.public.to_dict()})
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        return Sender(self, body["node_id"], keys, rspo, PublicKeys.from_dict(body["hub_keys"]))  # type: ignore[arg-type]

    def post_batch(self, sealed: bytes) -> Any:
        """POST an uplink envelope the way a node does; the app's response."""
        return self.app.test_client().post("/api/v1/batches", data=sealed,
                                           headers={"Content-Type": "application/octet-stream"})

    def call(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
        """Hand one request to the app; raise ConnectionError when the hub is down or dies on it."""
        if self.app is None:
            raise requests.exceptions.ConnectionError("connection refused: the hub is down")
        try:
            return self.app.test_client().open(path, method=method, data=body, headers=headers)
        except Crash:
            self.crash()
            raise requests.exceptions.ConnectionError("connection reset: the hub died") from None


@dataclass
class Held:
    """A request the network holds back, to deliver later."""

    method: str
    path: str
    body: bytes
    headers: dict[str, str]


class Network(BaseAdapter):
    """The link between nodes and the hub: a ``requests`` adapter that applies scheduled faults."""

    def __init__(self, hub_server: InProcessHub) -> None:
        super().__init__()
        self.hub = hub_server
        self.plan: list[str] = []  # faults for the next requests, in order
        self.held: list[Held] = []
        self.log: list[tuple[str, str, str]] = []  # (method, path, fault) of every request

    def client_for(self, settings: Any, hub_url: str) -> HubClient:
        """Stand-in for :func:`node_agent.sync.client.client_for`: the real client over this network."""
        client = HubClient(hub_url, timeout=settings["sync.timeout_seconds"], retries=0)
        client.session.mount("http://", self)
        client.session.mount("https://", self)
        return client

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,  # type: ignore[override]
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        """Deliver ``request`` to the hub, or not, as the next scheduled fault says."""
        fault = self.plan.pop(0) if self.plan else NONE
        method, path = str(request.method), urlsplit(str(request.url)).path
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        self.log.append((method, path, fault))
        if fault == DROP:
            raise requests.exceptions.ConnectionError("the request was lost on the way")
        if fault == DELAY:
            self.held.append(Held(method, path, body, headers))
            raise requests.exceptions.ReadTimeout("no answer in time (the request is stuck in the network)")
        if fault == HUB_CRASH:
            with armed("hub.after_inbox_commit_before_reply"):
                answer = self.hub.call(method, path, body, headers)
        else:
            answer = self.hub.call(method, path, body, headers)
        if fault == DUPLICATE:
            answer = self.hub.call(method, path, body, headers)
        if fault == ECHO_LATER:
            self.held.append(Held(method, path, body, headers))
        if fault == LOSE_ANSWER:
            raise requests.exceptions.ReadTimeout("the answer was lost")
        if fault == NODE_CRASH:
            # The node dies right after this answer arrives if it is a batch's (the failpoint is
            # in the client's push); the caller of the sync catches the Crash.
            failpoints.ARMED = frozenset({"node.after_send_before_ack"})
            failpoints._die = _raise_crash
        return _response(request, answer)

    def deliver_held(self, order: list[int]) -> int:
        """Deliver held requests in the given order (answers go nowhere); return how many arrived."""
        held, self.held = self.held, []
        delivered = 0
        for index in order:
            item = held[index]
            with contextlib.suppress(requests.exceptions.ConnectionError):
                self.hub.call(item.method, item.path, item.body, item.headers)
                delivered += 1
        return delivered

    def close(self) -> None:
        """Nothing to release."""


def _raise_crash(name: str) -> None:
    raise Crash(name)


_ORIGINAL = (failpoints.ARMED, failpoints._die)


def disarm() -> None:
    """Disarm every in-process failpoint (after a sync that may have armed the node's)."""
    failpoints.ARMED, failpoints._die = _ORIGINAL


def _response(request: requests.PreparedRequest, answer: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = answer.status_code
    response._content = answer.get_data()
    response.headers = CaseInsensitiveDict(dict(answer.headers.items()))
    response.reason = answer.status.partition(" ")[2]
    response.url = str(request.url)
    response.request = request
    response.encoding = requests.utils.get_encoding_from_headers(response.headers)
    return response


def reopen(node: SchoolNode) -> SchoolNode:
    """The node's process died: drop its connections and in-memory state, open its files again."""
    node.close()
    return SchoolNode(node.settings, NodeDatabase(node.settings["paths.database"]))


def scratch_dir() -> Path:
    """A fresh temporary directory (Hypothesis examples cannot use ``tmp_path``)."""
    return Path(tempfile.mkdtemp(prefix="zszo-faults-"))


def remove(path: Path) -> None:
    """Delete a scratch directory."""
    shutil.rmtree(path, ignore_errors=True)
