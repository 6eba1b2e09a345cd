"""Revoking a stolen node: refused at once (no cache), its batches quarantined, never merged unless the
operator releases them after an investigation (only once the school has a trusted node again; discarded
ones never, both kept as an audit record); the node's sync fails with the reason in Polish (CLI exit
status and admin page)."""

from __future__ import annotations

import html
import json
import os
import zlib
from collections.abc import Callable

import pytest
from sqlalchemy import select

from hub.fleet.models import Node
from hub.sync import quarantine
from hub.sync.models import QuarantinedBatch
from hub.warehouse.merger import Warehouse
from hub.warehouse.pseudonym import load_or_create_key
from node_agent.app import create_app
from node_agent.auth.models import UserAccount
from node_agent.auth.operations import create_user
from node_agent.sync.messages import message_for
from protocol import envelope
from protocol.changes import encode_lines
from tests.integration.harness import run
from tests.sync.helpers import RSPO_A, HubServer, SchoolNode, Sender, enrol_sender, fill_register, subject_lines
from zszo.i18n import gettext_for
from zszo.web import sessions

PL = gettext_for("pl")
REVOKED_PL = PL(message_for("revoked_sender"))


def _hub_env(hub: HubServer) -> dict[str, str]:
    env = {**os.environ, "ZSZO_HUB_PATHS_DATA_DIR": str(hub.settings["paths.data_dir"])}
    env.pop("ZSZO_HUB_CONFIG", None)
    return env


def _node_env(node: SchoolNode) -> dict[str, str]:
    env = {**os.environ, "ZSZO_NODE_PATHS_DATA_DIR": str(node.settings["paths.data_dir"])}
    env.pop("ZSZO_NODE_CONFIG", None)
    return env


def _quarantined(hub: HubServer) -> list[dict]:
    with hub.db.reading() as session:
        return [quarantine.summary(batch) for batch in quarantine.batches(session)]


def _listed(hub: HubServer, *args: str) -> list[dict]:
    result = run(["hub", "quarantine", *args, "--json"], env=_hub_env(hub))
    return [json.loads(line) for line in result.stdout.splitlines()]


def _pupil_ids_in_warehouse(hub: HubServer) -> set[str]:
    return {row[0] for row in hub.warehouse.cursor().execute("SELECT CAST(id AS VARCHAR) FROM pupil").fetchall()}


@pytest.fixture
def wh_hub(hub_factory: Callable[..., HubServer]) -> HubServer:
    """A hub with its DuckDB warehouse open (merged explicitly by the tests)."""
    return hub_factory(warehouse=True)


@pytest.fixture
def wh_node(wh_hub: HubServer, node_factory: Callable[..., SchoolNode]) -> SchoolNode:
    """A node of school A enrolled at ``wh_hub``."""
    school = node_factory("node-a", rspo=RSPO_A, hub_url=wh_hub.url)
    school.enrol(wh_hub.url, wh_hub.issue_token(RSPO_A))
    return school


def test_revocation_by_the_cli_counts_from_the_next_request_of_the_running_hub(hub: HubServer, node: SchoolNode):
    """`zszo hub revoke-node` in another process, the hub serving: the very next sync is refused."""
    fill_register(node, pupils=1, doc_only=0)
    assert node.sync().ok
    node_id = node.state()["node_id"]
    result = run(["hub", "revoke-node", node_id, "--reason", "serwer skradziony 2026-11-27"], env=_hub_env(hub))
    assert result.stdout.startswith(f"node {node_id} revoked at ")
    fill_register(node, pupils=1, doc_only=0, serial_base=50)
    waiting = node.outbox()
    report = node.sync()
    assert (report.ok, report.error_code) == (False, "revoked_sender")
    assert node.outbox() == waiting and node.state()["last_error"] == "revoked_sender"  # nothing trimmed
    with hub.db.reading() as session:
        revoked = session.get(Node, node_id)
        assert (revoked.status, revoked.revoked_reason) == ("revoked", "serwer skradziony 2026-11-27")
    again = run(["hub", "revoke-node", node_id, "--reason", "x"], env=_hub_env(hub), check=False)
    assert again.returncode == 1 and "was already revoked" in again.stderr


def test_batches_sent_after_revocation_are_kept_once_and_never_acknowledged(hub: HubServer, node: SchoolNode):
    fill_register(node, pupils=2, doc_only=0)
    assert node.sync().ok
    inbox_before = hub.inbox()
    hub.revoke(node.state()["node_id"])
    fill_register(node, pupils=2, doc_only=0, serial_base=50)
    first, last = node.state()["acked_through"] + 1, node.last_seq()
    for _ in range(2):  # the node retries: the same changes are kept once
        report = node.sync()
        assert (report.ok, report.error_code) == (False, "revoked_sender")
        assert "kept in quarantine" in report.error
    assert hub.inbox() == inbox_before  # nothing stored for merging, nothing acknowledged
    kept = _quarantined(hub)  # the retry had a new batch id, the same changes: kept once
    assert [(q["reason"], q["first_seq"], q["last_seq"], q["inbox_id"]) for q in kept] == [
        ("sent_after_revocation", first, last, None)]
    with hub.db.reading() as session:
        stored = session.scalars(select(QuarantinedBatch.envelope)).all()
    for data in stored:  # kept exactly as received: the node's signature still verifies
        sealed = envelope.parse(data)
        assert (sealed.header["first_seq"], sealed.header["last_seq"]) == (first, last)
        sealed.verify(node.keys.public.sign)
    assert "revoked_sender" in {code for _, code in hub.security_events()}


def test_a_replayed_batch_id_is_kept_once(hub: HubServer, sender: Sender):
    hub.revoke(sender.node_id)
    data = sender.seal(subject_lines(1, 3), first_seq=1)
    for _ in range(3):
        response = hub.post_batch(data)
        assert response.status_code == 403 and response.json()["error"] == "revoked_sender"
    assert [(q["first_seq"], q["last_seq"], q["count"]) for q in _quarantined(hub)] == [(1, 3, 3)]


def test_quarantine_of_a_node_is_bounded(hub_factory: Callable[..., HubServer]):
    hub = hub_factory({"sync.quarantine_max_batches": 2})
    sender = enrol_sender(hub)
    hub.revoke(sender.node_id)
    details = []
    for first in (1, 3, 5):
        response = hub.post_batch(sender.seal(subject_lines(first, 2), first_seq=first))
        assert response.status_code == 403 and response.json()["error"] == "revoked_sender"
        details.append(response.json()["detail"])
    assert [q["first_seq"] for q in _quarantined(hub)] == [1, 3]
    assert details[2].endswith("not kept: the quarantine of this node is full")


def test_forged_batches_in_a_revoked_nodes_name_are_not_kept(hub: HubServer, sender: Sender):
    hub.revoke(sender.node_id)
    forger = Sender(hub, sender.node_id, sender.keys.__class__.generate(), sender.rspo, sender.hub_keys)
    payload = encode_lines(subject_lines(1, 2))
    header = forger.header(payload, first_seq=1, last_seq=2, from_kid=sender.keys.public.kid)
    data = forger.craft(compressed=zlib.compress(payload), header=header)
    response = hub.post_batch(data)
    assert response.status_code == 403 and response.json()["error"] == "bad_signature"
    assert _quarantined(hub) == []


def test_unmerged_batches_are_quarantined_and_a_rebuild_makes_the_same_choice(wh_hub: HubServer,
                                                                              wh_node: SchoolNode):
    hub, node = wh_hub, wh_node
    merged_reg = fill_register(node, pupils=2, doc_only=0)
    assert node.sync().ok
    assert hub.merge().batches > 0  # merged before the revocation: stays in the city's data
    queued_reg = fill_register(node, pupils=2, doc_only=0, serial_base=50)
    before = len(hub.inbox())
    assert node.sync().ok  # acknowledged, still waiting for the merger
    queued = [row[0] for row in hub.inbox()][before:]
    assert queued
    hub.revoke(node.state()["node_id"])
    report = hub.merge()
    assert (report.batches, report.quarantined) == (0, len(queued))
    merged_ids = {p["id"] for p in merged_reg.pupils}
    assert _pupil_ids_in_warehouse(hub) == merged_ids
    assert {p["id"] for p in queued_reg.pupils}.isdisjoint(_pupil_ids_in_warehouse(hub))
    assert [(q["reason"], q["inbox_id"]) for q in _quarantined(hub)] == [("queued_at_revocation", i) for i in queued]
    assert hub.merge().quarantined == 0  # recorded once
    with hub.db.reading() as session:
        fence = session.get(Node, node.state()["node_id"]).merge_fence
    assert fence is not None and fence < queued[0]
    # Rebuild from the inbox: the same batches merged, the same ones skipped.
    hub.runtime.warehouse.close()
    path = hub.settings["paths.warehouse"]
    path.unlink()
    from hub.warehouse.merger import Warehouse
    from hub.warehouse.pseudonym import load_or_create_key

    hub.runtime.warehouse = Warehouse(path, load_or_create_key(hub.settings["paths.pseudonym_key"]))
    rebuilt = hub.merge()
    assert rebuilt.quarantined == len(queued)
    assert _pupil_ids_in_warehouse(hub) == merged_ids
    assert len(_quarantined(hub)) == len(queued)


def test_cli_lists_the_quarantine(hub: HubServer, sender: Sender):
    hub.revoke(sender.node_id)
    hub.post_batch(sender.seal(subject_lines(1, 4), first_seq=1))
    result = run(["hub", "quarantine", sender.node_id, "--json"], env=_hub_env(hub))
    (line,) = result.stdout.splitlines()
    row = json.loads(line)
    assert (row["node_id"], row["reason"], row["first_seq"], row["last_seq"], row["count"], row["inbox_id"]) == (
        sender.node_id, "sent_after_revocation", 1, 4, 4, None)
    table = run(["hub", "quarantine"], env=_hub_env(hub))
    assert "sent_after_revocation" in table.stdout and table.stderr.strip() == "1 quarantined batches"


def test_node_sync_cli_fails_with_the_polish_reason(hub: HubServer, node: SchoolNode):
    hub.revoke(node.state()["node_id"])
    fill_register(node, pupils=1, doc_only=0)
    node.close()
    result = run(["node", "sync"], env=_node_env(node), check=False)
    assert result.returncode == 1
    assert f"Error: sync failed: {REVOKED_PL} [revoked_sender]" in result.stderr
    assert REVOKED_PL.startswith("Serwer miejski unieważnił klucz tego serwera")


def test_admin_page_of_the_node_shows_the_polish_reason(hub: HubServer,
                                                       node_factory: Callable[..., SchoolNode]):
    node = node_factory("node-web", rspo=RSPO_A, hub_url=hub.url, overrides={"web.require_totp": False})
    node.enrol(hub.url, hub.issue_token(RSPO_A))
    hub.revoke(node.state()["node_id"])
    assert node.sync().error_code == "revoked_sender"
    with node.db.transaction() as session:
        create_user(session, username="admin", display_name="Administrator", role="admin",
                    password="bardzo-tajne-haslo-1")
    client = create_app(node.settings, db=node.db).test_client()
    with node.db.read_session() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.username == "admin"))
        user_id, version = user.id, user.session_version
    with client.session_transaction() as cookie:
        now = sessions.now()
        cookie.permanent = True
        cookie.update({sessions.USER: user_id, sessions.VERSION: version, sessions.LOGIN_AT: now,
                       sessions.SEEN_AT: now})
    page = client.get("/sync").get_data(as_text=True)
    assert html.escape(REVOKED_PL) in page


def test_release_merges_once_after_re_enrolment_discard_never_and_a_rebuild_agrees(
        wh_hub: HubServer, wh_node: SchoolNode, node_factory: Callable[..., SchoolNode]) -> None:
    hub, env, stolen = wh_hub, _hub_env(wh_hub), wh_node
    merged = {p["id"] for p in fill_register(stolen, pupils=2, doc_only=0).pupils}
    assert stolen.sync().ok and hub.merge().batches > 0
    before = len(hub.inbox())
    genuine = {p["id"] for p in fill_register(stolen, pupils=2, doc_only=0, serial_base=50).pupils}
    assert stolen.sync().ok
    middle = len(hub.inbox())
    forged = {p["id"] for p in fill_register(stolen, pupils=1, doc_only=0, serial_base=80).pupils}
    assert stolen.sync().ok
    first_ids = [row[0] for row in hub.inbox()[before:middle]]
    later_ids = [row[0] for row in hub.inbox()[middle:]]
    node_id = stolen.state()["node_id"]
    hub.revoke(node_id)
    assert hub.merge().quarantined == len(first_ids) + len(later_ids)
    listed = _listed(hub, node_id)
    first = [q["id"] for q in listed if q["inbox_id"] in first_ids]
    later = [q["id"] for q in listed if q["inbox_id"] in later_ids]
    assert [q["resolution"] for q in listed] == [None] * len(listed)

    # No trusted node for the school yet: releasing is refused, nothing changes.
    refused = run(["hub", "quarantine", "release", *map(str, first), "--reason", "secretary's work"], env=env,
                  check=False)
    assert refused.returncode == 1
    assert f"institution {RSPO_A} has no trusted node again" in refused.stderr
    assert [q["resolution"] for q in _listed(hub, node_id)] == [None] * len(listed)
    assert run(["hub", "quarantine", "release", "--reason", "x"], env=env, check=False).returncode == 2

    # The school's new server is enrolled; the operator releases the genuine batches, discards the rest.
    successor = node_factory("node-a2", rspo=RSPO_A, hub_url=hub.url)
    successor.enrol(hub.url, hub.issue_token(RSPO_A))
    released = run(["hub", "quarantine", "release", *(f"#{i}" for i in first), "--by", "kowalski", "--reason",
                    "entered by the secretary before the theft"], env=env)
    assert released.stdout.splitlines()[0].startswith(f"#{first[0]} seq ")
    discarded = run(["hub", "quarantine", "discard", "--node", node_id, "--by", "kowalski", "--reason",
                     "written after the theft"], env=env)
    assert [line.split()[0] for line in discarded.stdout.splitlines()] == [f"#{i}" for i in later]
    again = run(["hub", "quarantine", "discard", str(first[0]), "--reason", "changed my mind"], env=env, check=False)
    assert again.returncode == 1 and f"#{first[0]} was already released" in again.stderr

    report = hub.merge()
    assert report.batches == len(first) and report.rejected == 0
    assert _pupil_ids_in_warehouse(hub) == merged | genuine and forged.isdisjoint(_pupil_ids_in_warehouse(hub))
    assert hub.merge().batches == 0  # merged once
    rows = {q["id"]: q for q in _listed(hub, node_id)}
    assert {i: (rows[i]["resolution"], rows[i]["resolved_by"]) for i in first + later} == {
        **{i: ("released", "kowalski") for i in first}, **{i: ("discarded", "kowalski") for i in later}}
    assert rows[first[0]]["resolution_note"] == "entered by the secretary before the theft"
    events = [code for node, code in hub.security_events() if node == node_id]
    assert events.count("quarantine_released") == len(first) and events.count("quarantine_discarded") == len(later)
    assert _listed(hub, node_id, "--pending") == []

    # Rebuilt from the inbox: the released batches merged in their place, the discarded ones skipped.
    hub.runtime.warehouse.close()
    path = hub.settings["paths.warehouse"]
    path.unlink()
    hub.runtime.warehouse = Warehouse(path, load_or_create_key(hub.settings["paths.pseudonym_key"]))
    hub.merge()
    assert _pupil_ids_in_warehouse(hub) == merged | genuine


def test_a_batch_sent_after_revocation_can_only_be_discarded(hub: HubServer) -> None:
    sender: Sender = enrol_sender(hub, RSPO_A)
    hub.revoke(sender.node_id)
    sealed = sender.seal(subject_lines(1, 3), first_seq=1)
    hub.post_batch(sealed)
    enrol_sender(hub, RSPO_A, "Nowy serwer")  # the school is trusted again through its new server
    with hub.db.reading() as session:
        (held,) = quarantine.batches(session, sender.node_id)
        held_id = held.id
    with hub.db.transaction() as session, pytest.raises(quarantine.QuarantineError, match="can only be discarded"):
        quarantine.resolve(session, decision="released", by="op", note="looks fine", batch_ids=[held_id])
    with hub.db.transaction() as session, pytest.raises(quarantine.QuarantineError, match="no quarantined batch pend"):
        quarantine.resolve(session, decision="released", by="op", note="looks fine", node_id=sender.node_id)
    with hub.db.transaction() as session, pytest.raises(quarantine.QuarantineError, match="--reason"):
        quarantine.resolve(session, decision="discarded", by="op", note="  ", batch_ids=[held_id])
    with hub.db.transaction() as session:
        quarantine.resolve(session, decision="discarded", by="op", note="sent by the thief", batch_ids=[held_id])
    with hub.db.reading() as session:
        (kept,) = [quarantine.summary(b) for b in quarantine.batches(session, sender.node_id)]
    assert (kept["resolution"], kept["resolution_note"], kept["envelope_bytes"] > 0) == (
        "discarded", "sent by the thief", True)
    # The same batch sent again stays recognised: not quarantined a second time.
    hub.post_batch(sealed)
    with hub.db.reading() as session:
        assert len(quarantine.batches(session, sender.node_id)) == 1
