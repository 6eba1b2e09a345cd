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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

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


def decode_records(payload: bytes, *, first_seq: int, last_seq: int, count: int,
                   schema: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Parse and check a payload; return the change records as plain dicts.

    Checks structure only (the envelope is authentic by now): one change object per line with
    exactly the change keys, known entities at versions this build understands, contiguous
    ``seq`` from ``first_seq`` to ``last_seq``, ``count`` lines. Field values are validated per
    change later, so one bad record never blocks the rest of a school's queue.

    The lines are parsed in one ``json.loads`` call (as one JSON array): JSON text never holds
    a raw newline, and the element count is checked against the line count, so a line that
    smuggles two values or none is caught.
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
    try:
        records = json.loads("[" + ",".join(lines) + "]")
    except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[..."
        raise PayloadInvalid("a change line is not valid JSON") from exc
    if len(records) != count:
        raise PayloadInvalid(f"expected {count} changes, found {len(records)} values")
    expected = first_seq
    entities, ops = ENTITIES, OPS
    for raw in records:
        if type(raw) is not dict or raw.keys() != _KEYS:
            raise PayloadInvalid(f"change {expected}: not a change record")
        seq, name, version, pk, op, data = raw["seq"], raw["entity"], raw["v"], raw["pk"], raw["op"], raw["data"]
        if type(seq) is not int or seq != expected:
            raise PayloadInvalid(f"change {expected}: sequence number {seq!r} out of order")
        entity = entities.get(name) if type(name) is str else None
        if entity is None:
            raise PayloadInvalid(f"change {expected}: unknown entity {name!r}")
        if type(version) is not int or version > entity.version or version < 1:
            raise UnsupportedVersion(f"change {expected}: {name} v{version!r}")
        if schema is not None and schema.get(name) != version:
            raise PayloadInvalid(f"change {expected}: version differs from the header's schema set")
        if op not in ops or type(pk) is not str or not pk or len(pk) > 64:
            raise PayloadInvalid(f"change {expected}: bad operation or key")
        if type(raw["ts"]) is not int:
            raise PayloadInvalid(f"change {expected}: bad timestamp")
        if (op == UPSERT) != (type(data) is dict) or (op == DELETE and data is not None):
            raise PayloadInvalid(f"change {expected}: {'upsert without' if op == UPSERT else 'delete with'} a record")
        expected += 1
    return records
