"""Schema versions across the fleet: upcasting old records and spotting senders that are ahead.

Nodes are upgraded in rolling batches (10% at a time), so for days a hub talks to nodes one
schema version behind it, and — when a node is upgraded before the hub — to nodes ahead of it.
The rules (docs/protocol.md, "Versioning rules"):

* A change to an entity's fields bumps its version in :mod:`protocol.entities` and registers an
  upcast ``(entity, old version) → function`` here that turns a record of the old version into one
  of the next version (add a field with its default, split or rename a field). The hub applies
  the chain to every record older than its own registry before validating and merging it.
* An entity version without a complete chain to the current version is not supported: such a
  change line is rejected as ``unsupported_version`` (the sender must upgrade).
* A batch whose header names an entity the hub does not know, or a version above the hub's, is
  *ahead*: the hub stores and acknowledges it (nothing is lost) but holds it back from the
  warehouse until the hub is upgraded and understands it.

Pure functions and data only: no I/O. Upcasts must be deterministic and total on valid old
records, and must never drop information a later version still holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from protocol.entities import ENTITIES

Record = dict[str, Any]
Upcast = Callable[[Record], Record]

# (entity name, version the function reads) → function returning the record at version + 1.
UPCASTS: dict[tuple[str, int], Upcast] = {}


def register_upcast(entity: str, from_version: int) -> Callable[[Upcast], Upcast]:
    """Decorator: ``fn`` turns a record of ``entity`` at ``from_version`` into ``from_version + 1``."""

    def wrap(fn: Upcast) -> Upcast:
        key = (entity, from_version)
        if key in UPCASTS:
            raise ValueError(f"upcast {entity} v{from_version} registered twice")
        UPCASTS[key] = fn
        return fn

    return wrap


def supported(entity: str, version: int) -> bool:
    """True if a record of ``entity`` at ``version`` can be brought to this build's version."""
    current = ENTITIES.get(entity)
    if current is None or not 1 <= version <= current.version:
        return False
    return all((entity, v) in UPCASTS for v in range(version, current.version))


def upcast(entity: str, version: int, data: Mapping[str, Any] | None) -> Record | None:
    """``data`` of ``entity`` at ``version``, brought to the current version (None stays None)."""
    if data is None:
        return None
    record = dict(data)
    for v in range(version, ENTITIES[entity].version):
        record = UPCASTS[(entity, v)](record)
    return record


def ahead(schema: Mapping[str, int]) -> list[str]:
    """Entities of a sender's schema set that this build does not understand yet, sorted.

    An entity is *ahead* when it is unknown here or its version is above ours. An empty list
    means every record the sender may send can be read (possibly after upcasting).
    """
    return sorted(name for name, version in schema.items()
                  if name not in ENTITIES or version > ENTITIES[name].version)


def behind(schema: Mapping[str, int]) -> list[str]:
    """Entities the sender knows at an older version than ours (their records will be upcast)."""
    return sorted(name for name, version in schema.items()
                  if name in ENTITIES and version < ENTITIES[name].version)


def compare(local: Mapping[str, int], remote: Mapping[str, int]) -> str:
    """``"same"``, ``"remote_ahead"``, ``"remote_behind"`` or ``"mixed"`` for two schema sets."""
    names = set(local) | set(remote)
    up = any(remote.get(n, 0) > local.get(n, 0) for n in names)
    down = any(remote.get(n, 0) < local.get(n, 0) for n in names)
    return "mixed" if up and down else "remote_ahead" if up else "remote_behind" if down else "same"


# --- the upcasts of this build --------------------------------------------------------------------


@register_upcast("staff_member", 1)
def _staff_member_v2(record: Record) -> Record:
    """Version 2 added the optional ``promotion_grade``: a version 1 record simply has none recorded."""
    return dict(record)


@register_upcast("attendance", 1)
def _attendance_v2(record: Record) -> Record:
    """Version 2 added the optional ``school_code_id``: a version 1 record used a standard code only."""
    return {**record, "school_code_id": None}
