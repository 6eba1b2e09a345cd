"""Trust documents at the hub: signing the hub's key list with the city's root key, and serving the newest.

The root key file is brought to the hub only for ``zszo hub root sign`` (keep it offline, e.g. on
a USB stick in the city's safe). Every document lists the current hub key and the retiring ones
still in their grace period, with a version one above the last and a limited validity; nodes
refuse older, expired or foreign ones (protocol/trust.py). All writes happen here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.fleet.keyring import HubKeys
from hub.sync.models import TrustDocumentRecord
from protocol import trust


class TrustSigningError(ValueError):
    """A trust document could not be signed; the message says why."""


def latest(session: Session) -> TrustDocumentRecord | None:
    """The newest signed trust document, or None if the root has signed none yet."""
    return session.scalar(select(TrustDocumentRecord).order_by(TrustDocumentRecord.version.desc()).limit(1))


def sign(session: Session, keys: HubKeys, root: trust.RootKey, *, days: int,
         now: dt.datetime | None = None) -> trust.TrustDocument:
    """Sign the hub's current key list with ``root`` as the next version; store and return it.

    Refuses another root than the one that signed the previous document: every node pinned it.
    """
    now = now or utcnow()
    previous = latest(session)
    if previous is not None and previous.root_fingerprint != root.fingerprint:
        raise TrustSigningError(f"the previous documents were signed by root {previous.root_fingerprint}, "
                                f"not {root.fingerprint}: the nodes trust only that one")
    since = now.replace(microsecond=0)
    hub_keys = [trust.HubKey(keys.current.public, "current", since, None)]
    for _kid, (pair, until) in sorted(keys.retiring.items()):
        if until > now:
            hub_keys.append(trust.HubKey(pair.public, "retiring", since, until.replace(microsecond=0)))
    version = previous.version + 1 if previous is not None else 1
    body = trust.body_of(hub_id=keys.hub_id, version=version, issued_at=now, expires_at=now + dt.timedelta(days=days),
                         hub_keys=hub_keys)
    data = trust.sign(body, root)
    document = trust.verify(data, root=root.public_raw, now=now, hub_id=keys.hub_id,
                            known_version=previous.version if previous else None)
    session.add(TrustDocumentRecord(version=version, document=data, root_fingerprint=root.fingerprint,
                                    current_kid=keys.current.public.kid, expires_at=document.expires_at,
                                    signed_at=now))
    session.flush()
    return document
