"""Rejections a peer can receive, each with a stable machine code.

Codes travel in HTTP error bodies and acks, appear on the hub's sync-status page and in the
node's sync log, and are what tests assert on. Never reuse or rename a code.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Base of all protocol rejections."""

    code = "protocol_error"
    http_status = 400

    def __init__(self, detail: str = "") -> None:
        super().__init__(f"{self.code}: {detail}" if detail else self.code)
        self.detail = detail


class Malformed(ProtocolError):
    """Framing is broken: wrong magic, truncated, lengths that do not add up."""

    code = "malformed"


class HeaderInvalid(ProtocolError):
    """The header is not canonical JSON or lacks / mistypes a field."""

    code = "header_invalid"


class UnsupportedVersion(ProtocolError):
    """The envelope or an entity schema version is one this peer does not speak."""

    code = "unsupported_version"


class TooLarge(ProtocolError):
    """The envelope or its declared payload is over the size limit (checked before any work)."""

    code = "too_large"
    http_status = 413


class UnknownSender(ProtocolError):
    """The sender id or key id is not enrolled here."""

    code = "unknown_sender"
    http_status = 403


class RevokedSender(ProtocolError):
    """The sender's key was revoked."""

    code = "revoked_sender"
    http_status = 403


class RetiredKey(ProtocolError):
    """The sender signed with a key it replaced in a key rotation (e.g. a key file restored from a backup)."""

    code = "retired_key"
    http_status = 403


class WrongRecipient(ProtocolError):
    """The envelope is addressed to another peer or another key of ours."""

    code = "wrong_recipient"
    http_status = 403


class BadSignature(ProtocolError):
    """The Ed25519 signature does not verify: tampered header or ciphertext, or a forged sender."""

    code = "bad_signature"
    http_status = 403


class DecryptFailed(ProtocolError):
    """AEAD decryption failed although the signature was valid (wrong key or a sender bug)."""

    code = "decrypt_failed"


class DecompressionBomb(ProtocolError):
    """The payload inflates beyond what the header declared or the limit allows."""

    code = "decompression_bomb"
    http_status = 413


class PayloadHashMismatch(ProtocolError):
    """The decrypted payload does not hash to the value in the signed header."""

    code = "payload_hash_mismatch"


class PayloadInvalid(ProtocolError):
    """The payload is not the change list the header describes (count, sequence, JSON)."""

    code = "payload_invalid"


class SequenceGap(ProtocolError):
    """The batch does not start right after what the receiver has acknowledged."""

    code = "sequence_gap"
    http_status = 409

    def __init__(self, detail: str = "", expected_seq: int | None = None) -> None:
        super().__init__(detail)
        self.expected_seq = expected_seq


class Conflict(ProtocolError):
    """The same batch id arrived again with different content (logged as a security event)."""

    code = "batch_conflict"
    http_status = 409


class ScopeViolation(ProtocolError):
    """A batch touches data of a school the sender does not own."""

    code = "scope_violation"
    http_status = 403


ALL_ERRORS: tuple[type[ProtocolError], ...] = (
    Malformed, HeaderInvalid, UnsupportedVersion, TooLarge, UnknownSender, RevokedSender, RetiredKey, WrongRecipient,
    BadSignature, DecryptFailed, DecompressionBomb, PayloadHashMismatch, PayloadInvalid, SequenceGap,
    Conflict, ScopeViolation,
)
BY_CODE: dict[str, type[ProtocolError]] = {cls.code: cls for cls in ALL_ERRORS}
