"""Routine rotation of a node's key pair: a request signed by the old and the new key, and the hub's receipt.

A **rotation request** replaces a node's key pair at its hub. It is signed by the old key (only
the enrolled node can ask) and by the new key (proof that the node holds it, so nobody can
register a key they cannot use or attach someone else's public key). Both signatures cover the
same body, each under its own role tag, so one can never stand in for the other; the hub's id is
in the body, so a request cannot be replayed at another hub.

The **receipt** is the hub's signed statement that it now knows the new key. The node switches
to the new key only after verifying it with the hub key it trusts; until then it keeps both key
files and can repeat the same request (the hub answers a repeat with the same receipt).

No overlap is needed in which the hub accepts both keys: the node rotates holding its sync lock,
re-seals anything not yet acknowledged with the new key, and a late batch under the old key is
refused (``retired_key``) and sent again from the outbox.

Pure: no I/O, no clock. It must never accept a request or a receipt with a missing or wrong signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol import canonical
from protocol.errors import BadSignature, HeaderInvalid
from protocol.keys import KeyPair, PublicKeys, b64, unb64

ROTATION_DOMAIN = b"zszo/rotate-key/v1\x00"
RECEIPT_DOMAIN = b"zszo/rotation-receipt/v1\x00"
ROTATION_FIELDS = ("node_id", "hub_id", "old_kid", "new_keys")
RECEIPT_FIELDS = ("node_id", "hub_id", "hub_kid", "old_kid", "new_kid", "rotated_at")


@dataclass(frozen=True)
class Rotation:
    """A node's request to replace its key pair."""

    node_id: str
    hub_id: str
    old_kid: str
    new: PublicKeys

    def body(self) -> dict[str, Any]:
        """What both keys sign."""
        return {"node_id": self.node_id, "hub_id": self.hub_id, "old_kid": self.old_kid,
                "new_keys": self.new.to_dict()}


def _message(role: bytes, body: dict[str, Any]) -> bytes:
    return ROTATION_DOMAIN + role + b"\x00" + canonical.dumps(body)


def sign_rotation(old: KeyPair, new: KeyPair, *, node_id: str, hub_id: str) -> dict[str, Any]:
    """The wire form ``{"rotation": body, "old_sig": …, "new_sig": …}``."""
    body = Rotation(node_id, hub_id, old.public.kid, new.public).body()
    return {"rotation": body, "old_sig": b64(old.sign.sign(_message(b"old", body))),
            "new_sig": b64(new.sign.sign(_message(b"new", body)))}


def read_rotation(wire: Any) -> Rotation:
    """Parse a rotation request without checking signatures (to find the node and its old key)."""
    try:
        if type(wire) is not dict or set(wire) != {"rotation", "old_sig", "new_sig"}:
            raise ValueError("expected rotation, old_sig and new_sig")
        body = wire["rotation"]
        if type(body) is not dict or set(body) != set(ROTATION_FIELDS):
            raise ValueError("unexpected fields")
        if type(body["new_keys"]) is not dict or set(body["new_keys"]) != {"sign", "kex", "kid"}:
            raise ValueError("new_keys")
        rotation = Rotation(body["node_id"], body["hub_id"], body["old_kid"], PublicKeys.from_dict(body["new_keys"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise HeaderInvalid(f"malformed rotation request: {exc}") from None
    for name in ("node_id", "hub_id", "old_kid"):
        value = getattr(rotation, name)
        if type(value) is not str or not 0 < len(value) <= 64:
            raise HeaderInvalid(f"malformed rotation request: {name}")
    if rotation.new.kid == rotation.old_kid:
        raise HeaderInvalid("malformed rotation request: the new key is the old key")
    return rotation


def verify_rotation(wire: Any, old_sign_key: Ed25519PublicKey) -> Rotation:
    """Check both signatures of a rotation request; return it or raise :class:`BadSignature`."""
    rotation = read_rotation(wire)
    body = rotation.body()
    try:
        old_sig, new_sig = unb64(wire["old_sig"], 64), unb64(wire["new_sig"], 64)
        old_sign_key.verify(old_sig, _message(b"old", body))
        rotation.new.sign.verify(new_sig, _message(b"new", body))
    except (InvalidSignature, ValueError):
        raise BadSignature("the rotation request is not signed by both the old and the new key") from None
    return rotation


def sign_receipt(rotation: Rotation, hub_keys: KeyPair, rotated_at: str) -> dict[str, Any]:
    """The hub's wire receipt ``{"receipt": {...}, "sig": …}`` for an accepted rotation."""
    body = {"node_id": rotation.node_id, "hub_id": rotation.hub_id, "hub_kid": hub_keys.public.kid,
            "old_kid": rotation.old_kid, "new_kid": rotation.new.kid, "rotated_at": rotated_at}
    return {"receipt": body, "sig": b64(hub_keys.sign.sign(RECEIPT_DOMAIN + canonical.dumps(body)))}


def verify_receipt(wire: Any, hub_sign_key: Ed25519PublicKey, rotation: Rotation) -> dict[str, Any]:
    """Check that the hub's receipt is signed by ``hub_sign_key`` and is for exactly ``rotation``."""
    try:
        body, signature = wire["receipt"], unb64(wire["sig"], 64)
        if type(body) is not dict or set(body) != set(RECEIPT_FIELDS):
            raise ValueError("unexpected fields")
    except (KeyError, TypeError, ValueError) as exc:
        raise HeaderInvalid(f"malformed rotation receipt: {exc}") from None
    try:
        hub_sign_key.verify(signature, RECEIPT_DOMAIN + canonical.dumps(body))
    except InvalidSignature:
        raise BadSignature("the rotation receipt's signature does not verify") from None
    expected = {"node_id": rotation.node_id, "hub_id": rotation.hub_id, "old_kid": rotation.old_kid,
                "new_kid": rotation.new.kid}
    if any(body[k] != v for k, v in expected.items()):
        raise BadSignature("the receipt is for another rotation")
    return body
