"""The signed and encrypted batch envelope (protocol.envelope) with real keys.

Envelopes that ``seal()`` refuses to build (a lying header, a bomb, a non-canonical header) are
crafted by :func:`craft`, which repeats ``seal()``'s steps with the same public constants; a test
checks that crafting the honest header gives an envelope that opens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import canonical, envelope
from protocol.entities import schema_set
from protocol.errors import (
    BadSignature,
    DecompressionBomb,
    DecryptFailed,
    HeaderInvalid,
    Malformed,
    PayloadHashMismatch,
    ProtocolError,
    RevokedSender,
    TooLarge,
    UnknownSender,
    UnsupportedVersion,
    WrongRecipient,
)
from protocol.keys import KeyPair

FAST = settings(max_examples=150, deadline=None)

HUB_ID = "hub-krakow"
NODE_ID = "node-sp7"
EPOCH = "e7d1c9a0-3b2f-4c55-8f0e-1a2b3c4d5e6f"
BATCH_ID = "b0a1c2d3-e4f5-4607-8899-aabbccddeeff"
CREATED = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
PAYLOAD = (
    b'{"seq":1,"entity":"subject","v":1,"pk":"a","op":"upsert","ts":1,"data":{"name":"j\xc4\x99zyk"}}\n'
    b'{"seq":2,"entity":"subject","v":1,"pk":"b","op":"delete","ts":2,"data":null}\n'
    b'{"seq":3,"entity":"subject","v":1,"pk":"c","op":"delete","ts":3,"data":null}\n'
)

HUB = KeyPair.generate()
HUB_OTHER = KeyPair.generate()  # a key the hub does not hold
HUB_B = KeyPair.generate()  # another hub (e.g. a neighbouring city)
NODE = KeyPair.generate()
NODE_OTHER = KeyPair.generate()  # another enrolled school


def registry(*, revoked: frozenset[str] = frozenset()) -> Callable[[str, str], Any]:
    """The hub's sender lookup: enrolled nodes by (id, kid), as ``open_envelope`` expects."""
    enrolled = {(NODE_ID, NODE.public.kid): NODE, ("node-other", NODE_OTHER.public.kid): NODE_OTHER}

    def lookup(sender: str, kid: str) -> Any:
        if sender in revoked:
            raise RevokedSender(f"node {sender} was revoked")
        if (sender, kid) not in enrolled:
            raise UnknownSender(f"{sender}/{kid} is not enrolled")
        return enrolled[(sender, kid)].public.sign

    return lookup


def seal(payload: bytes = PAYLOAD, **overrides: Any) -> bytes:
    """An uplink envelope from NODE to HUB; keyword arguments override seal()'s."""
    args: dict[str, Any] = dict(
        kind="uplink",
        sender_id=NODE_ID,
        sender_keys=NODE,
        recipient_id=HUB_ID,
        recipient_kid=HUB.public.kid,
        recipient_kex=HUB.public.kex,
        payload=payload,
        epoch=EPOCH,
        first_seq=1,
        last_seq=3,
        count=3,
        schema=schema_set(),
        batch_id=BATCH_ID,
        created_at=CREATED,
    )
    args.update(overrides)
    return envelope.seal(**args)


def open_at_hub(
    data: bytes,
    *,
    limits: envelope.Limits = envelope.DEFAULT_LIMITS,
    lookup: Callable[[str, str], Any] | None = None,
    keys: dict[str, KeyPair] | None = None,
    my_id: str = HUB_ID,
    expect_kind: str = "uplink",
) -> envelope.Opened:
    return envelope.open_envelope(
        data,
        my_id=my_id,
        my_keys={HUB.public.kid: HUB} if keys is None else keys,
        sender_key=lookup or registry(),
        expect_kind=expect_kind,
        limits=limits,
    )


def honest_header(payload: bytes = PAYLOAD, **overrides: Any) -> dict[str, Any]:
    """The header seal() would write for ``payload``."""
    header = {
        "v": 1,
        "kind": "uplink",
        "from": NODE_ID,
        "from_kid": NODE.public.kid,
        "to": HUB_ID,
        "to_kid": HUB.public.kid,
        "id": BATCH_ID,
        "epoch": EPOCH,
        "first_seq": 1,
        "last_seq": 3,
        "count": 3,
        "schema": schema_set(),
        "created_at": "2026-09-01T08:00:00.000000Z",
        "payload_len": len(payload),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "compression": "zlib",
    }
    header.update(overrides)
    return header


def craft(
    *,
    header: dict[str, Any] | None = None,
    header_bytes: bytes | None = None,
    compressed: bytes | None = None,
    signer: KeyPair = NODE,
    kex: Any = None,
    version: int = envelope.WIRE_VERSION,
    kind: str = "uplink",
) -> bytes:
    """Build an envelope exactly as seal() does, but from parts the caller may falsify."""
    if header_bytes is None:
        header_bytes = canonical.dumps(header if header is not None else honest_header())
    if compressed is None:
        compressed = zlib.compress(PAYLOAD)
    context = envelope.DOMAIN + kind.encode("ascii") + b"\x00" + header_bytes
    ciphertext = envelope.SUITE.encrypt(compressed, kex or HUB.public.kex, info=context)
    signature = signer.sign.sign(context + hashlib.sha256(ciphertext).digest())
    return (
        struct.pack(">4sBH", envelope.MAGIC, version, len(header_bytes))
        + header_bytes
        + signature
        + ciphertext
    )


def rejected(data: bytes, **kwargs: Any) -> ProtocolError:
    """Open ``data`` at the hub and return the ProtocolError it must raise."""
    with pytest.raises(ProtocolError) as caught:
        open_at_hub(data, **kwargs)
    return caught.value


# --- round trip ----------------------------------------------------------------------------------


def test_round_trip() -> None:
    opened = open_at_hub(seal())
    assert opened.payload == PAYLOAD
    assert opened.header == honest_header()
    assert opened.sealed.kind == "uplink"


def test_crafted_envelope_matches_seal() -> None:
    """craft() reproduces seal() byte for byte up to HPKE's randomness, so crafted failures are fair."""
    sealed = envelope.parse(seal())
    crafted = envelope.parse(craft())
    assert crafted.header_bytes == sealed.header_bytes
    assert open_at_hub(craft()).payload == PAYLOAD


def test_decrypt_both_returns_what_the_hub_stores() -> None:
    sealed = envelope.parse(seal())
    sealed.verify(NODE.public.sign)
    compressed, payload = sealed.decrypt_both(HUB)
    assert payload == PAYLOAD
    assert zlib.decompress(compressed) == PAYLOAD


ids = st.text(min_size=1, max_size=64)


@FAST
@given(
    payload=st.binary(max_size=4096),
    kind=st.sampled_from(envelope.KINDS),
    sender_id=ids,
    recipient_id=ids,
    epoch=ids,
    batch_id=ids,
    first_seq=st.integers(min_value=1, max_value=2**62),
    count=st.integers(min_value=1, max_value=10**6),
    schema=st.dictionaries(
        st.text(max_size=20), st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=10
    ),
    created_at=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)
def test_round_trip_property(
    payload: bytes,
    kind: str,
    sender_id: str,
    recipient_id: str,
    epoch: str,
    batch_id: str,
    first_seq: int,
    count: int,
    schema: dict[str, int],
    created_at: dt.datetime,
) -> None:
    data = envelope.seal(
        kind=kind,
        sender_id=sender_id,
        sender_keys=NODE,
        recipient_id=recipient_id,
        recipient_kid=HUB.public.kid,
        recipient_kex=HUB.public.kex,
        payload=payload,
        epoch=epoch,
        first_seq=first_seq,
        last_seq=first_seq + count - 1,
        count=count,
        schema=schema,
        batch_id=batch_id,
        created_at=created_at,
    )
    seen: list[tuple[str, str]] = []

    def lookup(sender: str, kid: str) -> Any:
        seen.append((sender, kid))
        return NODE.public.sign

    opened = envelope.open_envelope(
        data, my_id=recipient_id, my_keys={HUB.public.kid: HUB}, sender_key=lookup, expect_kind=kind
    )
    assert opened.payload == payload
    assert seen == [(sender_id, NODE.public.kid)]
    header = opened.header
    assert (header["from"], header["to"], header["epoch"], header["id"]) == (
        sender_id,
        recipient_id,
        epoch,
        batch_id,
    )
    assert (header["first_seq"], header["last_seq"], header["count"]) == (
        first_seq,
        first_seq + count - 1,
        count,
    )
    assert header["schema"] == schema
    assert header["payload_len"] == len(payload)


# --- tampering -----------------------------------------------------------------------------------


def _value_span(header_bytes: bytes, key: str) -> range:
    """Byte positions of ``key``'s value (including string quotes) in canonical header bytes."""
    marker = json.dumps(key).encode() + b":"
    start = header_bytes.index(marker) + len(marker)
    value = json.dumps(json.loads(header_bytes)[key], ensure_ascii=False, separators=(",", ":")).encode()
    assert header_bytes[start : start + len(value)] == value
    return range(start, start + len(value))


def test_every_single_bit_flip_is_rejected_for_the_right_reason() -> None:
    """Flip each bit of a whole envelope in turn: it is never accepted and never raises anything
    but a ProtocolError, and the error fits the region that was hit."""
    data = seal()
    header_len = struct.unpack_from(">H", data, 5)[0]
    header_start, signature_start = 7, 7 + header_len
    cipher_start = signature_start + envelope.SIGNATURE_LEN
    header_bytes = data[header_start:signature_start]
    special = {  # header values whose change is caught before the signature check
        "v": {UnsupportedVersion, HeaderInvalid},
        "to": {WrongRecipient, HeaderInvalid},
        "to_kid": {WrongRecipient, HeaderInvalid},
        "from": {UnknownSender, HeaderInvalid},
        "from_kid": {UnknownSender, HeaderInvalid},
    }
    spans = {key: _value_span(header_bytes, key) for key in special}

    def expected(position: int) -> set[type[ProtocolError]]:
        if position < 4:
            return {Malformed}
        if position == 4:
            return {UnsupportedVersion}
        if position < header_start:  # header length: the split point moves
            return {Malformed, TooLarge, HeaderInvalid}
        if position < signature_start:
            for key, span in spans.items():
                if position - header_start in span:
                    return special[key]
            return {HeaderInvalid, BadSignature}
        return {BadSignature}  # signature, or ciphertext (whose SHA-256 is signed)

    surprises = []
    seen: set[type[ProtocolError]] = set()
    lookup = registry()
    for position in range(len(data)):
        for bit in range(8):
            flipped = bytearray(data)
            flipped[position] ^= 1 << bit
            try:
                open_at_hub(bytes(flipped), lookup=lookup)
            except ProtocolError as exc:
                seen.add(type(exc))
                if type(exc) not in expected(position):
                    surprises.append((position, bit, type(exc).__name__))
            else:
                surprises.append((position, bit, "accepted"))
    assert surprises == []
    assert cipher_start < len(data)
    assert {Malformed, UnsupportedVersion, HeaderInvalid, BadSignature, WrongRecipient, UnknownSender} <= seen


@FAST
@given(
    payload=st.binary(min_size=0, max_size=2048),
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
    bit=st.integers(min_value=0, max_value=7),
)
def test_bit_flip_property(payload: bytes, where: float, bit: int) -> None:
    data = bytearray(seal(payload))
    position = int(where * len(data))
    data[position] ^= 1 << bit
    with pytest.raises(ProtocolError):
        open_at_hub(bytes(data))


@pytest.mark.parametrize("region", ["signature", "ciphertext_start", "ciphertext_end"])
def test_tampered_signature_or_ciphertext_is_bad_signature(region: str) -> None:
    data = bytearray(seal())
    sealed = envelope.parse(bytes(data))
    signature_start = 7 + len(sealed.header_bytes)
    position = {
        "signature": signature_start + 10,
        "ciphertext_start": signature_start + 64,
        "ciphertext_end": len(data) - 1,
    }[region]
    data[position] ^= 0x01
    assert type(rejected(bytes(data))) is BadSignature


def test_truncated_or_extended_ciphertext_is_bad_signature() -> None:
    data = seal()
    assert type(rejected(data[:-1])) is BadSignature
    assert type(rejected(data + b"\x00")) is BadSignature


# --- addressing and senders ----------------------------------------------------------------------


def test_wrong_recipient_id() -> None:
    error = rejected(seal(recipient_id="hub-warszawa"))
    assert type(error) is WrongRecipient


def test_wrong_recipient_kid() -> None:
    error = rejected(seal(recipient_kid=HUB_OTHER.public.kid, recipient_kex=HUB_OTHER.public.kex))
    assert type(error) is WrongRecipient


def test_hub_with_several_keys_opens_with_the_addressed_one() -> None:
    data = seal(recipient_kid=HUB_OTHER.public.kid, recipient_kex=HUB_OTHER.public.kex)
    keys = {HUB.public.kid: HUB, HUB_OTHER.public.kid: HUB_OTHER}
    assert open_at_hub(data, keys=keys).payload == PAYLOAD


def test_encrypted_to_another_key_but_correctly_addressed_is_decrypt_failed() -> None:
    data = seal(recipient_kid=HUB.public.kid, recipient_kex=HUB_OTHER.public.kex)
    envelope.parse(data).verify(NODE.public.sign)  # the signature is valid ...
    assert type(rejected(data)) is DecryptFailed  # ... so only decryption can fail


def test_signed_by_another_node_claiming_to_be_this_one() -> None:
    forged = craft(signer=NODE_OTHER)  # header says NODE_ID with NODE's kid
    assert type(rejected(forged)) is BadSignature


def test_sealed_by_another_node_with_its_own_kid_is_unknown_for_this_id() -> None:
    assert type(rejected(seal(sender_keys=NODE_OTHER))) is UnknownSender


def test_unknown_and_revoked_senders_propagate() -> None:
    assert type(rejected(seal(sender_id="node-nobody"))) is UnknownSender
    assert type(rejected(seal(), lookup=registry(revoked=frozenset({NODE_ID})))) is RevokedSender


def test_wrong_kind_is_header_invalid() -> None:
    assert type(rejected(seal(kind="downlink"))) is HeaderInvalid
    assert open_at_hub(seal(kind="downlink"), expect_kind="downlink").payload == PAYLOAD


def test_surreptitious_forwarding_fails() -> None:
    """Hub B cannot open an envelope meant for hub A, even with A's help.

    * B receives A's envelope as is: the header names A → WrongRecipient; B ignoring the address
      and trying its own key → DecryptFailed (HPKE was to A's key).
    * A (or anyone who learnt the plaintext) re-encrypts it to B keeping the node's signature and
      header: the header still names A → WrongRecipient at B.
    * ... and also rewrites "to"/"to_kid" for B: the node's signature covers the header and the
      ciphertext hash, so it no longer verifies → BadSignature. Only the node can address a batch.
    """
    for_a = seal()
    lookup = registry()
    b_keys = {HUB_B.public.kid: HUB_B}

    with pytest.raises(WrongRecipient):
        open_at_hub(for_a, my_id="hub-b", keys=b_keys)
    sealed = envelope.parse(for_a)
    sealed.verify(NODE.public.sign)
    with pytest.raises(DecryptFailed):
        sealed.decrypt(HUB_B)

    original_signature = sealed.signature
    payload = open_at_hub(for_a).payload  # A decrypts legitimately

    def reencrypt(header_bytes: bytes) -> bytes:
        context = envelope.DOMAIN + b"uplink\x00" + header_bytes
        ciphertext = envelope.SUITE.encrypt(zlib.compress(payload), HUB_B.public.kex, info=context)
        return (
            struct.pack(">4sBH", envelope.MAGIC, 1, len(header_bytes))
            + header_bytes
            + original_signature
            + ciphertext
        )

    with pytest.raises(WrongRecipient):
        open_at_hub(reencrypt(sealed.header_bytes), my_id="hub-b", keys=b_keys, lookup=lookup)
    readdressed = canonical.dumps({**sealed.header, "to": "hub-b", "to_kid": HUB_B.public.kid})
    with pytest.raises(BadSignature):
        open_at_hub(reencrypt(readdressed), my_id="hub-b", keys=b_keys, lookup=lookup)


# --- sizes ---------------------------------------------------------------------------------------


def test_oversized_envelope_is_too_large_before_anything_else() -> None:
    calls: list[tuple[str, str]] = []

    def lookup(sender: str, kid: str) -> Any:
        calls.append((sender, kid))
        return NODE.public.sign

    data = seal()
    limits = envelope.Limits(max_envelope=len(data) - 1)
    assert type(rejected(data, limits=limits, lookup=lookup)) is TooLarge
    garbage = b"NOT AN ENVELOPE" * 100  # bad magic too, but size is checked first
    assert type(rejected(garbage, limits=envelope.Limits(max_envelope=1000), lookup=lookup)) is TooLarge
    assert calls == []
    assert open_at_hub(data, limits=envelope.Limits(max_envelope=len(data))).payload == PAYLOAD


def test_header_over_the_limit_is_too_large() -> None:
    data = seal()
    header_len = len(envelope.parse(data).header_bytes)
    assert type(rejected(data, limits=envelope.Limits(max_header=header_len - 1))) is TooLarge


def test_seal_refuses_a_header_over_the_default_limit() -> None:
    with pytest.raises(ValueError, match="header too large"):
        seal(schema={f"entity_{i:04d}": 1 for i in range(1000)})


def test_declared_payload_over_the_limit_is_too_large() -> None:
    payload = b"x" * 2000
    data = seal(payload)
    error = rejected(data, limits=envelope.Limits(max_payload=1999))
    assert type(error) is TooLarge
    assert "2000" in error.detail
    assert open_at_hub(data, limits=envelope.Limits(max_payload=2000)).payload == payload


def test_decompression_bomb() -> None:
    """100 MB of zeros declared as 1 KB, legitimately signed and encrypted: inflating stops at the
    declared length + 1 byte (inflate's max_length), so the output never grows past 1025 bytes."""
    real_len, declared = 100 * 1024 * 1024, 1024
    deflater, digest = zlib.compressobj(9), hashlib.sha256()
    chunk = bytes(1024 * 1024)
    parts = []
    for _ in range(real_len // len(chunk)):
        parts.append(deflater.compress(chunk))
        digest.update(chunk)
    parts.append(deflater.flush())
    bomb = b"".join(parts)
    assert len(bomb) < 200_000  # ~1000:1

    data = craft(
        header=honest_header(payload_len=declared, payload_sha256=digest.hexdigest()), compressed=bomb
    )
    error = rejected(data)
    assert type(error) is DecompressionBomb
    assert "1024" in error.detail
    with pytest.raises(DecompressionBomb):
        envelope.inflate(bomb, declared)


def test_inflate_accepts_exactly_the_declared_length() -> None:
    compressed = zlib.compress(PAYLOAD)
    assert envelope.inflate(compressed, len(PAYLOAD)) == PAYLOAD
    with pytest.raises(DecompressionBomb):
        envelope.inflate(compressed, len(PAYLOAD) - 1)
    with pytest.raises(DecryptFailed):  # shorter than declared
        envelope.inflate(compressed, len(PAYLOAD) + 1)
    assert envelope.inflate(zlib.compress(b""), 0) == b""


@pytest.mark.parametrize(
    "compressed",
    [
        pytest.param(zlib.compress(PAYLOAD)[:-4], id="adler32 missing"),
        pytest.param(zlib.compress(PAYLOAD)[: len(zlib.compress(PAYLOAD)) // 2], id="cut in half"),
        pytest.param(zlib.compress(PAYLOAD) + b"trailing", id="trailing data"),
        pytest.param(b"this is not zlib", id="not zlib"),
        pytest.param(b"", id="empty"),
    ],
)
def test_truncated_or_garbled_payload_is_decrypt_failed(compressed: bytes) -> None:
    assert type(rejected(craft(compressed=compressed))) is DecryptFailed


def test_payload_hash_mismatch() -> None:
    lying = honest_header(payload_sha256=hashlib.sha256(b"something else").hexdigest())
    assert type(rejected(craft(header=lying))) is PayloadHashMismatch


# --- header checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header_bytes",
    [
        pytest.param(json.dumps(honest_header(), sort_keys=True).encode(), id="spaces"),
        pytest.param(json.dumps(honest_header(), separators=(",", ":")).encode(), id="unsorted keys"),
        pytest.param(json.dumps(honest_header(), sort_keys=True, indent=1).encode(), id="indented"),
        pytest.param(canonical.dumps(honest_header()) + b"\n", id="trailing newline"),
        pytest.param(b" " + canonical.dumps(honest_header()), id="leading space"),
        pytest.param(
            json.dumps(honest_header(**{"from": "węzeł-7"}), sort_keys=True, separators=(",", ":")).encode(),
            id="escaped non-ASCII",
        ),
        pytest.param(
            canonical.dumps(honest_header()).replace(b'"count":3', b'"count":3,"count":3'), id="duplicate key"
        ),
    ],
)
def test_non_canonical_header_is_invalid_even_when_signed(header_bytes: bytes) -> None:
    assert header_bytes != canonical.dumps(json.loads(header_bytes))
    assert type(rejected(craft(header_bytes=header_bytes))) is HeaderInvalid


@pytest.mark.parametrize(
    "header_bytes",
    [
        pytest.param(canonical.dumps(honest_header(first_seq=1.0)), id="float"),
        pytest.param(
            canonical.dumps(honest_header(payload_len=1000)).replace(b":1000,", b":1e3,"), id="exponent"
        ),
        pytest.param(canonical.dumps(honest_header()).replace(b'"count":3', b'"count":NaN'), id="NaN"),
        pytest.param(
            canonical.dumps(honest_header()).replace(b'"count":3', b'"count":Infinity'), id="Infinity"
        ),
        pytest.param(canonical.dumps(honest_header(schema={"pupil": 1.5})), id="float in schema"),
    ],
)
def test_header_with_float_is_invalid(header_bytes: bytes) -> None:
    assert type(rejected(craft(header_bytes=header_bytes))) is HeaderInvalid


def _without(key: str) -> dict[str, Any]:
    header = honest_header()
    del header[key]
    return header


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(_without("payload_sha256"), id="missing field"),
        pytest.param(honest_header(note="hello"), id="extra field"),
        pytest.param(honest_header(count=True), id="bool for int"),
        pytest.param(honest_header(count="3"), id="string for int"),
        pytest.param(honest_header(to=None), id="null"),
        pytest.param(honest_header(schema=[]), id="list for dict"),
        pytest.param(honest_header(schema={"pupil": "1"}), id="schema value not int"),
        pytest.param(honest_header(schema={"pupil": True}), id="schema value bool"),
        pytest.param(honest_header(kind="sideways"), id="unknown kind"),
        pytest.param(honest_header(compression="gzip"), id="unknown compression"),
        pytest.param(honest_header(first_seq=0, last_seq=2), id="seq from zero"),
        pytest.param(honest_header(first_seq=3, last_seq=1, count=-1), id="seq backwards"),
        pytest.param(honest_header(count=4), id="count off"),
        pytest.param(honest_header(payload_len=-1), id="negative payload length"),
        pytest.param(honest_header(payload_sha256="abc"), id="short hash"),
        pytest.param(honest_header(**{"from": ""}), id="empty sender"),
        pytest.param(honest_header(to="h" * 65), id="long recipient"),
        pytest.param(honest_header(epoch=""), id="empty epoch"),
        pytest.param(honest_header(id="i" * 65), id="long batch id"),
    ],
)
def test_malformed_header_fields_are_invalid(header: dict[str, Any]) -> None:
    assert type(rejected(craft(header=header))) is HeaderInvalid


@pytest.mark.parametrize(
    "header_bytes",
    [
        pytest.param(b"[1,2,3]", id="array"),
        pytest.param(b'"header"', id="string"),
        pytest.param(b"null", id="null"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xfe{}", id="not UTF-8"),
        pytest.param(b"[" * 4000 + b"]" * 4000, id="nested too deeply"),
        pytest.param(b'{"a":' * 1300 + b"1" + b"}" * 1300, id="objects nested too deeply"),
    ],
)
def test_header_that_is_not_a_json_object_is_invalid(header_bytes: bytes) -> None:
    assert type(rejected(craft(header_bytes=header_bytes))) is HeaderInvalid


def test_unsupported_wire_version() -> None:
    assert type(rejected(craft(version=2))) is UnsupportedVersion
    assert type(rejected(craft(version=0))) is UnsupportedVersion
    assert type(rejected(craft(header=honest_header(v=2)))) is UnsupportedVersion


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"ZSZ", id="shorter than the prefix"),
        pytest.param(b"ZSZ0" + bytes(200), id="wrong magic"),
        pytest.param(b"zszo" + bytes(200), id="lower-case magic"),
    ],
)
def test_malformed_framing(data: bytes) -> None:
    assert type(rejected(data)) is Malformed


def test_truncated_before_the_ciphertext_is_malformed() -> None:
    data = seal()
    header_end = 7 + len(envelope.parse(data).header_bytes)
    minimum = header_end + envelope.SIGNATURE_LEN + envelope.HPKE_ENC_LEN + envelope.AEAD_TAG_LEN
    for cut in (5, 7, header_end, header_end + 63, minimum - 1):
        assert type(rejected(data[:cut])) is Malformed, cut
    assert type(rejected(data[:minimum])) is BadSignature  # framing fine, content cut
