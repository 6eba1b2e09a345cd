"""Verifying a school's e-journal archive file at the hub, with the keys of that school's nodes.

The hub registered every node's Ed25519 key at enrolment and keeps keys replaced by a rotation
(:class:`~hub.fleet.models.RetiredNodeKey`), so it can check any archive file a school made, even
one signed before a rotation, without trusting the key written in the file. Keys of a revoked node
(a stolen server) are not trusted: a file it signed is reported as such.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.fleet.models import Node, RetiredNodeKey
from protocol import ejournal
from protocol.keys import unb64


def school_keys(session: Session, rspo: str) -> list[Ed25519PublicKey]:
    """Signing keys of the active nodes of the institution ``rspo``, current and retired by rotation."""
    nodes = list(session.scalars(select(Node).where(Node.rspo == rspo, Node.status == "active")))
    raw = [n.sign_key for n in nodes]
    if nodes:
        raw += session.scalars(select(RetiredNodeKey.sign_key).where(RetiredNodeKey.node_id.in_([n.id for n in nodes])))
    return [Ed25519PublicKey.from_public_bytes(unb64(text, 32)) for text in raw]


def verify_file(session: Session, data: bytes) -> ejournal.Verdict:
    """Verify archive file ``data`` against the keys the hub knows for the school named in it."""
    first = ejournal.verify(data, [])
    rspo = first.summary.get("rspo")
    if not rspo:
        return first
    verdict = ejournal.verify(data, school_keys(session, rspo))
    if not verdict.ok and not school_keys(session, rspo):
        verdict.problems.insert(0, f"the hub knows no active node of the school with RSPO {rspo}")
    return verdict
