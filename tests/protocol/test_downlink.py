"""Downlink message payloads (protocol.downlink): round trip and rejections."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import downlink
from protocol.downlink import Message
from protocol.errors import PayloadInvalid

FAST = settings(max_examples=100, deadline=None)

bodies = st.dictionaries(
    st.text(max_size=10), st.text(max_size=20) | st.integers() | st.booleans(), max_size=4
)


@FAST
@given(
    st.integers(min_value=1, max_value=2**62),
    st.lists(st.tuples(st.text(max_size=20), bodies), min_size=1, max_size=5),
)
def test_round_trip(first_seq: int, items: list[tuple[str, dict[str, Any]]]) -> None:
    messages = [Message(first_seq + i, kind, body) for i, (kind, body) in enumerate(items)]
    payload = downlink.encode(messages)
    assert list(downlink.decode(payload, first_seq=first_seq, count=len(messages))) == messages


def _line(**raw: Any) -> bytes:
    return (json.dumps(raw) + "\n").encode()


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"", id="empty"),
        pytest.param(_line(seq=1, kind="notice", body={}) * 2, id="two lines for one"),
        pytest.param(_line(seq=2, kind="notice", body={}), id="wrong seq"),
        pytest.param(_line(seq=True, kind="notice", body={}), id="bool seq"),
        pytest.param(_line(seq=1.0, kind="notice", body={}), id="float seq"),
        pytest.param(_line(seq=1, kind=7, body={}), id="kind not text"),
        pytest.param(_line(seq=1, kind="notice", body=[]), id="body not an object"),
        pytest.param(_line(seq=1, kind="notice"), id="no body"),
        pytest.param(b"not json\n", id="not json"),
        pytest.param(b"[" * 5000 + b"]" * 5000 + b"\n", id="nested too deeply"),
        pytest.param(b'{"seq":1,"kind":"notice","body":{"text":"\xff"}}\n', id="not UTF-8"),
    ],
)
def test_rejections(payload: bytes) -> None:
    with pytest.raises(PayloadInvalid):
        list(downlink.decode(payload, first_seq=1, count=1))
