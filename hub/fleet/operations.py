"""All writes to the fleet: the hub's identity, institutions, enrolment tokens, nodes, revocation."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.fleet.models import INSTITUTION_KINDS, EnrolmentToken, Institution, Node
from hub.sync.models import HubIdentity, NodeContact
from protocol.keys import KeyPair, PublicKeys


class FleetError(ValueError):
    """A fleet operation was refused; ``code`` is stable, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class HubKeys:
    """The hub's identity: id, current key pair, and every key pair it can still decrypt with."""

    hub_id: str
    current: KeyPair
    all: dict[str, KeyPair]


def write_key_file(path: Path, keys: KeyPair) -> None:
    """Write ``keys`` to ``path`` readable by the owner only (created 0600, never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(keys.to_json())


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
    """Load the hub's id and keys; raise FleetError if they do not match each other."""
    identity = session.get(HubIdentity, 1)
    if identity is None:
        raise FleetError("not_initialised", "the hub is not initialised: run `zszo hub init`")
    keys = KeyPair.from_json(keys_path.read_text())
    if keys.public.kid != identity.kid:
        raise FleetError("key_mismatch", f"{keys_path} holds key {keys.public.kid}, the hub expects {identity.kid}")
    return HubKeys(identity.hub_id, keys, {keys.public.kid: keys})


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
    if session.scalar(select(Node.id).where(Node.kid == keys.kid)) is not None:
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
    return PublicKeys.from_dict({"sign": node.sign_key, "kex": node.kex_key})


def revoke_node(session: Session, node_id: str, reason: str) -> Node:
    """Revoke a node: from the next request on, its batches are refused (effective immediately)."""
    node = session.get(Node, node_id)
    if node is None:
        raise FleetError("unknown_node", f"no node {node_id}")
    node.status, node.revoked_at, node.revoked_reason = "revoked", utcnow(), reason[:500]
    session.flush()
    return node
