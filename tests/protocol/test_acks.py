"""Signed acks and signed requests (protocol.acks)."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import acks
from protocol.acks import Ack
from protocol.errors import BadSignature, HeaderInvalid
from protocol.keys import KeyPair

FAST = settings(max_examples=150, deadline=None)

HUB = KeyPair.generate()
IMPOSTOR = KeyPair.generate()
NODE = KeyPair.generate()
NODE_OTHER = KeyPair.generate()

ACK = Ack(
    node_id="node-sp7",
    epoch="epoch-1",
    batch_id="batch-42",
    status="accepted",
    acked_through=120,
    received=20,
    hub_id="hub-krakow",
    hub_kid=HUB.public.kid,
)
FOR_ACK = {"node_id": "node-sp7", "epoch": "epoch-1", "batch_id": "batch-42"}


def verify(wire: Any, key: Any = None, **expect: str) -> Ack:
    return acks.verify_ack(wire, key or HUB.public.sign, **{**FOR_ACK, **expect})


def flip_signature_bit(wire: dict[str, Any], bit: int = 0) -> dict[str, Any]:
    signature = bytearray(base64.b64decode(wire["sig"]))
    signature[bit // 8] ^= 1 << (bit % 8)
    return {**wire, "sig": base64.b64encode(bytes(signature)).decode()}


# --- acks ----------------------------------------------------------------------------------------


def test_ack_round_trip() -> None:
    wire = acks.sign_ack(ACK, HUB)
    assert set(wire) == {"ack", "sig"}
    assert wire["ack"] == ACK.to_dict()
    assert verify(wire) == ACK


def test_duplicate_status_verifies() -> None:
    duplicate = Ack(**{**ACK.to_dict(), "status": "duplicate", "received": 0})
    assert verify(acks.sign_ack(duplicate, HUB)).status == "duplicate"


ack_strings = st.text(min_size=1, max_size=40)


@FAST
@given(
    node_id=ack_strings,
    epoch=ack_strings,
    batch_id=ack_strings,
    status=st.sampled_from(acks.ACK_STATUSES),
    acked_through=st.integers(min_value=0, max_value=2**63 - 1),
    received=st.integers(0, 10**6),
)
def test_ack_round_trip_property(
    node_id: str, epoch: str, batch_id: str, status: str, acked_through: int, received: int
) -> None:
    ack = Ack(node_id, epoch, batch_id, status, acked_through, received, "hub", HUB.public.kid)
    wire = acks.sign_ack(ack, HUB)
    assert acks.verify_ack(wire, HUB.public.sign, node_id=node_id, epoch=epoch, batch_id=batch_id) == ack


@pytest.mark.parametrize(
    "expect",
    [{"node_id": "node-other"}, {"epoch": "epoch-2"}, {"batch_id": "batch-43"}],
    ids=["another node", "another epoch", "another batch"],
)
def test_ack_for_something_else_is_rejected(expect: dict[str, str]) -> None:
    with pytest.raises(BadSignature, match="another node, epoch or batch"):
        verify(acks.sign_ack(ACK, HUB), **expect)


def test_signed_ack_with_unknown_status_is_rejected() -> None:
    with pytest.raises(BadSignature):
        verify(acks.sign_ack(Ack(**{**ACK.to_dict(), "status": "rejected"}), HUB))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("node_id", "node-other"),
        ("epoch", "epoch-2"),
        ("batch_id", "batch-43"),
        ("status", "duplicate"),
        ("acked_through", 121),
        ("acked_through", 10**9),
        ("received", 21),
        ("hub_id", "hub-warszawa"),
        pytest.param("hub_kid", IMPOSTOR.public.kid, id="hub_kid-impostor"),
    ],
)
def test_tampered_ack_field_is_bad_signature(field: str, value: Any) -> None:
    wire = acks.sign_ack(ACK, HUB)
    tampered = copy.deepcopy(wire)
    tampered["ack"][field] = value
    with pytest.raises(BadSignature):
        # Expect what the tampered ack claims, so only the signature can catch it.
        verify(tampered, **{k: tampered["ack"][k] for k in FOR_ACK})


@FAST
@given(st.integers(min_value=0, max_value=511))
def test_any_flipped_signature_bit_is_bad_signature(bit: int) -> None:
    with pytest.raises(BadSignature):
        verify(flip_signature_bit(acks.sign_ack(ACK, HUB), bit))


def test_ack_signed_by_another_key_is_bad_signature() -> None:
    with pytest.raises(BadSignature):
        verify(acks.sign_ack(ACK, IMPOSTOR))


def test_ack_signature_is_domain_separated_from_requests() -> None:
    # A request signature over the same bytes must never pass as an ack (different domain prefix).
    from protocol import canonical

    body = ACK.to_dict()
    foreign = HUB.sign.sign(acks.REQUEST_DOMAIN + canonical.dumps(body))
    with pytest.raises(BadSignature):
        verify({"ack": body, "sig": base64.b64encode(foreign).decode()})


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda w: w["ack"].update(note="hello"), id="extra field"),
        pytest.param(lambda w: w["ack"].pop("received"), id="missing field"),
        pytest.param(lambda w: w.pop("sig"), id="no signature"),
        pytest.param(lambda w: w.pop("ack"), id="no body"),
        pytest.param(lambda w: w.update(sig="not base64!"), id="signature not base64"),
        pytest.param(lambda w: w.update(sig=base64.b64encode(b"short").decode()), id="signature too short"),
        pytest.param(lambda w: w.update(sig=12345), id="signature not text"),
        pytest.param(lambda w: w.update(ack=["node-sp7"]), id="body not an object"),
        pytest.param(lambda w: w.update(ack=None), id="body null"),
    ],
)
def test_malformed_ack_is_header_invalid(mutate: Any) -> None:
    wire = copy.deepcopy(acks.sign_ack(ACK, HUB))
    mutate(wire)
    with pytest.raises(HeaderInvalid):
        verify(wire)


def test_signed_extra_field_is_still_header_invalid() -> None:
    from protocol import canonical

    body = {**ACK.to_dict(), "note": "signed but unexpected"}
    signature = HUB.sign.sign(acks.ACK_DOMAIN + canonical.dumps(body))
    with pytest.raises(HeaderInvalid, match="unexpected fields"):
        verify({"ack": body, "sig": base64.b64encode(signature).decode()})


@pytest.mark.parametrize("wire", [None, "ack", 42, [], ["ack", "sig"]])
def test_ack_that_is_not_an_object_is_header_invalid(wire: Any) -> None:
    with pytest.raises(HeaderInvalid):
        verify(wire)


@pytest.mark.parametrize("acked_through", [-1, "120", True, None])
def test_signed_ack_with_bad_sequence_number_is_header_invalid(acked_through: Any) -> None:
    wire = acks.sign_ack(Ack(**{**ACK.to_dict(), "acked_through": acked_through}), HUB)
    with pytest.raises(HeaderInvalid, match="sequence number"):
        verify(wire)


# --- signed requests -----------------------------------------------------------------------------

REQUEST = {
    "node_id": "node-sp7",
    "method": "POST",
    "path": "/api/v1/downlink",
    "body": b'{"after":7}',
    "nonce": "5f1c0d3e9a8b7c6d5e4f3a2b1c0d9e8f",
}


def signed_headers(keys: KeyPair = NODE, **overrides: Any) -> dict[str, str]:
    return acks.sign_request(keys, **{**REQUEST, **overrides})


def verify_request(headers: dict[str, str], key: Any = None, **overrides: Any) -> None:
    request = {k: v for k, v in {**REQUEST, **overrides}.items() if k in ("method", "path", "body")}
    acks.verify_request(headers, key or NODE.public.sign, **request)


def test_request_round_trip() -> None:
    headers = signed_headers()
    assert set(headers) == set(acks.REQUEST_HEADERS)
    assert headers["X-ZSZO-Node"] == "node-sp7"
    assert headers["X-ZSZO-Kid"] == NODE.public.kid
    verify_request(headers)
    verify_request(headers, method="post")  # the method is compared upper-cased


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"path": "/api/v1/downlink/"}, id="path"),
        pytest.param({"path": "/api/v1/status"}, id="other path"),
        pytest.param({"method": "GET"}, id="method"),
        pytest.param({"body": b'{"after":8}'}, id="body"),
        pytest.param({"body": b""}, id="empty body"),
    ],
)
def test_request_verify_fails_on_a_changed_request(change: dict[str, Any]) -> None:
    with pytest.raises(BadSignature):
        verify_request(signed_headers(), **change)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-ZSZO-Nonce", "5f1c0d3e9a8b7c6d5e4f3a2b1c0d9e8e"),
        ("X-ZSZO-Node", "node-other"),
        pytest.param("X-ZSZO-Kid", NODE_OTHER.public.kid, id="X-ZSZO-Kid-other-node"),
        ("X-ZSZO-Signature", "AAAA"),
        ("X-ZSZO-Signature", "not base64!"),
        ("X-ZSZO-Signature", "żółw"),
    ],
)
def test_request_verify_fails_on_changed_headers(header: str, value: str) -> None:
    headers = {**signed_headers(), header: value}
    with pytest.raises(BadSignature):
        verify_request(headers)


@pytest.mark.parametrize("header", acks.REQUEST_HEADERS)
def test_request_verify_fails_on_a_missing_header(header: str) -> None:
    headers = signed_headers()
    del headers[header]
    with pytest.raises(BadSignature):
        verify_request(headers)


def test_request_verify_fails_with_another_key() -> None:
    with pytest.raises(BadSignature):
        verify_request(signed_headers(), key=NODE_OTHER.public.sign)
    with pytest.raises(BadSignature):
        verify_request(signed_headers(NODE_OTHER))


@FAST
@given(st.binary(max_size=200), st.binary(max_size=200))
def test_request_body_is_bound(signed_body: bytes, sent_body: bytes) -> None:
    headers = signed_headers(body=signed_body)
    if signed_body == sent_body:
        verify_request(headers, body=sent_body)
    else:
        with pytest.raises(BadSignature):
            verify_request(headers, body=sent_body)
