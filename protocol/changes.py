"""Change records and the payload that carries them.

A change is one row's new state (``op`` "upsert", full record in ``data``) or its removal
(``op`` "delete", ``data`` null), captured on the node in the same transaction as the write.
``seq`` is the node's gap-free sequence number within its database epoch; ``ts`` the node's
wall-clock time in milliseconds (informative: ordering never depends on it, clocks drift).

The payload is newline-delimited JSON, one change per line, in ``seq`` order. It is cheap to
produce from SQLite's ``json_object`` and cheap for DuckDB's ``read_json`` on the hub.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from protocol import upcast
from protocol.entities import ENTITIES
from protocol.errors import PayloadInvalid, UnsupportedVersion

UPSERT = "upsert"
DELETE = "delete"
OPS = (UPSERT, DELETE)


@dataclass(frozen=True)
class Change:
    """One captured change of one entity row."""

    seq: int
    entity: str
    v: int
    pk: str
    op: str
    ts: int
    data: dict[str, Any] | None

    def to_json(self) -> str:
        """One payload line (no newline)."""
        return json.dumps(
            {"seq": self.seq, "entity": self.entity, "v": self.v, "pk": self.pk, "op": self.op,
             "ts": self.ts, "data": self.data},
            ensure_ascii=False, separators=(",", ":"),
        )


def encode_lines(lines: Iterable[str]) -> bytes:
    """Join already-serialised change lines into a payload."""
    return ("\n".join(lines) + "\n").encode("utf-8")


def encode(changes: Iterable[Change]) -> bytes:
    """Serialise ``changes`` into a payload."""
    return encode_lines(c.to_json() for c in changes)


def decode(payload: bytes, *, first_seq: int, last_seq: int, count: int,
           schema: dict[str, int] | None = None) -> Iterator[Change]:
    """Parse and check a payload against its header; raise :class:`PayloadInvalid` on any mismatch.

    See :func:`decode_records`; this wraps each checked record in a :class:`Change`.
    """
    for raw in decode_records(payload, first_seq=first_seq, last_seq=last_seq, count=count, schema=schema):
        yield Change(seq=raw["seq"], entity=raw["entity"], v=raw["v"], pk=raw["pk"], op=raw["op"], ts=raw["ts"],
                     data=raw["data"])


_KEYS = frozenset(("seq", "entity", "v", "pk", "op", "ts", "data"))
_INT = r"(0|[1-9][0-9]*)"
_PK = re.compile(r"[0-9A-Za-z._:-]{1,64}")
# The canonical line: members in this order, no whitespace, ``data`` last (what SQLite's
# json_object and Change.to_json produce). Checking it needs no JSON parser for ``data``.
LINE = re.compile(
    r'\{"seq":' + _INT + r',"entity":"([a-z_]{1,40})","v":' + _INT
    + r',"pk":"([0-9A-Za-z._:-]{1,64})","op":"([a-z]{1,10})","ts":(-?' + _INT + r'),"data":(null|\{.*\})\}',
    re.DOTALL,
)


def check_lines(payload: bytes, *, first_seq: int, last_seq: int, count: int,
                schema: dict[str, int] | None = None) -> list[tuple[str, str]]:
    """Check a payload's structure without parsing the records; return ``[(entity, line), ...]``.

    Each line must be a canonical change line (:data:`LINE`): contiguous ``seq`` from
    ``first_seq``, a known entity at a version this build understands (and the header's), a
    key of 1-64 characters ``[0-9A-Za-z._:-]`` (row ids are UUIDs), ``upsert`` with a record
    object or ``delete`` with ``null``. The record itself is parsed and
    validated later, per change (a record that is not valid JSON is rejected on its own then).
    This is the hub's hot path: a regular expression per line costs a fifth of ``json.loads``.
    """
    if count != last_seq - first_seq + 1:
        raise PayloadInvalid("count does not match the sequence range")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadInvalid("payload is not UTF-8") from exc
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != count:
        raise PayloadInvalid(f"expected {count} changes, found {len(lines)}")
    out: list[tuple[str, str]] = []
    expected, match, entities = first_seq, LINE.fullmatch, ENTITIES
    for line in lines:
        m = match(line)
        if m is None:
            _diagnose(line, expected, schema)
        seq, name, version, _pk, op, _ts, _ts_digits, data = m.groups()  # type: ignore[union-attr]
        entity = entities.get(name)
        if (int(seq) != expected or entity is None
                or (int(version) != entity.version and not upcast.supported(name, int(version)))
                or (schema is not None and schema.get(name) != int(version))
                or op not in OPS or (op == UPSERT) == (data == "null")):
            _diagnose(line, expected, schema)
        out.append((name, line))
        expected += 1
    return out


def check_count(payload: bytes, count: int) -> None:
    """The structure a receiver can check of a batch whose schema it does not know yet: UTF-8
    text of exactly ``count`` lines. Raise :class:`PayloadInvalid` otherwise."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadInvalid("payload is not UTF-8") from exc
    found = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    if found != count:
        raise PayloadInvalid(f"expected {count} changes, found {found}")


def _diagnose(line: str, expected: int, schema: dict[str, int] | None) -> None:
    """Raise the precise error for a line that failed the fast check (parsing it to find out)."""
    try:
        raw = json.loads(line)
    except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[..."
        raise PayloadInvalid(f"change {expected}: not a change record") from exc
    _first_problem([raw], expected, schema)
    raise PayloadInvalid(f"change {expected}: not a canonical change line")


def decode_records(payload: bytes, *, first_seq: int, last_seq: int, count: int,
                   schema: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """:func:`check_lines`, then parse every line; return the change records as plain dicts.

    Raises :class:`PayloadInvalid` also for a record that is not valid JSON.
    """
    lines = check_lines(payload, first_seq=first_seq, last_seq=last_seq, count=count, schema=schema)
    try:
        records = json.loads("[" + ",".join(line for _, line in lines) + "]")
    except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[..."
        raise PayloadInvalid("a change line is not valid JSON") from exc
    if len(records) != count or not all(type(r) is dict and r.keys() == _KEYS and (
            r["op"] == DELETE or type(r["data"]) is dict) for r in records):
        raise PayloadInvalid("a change line is not a change record")
    return records


def _first_problem(records: list[Any], first_seq: int, schema: dict[str, int] | None) -> None:
    """Raise the error naming the first bad change among parsed ``records`` (if any is bad)."""
    expected = first_seq
    for raw in records:
        if type(raw) is not dict or raw.keys() != _KEYS:
            raise PayloadInvalid(f"change {expected}: not a change record")
        seq, name, version, pk, op, data = raw["seq"], raw["entity"], raw["v"], raw["pk"], raw["op"], raw["data"]
        if type(seq) is not int or seq != expected:
            raise PayloadInvalid(f"change {expected}: sequence number {seq!r} out of order")
        entity = ENTITIES.get(name) if type(name) is str else None
        if entity is None:
            raise PayloadInvalid(f"change {expected}: unknown entity {name!r}")
        if type(version) is not int or not upcast.supported(name, version):
            raise UnsupportedVersion(f"change {expected}: {name} v{version!r}")
        if schema is not None and schema.get(name) != version:
            raise PayloadInvalid(f"change {expected}: version differs from the header's schema set")
        if op not in OPS or type(pk) is not str or not _PK.fullmatch(pk):
            raise PayloadInvalid(f"change {expected}: bad operation or key")
        if type(raw["ts"]) is not int:
            raise PayloadInvalid(f"change {expected}: bad timestamp")
        if (op == UPSERT) != (type(data) is dict) or (op == DELETE and data is not None):
            raise PayloadInvalid(f"change {expected}: {'upsert without' if op == UPSERT else 'delete with'} a record")
        expected += 1
