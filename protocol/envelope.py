"""The batch envelope: signed by the sender, encrypted to the recipient, header bound into both.

Wire format (all integers big-endian)::

    b"ZSZO" | version u8 (=1) | header length u16 | header (canonical JSON) |
    signature (64 bytes, Ed25519) | ciphertext (HPKE: 32-byte encapsulated key + AES-256-GCM)

* ``P`` = zlib-compressed payload (newline-delimited JSON changes).
* ``C`` = HPKE base mode, X25519 / HKDF-SHA256 / AES-256-GCM (RFC 9180), to the recipient's
  X25519 key, with ``info = DOMAIN || kind || 0 || header``. HPKE in ``cryptography`` takes no
  associated data, so the header goes into the key schedule: change one header byte and the
  recipient derives a different key and decryption fails.
* ``S`` = Ed25519 over ``DOMAIN || kind || 0 || header || SHA-256(C)`` with the sender's key.
  Sender and recipient (ids and key ids) are both in the header, so a signed batch cannot be
  re-addressed (surreptitious forwarding) and a ciphertext cannot be re-signed by someone else.

The receiver checks sizes first, then the signature (before any decryption: no oracle for
unauthenticated senders), then decrypts, inflates with a hard limit and checks the payload hash.
Every failure raises a specific :mod:`protocol.errors` exception.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from protocol import canonical
from protocol.errors import (
    BadSignature,
    DecompressionBomb,
    DecryptFailed,
    HeaderInvalid,
    Malformed,
    PayloadHashMismatch,
    TooLarge,
    UnsupportedVersion,
    WrongRecipient,
)
from protocol.keys import KeyPair

MAGIC = b"ZSZO"
WIRE_VERSION = 1
DOMAIN = b"zszo/envelope/v1\x00"
KINDS = ("uplink", "downlink")
SIGNATURE_LEN = 64
HPKE_ENC_LEN = 32
AEAD_TAG_LEN = 16
_PREFIX = struct.Struct(">4sBH")

SUITE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)


@dataclass(frozen=True)
class Limits:
    """Size limits, all checked before the work they protect."""

    max_envelope: int = 32 * 1024 * 1024
    max_header: int = 8 * 1024
    max_payload: int = 256 * 1024 * 1024


DEFAULT_LIMITS = Limits()

# field name → (type, required); "created_at" is informative only.
HEADER_FIELDS: dict[str, tuple[type, bool]] = {
    "v": (int, True),
    "kind": (str, True),
    "from": (str, True),
    "from_kid": (str, True),
    "to": (str, True),
    "to_kid": (str, True),
    "id": (str, True),
    "epoch": (str, True),
    "first_seq": (int, True),
    "last_seq": (int, True),
    "count": (int, True),
    "schema": (dict, True),
    "created_at": (str, True),
    "payload_len": (int, True),
    "payload_sha256": (str, True),
    "compression": (str, True),
}


def _context(kind: str, header_bytes: bytes) -> bytes:
    return DOMAIN + kind.encode("ascii") + b"\x00" + header_bytes


def seal(
    *,
    kind: str,
    sender_id: str,
    sender_keys: KeyPair,
    recipient_id: str,
    recipient_kid: str,
    recipient_kex: Any,
    payload: bytes,
    epoch: str,
    first_seq: int,
    last_seq: int,
    count: int,
    schema: dict[str, int],
    batch_id: str | None = None,
    created_at: dt.datetime | None = None,
    compress_level: int = 6,
) -> bytes:
    """Build an envelope for ``payload`` from ``sender_id`` to ``recipient_id``; return its bytes."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    compressed = zlib.compress(payload, compress_level)
    header = {
        "v": WIRE_VERSION,
        "kind": kind,
        "from": sender_id,
        "from_kid": sender_keys.public.kid,
        "to": recipient_id,
        "to_kid": recipient_kid,
        "id": batch_id or str(uuid.uuid4()),
        "epoch": epoch,
        "first_seq": first_seq,
        "last_seq": last_seq,
        "count": count,
        "schema": dict(schema),
        "created_at": (created_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "payload_len": len(payload),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "compression": "zlib",
    }
    header_bytes = canonical.dumps(header)
    if len(header_bytes) > DEFAULT_LIMITS.max_header:
        raise ValueError("header too large")
    ciphertext = SUITE.encrypt(compressed, recipient_kex, info=_context(kind, header_bytes))
    signature = sender_keys.sign.sign(_context(kind, header_bytes) + hashlib.sha256(ciphertext).digest())
    return _PREFIX.pack(MAGIC, WIRE_VERSION, len(header_bytes)) + header_bytes + signature + ciphertext


@dataclass(frozen=True)
class Sealed:
    """A parsed but not yet verified envelope."""

    header: dict[str, Any]
    header_bytes: bytes
    signature: bytes
    ciphertext: bytes

    @property
    def kind(self) -> str:
        """"uplink" or "downlink"."""
        return str(self.header["kind"])

    @property
    def ciphertext_sha256(self) -> bytes:
        """SHA-256 of the ciphertext, the value the signature covers."""
        return hashlib.sha256(self.ciphertext).digest()

    def check_recipient(self, my_id: str, my_kids: set[str] | dict[str, Any]) -> None:
        """Raise :class:`WrongRecipient` unless addressed to ``my_id`` and one of our key ids."""
        if self.header["to"] != my_id:
            raise WrongRecipient(f"addressed to {self.header['to']!r}")
        if self.header["to_kid"] not in my_kids:
            raise WrongRecipient(f"encrypted to unknown key {self.header['to_kid']!r}")

    def verify(self, sender_sign_key: Ed25519PublicKey) -> None:
        """Check the sender's signature; raise :class:`BadSignature` if it fails."""
        try:
            sender_sign_key.verify(self.signature, _context(self.kind, self.header_bytes) + self.ciphertext_sha256)
        except InvalidSignature:
            raise BadSignature("signature does not verify") from None

    def decrypt(self, recipient_keys: KeyPair, limits: Limits = DEFAULT_LIMITS) -> bytes:
        """Decrypt and inflate the payload (call :meth:`verify` first); return the plain payload."""
        return self.decrypt_both(recipient_keys, limits)[1]

    def decrypt_both(self, recipient_keys: KeyPair, limits: Limits = DEFAULT_LIMITS) -> tuple[bytes, bytes]:
        """Like :meth:`decrypt`, returning ``(compressed, payload)`` for callers that store the former."""
        declared = self.header["payload_len"]
        if declared > limits.max_payload:
            raise TooLarge(f"declared payload {declared} bytes over the limit {limits.max_payload}")
        try:
            compressed = SUITE.decrypt(self.ciphertext, recipient_keys.kex, info=_context(self.kind, self.header_bytes))
        except (InvalidTag, ValueError):
            raise DecryptFailed("AEAD decryption failed") from None
        payload = inflate(compressed, declared)
        if hashlib.sha256(payload).hexdigest() != self.header["payload_sha256"]:
            raise PayloadHashMismatch("payload hash differs from the signed header")
        return compressed, payload


def inflate(compressed: bytes, declared_len: int) -> bytes:
    """Inflate zlib data producing at most ``declared_len`` bytes; anything more is a bomb."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, declared_len + 1)
    except zlib.error:
        raise DecryptFailed("payload does not inflate") from None
    if len(out) > declared_len or inflater.unconsumed_tail:
        raise DecompressionBomb(f"payload inflates beyond the declared {declared_len} bytes")
    if not inflater.eof or inflater.unused_data or len(out) != declared_len:
        raise DecryptFailed("payload is truncated or has trailing data")
    return out


def parse(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Sealed:
    """Split envelope bytes into a :class:`Sealed` after size and header checks."""
    if len(data) > limits.max_envelope:
        raise TooLarge(f"envelope of {len(data)} bytes over the limit {limits.max_envelope}")
    if len(data) < _PREFIX.size:
        raise Malformed("too short")
    magic, version, header_len = _PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise Malformed("not a ZSZO envelope")
    if version != WIRE_VERSION:
        raise UnsupportedVersion(f"envelope version {version}")
    if header_len > limits.max_header:
        raise TooLarge("header over the limit")
    body_start = _PREFIX.size + header_len + SIGNATURE_LEN
    if len(data) < body_start + HPKE_ENC_LEN + AEAD_TAG_LEN:
        raise Malformed("truncated")
    header_bytes = data[_PREFIX.size : _PREFIX.size + header_len]
    header = parse_header(header_bytes)
    return Sealed(header, header_bytes, data[body_start - SIGNATURE_LEN : body_start], data[body_start:])


def parse_header(header_bytes: bytes) -> dict[str, Any]:
    """Parse and type-check a header; raise :class:`HeaderInvalid` on any deviation."""
    try:
        header = canonical.loads_strict(header_bytes)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HeaderInvalid(str(exc)) from None
    if not isinstance(header, dict):
        raise HeaderInvalid("header is not an object")
    missing = [k for k, (_, required) in HEADER_FIELDS.items() if required and k not in header]
    extra = sorted(set(header) - set(HEADER_FIELDS))
    if missing or extra:
        raise HeaderInvalid(f"missing {missing} unexpected {extra}")
    for name, (kind, _) in HEADER_FIELDS.items():
        value = header[name]
        if type(value) is not kind:
            raise HeaderInvalid(f"{name} has the wrong type")
    if header["v"] != WIRE_VERSION:
        raise UnsupportedVersion(f"header version {header['v']}")
    if header["kind"] not in KINDS or header["compression"] != "zlib":
        raise HeaderInvalid("unknown kind or compression")
    if not (0 < header["first_seq"] <= header["last_seq"]) or header["count"] != header["last_seq"] - header[
        "first_seq"
    ] + 1:
        raise HeaderInvalid("inconsistent sequence range")
    if header["payload_len"] < 0 or len(header["payload_sha256"]) != 64:
        raise HeaderInvalid("bad payload length or hash")
    for name in ("from", "from_kid", "to", "to_kid", "id", "epoch"):
        if not 0 < len(header[name]) <= 64:
            raise HeaderInvalid(f"{name} has a bad length")
    if not all(isinstance(k, str) and type(v) is int for k, v in header["schema"].items()):
        raise HeaderInvalid("schema must map entity names to integer versions")
    return header


@dataclass(frozen=True)
class Opened:
    """A verified, decrypted envelope."""

    sealed: Sealed
    payload: bytes

    @property
    def header(self) -> dict[str, Any]:
        """The verified header."""
        return self.sealed.header


def open_envelope(
    data: bytes,
    *,
    my_id: str,
    my_keys: dict[str, KeyPair],
    sender_key: Callable[[str, str], Ed25519PublicKey],
    expect_kind: str,
    limits: Limits = DEFAULT_LIMITS,
) -> Opened:
    """Parse, address-check, verify and decrypt in the required order.

    ``sender_key(sender_id, kid)`` returns the sender's Ed25519 public key or raises
    :class:`~protocol.errors.UnknownSender` / :class:`~protocol.errors.RevokedSender`.
    """
    sealed = parse(data, limits)
    if sealed.kind != expect_kind:
        raise HeaderInvalid(f"expected a {expect_kind} envelope")
    sealed.check_recipient(my_id, my_keys)
    sealed.verify(sender_key(sealed.header["from"], sealed.header["from_kid"]))
    payload = sealed.decrypt(my_keys[sealed.header["to_kid"]], limits)
    return Opened(sealed, payload)
