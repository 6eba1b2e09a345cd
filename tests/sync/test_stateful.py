"""A Hypothesis state machine over two school nodes and a hub, with a faulty network in between.

The nodes are real SQLite databases, the hub a real HTTP server with its SQLite inbox and DuckDB
warehouse. Between them the transport may drop a request, lose the answer after the hub stored
the batch, deliver a request twice, or replay an old envelope later; a node may crash (its
process state is dropped and the database reopened) at any step. Invariants, checked after every
step and at the end:

* a node's acknowledged sequence only rises, and the hub's inbox holds each acknowledged change
  exactly once (contiguous ranges, no overlap);
* after a sync without faults the outbox is empty (nothing left over);
* after quiescence every node's data equals the warehouse's, row by row.

Not covered here (they need the fleet-keys work of the sync-robustness issue): restores from old
backups (a new database epoch) and key rotation.
"""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select

import node_agent.sync.client as client_module
from hub.sync.models import InboxBatch
from node_agent.school import operations as school_ops
from node_agent.school.models import Subject
from node_agent.sync.client import HubClient
from tests.sync.helpers import NAME_A, NAME_B, RSPO_A, RSPO_B, SchoolNode, make_node, start_hub

FAULTS = ("none", "drop_request", "lose_answer", "duplicate", "replay_old")


class FaultySession(requests.Session):
    """A requests session whose next batch POST suffers ``fault`` (then behaves)."""

    fault = "none"
    sent: list[tuple[str, bytes]] = []  # every batch envelope that went out, for replays

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if not url.endswith("/api/v1/batches"):
            return super().request(method, url, *args, **kwargs)
        fault, FaultySession.fault = FaultySession.fault, "none"
        data = kwargs.get("data") or b""
        if fault == "drop_request":
            raise requests.exceptions.ConnectionError("dropped on the way to the hub")
        if fault == "replay_old" and FaultySession.sent:
            old_url, old = FaultySession.sent[0]
            super().request("POST", old_url, data=old, headers={"Content-Type": "application/octet-stream"},
                            timeout=30)
        response = super().request(method, url, *args, **kwargs)
        FaultySession.sent.append((url, data))
        if fault == "duplicate":
            response = super().request(method, url, *args, **kwargs)
        if fault == "lose_answer":
            raise requests.exceptions.ConnectionError("the answer was lost")
        return response


def faulty_client(settings: Any, hub_url: str) -> HubClient:
    """What the node's sync uses: the real client over the faulty session, no retries."""
    client = HubClient(hub_url, timeout=settings["sync.timeout_seconds"], retries=0)
    session = FaultySession()
    session.headers.update(client.session.headers)
    client.session = session
    return client


class SyncMachine(RuleBasedStateMachine):
    """Two schools writing, syncing over a faulty network, crashing; one hub merging."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(TMP[0]) / uuid.uuid4().hex[:8]
        self.hub = start_hub(self.root / "hub")
        self.nodes: dict[str, SchoolNode] = {}
        self.acked: dict[str, int] = defaultdict(int)
        self.codes = itertools.count(1)
        FaultySession.sent = []

    @initialize()
    def enrol_schools(self) -> None:
        for rspo, name in ((RSPO_A, NAME_A), (RSPO_B, NAME_B)):
            self.hub.add_institution(rspo, name)
            # Small batches: a sync sends several, so a fault can hit one in the middle.
            node = make_node(self.root / rspo, rspo=rspo, name=name, hub_url=self.hub.url,
                             overrides={"sync.batch_max_changes": 7})
            node.enrol(self.hub.url, self.hub.issue_token(rspo))
            self.nodes[rspo] = node

    def node(self, which: int) -> SchoolNode:
        return self.nodes[(RSPO_A, RSPO_B)[which]]

    @rule(which=st.integers(0, 1), count=st.integers(1, 30))
    def write(self, which: int, count: int) -> None:
        with self.node(which).db.transaction() as session:
            for _ in range(count):
                code = next(self.codes)
                school_ops.save_subject(session, {"code": f"p{code}", "name": f"Przedmiot nr {code} – Żółw"})

    @rule(which=st.integers(0, 1))
    def rename_all(self, which: int) -> None:
        with self.node(which).db.transaction() as session:
            for subject in session.scalars(select(Subject)):
                school_ops.save_subject(session, {"code": subject.code, "name": subject.name + "'"}, subject)

    @rule(which=st.integers(0, 1), fault=st.sampled_from(FAULTS))
    def sync(self, which: int, fault: str) -> None:
        node = self.node(which)
        FaultySession.fault = fault
        report = node.sync()
        FaultySession.fault = "none"
        if fault == "none":
            assert report.ok, report
            assert node.outbox() == []  # nothing left over after a clean sync

    @rule(which=st.integers(0, 1))
    def crash(self, which: int) -> None:
        """The node's process dies: pooled connections and in-memory state are gone."""
        rspo = (RSPO_A, RSPO_B)[which]
        old = self.nodes[rspo]
        old.close()
        self.nodes[rspo] = make_node_again(old)

    @rule()
    def merge(self) -> None:
        self.hub.merge()

    @invariant()
    def acks_only_rise_and_the_inbox_holds_each_change_once(self) -> None:
        for rspo, node in self.nodes.items():
            acked = node.state()["acked_through"]
            assert acked >= self.acked[rspo]
            self.acked[rspo] = acked
        with self.hub.db.reading() as session:
            rows = session.execute(select(InboxBatch.node_id, InboxBatch.first_seq, InboxBatch.last_seq)
                                   .order_by(InboxBatch.node_id, InboxBatch.first_seq)).all()
        expected: dict[str, int] = defaultdict(lambda: 1)
        for node_id, first, last in rows:
            assert first == expected[node_id], "inbox ranges overlap or leave a gap"
            expected[node_id] = last + 1
        for node in self.nodes.values():
            assert expected[node.state()["node_id"]] - 1 >= node.state()["acked_through"]

    def teardown(self) -> None:
        try:
            for node in self.nodes.values():
                for _ in range(5):
                    if node.sync().ok and not node.outbox():
                        break
                assert node.outbox() == []
            self.hub.merge()
            cur = self.hub.warehouse.cursor()
            for rspo, node in self.nodes.items():
                with node.db.read_session() as session:
                    mine = sorted((s.id, s.code, s.name) for s in session.scalars(select(Subject)))
                theirs = sorted((str(i), c, n) for i, c, n in cur.execute(
                    "SELECT id, code, name FROM subject WHERE _rspo = ?", [rspo]).fetchall())
                assert mine == theirs, f"school {rspo} and the warehouse differ"
        finally:
            for node in self.nodes.values():
                node.close()
            self.hub.close()


def make_node_again(old: SchoolNode) -> SchoolNode:
    """The same node data directory opened by a new process."""
    from node_agent.db import Database as NodeDatabase

    return SchoolNode(old.settings, NodeDatabase(old.settings["paths.database"]))


TMP: list[str] = []


@pytest.fixture(autouse=True)
def _faulty_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    TMP[:] = [str(tmp_path)]
    monkeypatch.setattr(client_module, "client_for", faulty_client)


TestSync = SyncMachine.TestCase
TestSync.settings = settings(max_examples=12, stateful_step_count=14, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.mark.slow
class TestSyncLonger(SyncMachine.TestCase):  # type: ignore[misc, valid-type]
    settings = settings(max_examples=80, stateful_step_count=30, deadline=None,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

