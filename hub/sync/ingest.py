"""Uplink ingest: verify, de-duplicate, check sequence and scope, commit to the inbox, then ack.

Order matters and is fixed: sizes → header → addressee → sender (enrolled, not revoked) →
signature (before any decryption) → duplicate/sequence checks → decrypt and inflate with limits →
payload structure (canonical change lines, checked without parsing every record) and school
scope → one durable SQLite transaction (inbox row + sync state) → signed ack. Nothing is
acknowledged that is not committed; a repeated batch gets the same answer and is never stored
twice. Field-level validation of each record happens in the merger,
so one bad record is rejected on its own and never blocks the school's queue.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Row, select

from hub.db import Database, utcnow
from hub.fleet.keyring import HubKeys
from hub.fleet.models import Node, RetiredNodeKey
from hub.sync import quarantine
from hub.sync.models import InboxBatch, NodeContact, NodeSyncState, SecurityEvent
from protocol import changes as changes_codec
from protocol import envelope, upcast
from protocol.acks import Ack, sign_ack
from protocol.entities import ENTITIES
from protocol.errors import (
    BadSignature,
    Conflict,
    HeaderInvalid,
    PayloadInvalid,
    ProtocolError,
    RetiredKey,
    RevokedSender,
    ScopeViolation,
    SequenceGap,
    UnknownSender,
)
from protocol.keys import unb64

log = logging.getLogger(__name__)
_NODE, _INBOX = Node.__table__, InboxBatch.__table__
_STATE, _CONTACT = NodeSyncState.__table__, NodeContact.__table__
_RETIRED = RetiredNodeKey.__table__
SECURITY_CODES = {BadSignature.code, RevokedSender.code, RetiredKey.code, Conflict.code, ScopeViolation.code}


@dataclass(frozen=True)
class Accepted:
    """Result of a successful ingest: the signed wire ack, and whether a new batch was stored."""

    ack: dict
    stored: bool
    changes: int
    resend: bool = False  # a new batch id over sequence numbers already held: content must match


def _record(line: str) -> dict | None:
    """The record of one change line (None for a delete); a malformed one is a payload error."""
    try:
        data = json.loads(line)["data"]
    except (ValueError, RecursionError, TypeError, KeyError) as exc:
        raise PayloadInvalid("a school record is not valid JSON") from exc
    if data is not None and type(data) is not dict:
        raise PayloadInvalid("a school record is not an object")
    return data


class Ingestor:
    """Turns uplink envelope bytes into inbox rows and signed acks."""

    def __init__(self, db: Database, keys: HubKeys, limits: envelope.Limits,
                 on_stored: Callable[[], None] | None = None, quarantine_max: int = 100) -> None:
        self.db = db
        self.keys = keys
        self.limits = limits
        self.on_stored = on_stored or (lambda: None)
        self.quarantine_max = quarantine_max

    def ingest(self, data: bytes, remote_addr: str | None = None) -> Accepted:
        """Process one envelope; return the ack or raise a :class:`~protocol.errors.ProtocolError`."""
        sealed = envelope.parse(data, self.limits)
        node_id = sealed.header["from"]
        try:
            return self._ingest(sealed, data)
        except ProtocolError as exc:
            self._record_failure(node_id, exc, remote_addr)
            raise

    def _ingest(self, sealed: envelope.Sealed, data: bytes) -> Accepted:
        header = sealed.header
        if sealed.kind != "uplink":
            raise HeaderInvalid("expected an uplink envelope")
        sealed.check_recipient(self.keys.hub_id, self.keys.usable())
        # SQLAlchemy Core, not the ORM: this path runs for every batch of every school.
        with self.db.engine.connect().execution_options(sqlite_begin="DEFERRED") as conn, conn.begin():
            node = self._node(conn, header)
            sealed.verify(Ed25519PublicKey.from_public_bytes(unb64(node.sign_key, 32)))
            revoked = node.status != "active"
            quick = None if revoked else self._known(conn, node.id, header)
        if revoked:
            self._quarantine(node.id, header, data)
        if quick is not None and not quick.resend:
            return quick
        compressed, payload = sealed.decrypt_both(self.keys.usable()[header["to_kid"]], self.limits)
        if quick is not None:
            self._check_resend(node.id, header, payload)
            return quick
        ahead = upcast.ahead(header["schema"])
        if ahead:
            # A node upgraded before the hub: keep its batch safe (stored, acknowledged) and let
            # the merger hold it until this hub understands it (hub/warehouse/plan.py).
            changes_codec.check_count(payload, header["count"])
            log.info("batch %s of node %s is ahead of this hub's schema (%s): stored and held",
                     header["id"], header["from"], ", ".join(ahead))
            lines = []
        else:
            lines = changes_codec.check_lines(
                payload, first_seq=header["first_seq"], last_seq=header["last_seq"], count=header["count"],
                schema=header["schema"],
            )
        for offset, (name, line) in enumerate(lines):
            if ENTITIES[name].owner != "school":
                raise ScopeViolation(f"change {header['first_seq'] + offset}: {name} is owned by the hub")
            if name == "school":  # the only record whose content decides scope: parse just these
                record = _record(line)
                if record is not None and record.get("rspo") != node.rspo:
                    raise ScopeViolation(f"change {header['first_seq'] + offset}: data of another school "
                                         f"(RSPO {record.get('rspo')})")
        accepted = self._store(sealed, compressed, payload)
        if accepted is None:  # revoked while we were decrypting
            self._quarantine(node.id, header, data)
        return accepted

    def _store(self, sealed: envelope.Sealed, compressed: bytes, payload: bytes) -> Accepted | None:
        """Commit a verified batch to the inbox and sign the ack; None if the node is revoked by now."""
        header = sealed.header
        with self.db.engine.begin() as conn:  # BEGIN IMMEDIATE: one writer, re-check under the lock
            node = self._node(conn, header)
            if node.status != "active":
                return None
            again = self._known(conn, node.id, header)
            if again is not None:
                if again.resend:
                    self._check_resend(node.id, header, payload, conn)
                return again
            now = utcnow()
            conn.execute(_INBOX.insert().values(
                node_id=node.id, rspo=node.rspo, epoch=header["epoch"], batch_id=header["id"],
                first_seq=header["first_seq"], last_seq=header["last_seq"], count=header["count"],
                header=sealed.header_bytes.decode("utf-8"), signature=sealed.signature,
                ciphertext_sha256=sealed.ciphertext_sha256, payload_zlib=compressed, received_at=now,
            ))
            key = (_STATE.c.node_id == node.id) & (_STATE.c.epoch == header["epoch"])
            updated = conn.execute(_STATE.update().where(key).values(
                acked_through=header["last_seq"], batches=_STATE.c.batches + 1,
                changes=_STATE.c.changes + header["count"], last_batch_at=now,
            )).rowcount
            if not updated:
                conn.execute(_STATE.insert().values(
                    node_id=node.id, epoch=header["epoch"], acked_through=header["last_seq"], batches=1,
                    changes=header["count"], first_seen_at=now, last_batch_at=now,
                ))
            contact = {"last_contact_at": now, "last_success_at": now, "current_epoch": header["epoch"]}
            if not conn.execute(_CONTACT.update().where(_CONTACT.c.node_id == node.id).values(**contact)).rowcount:
                conn.execute(_CONTACT.insert().values(node_id=node.id, **contact))
            ack = self._ack(node.id, header, "accepted", header["last_seq"])
        self.on_stored()
        return Accepted(ack, stored=True, changes=header["count"])

    @staticmethod
    def _node(conn: Connection, header: dict) -> Row:
        """The sending node's row (maybe revoked: the caller checks); raise unless enrolled with this key.

        Read from the database for every batch, never cached: a revocation or a key rotation
        counts from the next batch on.
        """
        node = conn.execute(select(_NODE.c.id, _NODE.c.kid, _NODE.c.status, _NODE.c.rspo, _NODE.c.sign_key)
                            .where(_NODE.c.id == header["from"])).first()
        if node is None:
            raise UnknownSender(f"node {header['from']!r} is not enrolled")
        if node.kid != header["from_kid"]:
            retired = conn.execute(select(_RETIRED.c.retired_at).where(
                _RETIRED.c.node_id == node.id, _RETIRED.c.kid == header["from_kid"])).scalar()
            if retired is not None:
                raise RetiredKey(f"key {header['from_kid']} was replaced by a key rotation at {retired:%Y-%m-%d %H:%M}")
            raise UnknownSender(f"key {header['from_kid']!r} is not registered for this node")
        return node

    def _quarantine(self, node_id: str, header: dict, data: bytes) -> NoReturn:
        """Keep an authentic batch of a revoked node aside (bounded), then refuse it: never an ack."""
        with self.db.engine.begin() as conn:
            kept = quarantine.keep_envelope(conn, node_id, header, data, self.quarantine_max)
        where = "kept in quarantine" if kept else "not kept: the quarantine of this node is full"
        raise RevokedSender(f"node {node_id} was revoked; batch {header['id']} {where}")

    def _known(self, conn: Connection, node_id: str, header: dict) -> Accepted | None:
        """Answer replays and lost-ack resends without storing anything; raise on gaps and conflicts."""
        existing = conn.execute(select(_INBOX.c.header).where(
            _INBOX.c.node_id == node_id, _INBOX.c.batch_id == header["id"])).scalar()
        acked = conn.execute(select(_STATE.c.acked_through).where(
            _STATE.c.node_id == node_id, _STATE.c.epoch == header["epoch"])).scalar()
        if acked is None and existing is None:
            # The first batch of a new stream (a new node, or a node that started a new epoch after
            # its database was restored): its first sequence number is the stream's base.
            return None
        acked = acked or 0
        if existing is not None:
            stored = json.loads(existing)
            same = all(stored[k] == header[k] for k in ("epoch", "first_seq", "last_seq", "payload_sha256"))
            if not same:
                raise Conflict(f"batch {header['id']} was already received with other content")
            return Accepted(self._ack(node_id, header, "duplicate", acked), stored=False, changes=0)
        if header["first_seq"] <= acked:
            # Everything up to ``acked`` is already held (the node lost our ack): confirm, store nothing
            # — once _check_resend has seen that the changes are the ones we hold.
            return Accepted(self._ack(node_id, header, "duplicate", acked), stored=False, changes=0, resend=True)
        if header["first_seq"] != acked + 1:
            raise SequenceGap(f"batch starts at {header['first_seq']}, expected {acked + 1}", expected_seq=acked + 1)
        return None

    def _check_resend(self, node_id: str, header: dict, payload: bytes, conn: Connection | None = None) -> None:
        """Raise :class:`Conflict` unless a resent batch repeats the changes held under its sequence numbers.

        A node whose database was restored from a backup numbers its new changes with sequence
        numbers we already hold, with other content; calling them duplicates would drop them for
        good (the node trims what we acknowledge). Only resends get here (rare), so the cost of
        parsing both sides does not matter.
        """
        try:
            sent = {c["seq"]: c for c in map(json.loads, payload.decode("utf-8").splitlines())}
        except (ValueError, TypeError, KeyError) as exc:
            raise PayloadInvalid("a resent batch is not valid change lines") from exc
        query = select(_INBOX.c.payload_zlib).where(
            _INBOX.c.node_id == node_id, _INBOX.c.epoch == header["epoch"],
            _INBOX.c.last_seq >= header["first_seq"], _INBOX.c.first_seq <= header["last_seq"])
        if conn is None:
            with self.db.engine.connect().execution_options(sqlite_begin="DEFERRED") as reader, reader.begin():
                blobs = reader.execute(query).scalars().all()
        else:
            blobs = conn.execute(query).scalars().all()
        held = {c["seq"]: c for blob in blobs for c in map(json.loads, zlib.decompress(blob).decode().splitlines())}
        for seq in sorted(set(sent) & set(held)):
            if sent[seq] != held[seq]:
                raise Conflict(f"change {seq} of epoch {header['epoch']} was received before with other content: "
                               "the node's database was restored from a backup and must start a new epoch")

    def _ack(self, node_id: str, header: dict, status: str, acked_through: int) -> dict:
        ack = Ack(node_id=node_id, epoch=header["epoch"], batch_id=header["id"], status=status,
                  acked_through=acked_through, received=header["count"] if status == "accepted" else 0,
                  hub_id=self.keys.hub_id, hub_kid="")
        # Answer with the key the node sealed to (it may not know a newer one yet: key rotation).
        signer = self.keys.signer_for(header["to_kid"])
        return sign_ack(Ack(**{**ack.to_dict(), "hub_kid": signer.public.kid}), signer)

    def _record_failure(self, node_id: str, exc: ProtocolError, remote_addr: str | None) -> None:
        """Note the error on the node's status line; security-relevant ones become events."""
        try:
            with self.db.transaction() as session:
                if session.get(Node, node_id) is None:
                    return  # never let unauthenticated noise write rows for unknown ids
                contact = session.get(NodeContact, node_id) or NodeContact(node_id=node_id)
                contact.last_contact_at = contact.last_error_at = utcnow()
                contact.last_error = f"{exc.code}: {exc.detail}"[:1000]
                session.add(contact)
                if exc.code in SECURITY_CODES:
                    session.add(SecurityEvent(node_id=node_id, code=exc.code, detail=exc.detail[:1000],
                                              remote_addr=(remote_addr or "")[:64]))
        except Exception:  # noqa: BLE001 - bookkeeping must never mask the original rejection
            log.exception("could not record a sync failure for node %s", node_id)
