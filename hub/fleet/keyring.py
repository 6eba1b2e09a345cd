"""The hub's key pairs: the current one, and old ones still accepted during a rotation's grace period.

``zszo hub rotate-key`` makes a new pair current; the old pair keeps decrypting batches sealed
to it and signing the answers to them until its ``valid_until`` (nodes learn the new key from the
trust document signed by the city's root key, docs/operations.md). Each private key lives in a
file written once with mode 0600: the current one at ``paths.keys`` and every pair also as
``hub-key-<kid>.json`` beside it, so a rotation interrupted at any point loads the key the
database names. The database (:class:`~hub.sync.models.HubIdentity`, :class:`~hub.sync.models.HubKeyRecord`)
decides which keys are valid; a file alone never makes a key valid.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import Database, utcnow
from hub.sync.models import HubIdentity, HubKeyRecord
from protocol.keys import KeyPair
from zszo import keyfiles

REFRESH_SECONDS = 5.0


class KeyringError(ValueError):
    """The hub's keys cannot be loaded or rotated; ``code`` is stable, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class HubKeys:
    """The hub's id, current key pair and the retiring pairs still valid (shared by all threads).

    The pairs are swapped as one tuple, so a reader never sees half a rotation.
    """

    def __init__(self, hub_id: str, current: KeyPair,
                 retiring: dict[str, tuple[KeyPair, dt.datetime]] | None = None) -> None:
        self.hub_id = hub_id
        self._ring = (current, dict(retiring or {}))
        self._checked = time.monotonic()
        self._lock = threading.Lock()

    @property
    def current(self) -> KeyPair:
        """The pair new answers are signed with and nodes are told to seal to."""
        return self._ring[0]

    @property
    def retiring(self) -> dict[str, tuple[KeyPair, dt.datetime]]:
        """Old pairs with the end of their grace period (some may have ended: see :meth:`usable`)."""
        return self._ring[1]

    def usable(self, now: dt.datetime | None = None) -> dict[str, KeyPair]:
        """Every pair accepted at ``now`` by key id: the current one and retiring ones within their grace."""
        now = now or utcnow()
        current, retiring = self._ring
        pairs = {kid: pair for kid, (pair, until) in retiring.items() if now < until}
        pairs[current.public.kid] = current
        return pairs

    @property
    def all(self) -> dict[str, KeyPair]:
        """Same as :meth:`usable` now."""
        return self.usable()

    def signer_for(self, kid: str) -> KeyPair:
        """The pair to sign an answer to a node that sealed to ``kid``: that one while valid, else the current one."""
        return self.usable().get(kid, self.current)

    def replace(self, other: HubKeys) -> None:
        """Take over ``other``'s pairs (after a rotation made by another process)."""
        self._ring = other._ring

    def refresh(self, db: Database, keys_path: Path, *, force: bool = False) -> None:
        """Reload from the database when another process rotated the keys (checked every few seconds)."""
        if not force and time.monotonic() - self._checked < REFRESH_SECONDS:
            return
        with self._lock:
            self._checked = time.monotonic()
            with db.reading() as session:
                kid = session.scalar(select(HubIdentity.kid).where(HubIdentity.id == 1))
                valid = {(k, until) for k, until in session.execute(
                    select(HubKeyRecord.kid, HubKeyRecord.valid_until).where(HubKeyRecord.valid_until > utcnow()))}
                if kid == self.current.public.kid and valid == {(k, until) for k, (_, until) in self.retiring.items()}:
                    return
                self.replace(load_identity(session, keys_path))


def key_file(keys_path: Path, kid: str) -> Path:
    """Where the pair ``kid`` is kept besides ``paths.keys``."""
    return keys_path.with_name(f"hub-key-{kid}.json")


def write_key_file(path: Path, keys: KeyPair) -> None:
    """Write ``keys`` to ``path`` readable by the owner only (created 0600, never world-readable), durably."""
    keyfiles.write_private(path, keys.to_json())


def _read_pair(keys_path: Path, kid: str) -> KeyPair:
    for path in (keys_path, key_file(keys_path, kid)):
        if path.exists():
            pair = KeyPair.from_json(path.read_text())
            if pair.public.kid == kid:
                return pair
    raise KeyringError("key_missing", f"no key file holds the hub key {kid} ({keys_path}, {key_file(keys_path, kid)})")


def init_identity(session: Session, keys_path: Path) -> HubKeys:
    """Create the hub's id and keys on first start; load them afterwards."""
    identity = session.get(HubIdentity, 1)
    if identity is None:
        if keys_path.exists():
            keys = KeyPair.from_json(keys_path.read_text())
        else:
            keys = KeyPair.generate()
            write_key_file(keys_path, keys)
        identity = HubIdentity(id=1, hub_id=str(uuid.uuid4()), kid=keys.public.kid)
        session.add(identity)
        session.flush()
    return load_identity(session, keys_path)


def load_identity(session: Session, keys_path: Path) -> HubKeys:
    """Load the hub's id, current pair and the retiring pairs whose grace has not ended."""
    identity = session.get(HubIdentity, 1)
    if identity is None:
        raise KeyringError("not_initialised", "the hub is not initialised: run `zszo hub init`")
    try:
        current = _read_pair(keys_path, identity.kid)
    except KeyringError:
        holder = KeyPair.from_json(keys_path.read_text()).public.kid if keys_path.exists() else "nothing"
        raise KeyringError("key_mismatch", f"{keys_path} holds key {holder}, the hub expects {identity.kid}") from None
    now = utcnow()
    retiring = {}
    for record in session.scalars(select(HubKeyRecord).where(HubKeyRecord.valid_until > now)):
        retiring[record.kid] = (_read_pair(keys_path, record.kid), record.valid_until)
    return HubKeys(identity.hub_id, current, retiring)


def rotate(session: Session, keys_path: Path, *, grace: dt.timedelta) -> tuple[KeyPair, KeyPair]:
    """Make a new hub key pair current; the old one stays valid for ``grace``. Return (old, new).

    The new pair's file is written before the database names it; call :func:`promote` after
    the commit to make ``paths.keys`` hold it (the hub finds it either way).
    """
    keys = load_identity(session, keys_path)
    old, new = keys.current, KeyPair.generate()
    if not key_file(keys_path, old.public.kid).exists():
        write_key_file(key_file(keys_path, old.public.kid), old)
    write_key_file(key_file(keys_path, new.public.kid), new)
    now = utcnow()
    public = old.public.to_dict()
    session.add(HubKeyRecord(kid=old.public.kid, sign_key=public["sign"], kex_key=public["kex"],
                             retired_at=now, valid_until=now + grace))
    identity = session.get(HubIdentity, 1)
    assert identity is not None
    identity.kid = new.public.kid
    session.flush()
    return old, new


def promote(keys_path: Path, new: KeyPair) -> None:
    """After the commit of :func:`rotate`: make ``paths.keys`` hold the new pair (atomic rename)."""
    tmp = keys_path.with_name(keys_path.name + ".new")
    tmp.unlink(missing_ok=True)
    write_key_file(tmp, new)
    keyfiles.replace(tmp, keys_path)


def prune(session: Session, keys_path: Path) -> list[Path]:
    """Delete the files of old pairs whose grace period has ended (they are never used again)."""
    now, removed = utcnow(), []
    for record in session.scalars(select(HubKeyRecord).where(HubKeyRecord.valid_until <= now)):
        path = key_file(keys_path, record.kid)
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed
