"""Trust data: the city's list of hub keys, signed by its root key.

The root key is an Ed25519 key that signs nothing but these documents and is kept offline. Its
fingerprint is given to every school server at enrolment (printed by ``zszo hub root init``,
typed into ``zszo node enrol --root-fingerprint``), so a node can check every later list by
itself: whoever controls the hub's address cannot slip in a hub key the root did not sign. A
document carries a version that only rises (a node refuses one lower than it has seen, so an
old list cannot be replayed to bring back a retired hub key) and an expiry (a list nobody
re-signs stops being believed).

Node keys and revocations are deliberately not in it: the hub's own database decides those and
a revocation must count within a minute, which a document signed offline cannot do; and no node
ever needs another node's key.

Wire form, canonical JSON (:mod:`protocol.canonical`)::

    {"body": {...}, "root": base64(raw Ed25519 public key),
     "sig": base64(Ed25519_root(DOMAIN || canonical(body)))}

Pure: no files, no clock (callers pass ``now``), no network. It must never return a document
whose signature it has not checked against the root the caller pinned.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from protocol import canonical
from protocol.errors import ProtocolError
from protocol.keys import PublicKeys

FORMAT = "zszo-trust-v1"
ROOT_KEY_FORMAT = "zszo-root-key-v1"
DOMAIN = b"zszo/trust/v1\x00"
MAX_DOCUMENT = 4 * 1024 * 1024
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
HUB_KEY_STATUSES = ("current", "retiring")
BODY_FIELDS = ("format", "hub_id", "version", "issued_at", "expires_at", "hub_keys")


class TrustError(ProtocolError):
    """A trust document was refused; ``code`` says why (each reason has its own code)."""

    code = "trust_invalid"


class TrustMalformed(TrustError):
    """Not a trust document: bad JSON, a missing or mistyped field, inconsistent keys."""

    code = "trust_malformed"


class TrustWrongRoot(TrustError):
    """Signed by a root key other than the one this node pinned."""

    code = "trust_wrong_root"


class TrustBadSignature(TrustError):
    """The root's signature does not verify: the document was altered."""

    code = "trust_bad_signature"


class TrustWrongHub(TrustError):
    """The document describes another hub."""

    code = "trust_wrong_hub"


class TrustRollback(TrustError):
    """The version is lower than one already seen (an old document replayed)."""

    code = "trust_rollback"


class TrustConflict(TrustError):
    """Same version as one already seen, different content (the root signed two lists)."""

    code = "trust_conflict"


class TrustExpired(TrustError):
    """The document's validity has ended (or the clock of the checking machine is wrong)."""

    code = "trust_expired"


def format_time(value: dt.datetime) -> str:
    """UTC time in the document's form, e.g. ``2026-09-01T08:00:00Z`` (naive values mean UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime(TIME_FORMAT)


def parse_time(text: Any) -> dt.datetime:
    """Parse :func:`format_time` output into a naive UTC datetime; ValueError otherwise."""
    if type(text) is not str:
        raise ValueError("time must be text")
    value = dt.datetime.strptime(text, TIME_FORMAT)
    if format_time(value) != text:  # strptime accepts "2026-9-1T8:0:0Z"; one spelling only
        raise ValueError(f"time {text!r} is not canonical")
    return value


def strict_b64(text: Any, length: int) -> bytes:
    """Decode base64 that must be exactly the canonical encoding of ``length`` bytes.

    Plain decoding ignores the unused low bits of the last character, so two spellings would
    decode to the same key and a flipped bit could go unnoticed.
    """
    if type(text) is not str:
        raise ValueError("expected base64 text")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("not base64") from None
    if len(data) != length or base64.b64encode(data).decode("ascii") != text:
        raise ValueError(f"expected the canonical base64 of {length} bytes")
    return data


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def fingerprint_of(root_public: bytes) -> str:
    """The root key's fingerprint: 8 groups of 4 base32 characters (what operators compare)."""
    digest = hashlib.sha256(b"zszo/root-fingerprint/v1\x00" + root_public).digest()
    text = base64.b32encode(digest).decode("ascii")[:32]
    return "-".join(text[i : i + 4] for i in range(0, 32, 4))


def normalise_fingerprint(text: str) -> str:
    """An operator's typing of a fingerprint in canonical form (case, spaces and dashes ignored)."""
    compact = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(compact) != 32 or any(ch not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for ch in compact):
        raise ValueError("a fingerprint has 32 characters A-Z and 2-7, e.g. ABCD-EFGH-…")
    return "-".join(compact[i : i + 4] for i in range(0, 32, 4))


@dataclass(frozen=True)
class RootKey:
    """The city's root signing key (keep it offline in production)."""

    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> RootKey:
        """A fresh root key from the OS's random source."""
        return cls(Ed25519PrivateKey.generate())

    @property
    def public_raw(self) -> bytes:
        """Raw 32-byte public key."""
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def fingerprint(self) -> str:
        """See :func:`fingerprint_of`."""
        return fingerprint_of(self.public_raw)

    def to_json(self) -> str:
        """The key file's content (write it with mode 0600)."""
        raw = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return json.dumps({"format": ROOT_KEY_FORMAT, "sign": _b64(raw), "fingerprint": self.fingerprint}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> RootKey:
        """Parse :meth:`to_json` output; a fingerprint that does not match means a damaged file."""
        try:
            data = json.loads(text)
            if data.get("format") != ROOT_KEY_FORMAT:
                raise ValueError("not a ZSZO root key file")
            key = cls(Ed25519PrivateKey.from_private_bytes(strict_b64(data["sign"], 32)))
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a ZSZO root key file: {exc}") from None
        if data.get("fingerprint") != key.fingerprint:
            raise ValueError("root key file is damaged: the fingerprint does not match")
        return key


# -- entries --------------------------------------------------------------------------------------


def _object(value: Any, fields: tuple[str, ...], what: str) -> dict[str, Any]:
    if type(value) is not dict or set(value) != set(fields):
        raise ValueError(f"{what} must have exactly the fields {', '.join(fields)}")
    return value


def _text(value: Any, what: str, max_len: int = 64) -> str:
    if type(value) is not str or not 0 < len(value) <= max_len:
        raise ValueError(f"{what} must be text of 1-{max_len} characters")
    return value


def _optional_time(value: Any) -> dt.datetime | None:
    return None if value is None else parse_time(value)


def _keys(data: dict[str, Any]) -> PublicKeys:
    keys = PublicKeys.from_dict({"sign": _b64(strict_b64(data["sign"], 32)), "kex": _b64(strict_b64(data["kex"], 32)),
                                 "kid": data["kid"]})
    return keys


@dataclass(frozen=True)
class HubKey:
    """One of the hub's key pairs: ``current`` (seal to it) or ``retiring`` (accepted until ``valid_until``)."""

    keys: PublicKeys
    status: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None

    FIELDS = ("kid", "sign", "kex", "status", "valid_from", "valid_until")

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {**self.keys.to_dict(), "status": self.status, "valid_from": format_time(self.valid_from),
                "valid_until": None if self.valid_until is None else format_time(self.valid_until)}

    @classmethod
    def from_dict(cls, value: Any) -> HubKey:
        """Parse and check one entry."""
        data = _object(value, cls.FIELDS, "a hub key")
        key = cls(_keys(data), data["status"], parse_time(data["valid_from"]), _optional_time(data["valid_until"]))
        if key.status not in HUB_KEY_STATUSES or (key.status == "retiring") != (key.valid_until is not None):
            raise ValueError("a hub key is current (no end) or retiring (with an end)")
        return key


# -- documents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustDocument:
    """A verified trust document."""

    hub_id: str
    version: int
    issued_at: dt.datetime
    expires_at: dt.datetime
    hub_keys: tuple[HubKey, ...]
    root: bytes
    wire: bytes

    @property
    def sha256(self) -> str:
        """Hash of the whole signed document (two documents are the same iff these are)."""
        return hashlib.sha256(self.wire).hexdigest()

    @property
    def current_hub_key(self) -> PublicKeys:
        """The hub key new batches are sealed to."""
        return next(k.keys for k in self.hub_keys if k.status == "current")

    def hub_key(self, kid: str, now: dt.datetime) -> PublicKeys | None:
        """The hub key ``kid`` if the document lists it as valid at ``now``."""
        for key in self.hub_keys:
            if key.keys.kid == kid and (key.valid_until is None or now <= key.valid_until):
                return key.keys
        return None


def body_of(*, hub_id: str, version: int, issued_at: dt.datetime, expires_at: dt.datetime,
            hub_keys: list[HubKey]) -> dict[str, Any]:
    """The body of a trust document (what the root signs)."""
    return {
        "format": FORMAT, "hub_id": hub_id, "version": version, "issued_at": format_time(issued_at),
        "expires_at": format_time(expires_at), "hub_keys": [k.to_dict() for k in hub_keys],
    }


def _parse_body(body: Any, root: bytes, wire: bytes) -> TrustDocument:
    """Check a body's structure; raise TrustMalformed naming the first problem."""
    try:
        data = _object(body, BODY_FIELDS, "the document")
        if data["format"] != FORMAT:
            raise ValueError(f"format must be {FORMAT}")
        if type(data["version"]) is not int or data["version"] < 1:
            raise ValueError("version must be a positive integer")
        issued_at, expires_at = parse_time(data["issued_at"]), parse_time(data["expires_at"])
        if expires_at <= issued_at:
            raise ValueError("the document expires before it is issued")
        if type(data["hub_keys"]) is not list:
            raise ValueError("hub_keys must be a list")
        hub_keys = tuple(HubKey.from_dict(k) for k in data["hub_keys"])
        if sum(k.status == "current" for k in hub_keys) != 1:
            raise ValueError("exactly one hub key must be current")
        kids = [k.keys.kid for k in hub_keys]
        if len(kids) != len(set(kids)):
            raise ValueError("a key id appears twice")
        return TrustDocument(_text(data["hub_id"], "hub_id"), data["version"], issued_at, expires_at, hub_keys,
                             root, wire)
    except (ValueError, KeyError, TypeError) as exc:
        raise TrustMalformed(str(exc)) from None


def sign(body: dict[str, Any], root: RootKey) -> bytes:
    """Sign ``body`` with the root key; return the document's wire bytes.

    The body is checked first, so a signed document is always one a node can read.
    """
    _parse_body(body, root.public_raw, b"")
    signature = root.private.sign(DOMAIN + canonical.dumps(body))
    return canonical.dumps({"body": body, "root": _b64(root.public_raw), "sig": _b64(signature)})


def _split(data: bytes) -> tuple[Any, bytes, bytes]:
    """(body, root public key, signature) of a document, checking only its framing."""
    if type(data) is not bytes or len(data) > MAX_DOCUMENT:
        raise TrustMalformed("the document is not bytes or is too large")
    try:
        outer = canonical.loads_strict(data)
        if type(outer) is not dict or set(outer) != {"body", "root", "sig"}:
            raise ValueError("expected exactly body, root and sig")
        return outer["body"], strict_b64(outer["root"], 32), strict_b64(outer["sig"], 64)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TrustMalformed(str(exc)) from None


def unverified_root(data: bytes) -> bytes:
    """The root public key a document claims to be signed by (for pinning on first use: verify next)."""
    return _split(data)[1]


def verify(data: bytes, *, root: bytes, now: dt.datetime, hub_id: str | None = None,
           known_version: int | None = None, known_sha256: str | None = None) -> TrustDocument:
    """Check a document against the pinned ``root`` and what was seen before; return it or raise.

    Order: framing → root → signature → structure → hub → rollback (against the newest document
    accepted so far: ``known_version`` and the SHA-256 of its bytes) → expiry at ``now`` (naive UTC).
    """
    body, claimed_root, signature = _split(data)
    if claimed_root != root:
        raise TrustWrongRoot(f"signed by root {fingerprint_of(claimed_root)}, expected {fingerprint_of(root)}")
    try:
        Ed25519PublicKey.from_public_bytes(root).verify(signature, DOMAIN + canonical.dumps(body))
    except (InvalidSignature, ValueError):
        raise TrustBadSignature("the root's signature does not verify") from None
    document = _parse_body(body, root, data)
    if hub_id is not None and document.hub_id != hub_id:
        raise TrustWrongHub(f"the document is for hub {document.hub_id!r}, not {hub_id!r}")
    if known_version is not None:
        if document.version < known_version:
            raise TrustRollback(f"version {document.version} is older than version {known_version} seen before")
        if document.version == known_version and document.sha256 != known_sha256:
            raise TrustConflict(f"version {document.version} differs from the version {known_version} seen before")
    if now > document.expires_at:
        raise TrustExpired(f"version {document.version} expired at {format_time(document.expires_at)}")
    return document
