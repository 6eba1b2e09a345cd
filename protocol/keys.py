"""Node and hub key pairs: Ed25519 for signatures, X25519 for encryption, and how to show them.

A key id (``kid``) names a public key pair in headers; the fingerprint is what an administrator
compares on the node's screen and the hub's screen at enrolment. Private keys never leave the
machine that generated them; the key file is written with mode 0600 by the caller.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

_RAW_PUB = (Encoding.Raw, PublicFormat.Raw)
_RAW_PRIV = (Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def b64(data: bytes) -> str:
    """Standard base64 text of ``data``."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, length: int | None = None) -> bytes:
    """Decode base64 ``text`` strictly, optionally insisting on ``length`` bytes."""
    if not isinstance(text, str):  # e.g. a number in a peer's JSON: a ValueError like any other bad input
        raise ValueError(f"expected base64 text, got {type(text).__name__}")
    data = base64.b64decode(text.encode("ascii"), validate=True)
    if length is not None and len(data) != length:
        raise ValueError(f"expected {length} bytes, got {len(data)}")
    return data


@dataclass(frozen=True)
class PublicKeys:
    """The public half of a peer's keys, as registered at enrolment."""

    sign: Ed25519PublicKey
    kex: X25519PublicKey

    @property
    def sign_raw(self) -> bytes:
        """Raw 32-byte Ed25519 public key."""
        return self.sign.public_bytes(*_RAW_PUB)

    @property
    def kex_raw(self) -> bytes:
        """Raw 32-byte X25519 public key."""
        return self.kex.public_bytes(*_RAW_PUB)

    @property
    def kid(self) -> str:
        """Short key id (16 hex characters) naming this pair in envelope headers."""
        return hashlib.sha256(b"zszo/kid/v1\x00" + self.sign_raw + self.kex_raw).hexdigest()[:16]

    @property
    def fingerprint(self) -> str:
        """Human-comparable fingerprint: 8 groups of 4 base32 characters."""
        digest = hashlib.sha256(b"zszo/fingerprint/v1\x00" + self.sign_raw + self.kex_raw).digest()
        text = base64.b32encode(digest).decode("ascii")[:32]
        return "-".join(text[i : i + 4] for i in range(0, 32, 4))

    def to_dict(self) -> dict[str, str]:
        """JSON form: base64 raw keys plus the derived key id."""
        return {"sign": b64(self.sign_raw), "kex": b64(self.kex_raw), "kid": self.kid}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PublicKeys:
        """Parse :meth:`to_dict` output; a ``kid`` that does not match the keys is an error."""
        keys = cls(
            Ed25519PublicKey.from_public_bytes(unb64(data["sign"], 32)),
            X25519PublicKey.from_public_bytes(unb64(data["kex"], 32)),
        )
        if "kid" in data and data["kid"] != keys.kid:
            raise ValueError("key id does not match the keys")
        return keys


@dataclass(frozen=True)
class KeyPair:
    """A peer's private keys."""

    sign: Ed25519PrivateKey
    kex: X25519PrivateKey

    @classmethod
    def generate(cls) -> KeyPair:
        """Make a fresh pair of keys from the OS's random source."""
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @property
    def public(self) -> PublicKeys:
        """The public half."""
        return PublicKeys(self.sign.public_key(), self.kex.public_key())

    def to_json(self) -> str:
        """Serialise the private keys (store with mode 0600, never send anywhere)."""
        return json.dumps({
            "format": "zszo-keypair-v1",
            "sign": b64(self.sign.private_bytes(*_RAW_PRIV)),
            "kex": b64(self.kex.private_bytes(*_RAW_PRIV)),
            "kid": self.public.kid,
        }, indent=2)

    @classmethod
    def from_json(cls, text: str) -> KeyPair:
        """Parse :meth:`to_json` output."""
        data = json.loads(text)
        if data.get("format") != "zszo-keypair-v1":
            raise ValueError("not a ZSZO key file")
        pair = cls(
            Ed25519PrivateKey.from_private_bytes(unb64(data["sign"], 32)),
            X25519PrivateKey.from_private_bytes(unb64(data["kex"], 32)),
        )
        if data.get("kid") != pair.public.kid:
            raise ValueError("key file is damaged: key id does not match")
        return pair
