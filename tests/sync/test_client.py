"""The node's sync client against a real hub over HTTP (and a fake one where the hub must misbehave).

Enrolment with one-time tokens, uplink in several batches with the outbox trimmed only after a
verified ack, forged or misdirected acks, the hub being down or revoking the node, downlink
applied exactly once and in sequence, and one sync at a time per node.
"""

from __future__ import annotations

import fcntl
import json
import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Response, jsonify
from sqlalchemy import select

from hub.fleet.keyring import HubKeys
from hub.fleet.models import Node
from hub.sync.downlink import STANDARD_SUBJECTS
from node_agent.school.models import Subject
from node_agent.sync.client import SyncError
from node_agent.sync.models import DownlinkMessage, SyncRun
from protocol import downlink, envelope
from protocol.acks import Ack, sign_ack
from protocol.keys import KeyPair, PublicKeys
from tests.sync.helpers import (
    RSPO_A,
    RSPO_B,
    FakeHub,
    HubServer,
    SchoolNode,
    fill_register,
    header_of,
)


def hub_nodes(hub: HubServer) -> list[tuple[str, str, str]]:
    """(id, rspo, kid) of every node enrolled at ``hub``."""
    with hub.db.reading() as session:
        return [tuple(r) for r in session.execute(select(Node.id, Node.rspo, Node.kid))]


def subject_codes(node: SchoolNode) -> list[str]:
    """Subject codes of the node, sorted."""
    with node.db.read_session() as session:
        return sorted(session.scalars(select(Subject.code)))


def last_run(node: SchoolNode) -> tuple[str, str | None]:
    """(outcome, error) of the node's latest sync run."""
    with node.db.read_session() as session:
        run = session.scalar(select(SyncRun).order_by(SyncRun.id.desc()).limit(1))
        assert run is not None
        return run.outcome, run.error


# -- enrolment ------------------------------------------------------------------------------------


def test_enrolment_registers_keys_and_pins_the_hub(hub: HubServer, node_factory: Callable[..., SchoolNode]) -> None:
    node = node_factory("a", hub_url=hub.url)
    answer = node.enrol(hub.url + "/", hub.issue_token(RSPO_A))
    assert answer == {"node_id": answer["node_id"], "node_fingerprint": node.keys.public.fingerprint,
                      "hub_fingerprint": hub.public.fingerprint}
    state = node.state()
    assert (state["node_id"], state["hub_id"], state["hub_url"]) == (answer["node_id"], hub.runtime.keys.hub_id,
                                                                     hub.url)
    assert PublicKeys.from_dict(json.loads(state["hub_keys"])).kid == hub.public.kid
    assert hub_nodes(hub) == [(answer["node_id"], RSPO_A, node.keys.public.kid)]


@pytest.mark.parametrize(("case", "code", "detail"), [
    ("used", "token_used", "the enrolment token was already used"),
    ("expired", "token_expired", "the enrolment token has expired; ask for a new one"),
    ("wrong_school", "token_school", "the enrolment token was issued for another institution"),
    ("invalid", "token_invalid", "the enrolment token is not valid"),
    ("keys_reused", "key_reused", "these keys are already enrolled"),
])
def test_enrolment_refusals_change_nothing(hub: HubServer, node_factory: Callable[..., SchoolNode],
                                           case: str, code: str, detail: str) -> None:
    first = node_factory("first", hub_url=hub.url)
    used = hub.issue_token(RSPO_A)
    first.enrol(hub.url, used)
    enrolled = hub_nodes(hub)
    node = node_factory("second", rspo=RSPO_B if case == "wrong_school" else RSPO_A, hub_url=hub.url)
    token = hub.issue_token(RSPO_A)
    if case == "used":
        token = used
    elif case == "expired":
        hub.expire_token(token)
    elif case == "invalid":
        token = token[:-3] + "xyz"
    elif case == "keys_reused":
        node, token = first, hub.issue_token(RSPO_A)
    state = node.state()
    with pytest.raises(SyncError) as caught:
        node.enrol(hub.url, token)
    assert (caught.value.code, caught.value.detail) == (code, detail)
    assert node.state() == state
    assert hub_nodes(hub) == enrolled


def test_sync_before_enrolment_is_not_enrolled(node_db: SchoolNode) -> None:
    report = node_db.sync()
    assert (report.ok, report.error_code, report.backlog) == (False, "not_enrolled", 1)
    assert last_run(node_db) == ("error", "not_enrolled")


# -- uplink ----------------------------------------------------------------------------------------


def test_outbox_goes_in_batches_and_is_trimmed_only_after_each_ack(
    hub: HubServer, node_factory: Callable[..., SchoolNode], monkeypatch: pytest.MonkeyPatch
) -> None:
    node = node_factory("a", hub_url=hub.url, overrides={"sync.batch_max_changes": 7})
    node.enrol(hub.url, hub.issue_token(RSPO_A))
    fill_register(node, pupils=6, doc_only=1)
    queued = len(node.outbox())
    assert queued == 34
    seen: list[tuple[int, int, int, int]] = []
    ingest = hub.runtime.ingestor.ingest

    def watching(data: bytes, remote_addr: str | None = None) -> Any:
        """What the node's outbox holds while the hub works on a batch (its ack not yet sent)."""
        header = header_of(data)
        seen.append((header["first_seq"], header["last_seq"], node.outbox()[0][0], node.state()["acked_through"]))
        return ingest(data, remote_addr)

    monkeypatch.setattr(hub.runtime.ingestor, "ingest", watching)
    report = node.sync()
    assert report.ok, report.error
    last = node.last_seq()
    assert last == queued + 25  # the city's subjects arrived by downlink and went back up
    ranges = [(first, last_seq) for first, last_seq, _, _ in seen]
    register_batches = [(f, min(f + 6, queued)) for f in range(1, queued + 1, 7)]
    subject_batches = [(f, min(f + 6, last)) for f in range(queued + 1, last + 1, 7)]
    assert ranges == register_batches + subject_batches
    for first, _, oldest_queued, acked in seen:
        assert (oldest_queued, acked) == (first, first - 1)  # previous batches trimmed, this one not yet
    assert [row[5:7] for row in hub.inbox()] == ranges
    assert (report.sent_changes, report.sent_batches, report.received_messages, report.backlog) == (
        last, len(ranges), 1, 0)
    assert node.outbox() == [] and node.state()["acked_through"] == last
    assert hub.sync_states() == [(node.state()["node_id"], node.state()["epoch"], last, len(ranges), last)]
    again = node.sync()
    assert (again.ok, again.sent_changes, again.sent_batches) == (True, 0, 0)
    assert len(hub.inbox()) == len(ranges)


def _forged_by_stranger(hub: HubServer) -> Callable[[bytes], Response]:
    attacker = KeyPair.generate()

    def answer(data: bytes) -> Response:
        h = header_of(data)
        return jsonify(sign_ack(Ack(h["from"], h["epoch"], h["id"], "accepted", h["last_seq"], h["count"], h["to"],
                                    h["to_kid"]), attacker))

    return answer


def _genuine_for_another_batch(hub: HubServer) -> Callable[[bytes], Response]:
    def answer(data: bytes) -> Response:
        h = header_of(data)
        return jsonify(sign_ack(Ack(h["from"], h["epoch"], str(uuid.uuid4()), "accepted", h["last_seq"], h["count"],
                                    h["to"], h["to_kid"]), hub.runtime.keys.current))

    return answer


def _genuine_beyond_what_was_sent(hub: HubServer) -> Callable[[bytes], Response]:
    def answer(data: bytes) -> Response:
        h = header_of(data)
        return jsonify(sign_ack(Ack(h["from"], h["epoch"], h["id"], "accepted", h["last_seq"] + 5, h["count"],
                                    h["to"], h["to_kid"]), hub.runtime.keys.current))

    return answer


def _not_json(hub: HubServer) -> Callable[[bytes], Response]:
    return lambda data: Response("<html>proxy says hello</html>", status=200, mimetype="text/html")


@pytest.mark.parametrize("forgery", [_forged_by_stranger, _genuine_for_another_batch, _genuine_beyond_what_was_sent,
                                     _not_json], ids=["stranger_key", "other_batch", "beyond_sent", "not_json"])
def test_unverifiable_ack_trims_nothing(hub: HubServer, node: SchoolNode, fake_hub: FakeHub,
                                        forgery: Callable[[HubServer], Callable[[bytes], Response]]) -> None:
    fill_register(node, pupils=2, doc_only=0)
    outbox = node.outbox()
    fake_hub.on_batch = forgery(hub)
    node.set_state(hub_url=fake_hub.url)
    report = node.sync()
    # A genuine ack for more than we sent means the hub holds this epoch beyond our database:
    # a restore from backup (the operator starts a new epoch); the others cannot be verified.
    code = "epoch_rewound" if forgery is _genuine_beyond_what_was_sent else "bad_ack"
    assert (report.ok, report.error_code) == (False, code)
    assert node.outbox() == outbox and node.state()["acked_through"] == 0
    assert node.state()["last_error"] == code
    assert last_run(node)[0] == "error"


def test_ack_signed_with_another_hub_key_trims_nothing_until_a_good_ack(hub: HubServer, node: SchoolNode) -> None:
    """The hub stored the batch but its ack does not verify: the node keeps everything and the
    next run gets a signed "duplicate" ack for it (the lost-ack path) and trims then."""
    fill_register(node, pupils=2, doc_only=0)
    outbox = node.outbox()
    real = hub.runtime.ingestor.keys
    forged = HubKeys(real.hub_id, real.current)
    forged.signer_for = lambda _kid: KeyPair.generate()  # type: ignore[method-assign]
    hub.runtime.ingestor.keys = forged
    try:
        report = node.sync()
    finally:
        hub.runtime.ingestor.keys = real
    assert (report.ok, report.error_code) == (False, "bad_ack")
    assert node.outbox() == outbox and node.state()["acked_through"] == 0
    assert [row[5:] for row in hub.inbox()] == [(1, len(outbox), len(outbox))]  # stored all the same
    report = node.sync()
    assert report.ok, report.error
    assert report.sent_changes == 25  # only the subjects that came by downlink are new
    assert node.outbox() == [] and node.state()["acked_through"] == node.last_seq()
    ranges = [row[5:7] for row in hub.inbox()]
    assert ranges == [(1, len(outbox)), (len(outbox) + 1, node.last_seq())]


def test_hub_down_is_offline_and_the_outbox_waits(hub: HubServer, node: SchoolNode) -> None:
    fill_register(node, pupils=1, doc_only=0)
    outbox = node.outbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    node.set_state(hub_url=f"http://127.0.0.1:{closed_port}")
    report = node.sync()
    assert (report.ok, report.error_code, report.backlog) == (False, "offline", len(outbox))
    assert node.outbox() == outbox and node.state()["last_error"] == "offline"
    assert last_run(node)[1].startswith("offline: ")
    node.set_state(hub_url=hub.url)
    report = node.sync()
    assert report.ok and report.backlog == 0
    assert node.outbox() == [] and node.state()["last_error"] is None
    assert hub.inbox()[0][5:7] == (1, len(outbox))


def test_revoked_node_keeps_its_outbox(hub: HubServer, node: SchoolNode) -> None:
    assert node.sync().ok
    hub.revoke(node.state()["node_id"])
    fill_register(node, pupils=1, doc_only=0)
    outbox = node.outbox()
    report = node.sync()
    assert (report.ok, report.error_code) == (False, "revoked_sender")
    assert node.outbox() == outbox and node.state()["last_error"] == "revoked_sender"


def test_second_sync_while_one_runs_is_already_running(node: SchoolNode) -> None:
    lock_path = Path(node.settings["paths.data_dir"]) / "sync.lock"
    with open(lock_path, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a running sync holds
        report = node.sync()
    assert (report.ok, report.error_code) == (False, "already_running")
    assert node.count("sync_run") == 0 and len(node.outbox()) == 1
    assert node.sync().ok


# -- downlink --------------------------------------------------------------------------------------


def test_city_subjects_arrive_once(hub: HubServer, node: SchoolNode) -> None:
    report = node.sync()
    assert report.ok and report.received_messages == 1
    assert subject_codes(node) == sorted(code for code, _ in STANDARD_SUBJECTS)
    with node.db.read_session() as session:
        names = dict(session.execute(select(Subject.code, Subject.name)).all())
        messages = [(m.hub_seq, m.kind, m.outcome) for m in session.scalars(select(DownlinkMessage))]
    assert names["pol"] == "Język polski" and names["wdz"] == "Wychowanie do życia w rodzinie"
    assert messages == [(1, "city_subjects", "applied")]
    assert node.state()["downlink_through"] == 1
    inbox = hub.inbox()
    assert node.sync().received_messages == 0
    # Pulled again from the start (e.g. sync_state restored), the message is recognised and skipped.
    node.set_state(downlink_through=0)
    report = node.sync()
    assert report.ok and report.received_messages == 1
    assert len(subject_codes(node)) == 25 and node.count("downlink_message") == 1
    assert node.outbox() == [] and hub.inbox() == inbox


def _skips_a_number(hub: HubServer, node: SchoolNode) -> bytes:
    return _downlink(hub, node, hub.runtime.keys.current, first_seq=3)


def _signed_by_another_key(hub: HubServer, node: SchoolNode) -> bytes:
    return _downlink(hub, node, KeyPair.generate(), first_seq=2)


def _downlink(hub: HubServer, node: SchoolNode, signer: KeyPair, *, first_seq: int) -> bytes:
    node_keys = node.keys.public
    message = downlink.Message(first_seq, "notice", {"text": "Proszę zaktualizować dane."})
    return envelope.seal(kind="downlink", sender_id=hub.runtime.keys.hub_id, sender_keys=signer,
                         recipient_id=node.state()["node_id"], recipient_kid=node_keys.kid, recipient_kex=node_keys.kex,
                         payload=downlink.encode([message]), epoch=f"hub-{hub.runtime.keys.hub_id}",
                         first_seq=first_seq, last_seq=first_seq, count=1, schema=downlink.SCHEMA)


@pytest.mark.parametrize("make", [_skips_a_number, _signed_by_another_key], ids=["skips_a_number", "other_key"])
def test_bad_downlink_is_refused_and_not_applied(hub: HubServer, node: SchoolNode, fake_hub: FakeHub,
                                                 make: Callable[[HubServer, SchoolNode], bytes]) -> None:
    assert node.sync().ok
    data = make(hub, node)
    fake_hub.on_downlink = lambda body: Response(data, mimetype="application/octet-stream")
    node.set_state(hub_url=fake_hub.url)
    report = node.sync()
    assert (report.ok, report.error_code) == (False, "bad_downlink")
    assert node.state()["downlink_through"] == 1 and node.count("downlink_message") == 1
    assert node.state()["last_error"] == "bad_downlink"
