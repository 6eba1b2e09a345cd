"""The node's side of the city's trust data: pin the root key at enrolment, then follow its documents.

At enrolment the administrator types the root fingerprint the city gave them; the node takes the
root key from the hub's trust document only if it has exactly that fingerprint and the document
verifies. Later, at the start of every sync, the document the hub shows in ``/hello`` is checked
against the pinned root (protocol/trust.py): an older version (rollback), another root, a bad
signature, another hub or a malformed document stops the sync with its own code; an expired one
is not adopted and the school is told (a notice: the node goes on with the hub key it already
trusts, because a wrong clock on the school's server must not stop its sync). An adopted
document's current hub key becomes the key the node seals to and verifies answers with.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from node_agent.db import Database, utcnow
from node_agent.sync import identity
from node_agent.sync.models import SyncState
from protocol import trust
from protocol.keys import b64, unb64


def check_first(text: object, fingerprint: str, hub_id: str | None = None) -> trust.TrustDocument:
    """Verify the hub's trust document against the root fingerprint the administrator typed."""
    if not isinstance(text, str):
        raise trust.TrustMalformed("the hub has no trust document signed by the city's root key yet")
    try:
        wanted = trust.normalise_fingerprint(fingerprint)
    except ValueError as exc:
        raise trust.TrustMalformed(str(exc)) from None
    data = text.encode("utf-8")
    root = trust.unverified_root(data)
    if trust.fingerprint_of(root) != wanted:
        raise trust.TrustWrongRoot(f"the document is signed by root {trust.fingerprint_of(root)}, not {wanted}")
    return trust.verify(data, root=root, now=utcnow(), hub_id=hub_id)


def pin(row: SyncState, document: trust.TrustDocument) -> None:
    """Remember the root, the document's version and hash, and seal to its current hub key from now on."""
    row.root_key = b64(document.root)
    row.trust_version, row.trust_sha256 = document.version, document.sha256
    row.hub_keys = json.dumps(document.current_hub_key.to_dict())


def follow(db: Database, text: object) -> list[str]:
    """Check the document from ``/hello`` against the pinned root; adopt it if newer. Return notices.

    Raises a :class:`protocol.trust.TrustError` (its code names the reason) unless the document
    is acceptable or merely expired. Nodes without a pinned root ignore trust data.
    """
    with db.read_session() as session:
        row = identity.state(session)
        root, version, sha, hub_id = row.root_key, row.trust_version, row.trust_sha256, row.hub_id
    if root is None or not isinstance(text, str):
        return []
    data = text.encode("utf-8")
    try:
        document = trust.verify(data, root=unb64(root, 32), now=utcnow(), hub_id=hub_id, known_version=version,
                                known_sha256=sha)
    except trust.TrustExpired:
        return ["trust_expired"]
    if document.sha256 != sha:
        with db.transaction() as session:
            _pin_in(session, document)
    return []


def _pin_in(session: Session, document: trust.TrustDocument) -> None:
    pin(identity.state(session), document)
