"""All writes to the fleet: institutions, enrolment tokens, nodes, node key rotation, revocation.

The hub's own keys are in :mod:`hub.fleet.keyring`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.fleet.models import INSTITUTION_KINDS, EnrolmentToken, Institution, Node, RetiredNodeKey
from hub.sync.models import NodeContact
from protocol.errors import RetiredKey, RevokedSender, UnknownSender, WrongRecipient
from protocol.keys import PublicKeys
from protocol.rotation import Rotation, read_rotation, verify_rotation


class FleetError(ValueError):
    """A fleet operation was refused; ``code`` is stable, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


MAX_NAME, MAX_DISTRICT = 300, 100  # the column sizes (SQLite would not enforce them)


def institution_problems(*, rspo: str, name: str, kind: str, district: str | None = None) -> list[FleetError]:
    """Every rule an institution's data breaks (empty: acceptable), so a form can show them all at once."""
    problems = []
    rspo = rspo.strip()
    # isascii(): str.isdigit() also accepts digits of other scripts ("١٢٣") and superscripts
    if not (rspo.isascii() and rspo.isdigit()) or not 1 <= len(rspo) <= 10:
        problems.append(FleetError("rspo", "the RSPO number has 1-10 digits"))
    if kind not in INSTITUTION_KINDS:
        problems.append(FleetError("kind", f"kind must be one of {', '.join(INSTITUTION_KINDS)}"))
    if not name.strip():
        problems.append(FleetError("name", "the institution needs a name"))
    elif len(name.strip()) > MAX_NAME:
        problems.append(FleetError("name_length", f"the name has more than {MAX_NAME} characters"))
    if district is not None and len(district.strip()) > MAX_DISTRICT:
        problems.append(FleetError("district_length", f"the district has more than {MAX_DISTRICT} characters"))
    return problems


def add_institution(session: Session, *, rspo: str, name: str, kind: str, district: str | None = None) -> Institution:
    """Register (or update) an institution the city runs; raise the first of :func:`institution_problems`."""
    problems = institution_problems(rspo=rspo, name=name, kind=kind, district=district)
    if problems:
        raise problems[0]
    rspo = rspo.strip()
    district = (district or "").strip() or None
    institution = session.get(Institution, rspo)
    if institution is None:
        institution = Institution(rspo=rspo, name=name.strip(), kind=kind, district=district)
        session.add(institution)
    else:
        institution.name, institution.kind, institution.district = name.strip(), kind, district
    session.flush()
    return institution


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def issue_token(session: Session, *, rspo: str, created_by: str, hours: int) -> str:
    """Create a one-time enrolment token for institution ``rspo``; return it (shown only once)."""
    if session.get(Institution, rspo) is None:
        raise FleetError("unknown_institution", f"no institution with RSPO {rspo}")
    token = f"zszo-{rspo}-{secrets.token_urlsafe(24)}"
    session.add(EnrolmentToken(
        token_sha256=_token_hash(token), rspo=rspo, created_by=created_by,
        expires_at=utcnow() + dt.timedelta(hours=hours),
    ))
    session.flush()
    return token


def enrol_node(session: Session, *, token: str, rspo: str, name: str, keys: PublicKeys) -> Node:
    """Register a node's public keys against a valid, unused token for the same institution.

    Repeating an enrolment with the same token and the same keys returns the node registered the
    first time: the server retries when the answer was lost, and its keys cannot be enrolled anew.
    """
    record = session.scalar(select(EnrolmentToken).where(EnrolmentToken.token_sha256 == _token_hash(token)))
    if record is None:
        raise FleetError("token_invalid", "the enrolment token is not valid")
    if record.used_at is not None:
        again = session.get(Node, record.node_id) if record.node_id else None
        if again is not None and again.kid == keys.kid and again.rspo == rspo and again.status == "active":
            return again  # the same server with the same keys: our first answer was lost on the way
        raise FleetError("token_used", "the enrolment token was already used")
    if record.expires_at < utcnow():
        raise FleetError("token_expired", "the enrolment token has expired; ask for a new one")
    if record.rspo != rspo:
        raise FleetError("token_school", "the enrolment token was issued for another institution")
    if _kid_known(session, keys.kid):
        raise FleetError("key_reused", "these keys are already enrolled")
    node = Node(
        id=str(uuid.uuid4()), rspo=rspo, name=name.strip()[:200] or rspo, kid=keys.kid,
        sign_key=keys.to_dict()["sign"], kex_key=keys.to_dict()["kex"], fingerprint=keys.fingerprint,
    )
    session.add(node)
    session.add(NodeContact(node_id=node.id))
    record.used_at, record.node_id = utcnow(), node.id
    session.flush()
    return node


def node_public_keys(node: Node) -> PublicKeys:
    """The registered public keys of ``node``."""
    return _public(node.sign_key, node.kex_key)


def _kid_known(session: Session, kid: str) -> bool:
    """Whether ``kid`` is or was any node's key (a key id is never given to two nodes, nor reused)."""
    return (session.scalar(select(Node.id).where(Node.kid == kid)) is not None
            or session.get(RetiredNodeKey, kid) is not None)


def revoke_node(session: Session, node_id: str, reason: str) -> Node:
    """Revoke a node: from the next request on, its batches are refused and quarantined (hub/sync/quarantine.py).

    Every check reads the node's row from the database, so the revocation counts from the next
    request of any process; the merger stops merging its batches at its next cycle.
    """
    node = session.get(Node, node_id)
    if node is None:
        raise FleetError("unknown_node", f"no node {node_id}")
    if node.status == "revoked":
        raise FleetError("already_revoked", f"node {node_id} was already revoked on {node.revoked_at:%Y-%m-%d %H:%M}")
    if not reason.strip():
        raise FleetError("reason", "give the reason for the revocation")
    node.status, node.revoked_at, node.revoked_reason = "revoked", utcnow(), reason.strip()[:500]
    session.flush()
    return node


def rotate_node_key(session: Session, wire: object, hub_id: str) -> tuple[Rotation, dt.datetime]:
    """Replace a node's key by a rotation request signed by its current and its new key.

    Returns the rotation and when it took effect. A repeated request (the node lost our answer)
    returns the same result without changing anything. Raises a
    :class:`~protocol.errors.ProtocolError` (malformed, unknown, revoked, retired, bad signature)
    or :class:`FleetError` ``key_reused``.
    """
    rotation = read_rotation(wire)
    if rotation.hub_id != hub_id:
        raise WrongRecipient(f"the rotation is addressed to hub {rotation.hub_id!r}")
    node = session.get(Node, rotation.node_id)
    if node is None:
        raise UnknownSender(f"node {rotation.node_id!r} is not enrolled")
    if node.status != "active":
        raise RevokedSender(f"node {node.id} was revoked")
    retired = session.get(RetiredNodeKey, rotation.old_kid)
    if node.kid == rotation.new.kid and retired is not None and retired.node_id == node.id:
        verify_rotation(wire, _public(retired.sign_key, retired.kex_key).sign)
        return rotation, retired.retired_at
    if node.kid != rotation.old_kid:
        if retired is not None and retired.node_id == node.id:
            raise RetiredKey(f"key {rotation.old_kid} was already replaced on {retired.retired_at:%Y-%m-%d %H:%M}")
        raise UnknownSender(f"key {rotation.old_kid!r} is not registered for this node")
    verify_rotation(wire, node_public_keys(node).sign)
    if _kid_known(session, rotation.new.kid):
        raise FleetError("key_reused", "the new key is already registered")
    now = utcnow()
    session.add(RetiredNodeKey(kid=node.kid, node_id=node.id, sign_key=node.sign_key, kex_key=node.kex_key,
                               fingerprint=node.fingerprint, replaced_by=rotation.new.kid, retired_at=now))
    new = rotation.new.to_dict()
    node.kid, node.sign_key, node.kex_key = rotation.new.kid, new["sign"], new["kex"]
    node.fingerprint, node.key_rotated_at = rotation.new.fingerprint, now
    session.flush()
    return rotation, now


def _public(sign: str, kex: str) -> PublicKeys:
    return PublicKeys.from_dict({"sign": sign, "kex": kex})
