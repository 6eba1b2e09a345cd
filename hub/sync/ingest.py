"""Uplink ingest: verify, de-duplicate, check sequence and scope, commit to the inbox, then ack.

Order matters and is fixed: sizes → header → addressee → sender (enrolled, not revoked) →
signature (before any decryption) → duplicate/sequence checks → decrypt and inflate with limits →
payload structure and school scope → one durable SQLite transaction (inbox row + sync state)
→ signed ack. Nothing is acknowledged that is not committed; a repeated batch gets the same
answer and is never stored twice. Field-level validation of each record happens in the merger,
so one bad record is rejected on its own and never blocks the school's queue.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import Database, utcnow
from hub.fleet.models import Node
from hub.fleet.operations import HubKeys, node_public_keys
from hub.sync.models import InboxBatch, NodeContact, NodeSyncState, SecurityEvent
from protocol import changes as changes_codec
from protocol import envelope
from protocol.acks import Ack, sign_ack
from protocol.entities import ENTITIES
from protocol.errors import (
    BadSignature,
    Conflict,
    HeaderInvalid,
    ProtocolError,
    RevokedSender,
    ScopeViolation,
    SequenceGap,
    UnknownSender,
)

log = logging.getLogger(__name__)
SECURITY_CODES = {BadSignature.code, RevokedSender.code, Conflict.code, ScopeViolation.code}


@dataclass(frozen=True)
class Accepted:
    """Result of a successful ingest: the signed wire ack, and whether a new batch was stored."""

    ack: dict
    stored: bool
    changes: int


class Ingestor:
    """Turns uplink envelope bytes into inbox rows and signed acks."""

    def __init__(self, db: Database, keys: HubKeys, limits: envelope.Limits,
                 on_stored: Callable[[], None] | None = None) -> None:
        self.db = db
        self.keys = keys
        self.limits = limits
        self.on_stored = on_stored or (lambda: None)
        self._node_cache_lock = threading.Lock()

    def ingest(self, data: bytes, remote_addr: str | None = None) -> Accepted:
        """Process one envelope; return the ack or raise a :class:`~protocol.errors.ProtocolError`."""
        sealed = envelope.parse(data, self.limits)
        node_id = sealed.header["from"]
        try:
            return self._ingest(sealed)
        except ProtocolError as exc:
            self._record_failure(node_id, exc, remote_addr)
            raise

    def _ingest(self, sealed: envelope.Sealed) -> Accepted:
        header = sealed.header
        if sealed.kind != "uplink":
            raise HeaderInvalid("expected an uplink envelope")
        sealed.check_recipient(self.keys.hub_id, self.keys.all)
        with self.db.reading() as session:
            node = session.get(Node, header["from"])
            if node is None:
                raise UnknownSender(f"node {header['from']!r} is not enrolled")
            if node.kid != header["from_kid"]:
                raise UnknownSender(f"key {header['from_kid']!r} is not registered for this node")
            if node.status != "active":
                raise RevokedSender(f"node {node.id} was revoked")
            sealed.verify(node_public_keys(node).sign)
            quick = self._known(session, node, header)
            rspo = node.rspo
        if quick is not None:
            return quick
        compressed, payload = sealed.decrypt_both(self.keys.all[header["to_kid"]], self.limits)
        records = changes_codec.decode_records(
            payload, first_seq=header["first_seq"], last_seq=header["last_seq"], count=header["count"],
            schema=header["schema"],
        )
        for change in records:
            name = change["entity"]
            if ENTITIES[name].owner != "school":
                raise ScopeViolation(f"change {change['seq']}: {name} is owned by the hub")
            if name == "school" and change["data"] is not None and change["data"].get("rspo") != rspo:
                raise ScopeViolation(f"change {change['seq']}: data of another school "
                                     f"(RSPO {change['data'].get('rspo')})")
        with self.db.transaction() as session:
            node = session.get(Node, header["from"])
            assert node is not None
            if node.status != "active":  # revoked while we were decrypting
                raise RevokedSender(f"node {node.id} was revoked")
            again = self._known(session, node, header)
            if again is not None:
                return again
            state = session.get(NodeSyncState, (node.id, header["epoch"]))
            if state is None:
                state = NodeSyncState(node_id=node.id, epoch=header["epoch"], acked_through=0, batches=0, changes=0)
                session.add(state)
            session.add(InboxBatch(
                node_id=node.id, rspo=node.rspo, epoch=header["epoch"], batch_id=header["id"],
                first_seq=header["first_seq"], last_seq=header["last_seq"], count=header["count"],
                header=sealed.header_bytes.decode("utf-8"), signature=sealed.signature,
                ciphertext_sha256=sealed.ciphertext_sha256, payload_zlib=compressed,
            ))
            now = utcnow()
            state.acked_through = header["last_seq"]
            state.batches += 1
            state.changes += header["count"]
            state.last_batch_at = now
            contact = session.get(NodeContact, node.id) or NodeContact(node_id=node.id)
            contact.last_contact_at = contact.last_success_at = now
            contact.current_epoch = header["epoch"]
            session.add(contact)
            ack = self._ack(node.id, header, "accepted", header["last_seq"])
        self.on_stored()
        return Accepted(ack, stored=True, changes=header["count"])

    def _known(self, session: Session, node: Node, header: dict) -> Accepted | None:
        """Answer replays and lost-ack resends without storing anything; raise on gaps and conflicts."""
        existing = session.scalar(select(InboxBatch).where(
            InboxBatch.node_id == node.id, InboxBatch.batch_id == header["id"]))
        state = session.get(NodeSyncState, (node.id, header["epoch"]))
        acked = state.acked_through if state else 0
        if existing is not None:
            stored = json.loads(existing.header)
            same = all(stored[k] == header[k] for k in ("epoch", "first_seq", "last_seq", "payload_sha256"))
            if not same:
                raise Conflict(f"batch {header['id']} was already received with other content")
            return Accepted(self._ack(node.id, header, "duplicate", acked), stored=False, changes=0)
        if header["first_seq"] <= acked:
            # Everything up to ``acked`` is already held (the node lost our ack): confirm, store nothing.
            return Accepted(self._ack(node.id, header, "duplicate", acked), stored=False, changes=0)
        if header["first_seq"] != acked + 1:
            raise SequenceGap(f"batch starts at {header['first_seq']}, expected {acked + 1}", expected_seq=acked + 1)
        return None

    def _ack(self, node_id: str, header: dict, status: str, acked_through: int) -> dict:
        ack = Ack(node_id=node_id, epoch=header["epoch"], batch_id=header["id"], status=status,
                  acked_through=acked_through, received=header["count"] if status == "accepted" else 0,
                  hub_id=self.keys.hub_id, hub_kid=self.keys.current.public.kid)
        return sign_ack(ack, self.keys.current)

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
