"""Hub ingest over real HTTP: what is stored, what is acknowledged, and every way a batch is refused.

Batches are sealed with real node keys enrolled through ``/api/v1/enrol``. Every refusal must
leave the inbox and the per-node sync state exactly as they were.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from hub.sync.models import NodeContact
from protocol.acks import verify_ack
from protocol.keys import KeyPair
from tests.sync.helpers import (
    RSPO_A,
    RSPO_B,
    HubServer,
    SchoolNode,
    Sender,
    change_line,
    enrol_sender,
    header_of,
    join,
    split,
    subject_lines,
)

MIB = 1024 * 1024


def ack_of(sender: Sender, data: bytes, response: Any) -> Any:
    """The verified ack of a 200 answer to ``data``."""
    assert response.status_code == 200, response.text
    return verify_ack(response.json(), sender.hub_keys.sign, node_id=sender.node_id, epoch=sender.epoch,
                      batch_id=header_of(data)["id"])


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert a JSON refusal with ``status`` and ``code``; return its body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert "ack" not in body and "sig" not in body
    return body


# -- the happy path, duplicates and sequence -----------------------------------------------------


def test_accepted_batch_is_stored_and_acknowledged(hub: HubServer, sender: Sender) -> None:
    lines = subject_lines(1, 3)
    data = sender.seal(lines, first_seq=1)
    ack = ack_of(sender, data, hub.post_batch(data))
    assert (ack.status, ack.acked_through, ack.received) == ("accepted", 3, 3)
    assert (ack.hub_id, ack.hub_kid) == (hub.runtime.keys.hub_id, hub.public.kid)
    header = header_of(data)
    assert hub.inbox() == [(1, sender.node_id, RSPO_A, sender.epoch, header["id"], 1, 3, 3)]
    assert hub.inbox_payloads() == [("\n".join(lines) + "\n").encode()]
    assert hub.sync_states() == [(sender.node_id, sender.epoch, 3, 1, 3)]
    assert hub.security_events() == []


def test_same_envelope_again_is_a_duplicate(hub: HubServer, sender: Sender) -> None:
    data = sender.seal(subject_lines(1, 3), first_seq=1)
    first = ack_of(sender, data, hub.post_batch(data))
    stored = hub.stored_state()
    again = ack_of(sender, data, hub.post_batch(data))
    assert (first.status, again.status) == ("accepted", "duplicate")
    assert again.acked_through == first.acked_through == 3
    assert again.received == 0
    assert hub.stored_state() == stored and len(hub.inbox()) == 1


def test_resend_after_a_lost_ack_is_a_duplicate(hub: HubServer, sender: Sender) -> None:
    """The node lost our ack and re-sends the same range (or more) under a new batch id."""
    outbox = subject_lines(1, 5)  # the same changes each time (tests/faults/test_restore.py: other ones)
    ack_of(sender, (first := sender.seal(outbox[:3], first_seq=1)), hub.post_batch(first))
    stored = hub.stored_state()
    same_range = sender.seal(outbox[:3], first_seq=1)
    ack = ack_of(sender, same_range, hub.post_batch(same_range))
    assert (ack.status, ack.acked_through) == ("duplicate", 3)
    longer = sender.seal(outbox, first_seq=1)  # the outbox grew meanwhile
    ack = ack_of(sender, longer, hub.post_batch(longer))
    assert (ack.status, ack.acked_through) == ("duplicate", 3)
    assert hub.stored_state() == stored
    rest = sender.seal(outbox[3:], first_seq=4)  # the node trims to 3 and sends the rest
    ack = ack_of(sender, rest, hub.post_batch(rest))
    assert (ack.status, ack.acked_through, ack.received) == ("accepted", 5, 2)
    assert [row[5:] for row in hub.inbox()] == [(1, 3, 3), (4, 5, 2)]


def test_sequence_gap_is_refused_with_the_expected_number(hub: HubServer, sender: Sender) -> None:
    ack_of(sender, (data := sender.seal(subject_lines(1, 3), first_seq=1)), hub.post_batch(data))
    stored = hub.stored_state()
    body = refused(hub.post_batch(sender.seal(subject_lines(5, 1), first_seq=5)), 409, "sequence_gap")
    assert body["expected_seq"] == 4
    assert body["detail"] == "batch starts at 5, expected 4"
    assert hub.stored_state() == stored


def test_a_new_epoch_starts_a_new_stream_at_its_first_sequence_number(hub: HubServer, sender: Sender) -> None:
    """A node restored from a backup continues its numbering in a new epoch (``zszo node new-epoch``)."""
    ack_of(sender, (data := sender.seal(subject_lines(1, 6), first_seq=1)), hub.post_batch(data))
    old_epoch, sender.epoch = sender.epoch, "restored-" + sender.epoch[:20]
    ack = ack_of(sender, (data := sender.seal(subject_lines(4, 3), first_seq=4)), hub.post_batch(data))
    assert (ack.status, ack.acked_through) == ("accepted", 6)
    body = refused(hub.post_batch(sender.seal(subject_lines(9, 1), first_seq=9)), 409, "sequence_gap")
    assert body["expected_seq"] == 7  # within the new stream numbering is gap-free again
    assert sorted((epoch == old_epoch, acked) for _node, epoch, acked, *_ in hub.sync_states()) == [
        (False, 6), (True, 6)]


def test_replay_of_an_old_batch_changes_nothing(hub_factory: Callable[..., HubServer]) -> None:
    hub = hub_factory(warehouse=True)
    sender = enrol_sender(hub)
    subject = "5f0c3a52-8f43-4b7e-9a55-6f3d2a1b0c9d"
    old = sender.seal([change_line(1, "subject", subject, {"id": subject, "code": "mat", "name": "Matematyka"})],
                      first_seq=1)
    new = sender.seal([change_line(2, "subject", subject,
                                   {"id": subject, "code": "mat", "name": "Matematyka rozszerzona"})], first_seq=2)
    ack_of(sender, old, hub.post_batch(old))
    ack_of(sender, new, hub.post_batch(new))
    assert hub.merge().changes == 2
    stored = hub.stored_state()
    ack = ack_of(sender, old, hub.post_batch(old))
    assert (ack.status, ack.acked_through) == ("duplicate", 2)
    assert hub.stored_state() == stored
    assert hub.merge().batches == 0
    rows = hub.warehouse.cursor().execute("SELECT CAST(id AS VARCHAR), name FROM subject").fetchall()
    assert rows == [(subject, "Matematyka rozszerzona")]


def test_same_batch_id_with_other_content_is_a_conflict(hub: HubServer, sender: Sender) -> None:
    data = sender.seal(subject_lines(1, 3), first_seq=1)
    ack_of(sender, data, hub.post_batch(data))
    stored = hub.stored_state()
    forged = sender.seal(subject_lines(1, 3, name="Fizyka"), first_seq=1, batch_id=header_of(data)["id"])
    body = refused(hub.post_batch(forged), 409, "batch_conflict")
    assert body["detail"] == f"batch {header_of(data)['id']} was already received with other content"
    assert hub.security_events() == [(sender.node_id, "batch_conflict")]
    assert hub.stored_state() == stored


# -- authenticity, addressing, senders -------------------------------------------------------------


def _tamper_header(data: bytes) -> bytes:
    header_bytes, signature, ciphertext = split(data)
    header = json.loads(header_bytes)
    header["created_at"] = header["created_at"].replace("20", "19", 1)
    from protocol import canonical

    return join(canonical.dumps(header), signature, ciphertext)


def _tamper_ciphertext(data: bytes) -> bytes:
    header_bytes, signature, ciphertext = split(data)
    return join(header_bytes, signature, ciphertext[:-1] + bytes([ciphertext[-1] ^ 1]))


def _tamper_signature(data: bytes) -> bytes:
    header_bytes, signature, ciphertext = split(data)
    return join(header_bytes, bytes([signature[0] ^ 0x80]) + signature[1:], ciphertext)


@pytest.mark.parametrize("tamper", [_tamper_header, _tamper_ciphertext, _tamper_signature],
                         ids=["header", "ciphertext", "signature"])
def test_tampered_envelope_is_bad_signature(hub: HubServer, sender: Sender,
                                            tamper: Callable[[bytes], bytes]) -> None:
    stored = hub.stored_state()
    body = refused(hub.post_batch(tamper(sender.seal(subject_lines(1, 3), first_seq=1))), 403, "bad_signature")
    assert body["detail"] == "signature does not verify"
    assert hub.stored_state() == stored
    assert hub.security_events() == [(sender.node_id, "bad_signature")]


def test_envelope_for_another_hub_is_wrong_recipient(hub: HubServer, sender: Sender) -> None:
    stored = hub.stored_state()
    other_hub = KeyPair.generate().public
    to_other_id = sender.seal(subject_lines(1, 1), first_seq=1, recipient_id="hub-warszawa")
    assert refused(hub.post_batch(to_other_id), 403, "wrong_recipient")["detail"] == "addressed to 'hub-warszawa'"
    to_other_key = sender.seal(subject_lines(1, 1), first_seq=1, recipient_kid=other_hub.kid,
                               recipient_kex=other_hub.kex)
    body = refused(hub.post_batch(to_other_key), 403, "wrong_recipient")
    assert body["detail"] == f"encrypted to unknown key {other_hub.kid!r}"
    assert hub.stored_state() == stored


def test_unknown_node_is_unknown_sender(hub: HubServer, sender: Sender) -> None:
    stranger = Sender(hub, "4b1d8e8a-0000-4000-8000-000000000000", KeyPair.generate(), RSPO_A, sender.hub_keys)
    body = refused(hub.post_batch(stranger.seal(subject_lines(1, 1), first_seq=1)), 403, "unknown_sender")
    assert body["detail"] == f"node {stranger.node_id!r} is not enrolled"
    assert hub.inbox() == [] and hub.security_events() == []
    with hub.db.reading() as session:  # unauthenticated noise writes nothing
        assert session.get(NodeContact, stranger.node_id) is None


def test_key_not_registered_for_the_node_is_unknown_sender(hub: HubServer, sender: Sender) -> None:
    impostor = Sender(hub, sender.node_id, KeyPair.generate(), RSPO_A, sender.hub_keys, sender.epoch)
    body = refused(hub.post_batch(impostor.seal(subject_lines(1, 1), first_seq=1)), 403, "unknown_sender")
    assert body["detail"] == f"key {impostor.keys.public.kid!r} is not registered for this node"
    assert hub.stored_state() == ([], [])


def test_revoked_node_is_refused_from_the_next_batch_on(hub: HubServer, sender: Sender) -> None:
    ack_of(sender, (data := sender.seal(subject_lines(1, 2), first_seq=1)), hub.post_batch(data))
    hub.revoke(sender.node_id)
    stored = hub.stored_state()
    late = sender.seal(subject_lines(3, 2), first_seq=3)
    body = refused(hub.post_batch(late), 403, "revoked_sender")
    assert body["detail"] == f"node {sender.node_id} was revoked; batch {header_of(late)['id']} kept in quarantine"
    refused(hub.post_batch(sender.seal(subject_lines(3, 1), first_seq=3)), 403, "revoked_sender")
    refused(hub.post_batch(data), 403, "revoked_sender")  # even a replay gets no ack any more
    assert hub.stored_state() == stored
    assert hub.security_events() == [(sender.node_id, "revoked_sender")] * 3


# -- sizes and payloads ----------------------------------------------------------------------------


def test_oversized_body_is_refused_before_reading(hub_factory: Callable[..., HubServer]) -> None:
    """Refused on Content-Length alone: the body is not even an envelope, which parsing would report."""
    small = hub_factory({"sync.max_envelope_mb": 1})
    body = refused(small.post_batch(b"\0" * (MIB + 1)), 413, "too_large")
    assert body["detail"] == f"envelope over {MIB} bytes"
    assert small.inbox() == []


def test_declared_payload_over_the_limit_is_too_large(hub_factory: Callable[..., HubServer]) -> None:
    small = hub_factory({"sync.max_payload_mb": 1})
    sender = enrol_sender(small)
    lines = subject_lines(1, 4000, name="Matematyka " * 13)
    data = sender.seal(lines, first_seq=1)
    assert len(data) < MIB / 4 and header_of(data)["payload_len"] > MIB
    body = refused(small.post_batch(data), 413, "too_large")
    assert body["detail"] == f"declared payload {header_of(data)['payload_len']} bytes over the limit {MIB}"
    assert small.stored_state() == ([], [])


def test_decompression_bomb_is_refused(hub: HubServer, sender: Sender) -> None:
    bomb = zlib.compress(bytes(16 * MIB), 9)
    assert len(bomb) < 40_000
    header = sender.header(b"", first_seq=1, last_seq=1, payload_len=1000, payload_sha256="0" * 64)
    body = refused(hub.post_batch(sender.craft(compressed=bomb, header=header)), 413, "decompression_bomb")
    assert body["detail"] == "payload inflates beyond the declared 1000 bytes"
    assert hub.stored_state() == ([], [])


def test_payload_with_fewer_changes_than_the_header_is_invalid(hub: HubServer, sender: Sender) -> None:
    data = sender.seal(subject_lines(1, 2), first_seq=1, last_seq=3)
    body = refused(hub.post_batch(data), 400, "payload_invalid")
    assert body["detail"] == "expected 3 changes, found 2"
    assert hub.stored_state() == ([], [])


def test_change_of_another_school_is_a_scope_violation(hub: HubServer, sender: Sender) -> None:
    school = "9a4c1c1e-1111-4000-8000-000000000001"
    lines = subject_lines(1, 2) + [change_line(3, "school", school, {
        "id": school, "rspo": RSPO_B, "name": "Szkoła Podstawowa nr 2", "kind": "primary", "street": None,
        "postal_code": None, "city": None, "district": None})]
    body = refused(hub.post_batch(sender.seal(lines, first_seq=1)), 403, "scope_violation")
    assert body["detail"] == f"change 3: data of another school (RSPO {RSPO_B})"
    assert hub.stored_state() == ([], [])
    assert hub.security_events() == [(sender.node_id, "scope_violation")]


# -- concurrency -----------------------------------------------------------------------------------


def test_same_envelope_from_eight_threads_is_stored_once(hub: HubServer, sender: Sender) -> None:
    data = sender.seal(subject_lines(1, 50), first_seq=1)
    barrier = threading.Barrier(8)
    answers: list[Any] = [None] * 8

    def post(i: int) -> None:
        barrier.wait()
        answers[i] = hub.post_batch(data)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    acks = [ack_of(sender, data, answer) for answer in answers]
    assert sorted(a.status for a in acks) == ["accepted"] + ["duplicate"] * 7
    assert {a.acked_through for a in acks} == {50}
    assert len(hub.inbox()) == 1
    assert hub.sync_states() == [(sender.node_id, sender.epoch, 50, 1, 50)]


# -- a full disk on the hub ------------------------------------------------------------------------


class TinyDisk:
    """Makes the hub's SQLite store run out of space, and gives the space back.

    ``tmpfs``: the database lives on a small tmpfs (needs root) and a filler file takes the rest,
    so SQLite gets a real ENOSPC. ``page_limit``: ``PRAGMA max_page_count`` at the current size
    on every new connection, so growing the file fails with SQLITE_FULL.
    """

    def __init__(self, kind: str, root: Path) -> None:
        self.kind = kind
        self.mount = root / "tmpfs"
        self.filler = self.mount / "filler"
        self._listener: Callable[..., None] | None = None

    def hub_overrides(self) -> dict[str, Any]:
        """Settings that put the hub's database where the space will run out."""
        if self.kind != "tmpfs":
            return {}
        self.mount.mkdir()
        if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(self.mount)],
                                               capture_output=True).returncode != 0:
            pytest.skip("mounting a tmpfs needs root")
        return {"paths.database": self.mount / "hub.sqlite"}

    def fill(self, hub: HubServer) -> None:
        """No space left for the hub's next write."""
        engine = hub.db.engine
        if self.kind == "tmpfs":
            with engine.connect() as conn:  # an empty WAL: the next commit must allocate new blocks
                raw = conn.connection.driver_connection
                assert raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # not busy
            with self.filler.open("wb") as fh:
                try:
                    while True:
                        fh.write(b"\0" * 65536)
                        fh.flush()
                except OSError:
                    pass
            return
        with engine.connect() as conn:
            pages = conn.connection.driver_connection.execute("PRAGMA page_count").fetchone()[0]

        def limit(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        self._listener = limit
        event.listen(engine, "connect", limit)
        engine.dispose()  # pooled connections would not have the limit

    def free(self, hub: HubServer) -> None:
        """Give the space back."""
        if self.kind == "tmpfs":
            self.filler.unlink()
            return
        assert self._listener is not None
        event.remove(hub.db.engine, "connect", self._listener)
        hub.db.engine.dispose()

    def unmount(self) -> None:
        """Remove the tmpfs (after the hub closed its files)."""
        if self.kind == "tmpfs" and os.path.ismount(self.mount):
            subprocess.run(["umount", "-l", str(self.mount)], check=False)


@pytest.fixture(params=["tmpfs", "page_limit"])
def tiny_disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TinyDisk]:
    """A :class:`TinyDisk`; requested before the hub so it is torn down after it."""
    disk = TinyDisk(request.param, tmp_path)
    yield disk
    disk.unmount()


def test_full_disk_answers_503_and_acknowledges_nothing(
    tiny_disk: TinyDisk, hub_factory: Callable[..., HubServer], node_factory: Callable[..., SchoolNode]
) -> None:
    hub = hub_factory(tiny_disk.hub_overrides())
    sender = enrol_sender(hub)
    node = node_factory("node-a", hub_url=hub.url)
    node.enrol(hub.url, hub.issue_token(RSPO_A))
    assert node.sync().ok
    tiny_disk.fill(hub)
    if tiny_disk.kind == "tmpfs":
        # Even a downlink pull must record the contact; it too is answered 503, not a crash.
        report = node.sync()
        assert (report.ok, report.error_code) == (False, "storage_unavailable")
    with node.db.transaction() as session:
        from node_agent.school.models import Subject

        session.add(Subject(code="robot", name="Robotyka"))
    outbox = node.outbox()
    assert len(outbox) == 1
    # Random names do not compress: the batch needs new pages / disk blocks to be stored.
    data = sender.seal(subject_lines(1, 400, name=secrets.token_urlsafe(100)), first_seq=1)
    stored = hub.stored_state()

    response = hub.post_batch(data)
    body = refused(response, 503, "storage_unavailable")
    assert response.headers["Retry-After"] == "30"
    assert body["detail"] == "the hub cannot store data right now; retry later"
    report = node.sync()
    assert (report.ok, report.error_code) == (False, "storage_unavailable")
    assert node.outbox() == outbox and node.state()["acked_through"] == outbox[0][0] - 1
    assert node.state()["last_error"] == "storage_unavailable"

    tiny_disk.free(hub)
    assert hub.stored_state() == stored
    ack = ack_of(sender, data, hub.post_batch(data))  # the very same bytes, now accepted
    assert (ack.status, ack.acked_through, ack.received) == ("accepted", 400, 400)
    report = node.sync()
    assert report.ok and report.sent_changes == 1
    assert node.outbox() == [] and node.state()["acked_through"] == outbox[0][0]
    assert [row[5:] for row in hub.inbox() if row[1] == sender.node_id] == [(1, 400, 400)]
