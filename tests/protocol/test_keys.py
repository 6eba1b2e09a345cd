"""Key pairs, key ids and fingerprints (protocol.keys)."""

from __future__ import annotations

import base64
import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from protocol.keys import KeyPair, PublicKeys, b64, unb64

FINGERPRINT = re.compile(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){7}")

# Fixed private keys: their kid and fingerprint are pinned below, because administrators compare
# fingerprints at enrolment and hubs store kids. Changing either derivation breaks every enrolled node.
FIXED = KeyPair(
    Ed25519PrivateKey.from_private_bytes(bytes(range(32))),
    X25519PrivateKey.from_private_bytes(bytes(range(32, 64))),
)
FIXED_KID = "3aec47c2ee5fc4a3"
FIXED_FINGERPRINT = "HTNL-AJNE-Y5Q6-6GZV-FLEH-GEXB-IA7N-UYDY"


def test_kid_and_fingerprint_are_pinned() -> None:
    assert FIXED.public.kid == FIXED_KID
    assert FIXED.public.fingerprint == FIXED_FINGERPRINT
    assert FIXED.public.to_dict() == {
        "sign": "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=",
        "kex": "NYBy1jZYgNGu6jKa35EhODhR7SGijjt16WXQ0s0WYlQ=",
        "kid": FIXED_KID,
    }


def test_private_keys_round_trip() -> None:
    pair = KeyPair.generate()
    text = pair.to_json()
    again = KeyPair.from_json(text)
    assert again.public.to_dict() == pair.public.to_dict()
    assert again.to_json() == text
    message = b"zszo"
    pair.public.sign.verify(again.sign.sign(message), message)
    assert json.loads(text)["format"] == "zszo-keypair-v1"


def test_damaged_kid_is_detected() -> None:
    data = json.loads(KeyPair.generate().to_json())
    data["kid"] = data["kid"][:-1] + ("0" if data["kid"][-1] != "0" else "1")
    with pytest.raises(ValueError, match="damaged"):
        KeyPair.from_json(json.dumps(data))


def test_swapped_private_key_is_detected() -> None:
    data = json.loads(KeyPair.generate().to_json())
    data["sign"] = json.loads(KeyPair.generate().to_json())["sign"]
    with pytest.raises(ValueError, match="damaged"):
        KeyPair.from_json(json.dumps(data))


def test_missing_kid_is_detected() -> None:
    data = json.loads(KeyPair.generate().to_json())
    del data["kid"]
    with pytest.raises(ValueError, match="damaged"):
        KeyPair.from_json(json.dumps(data))


@pytest.mark.parametrize("fmt", [None, "zszo-keypair-v2", "pem"])
def test_wrong_key_file_format(fmt: str | None) -> None:
    data = json.loads(KeyPair.generate().to_json())
    data["format"] = fmt
    with pytest.raises(ValueError, match="not a ZSZO key file"):
        KeyPair.from_json(json.dumps(data))


def test_truncated_private_key_is_rejected() -> None:
    data = json.loads(KeyPair.generate().to_json())
    data["kex"] = b64(unb64(data["kex"])[:31])
    with pytest.raises(ValueError, match="expected 32 bytes"):
        KeyPair.from_json(json.dumps(data))


def test_fingerprint_format_and_stability() -> None:
    pair = KeyPair.generate()
    fingerprint = pair.public.fingerprint
    assert FINGERPRINT.fullmatch(fingerprint)
    assert len(fingerprint) == 8 * 4 + 7
    assert pair.public.fingerprint == fingerprint
    assert KeyPair.from_json(pair.to_json()).public.fingerprint == fingerprint
    assert PublicKeys.from_dict(pair.public.to_dict()).fingerprint == fingerprint
    assert KeyPair.generate().public.fingerprint != fingerprint


def test_kid_format_and_stability() -> None:
    pair = KeyPair.generate()
    assert re.fullmatch(r"[0-9a-f]{16}", pair.public.kid)
    assert PublicKeys.from_dict(pair.public.to_dict()).kid == pair.public.kid
    assert KeyPair.generate().public.kid != pair.public.kid


def test_kid_depends_on_both_keys() -> None:
    a, b = KeyPair.generate(), KeyPair.generate()
    mixed = PublicKeys(a.public.sign, b.public.kex)
    assert mixed.kid not in (a.public.kid, b.public.kid)
    assert mixed.fingerprint not in (a.public.fingerprint, b.public.fingerprint)


def test_public_keys_round_trip() -> None:
    public = KeyPair.generate().public
    again = PublicKeys.from_dict(public.to_dict())
    assert (again.sign_raw, again.kex_raw) == (public.sign_raw, public.kex_raw)
    assert len(public.sign_raw) == len(public.kex_raw) == 32


def test_public_keys_without_kid_are_accepted() -> None:
    public = KeyPair.generate().public
    data = public.to_dict()
    del data["kid"]
    assert PublicKeys.from_dict(data).kid == public.kid


def test_public_keys_with_mismatching_kid_are_rejected() -> None:
    data = KeyPair.generate().public.to_dict()
    data["kid"] = KeyPair.generate().public.kid
    with pytest.raises(ValueError, match="key id does not match"):
        PublicKeys.from_dict(data)


def test_public_keys_with_a_swapped_half_are_rejected() -> None:
    data = KeyPair.generate().public.to_dict()
    data["kex"] = KeyPair.generate().public.to_dict()["kex"]
    with pytest.raises(ValueError, match="key id does not match"):
        PublicKeys.from_dict(data)


@pytest.mark.parametrize(
    "text",
    [
        "not base64!",
        "QUJD\n",  # newlines are not part of strict base64
        "QUJ",  # bad padding
        "żółw",
        base64.urlsafe_b64encode(b"\xfb\xff\xfe" * 4).decode(),  # URL-safe alphabet
    ],
)
def test_unb64_is_strict(text: str) -> None:
    with pytest.raises(ValueError):
        unb64(text)


@pytest.mark.parametrize("value", [None, 12345, b"QUJD"])
def test_unb64_rejects_non_text_with_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="expected base64 text"):
        unb64(value)  # type: ignore[arg-type]


def test_unb64_length() -> None:
    assert unb64(b64(b"abc"), 3) == b"abc"
    with pytest.raises(ValueError, match="expected 4 bytes, got 3"):
        unb64(b64(b"abc"), 4)
