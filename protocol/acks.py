"""Acknowledgements and signed requests.

An ack is the hub's signed statement "I durably hold everything from your epoch up to
``acked_through``". The node trims its outbox only after verifying it, so a forged or
replayed ack (for another node, epoch or batch) must never verify.

Signed requests let a node authenticate small calls (downlink pulls, status) without a
session. They carry no timestamp check, because a node's clock may be years off; replaying one
only returns data encrypted to that node.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol import canonical
from protocol.errors import BadSignature, HeaderInvalid
from protocol.keys import KeyPair, b64, unb64

ACK_DOMAIN = b"zszo/ack/v1\x00"
REQUEST_DOMAIN = b"zszo/request/v1\x00"
ACK_FIELDS = ("node_id", "epoch", "batch_id", "status", "acked_through", "received", "hub_id", "hub_kid")
ACK_STATUSES = ("accepted", "duplicate")
REQUEST_HEADERS = ("X-ZSZO-Node", "X-ZSZO-Kid", "X-ZSZO-Nonce", "X-ZSZO-Signature")


@dataclass(frozen=True)
class Ack:
    """A verified acknowledgement."""

    node_id: str
    epoch: str
    batch_id: str
    status: str
    acked_through: int
    received: int
    hub_id: str
    hub_kid: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (what gets signed)."""
        return {name: getattr(self, name) for name in ACK_FIELDS}


def sign_ack(ack: Ack, hub_keys: KeyPair) -> dict[str, Any]:
    """Return the wire form ``{"ack": {...}, "sig": base64}``."""
    body = ack.to_dict()
    return {"ack": body, "sig": b64(hub_keys.sign.sign(ACK_DOMAIN + canonical.dumps(body)))}


def verify_ack(wire: Any, hub_sign_key: Ed25519PublicKey, *, node_id: str, epoch: str, batch_id: str) -> Ack:
    """Verify a wire ack for exactly this node, epoch and batch; return it or raise."""
    try:
        body = wire["ack"]
        signature = unb64(wire["sig"], 64)
        ack = Ack(**{name: body[name] for name in ACK_FIELDS})
    except (KeyError, TypeError, ValueError) as exc:
        raise HeaderInvalid(f"malformed ack: {exc}") from None
    if set(body) != set(ACK_FIELDS):
        raise HeaderInvalid("ack has unexpected fields")
    try:
        hub_sign_key.verify(signature, ACK_DOMAIN + canonical.dumps(body))
    except InvalidSignature:
        raise BadSignature("ack signature does not verify") from None
    if (ack.node_id, ack.epoch, ack.batch_id) != (node_id, epoch, batch_id) or ack.status not in ACK_STATUSES:
        raise BadSignature("ack is for another node, epoch or batch")
    if type(ack.acked_through) is not int or ack.acked_through < 0:
        raise HeaderInvalid("ack has a bad sequence number")
    return ack


def sign_request(keys: KeyPair, *, node_id: str, method: str, path: str, body: bytes, nonce: str) -> dict[str, str]:
    """Return HTTP headers that authenticate a request from ``node_id``."""
    statement = {
        "node_id": node_id, "kid": keys.public.kid, "method": method.upper(), "path": path,
        "body_sha256": hashlib.sha256(body).hexdigest(), "nonce": nonce,
    }
    signature = keys.sign.sign(REQUEST_DOMAIN + canonical.dumps(statement))
    return {"X-ZSZO-Node": node_id, "X-ZSZO-Kid": keys.public.kid, "X-ZSZO-Nonce": nonce,
            "X-ZSZO-Signature": b64(signature)}


def verify_request(headers: dict[str, str], sign_key: Ed25519PublicKey, *, method: str, path: str,
                   body: bytes) -> None:
    """Verify :func:`sign_request` headers against the node's key; raise :class:`BadSignature`."""
    try:
        statement = {
            "node_id": headers["X-ZSZO-Node"], "kid": headers["X-ZSZO-Kid"], "method": method.upper(),
            "path": path, "body_sha256": hashlib.sha256(body).hexdigest(), "nonce": headers["X-ZSZO-Nonce"],
        }
        signature = unb64(headers["X-ZSZO-Signature"], 64)
        sign_key.verify(signature, REQUEST_DOMAIN + canonical.dumps(statement))
    except (KeyError, ValueError, InvalidSignature):
        raise BadSignature("request signature does not verify") from None
