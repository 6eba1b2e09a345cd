"""Downlink messages: what the hub sends a node (pulled by the node, in a downlink envelope).

Each message has a per-node sequence number that rises without gaps; the node applies them in
order and refuses to go back (a lower number would mean a rolled-back or forged hub).
Kinds so far: ``city_subjects`` (the city's subject dictionary), ``city_calendar`` (one school
year of the city's calendar, :mod:`protocol.calendar`), ``change_request`` (another school's
change to a record this node owns, for its staff to accept or reject) and ``notice`` (a message
for the school's administrator). Transfers between city schools (e-Sekretariat) add
``city_institutions`` (the city's schools a pupil can be transferred to), ``transfer_offer`` (a
pupil's record offered to the receiving school), ``transfer_withdrawn`` (the sending school took
it back) and ``transfer_outcome`` (the receiving school's decision, for the sending school); their
bodies are described in docs/architecture.md, "Ownership and transfers". Unknown kinds are kept
and reported by the node, never fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from protocol.errors import PayloadInvalid

KINDS = ("city_subjects", "city_calendar", "change_request", "notice", "city_institutions", "transfer_offer",
         "transfer_withdrawn", "transfer_outcome",
         "recruitment_admission")  # a pupil admitted in the city's recruitment: a pending admission for the school
SCHEMA = {"downlink": 1}


@dataclass(frozen=True)
class Message:
    """One downlink message."""

    seq: int
    kind: str
    body: dict[str, Any]

    def to_json(self) -> str:
        """One payload line."""
        return json.dumps({"seq": self.seq, "kind": self.kind, "body": self.body}, ensure_ascii=False,
                          separators=(",", ":"))


def encode(messages: Iterable[Message]) -> bytes:
    """Serialise messages into a payload."""
    return ("\n".join(m.to_json() for m in messages) + "\n").encode("utf-8")


def decode(payload: bytes, *, first_seq: int, count: int) -> Iterator[Message]:
    """Parse a downlink payload, insisting on ``count`` messages numbered from ``first_seq``."""
    try:
        lines = payload.decode("utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise PayloadInvalid("payload is not UTF-8") from exc
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != count:
        raise PayloadInvalid(f"expected {count} messages, found {len(lines)}")
    for offset, line in enumerate(lines):
        try:
            raw = json.loads(line)
            message = Message(raw["seq"], raw["kind"], raw["body"])
        except (ValueError, KeyError, TypeError, RecursionError) as exc:  # RecursionError: "[[[[..."
            raise PayloadInvalid(f"message {first_seq + offset}: not a message") from exc
        # type() and not ==: true == 1 and 1.0 == 1 in Python, but neither is a sequence number.
        if (
            type(message.seq) is not int
            or message.seq != first_seq + offset
            or not isinstance(message.kind, str)
            or not isinstance(message.body, dict)
        ):
            raise PayloadInvalid(f"message {first_seq + offset}: bad sequence, kind or body")
        yield message
