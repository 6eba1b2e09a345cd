"""Routine rotation of a node's key over real HTTP: signed by the old and the new key, recorded by the
hub, afterwards only the new key is accepted; a lost answer or an interruption is repeated safely."""

from __future__ import annotations

import os
import shutil

import pytest
import requests
from flask import Response
from sqlalchemy import select

from hub.fleet.models import Node, RetiredNodeKey
from node_agent.sync import client, identity
from protocol.keys import KeyPair
from protocol.rotation import sign_rotation
from tests.integration.harness import run
from tests.sync.helpers import FakeHub, HubServer, SchoolNode, Sender, fill_register, subject_lines


def _node_row(hub: HubServer, node_id: str) -> tuple[str, str]:
    with hub.db.reading() as session:
        node = session.get(Node, node_id)
        return node.kid, node.fingerprint


def _post(hub: HubServer, wire: dict) -> requests.Response:
    return requests.post(hub.url + "/api/v1/rotate-key", json=wire, timeout=30)


def test_rotation_switches_both_sides_and_only_the_new_key_works(hub: HubServer, node: SchoolNode):
    fill_register(node, pupils=2, doc_only=0)
    assert node.sync().ok
    node_id, old = node.state()["node_id"], node.keys
    result = client.rotate_key(node.settings, node.db)
    new = node.keys  # read from the key file again
    assert new.public.kid == result["new_kid"] != old.public.kid == result["old_kid"]
    assert _node_row(hub, node_id) == (new.public.kid, new.public.fingerprint)
    assert not identity.pending_key_path(node.settings["paths.keys"]).exists()
    assert oct(node.settings["paths.keys"].stat().st_mode & 0o777) == "0o600"
    with hub.db.reading() as session:
        retired = session.scalars(select(RetiredNodeKey)).all()
    assert [(r.kid, r.node_id, r.replaced_by) for r in retired] == [(old.public.kid, node_id, new.public.kid)]
    # The node goes on with the new key: everything is sent and acknowledged as before.
    fill_register(node, pupils=1, doc_only=0, serial_base=40)
    report = node.sync()
    assert report.ok and report.sent_changes > 0 and node.outbox() == []
    # A batch signed with the old key is refused with its own code, nothing stored.
    stale = Sender(hub, node_id, old, "x", hub.public, epoch=node.state()["epoch"])
    inbox = hub.inbox()
    response = hub.post_batch(stale.seal(subject_lines(node.last_seq() + 1, 1), first_seq=node.last_seq() + 1))
    assert (response.status_code, response.json()["error"]) == (403, "retired_key")
    assert hub.inbox() == inbox
    assert (node_id, "retired_key") in hub.security_events()


def test_restored_old_key_file_gets_retired_key_with_a_polish_message(hub: HubServer, node: SchoolNode):
    keys_path = node.settings["paths.keys"]
    backup = keys_path.with_name("old-keys.json")
    shutil.copy(keys_path, backup)
    client.rotate_key(node.settings, node.db)
    os.replace(backup, keys_path)  # the key file restored from an old backup
    fill_register(node, pupils=1, doc_only=0)
    report = node.sync()
    assert (report.ok, report.error_code) == (False, "retired_key")
    node.close()
    env = {**os.environ, "ZSZO_NODE_PATHS_DATA_DIR": str(node.settings["paths.data_dir"])}
    env.pop("ZSZO_NODE_CONFIG", None)
    result = run(["node", "sync"], env=env, check=False)
    assert result.returncode == 1
    assert "Ten serwer podpisuje dane kluczem, który zastąpił już nowszym" in result.stderr
    assert "[retired_key]" in result.stderr


def test_lost_answer_is_repeated_and_the_next_sync_finishes_the_rotation(hub: HubServer, node: SchoolNode,
                                                                          fake_hub: FakeHub):
    """The hub records the rotation but its answer never arrives: the node keeps the old key and the
    waiting new one; its next sync repeats the request, gets the same receipt and switches."""
    node_id, old = node.state()["node_id"], node.keys

    answers = []

    def forward_then_lose(body: bytes) -> Response:
        answer = requests.post(hub.url + "/api/v1/rotate-key", data=body, timeout=30,
                               headers={"Content-Type": "application/json"})
        answers.append(answer.status_code)
        return Response(status=502)

    fake_hub.on_rotate = forward_then_lose
    node.set_state(hub_url=fake_hub.url)
    with pytest.raises(client.SyncError) as refused:
        client.rotate_key(node.settings, node.db)
    assert refused.value.code == "error" and answers == [200]
    pending = identity.pending_key_path(node.settings["paths.keys"])
    assert pending.exists() and node.keys.public.kid == old.public.kid  # not switched
    waiting = KeyPair.from_json(pending.read_text())
    assert _node_row(hub, node_id)[0] == waiting.public.kid  # but the hub has the new key
    node.set_state(hub_url=hub.url)
    fill_register(node, pupils=1, doc_only=0)
    report = node.sync()
    assert report.ok, report.error
    assert node.keys.public.kid == waiting.public.kid and not pending.exists() and node.outbox() == []


def test_refused_rotations(hub: HubServer, sender: Sender):
    hub_id = hub.runtime.keys.hub_id
    new = KeyPair.generate()
    # Signed by a key that is not the node's: unknown_sender, and nothing changes.
    stranger = sign_rotation(KeyPair.generate(), new, node_id=sender.node_id, hub_id=hub_id)
    assert _post(hub, stranger).json()["error"] == "unknown_sender"
    # Old signature fine, new signature missing the new key's proof (swapped): bad_signature.
    wire = sign_rotation(sender.keys, new, node_id=sender.node_id, hub_id=hub_id)
    forged = {**wire, "new_sig": sign_rotation(sender.keys, KeyPair.generate(), node_id=sender.node_id,
                                               hub_id=hub_id)["new_sig"]}
    response = _post(hub, forged)
    assert (response.status_code, response.json()["error"]) == (403, "bad_signature")
    # Addressed to another hub: wrong_recipient.
    elsewhere = sign_rotation(sender.keys, new, node_id=sender.node_id, hub_id="another-hub")
    assert _post(hub, elsewhere).json()["error"] == "wrong_recipient"
    # Malformed: header_invalid.
    assert _post(hub, {"rotation": {}}).json()["error"] == "header_invalid"
    assert _node_row(hub, sender.node_id)[0] == sender.keys.public.kid
    # The genuine one works once; repeating it gives the same receipt; a replay after a second
    # rotation is refused as retired_key.
    first = _post(hub, wire)
    assert first.status_code == 200
    assert _post(hub, wire).json() == first.json()
    newer = KeyPair.generate()
    assert _post(hub, sign_rotation(new, newer, node_id=sender.node_id, hub_id=hub_id)).status_code == 200
    assert _post(hub, wire).json()["error"] == "retired_key"
    # A new key already used by another node: key_reused.
    reused = _post(hub, sign_rotation(newer, new, node_id=sender.node_id, hub_id=hub_id))
    assert (reused.status_code, reused.json()["error"]) == (409, "key_reused")


def test_revoked_node_cannot_rotate(hub: HubServer, node: SchoolNode):
    hub.revoke(node.state()["node_id"])
    with pytest.raises(client.SyncError) as refused:
        client.rotate_key(node.settings, node.db)
    assert refused.value.code == "revoked_sender"
    assert not identity.pending_key_path(node.settings["paths.keys"]).exists()  # refused for good: discarded


def test_cli_rotate_key(hub: HubServer, node: SchoolNode):
    node_id, old = node.state()["node_id"], node.keys
    node.close()
    env = {**os.environ, "ZSZO_NODE_PATHS_DATA_DIR": str(node.settings["paths.data_dir"])}
    env.pop("ZSZO_NODE_CONFIG", None)
    result = run(["node", "rotate-key"], env=env)
    kid, fingerprint = _node_row(hub, node_id)
    assert result.stdout == (f"old key {old.public.kid} ({old.public.fingerprint}) replaced\n"
                             f"new key {kid}, fingerprint {fingerprint}  (the hub shows the same)\n")
