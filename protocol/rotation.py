"""Key rotation requests from nodes, and short statements the hub signs for them.

A **rotation request** replaces a node's key pair. It is signed by the old key (the hub knows
it: only the enrolled node can ask) and by the new key (proof that the node holds it, so nobody
can register a key they cannot use or attach someone else's public key). Both signatures cover
the same body, each under its own role tag, so one can never stand in for the other.

A **hub statement** is a signed answer a node must be able to trust although it did not come
in an envelope: a *refusal* (this node is revoked), a *rotation receipt* (the hub now knows the
new key) and an *epoch start* (where the sequence numbers of a new database epoch begin). The
node checks it against the hub keys it trusts (pinned at enrolment or from trust data).

Pure: no I/O, no clock. It must never accept a request or statement with a missing signature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol import canonical
from protocol.errors import BadSignature, HeaderInvalid
from protocol.keys import KeyPair, PublicKeys, b64, unb64

ROTATION_DOMAIN = b"zszo/rotate-key/v1\x00"
STATEMENT_DOMAIN = b"zszo/hub-statement/v1\x00"
ROTATION_FIELDS = ("node_id", "epoch", "sealed_through", "old_kid", "new_keys")
STATEMENT_FIELDS: dict[str, tuple[str, ...]] = {
    "refusal": ("node_id", "code", "revoked_at"),
    "rotation_receipt": ("node_id", "old_kid", "new_kid", "old_valid_until", "sealed_through"),
    "epoch_start": ("node_id", "epoch", "previous_epoch", "starts_after"),
}
COMMON_STATEMENT_FIELDS = ("kind", "hub_id", "hub_kid")


@dataclass(frozen=True)
class Rotation:
    """A node's request to replace its key pair.

    ``sealed_through`` is the highest sequence number the node may have sealed with the old
    key: the hub accepts the old key for a short overlap, and only for batches up to it.
    """

    node_id: str
    epoch: str
    sealed_through: int
    old_kid: str
    new: PublicKeys

    def body(self) -> dict[str, Any]:
        """What both keys sign."""
        return {"node_id": self.node_id, "epoch": self.epoch, "sealed_through": self.sealed_through,
                "old_kid": self.old_kid, "new_keys": self.new.to_dict()}


def _message(role: bytes, body: dict[str, Any]) -> bytes:
    return ROTATION_DOMAIN + role + b"\x00" + canonical.dumps(body)


def sign_rotation(old: KeyPair, new: KeyPair, *, node_id: str, epoch: str, sealed_through: int) -> dict[str, Any]:
    """The wire form ``{"rotation": body, "old_sig": …, "new_sig": …}``."""
    rotation = Rotation(node_id, epoch, sealed_through, old.public.kid, new.public)
    body = rotation.body()
    return {"rotation": body, "old_sig": b64(old.sign.sign(_message(b"old", body))),
            "new_sig": b64(new.sign.sign(_message(b"new", body)))}


def read_rotation(wire: Any) -> Rotation:
    """Parse a rotation request without checking signatures (to find the node and its old key)."""
    try:
        body = wire["rotation"]
        if type(body) is not dict or set(body) != set(ROTATION_FIELDS) or set(wire) != {"rotation", "old_sig",
                                                                                          "new_sig"}:
            raise ValueError("unexpected fields")
        rotation = Rotation(body["node_id"], body["epoch"], body["sealed_through"], body["old_kid"],
                            PublicKeys.from_dict(body["new_keys"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise HeaderInvalid(f"malformed rotation request: {exc}") from None
    for name in ("node_id", "epoch", "old_kid"):
        value = getattr(rotation, name)
        if type(value) is not str or not 0 < len(value) <= 64:
            raise HeaderInvalid(f"malformed rotation request: {name}")
    if type(rotation.sealed_through) is not int or rotation.sealed_through < 0:
        raise HeaderInvalid("malformed rotation request: sealed_through")
    if rotation.new.kid == rotation.old_kid:
        raise HeaderInvalid("malformed rotation request: the new key is the old key")
    if set(body["new_keys"]) != {"sign", "kex", "kid"}:
        raise HeaderInvalid("malformed rotation request: new_keys")
    return rotation


def verify_rotation(wire: Any, old_sign_key: Ed25519PublicKey) -> Rotation:
    """Check both signatures of a rotation request; return it or raise :class:`BadSignature`."""
    rotation = read_rotation(wire)
    body = rotation.body()
    try:
        old_key_ok = old_sign_key.verify(unb64(wire["old_sig"], 64), _message(b"old", body))
        new_key_ok = rotation.new.sign.verify(unb64(wire["new_sig"], 64), _message(b"new", body))
    except (InvalidSignature, ValueError):
        raise BadSignature("the rotation request is not signed by both the old and the new key") from None
    assert old_key_ok is None and new_key_ok is None  # verify() returns None or raises
    return rotation


def sign_statement(kind: str, fields: dict[str, Any], hub_keys: KeyPair, hub_id: str) -> dict[str, Any]:
    """The wire form ``{"statement": {...}, "sig": …}`` of a hub statement."""
    if kind not in STATEMENT_FIELDS or set(fields) != set(STATEMENT_FIELDS[kind]):
        raise ValueError(f"a {kind} statement has exactly the fields {STATEMENT_FIELDS.get(kind)}")
    body = {**fields, "kind": kind, "hub_id": hub_id, "hub_kid": hub_keys.public.kid}
    return {"statement": body, "sig": b64(hub_keys.sign.sign(STATEMENT_DOMAIN + canonical.dumps(body)))}


def verify_statement(wire: Any, kind: str, key_for: Callable[[str], Ed25519PublicKey | None], *, hub_id: str,
                     expect: dict[str, Any]) -> dict[str, Any]:
    """Check a hub statement of ``kind`` signed by a key ``key_for(kid)`` trusts, saying ``expect``.

    Returns the statement's fields; raises :class:`HeaderInvalid` (malformed) or
    :class:`BadSignature` (unknown key, bad signature, or a statement about something else).
    """
    try:
        body, signature = wire["statement"], unb64(wire["sig"], 64)
        if type(body) is not dict or set(body) != set(STATEMENT_FIELDS[kind]) | set(COMMON_STATEMENT_FIELDS):
            raise ValueError("unexpected fields")
    except (KeyError, TypeError, ValueError) as exc:
        raise HeaderInvalid(f"malformed hub statement: {exc}") from None
    key = key_for(body["hub_kid"]) if type(body["hub_kid"]) is str else None
    if key is None:
        raise BadSignature("the statement is signed by a key this node does not trust")
    try:
        key.verify(signature, STATEMENT_DOMAIN + canonical.dumps(body))
    except InvalidSignature:
        raise BadSignature("the statement's signature does not verify") from None
    if body["kind"] != kind or body["hub_id"] != hub_id or any(body.get(k) != v for k, v in expect.items()):
        raise BadSignature(f"the statement is not a {kind} for this node")
    return body
