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

    Checks structure only (the envelope is authentic by now): one change per line, known
    entities at versions this build understands, contiguous ``seq`` from ``first_seq`` to
    ``last_seq``, ``count`` lines. Field values are validated per change later, so one bad
    record never blocks the rest of a school's queue.
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
    expected = first_seq
    for line in lines:
        try:
            raw = json.loads(line)
            change = Change(
                seq=raw["seq"], entity=raw["entity"], v=raw["v"], pk=raw["pk"], op=raw["op"],
                ts=raw["ts"], data=raw["data"],
            )
        except (ValueError, KeyError, TypeError, RecursionError) as exc:  # RecursionError: "[[[[..."
            raise PayloadInvalid(f"change {expected}: not a change record") from exc
        if type(change.seq) is not int or change.seq != expected:
            raise PayloadInvalid(f"change {expected}: sequence number {change.seq!r} out of order")
        entity = ENTITIES.get(change.entity) if isinstance(change.entity, str) else None
        if entity is None:
            raise PayloadInvalid(f"change {expected}: unknown entity {change.entity!r}")
        if type(change.v) is not int or change.v > entity.version or change.v < 1:
            raise UnsupportedVersion(f"change {expected}: {change.entity} v{change.v!r}")
        if schema is not None and schema.get(change.entity) != change.v:
            raise PayloadInvalid(f"change {expected}: version differs from the header's schema set")
        if change.op not in OPS or not isinstance(change.pk, str) or not change.pk or len(change.pk) > 64:
            raise PayloadInvalid(f"change {expected}: bad operation or key")
        if type(change.ts) is not int:
            raise PayloadInvalid(f"change {expected}: bad timestamp")
        if change.op == UPSERT and not isinstance(change.data, dict):
            raise PayloadInvalid(f"change {expected}: upsert without a record")
        if change.op == DELETE and change.data is not None:
            raise PayloadInvalid(f"change {expected}: delete with a record")
        yield change
        expected += 1
