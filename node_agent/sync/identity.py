"""The node's identity: key pair file, the single ``sync_state`` row, enrolment at the hub."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from node_agent.db import utcnow
from node_agent.sync.models import SyncState
from protocol.keys import KeyPair, PublicKeys
from zszo import keyfiles


class NotEnrolled(RuntimeError):
    """The node has no hub yet: run ``zszo node enrol``."""


def _write_keys(path: Path, keys: KeyPair) -> None:
    keyfiles.write_private(path, keys.to_json())


def load_or_create_keys(path: Path) -> KeyPair:
    """Read the node's private keys, creating them (mode 0600) the first time."""
    if path.exists():
        return KeyPair.from_json(path.read_text())
    keys = KeyPair.generate()
    _write_keys(path, keys)
    return keys


def pending_key_path(path: Path) -> Path:
    """Where a new key pair waits during a rotation until the hub has confirmed it."""
    return path.with_name(path.name + ".new")


def pending_keys(path: Path) -> KeyPair:
    """The new key pair of a rotation: the one already waiting, or a fresh one written now."""
    pending = pending_key_path(path)
    if pending.exists():
        return KeyPair.from_json(pending.read_text())
    keys = KeyPair.generate()
    _write_keys(pending, keys)
    return keys


def promote_pending_keys(path: Path) -> None:
    """Make the waiting pair the node's key (atomic rename); the old private key is gone with it."""
    keyfiles.replace(pending_key_path(path), path)


def discard_pending_keys(path: Path) -> None:
    """Forget a waiting pair the hub refused."""
    pending_key_path(path).unlink(missing_ok=True)


def state(session: Session) -> SyncState:
    """The sync_state row, created with a fresh database epoch if missing."""
    row = session.get(SyncState, 1)
    if row is None:
        row = SyncState(id=1, epoch=str(uuid.uuid4()), acked_through=0, downlink_through=0)
        session.add(row)
        session.flush()
    return row


def hub_keys(row: SyncState) -> PublicKeys:
    """The hub's pinned public keys (from enrolment)."""
    if not row.hub_keys or not row.node_id or not row.hub_id:
        raise NotEnrolled("this node is not enrolled at a hub yet")
    return PublicKeys.from_dict(json.loads(row.hub_keys))


def record_enrolment(session: Session, *, hub_url: str, node_id: str, hub_id: str, hub_public: dict) -> SyncState:
    """Store what the hub answered at enrolment: our node id, its id and pinned keys."""
    row = state(session)
    row.hub_url, row.node_id, row.hub_id = hub_url.rstrip("/"), node_id, hub_id
    row.hub_keys = json.dumps(PublicKeys.from_dict(hub_public).to_dict())
    row.enrolled_at = utcnow()
    return row


def new_epoch(session: Session) -> tuple[str, str]:
    """Start a new database epoch (after a restore from backup); return (old epoch, new epoch).

    Everything still in the outbox is sent again in the new epoch, from the acknowledged position
    the database has; the hub keeps the old epoch's batches and treats the new one as a new stream,
    so no sequence number is ever reused and nothing the hub holds is overwritten by numbering.
    """
    row = state(session)
    old = row.epoch
    row.epoch = str(uuid.uuid4())
    session.flush()
    return old, row.epoch
