"""Change records and their payload (protocol.changes): round trip and every rejection."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import changes
from protocol.changes import Change
from protocol.entities import ENTITIES, schema_set
from protocol.errors import PayloadInvalid, UnsupportedVersion

FAST = settings(max_examples=150, deadline=None)


def line(n: int, /, **overrides: Any) -> str:
    """Payload line ``n``: a valid subject upsert, with fields overridden (or removed with ...)."""
    raw: dict[str, Any] = {
        "seq": n,
        "entity": "subject",
        "v": 1,
        "pk": f"pk-{n}",
        "op": "upsert",
        "ts": 1_788_000_000_000 + n,
        "data": {"id": f"pk-{n}", "name": "fizyka"},
    }
    raw.update(overrides)
    return json.dumps({k: v for k, v in raw.items() if v is not ...}, ensure_ascii=False, separators=(",", ":"))


def decode(payload: bytes, first_seq: int = 1, count: int | None = None, **kw: Any) -> list[Change]:
    lines = payload.count(b"\n") if count is None else count
    return list(
        changes.decode(payload, first_seq=first_seq, last_seq=first_seq + lines - 1, count=lines, **kw)
    )


# --- round trip ----------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=4,
)
records = st.dictionaries(st.text(max_size=12), json_values, max_size=4)


@st.composite
def change_lists(draw: st.DrawFn) -> list[Change]:
    first = draw(st.integers(min_value=1, max_value=2**62))
    out = []
    for offset in range(draw(st.integers(min_value=1, max_value=5))):
        entity = draw(st.sampled_from(sorted(ENTITIES)))
        op = draw(st.sampled_from(changes.OPS))
        out.append(
            Change(
                seq=first + offset,
                entity=entity,
                v=ENTITIES[entity].version,
                pk=draw(st.from_regex(r"[0-9A-Za-z._:-]{1,64}", fullmatch=True)),
                op=op,
                ts=draw(st.integers(-(2**63), 2**63 - 1)),
                data=draw(records) if op == changes.UPSERT else None,
            )
        )
    return out


@FAST
@given(change_lists())
def test_encode_decode_round_trip(batch: list[Change]) -> None:
    payload = changes.encode(batch)
    assert payload.endswith(b"\n")
    decoded = list(
        changes.decode(
            payload, first_seq=batch[0].seq, last_seq=batch[-1].seq, count=len(batch), schema=schema_set()
        )
    )
    assert decoded == batch


def test_line_separators_inside_values_do_not_split_changes() -> None:
    # U+2028/U+2029 and U+0085 are line breaks to str.splitlines(), but not to the payload format.
    data = {"id": "x", "name": "a\nb\r\nc\u2028d\u2029e\x85f"}
    batch = [Change(1, "subject", 1, "x", "upsert", 0, data), Change(2, "subject", 1, "x", "delete", 0, None)]
    assert decode(changes.encode(batch)) == batch


def test_encode_lines_matches_encode() -> None:
    batch = [Change(5, "subject", 1, "x", "delete", 0, None), Change(6, "subject", 1, "y", "delete", 1, None)]
    assert changes.encode_lines(c.to_json() for c in batch) == changes.encode(batch)


# --- rejections ----------------------------------------------------------------------------------


def payload_of(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_count_must_match_the_sequence_range() -> None:
    payload = payload_of(line(1), line(2))
    with pytest.raises(PayloadInvalid, match="count does not match"):
        list(changes.decode(payload, first_seq=1, last_seq=2, count=3))


@pytest.mark.parametrize(
    ("payload", "count"),
    [
        (payload_of(line(1), line(2)), 3),
        (payload_of(line(1), line(2), line(3)), 2),
        (b"", 1),
        (payload_of(line(1), "", line(2)), 2),  # a blank line is not skipped
    ],
)
def test_number_of_lines_must_match_count(payload: bytes, count: int) -> None:
    with pytest.raises(PayloadInvalid):
        decode(payload, count=count)


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param([line(2), line(1)], id="swapped"),
        pytest.param([line(1), line(1)], id="duplicate"),
        pytest.param([line(1), line(3)], id="gap"),
        pytest.param([line(0), line(1)], id="starts early"),
        pytest.param([line(1), line(2, seq=True)], id="bool seq"),
        pytest.param([line(1, seq=1.0), line(2)], id="float seq"),
        pytest.param([line(1, seq="1"), line(2)], id="string seq"),
    ],
)
def test_out_of_order_sequence(lines: list[str]) -> None:
    with pytest.raises(PayloadInvalid, match="out of order"):
        decode(payload_of(*lines), first_seq=1)


@pytest.mark.parametrize("entity", ["no_such_entity", "Pupil", "", None, ["pupil"], {"name": "pupil"}])
def test_unknown_entity(entity: Any) -> None:
    with pytest.raises(PayloadInvalid, match="unknown entity"):
        decode(payload_of(line(1, entity=entity)))


@pytest.mark.parametrize("version", [2, 99, 0, -1, "1", 1.0, True, None])
def test_version_this_build_does_not_know(version: Any) -> None:
    with pytest.raises(UnsupportedVersion):
        decode(payload_of(line(1, v=version)))


def test_version_must_agree_with_the_header_schema() -> None:
    payload = payload_of(line(1))
    assert decode(payload, schema={"subject": 1})
    with pytest.raises(PayloadInvalid, match="schema"):
        decode(payload, schema={"pupil": 1})


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"op": "update"}, id="unknown op"),
        pytest.param({"op": "UPSERT"}, id="upper-case op"),
        pytest.param({"op": None}, id="null op"),
        pytest.param({"pk": ""}, id="empty key"),
        pytest.param({"pk": "k" * 65}, id="long key"),
        pytest.param({"pk": 7}, id="int key"),
        pytest.param({"ts": "2026-09-01"}, id="string ts"),
        pytest.param({"ts": 1.5}, id="float ts"),
        pytest.param({"ts": None}, id="null ts"),
    ],
)
def test_bad_operation_key_or_timestamp(overrides: dict[str, Any]) -> None:
    with pytest.raises(PayloadInvalid):
        decode(payload_of(line(1, **overrides)))


@pytest.mark.parametrize("data", [None, [], "record", 1])
def test_upsert_without_a_record(data: Any) -> None:
    with pytest.raises(PayloadInvalid, match="upsert without a record"):
        decode(payload_of(line(1, data=data)))


@pytest.mark.parametrize("data", [{}, {"id": "x"}, [], 0, ""])
def test_delete_with_a_record(data: Any) -> None:
    with pytest.raises(PayloadInvalid, match="delete with a record"):
        decode(payload_of(line(1, op="delete", data=data)))


def test_non_utf8_payload() -> None:
    payload = payload_of(line(1)).replace(b"fizyka", b"fiz\xffka")
    with pytest.raises(PayloadInvalid, match="UTF-8"):
        decode(payload)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param('{"seq":1,', id="cut off"),
        pytest.param("not json", id="not json"),
        pytest.param("[1,2,3]", id="array"),
        pytest.param('"change"', id="string"),
        pytest.param("null", id="null"),
        pytest.param(line(1, data=...), id="missing data key"),
        pytest.param(line(1, ts=...), id="missing ts key"),
        pytest.param(
            '{"seq":1,"entity":"subject","v":1,"pk":"a","op":"delete","ts":NaN,"data":null}', id="NaN"
        ),
        pytest.param("[" * 5000 + "]" * 5000, id="nested too deeply"),
        pytest.param(
            '{"seq":1,"entity":"subject","v":1,"pk":"a","op":"upsert","ts":1,"data":{"x":'
            + "[" * 5000
            + "]" * 5000
            + "}}",
            id="record nested too deeply",
        ),
    ],
)
def test_bad_json_line(bad: str) -> None:
    with pytest.raises(PayloadInvalid):
        decode(payload_of(bad), count=1)


@pytest.mark.parametrize(
    ("line_text", "reason"),
    [
        pytest.param('{"seq": 1, "entity": "subject", "v": 1, "pk": "a", "op": "delete", "ts": 1, "data": null}',
                     "not a canonical change line", id="spaces"),
        pytest.param('{"entity":"subject","seq":1,"v":1,"pk":"a","op":"delete","ts":1,"data":null}',
                     "not a canonical change line", id="key order"),
        pytest.param('{"seq":01,"entity":"subject","v":1,"pk":"a","op":"delete","ts":1,"data":null}',
                     "not a change record", id="leading zero (not JSON)"),
        pytest.param('{"seq":1,"entity":"subject","v":1,"pk":"a b","op":"delete","ts":1,"data":null}',
                     "bad operation or key", id="space in key"),
    ],
)
def test_only_canonical_lines_are_accepted(line_text: str, reason: str) -> None:
    with pytest.raises(PayloadInvalid, match=reason):
        changes.check_lines(payload_of(line_text), first_seq=1, last_seq=1, count=1)


def test_check_lines_leaves_the_record_to_the_merger() -> None:
    # Structure is fine, the record is not JSON: the hub stores it and the merger rejects that change.
    bad_record = '{"seq":1,"entity":"subject","v":1,"pk":"a","op":"upsert","ts":1,"data":{"x":}}'
    assert changes.check_lines(payload_of(bad_record), first_seq=1, last_seq=1, count=1) == [("subject", bad_record)]
    with pytest.raises(PayloadInvalid):
        changes.decode_records(payload_of(bad_record), first_seq=1, last_seq=1, count=1)


def test_errors_name_the_change() -> None:
    with pytest.raises(PayloadInvalid) as caught:
        decode(payload_of(line(7), line(8), line(9, entity="no_such_entity")), first_seq=7)
    assert caught.value.detail == "change 9: unknown entity 'no_such_entity'"
    assert caught.value.code == "payload_invalid"


def test_decode_checks_the_whole_payload_before_yielding_anything() -> None:
    # A bad second change must stop the batch before a caller could apply the first one.
    it = changes.decode(payload_of(line(1), line(2, entity="no_such_entity")), first_seq=1, last_seq=2, count=2)
    with pytest.raises(PayloadInvalid):
        next(it)


def test_a_line_smuggling_two_values_is_rejected() -> None:
    two = line(1) + "," + line(2)
    with pytest.raises(PayloadInvalid):
        changes.decode_records((two + "\n").encode() + b"\n", first_seq=1, last_seq=2, count=2)


@FAST
@given(st.binary(max_size=300), st.integers(min_value=1, max_value=4))
def test_arbitrary_bytes_never_raise_anything_but_protocol_errors(payload: bytes, count: int) -> None:
    try:
        list(changes.decode(payload, first_seq=1, last_seq=count, count=count))
    except (PayloadInvalid, UnsupportedVersion):
        pass
