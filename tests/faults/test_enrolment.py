"""Enrolment over a faulty network: the hub's answer lost on the way must not lock the school out.

The hub consumes the one-time token and registers the node's keys when it answers; if that
answer never arrives, the school's server retries the same command with the same token and the
same keys (they live in ``node-keys.json``, created once) and must get the same answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

import node_agent.sync.client as client_module
from hub.fleet import operations as fleet
from hub.fleet.models import Node
from hub.sync.models import DownlinkEntry
from node_agent.sync.client import SyncError
from tests.faults.network import DROP, HUB_URL, LOSE_ANSWER, InProcessHub, Network
from tests.sync.helpers import NAME_A, RSPO_A, make_node


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    hub = InProcessHub(tmp_path / "hub")
    net = Network(hub)
    monkeypatch.setattr(client_module, "client_for", net.client_for)
    with hub.db.transaction() as session:
        fleet.add_institution(session, rspo=RSPO_A, name=NAME_A, kind="primary")
        token = fleet.issue_token(session, rspo=RSPO_A, created_by="test", hours=1)
    node = make_node(tmp_path / "node", rspo=RSPO_A, name=NAME_A, hub_url=HUB_URL)
    yield hub, net, node, token
    node.close()
    hub.crash()


@pytest.mark.parametrize("fault", [DROP, LOSE_ANSWER])
def test_enrolment_is_retried_with_the_same_token_after_a_fault(setup, fault):
    hub, net, node, token = setup
    net.plan = [fault]
    with pytest.raises(SyncError) as failed:
        node.enrol(HUB_URL, token)
    assert failed.value.code == "offline"
    answer = node.enrol(HUB_URL, token)  # the IT person runs the same command again
    with hub.db.reading() as session:
        nodes = session.scalars(select(Node)).all()
        queued = session.scalar(select(func.count()).select_from(DownlinkEntry)) or 0
    assert [n.id for n in nodes] == [answer["node_id"]]  # one node, the one the school now knows
    report = node.sync()
    assert report.ok, report.error
    assert report.received_messages == queued  # the city dictionaries once, not once per attempt


def test_a_used_token_still_refuses_other_keys(setup, tmp_path):
    hub, _, node, token = setup
    node.enrol(HUB_URL, token)
    other = make_node(tmp_path / "other", rspo=RSPO_A, name=NAME_A, hub_url=HUB_URL)
    try:
        with pytest.raises(SyncError) as refused:
            other.enrol(HUB_URL, token)
        assert refused.value.code == "token_used"
    finally:
        other.close()
