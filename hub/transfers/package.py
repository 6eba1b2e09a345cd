"""The record that travels with a transferred pupil: every synced record about them, read from the inbox.

Generic on purpose: the package holds the pupil, every row of any entity that references the
pupil (class memberships and register entries today; grades, attendance and notes once those
entities exist — whatever school wrote them, so the pupil's whole history in the city travels),
the rows those reference in turn (classes, school years, guardians; never staff records: the
receiving school needs "class 3b in 2026/2027", not the former teachers' data), and rows that
hang on a guardian alone (confirmed e-mail addresses). The warehouse says which rows and where
their current version is (``_inbox_id``, ``_seq``); the full records — names and PESEL included,
which the analytical warehouse never holds — are read from the inbox and brought to the current
schema version. Each record carries ``_school``, the RSPO of the school whose record it is.

Reads only. The package goes to exactly one node, encrypted to its key, in the downlink.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.sync.models import InboxBatch
from protocol import upcast
from protocol.entities import ENTITIES

# Never packaged: staff data stays with its school; transfer bookkeeping is the schools' own.
SKIP = frozenset({"staff_member", "pupil_transfer", "transfer_decision"})


def _children(parent: str) -> list[tuple[str, str]]:
    """(entity, field) pairs referencing ``parent``."""
    return [(name, f.name) for name, e in ENTITIES.items() if name not in SKIP
            for f in e.references if f.ref == parent]


def _locate(cur: Any, entity: str, where: str, params: list[Any]) -> list[tuple[str, int, int, str]]:
    return [(str(pk), inbox_id, seq, rspo) for pk, inbox_id, seq, rspo in cur.execute(
        f"SELECT CAST(id AS VARCHAR), _inbox_id, _seq, _rspo FROM {entity} WHERE {where}", params).fetchall()]


def collect(cur: Any, pupil_id: str) -> dict[str, dict[str, tuple[int, int, str]]]:
    """{entity: {id: (inbox_id, seq, rspo)}} of every row that goes with the pupil."""
    found: dict[str, dict[str, tuple[int, int, str]]] = defaultdict(dict)

    def add(entity: str, rows: list[tuple[str, int, int, str]]) -> list[str]:
        new = [pk for pk, *_ in rows if pk not in found[entity]]
        for pk, inbox_id, seq, rspo in rows:
            found[entity][pk] = (inbox_id, seq, rspo)
        return new

    add("pupil", _locate(cur, "pupil", "id = TRY_CAST(? AS UUID)", [pupil_id]))
    if not found["pupil"]:
        return {}
    pending: list[tuple[str, list[str]]] = []
    for entity, column in _children("pupil"):
        new = add(entity, _locate(cur, entity, f"{column} = TRY_CAST(? AS UUID)", [pupil_id]))
        if new:
            pending.append((entity, new))
    while pending:  # the rows those records reference, recursively
        entity, ids = pending.pop()
        for ref in ENTITIES[entity].references:
            if ref.ref in SKIP or ref.ref == "pupil":
                continue
            parents = [str(r[0]) for r in cur.execute(
                f"SELECT DISTINCT CAST({ref.name} AS VARCHAR) FROM {entity} "
                f"WHERE list_contains(?, CAST(id AS VARCHAR)) AND {ref.name} IS NOT NULL", [ids]).fetchall()]
            if parents:
                new = add(ref.ref, _locate(cur, ref.ref, "list_contains(?, CAST(id AS VARCHAR))", [parents]))
                if new:
                    pending.append((ref.ref, new))
    guardians = list(found.get("guardian", {}))
    if guardians:
        for entity, column in _children("guardian"):
            if any(f.ref == "pupil" for f in ENTITIES[entity].references):
                continue  # other pupils' links to the same guardian are theirs, not this pupil's
            add(entity, _locate(cur, entity, f"list_contains(?, CAST({column} AS VARCHAR))", [guardians]))
    return {entity: rows for entity, rows in found.items() if rows}


def read_records(session: Session, located: dict[str, dict[str, tuple[int, int, str]]]) -> dict[str, list[dict]]:
    """The full current records of ``located`` rows, from the inbox, at the current schema version."""
    by_batch: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for entity, rows in located.items():
        for _pk, (inbox_id, seq, rspo) in rows.items():
            by_batch[inbox_id].append((entity, seq, rspo))
    out: dict[str, list[dict]] = defaultdict(list)
    for inbox_id, wanted in sorted(by_batch.items()):
        batch = session.execute(select(InboxBatch.first_seq, InboxBatch.payload_zlib)
                                .where(InboxBatch.id == inbox_id)).one()
        lines = zlib.decompress(batch.payload_zlib).decode("utf-8").split("\n")
        for entity, seq, rspo in wanted:
            change = json.loads(lines[seq - batch.first_seq])
            data = change["data"]
            if change.get("v", ENTITIES[entity].version) < ENTITIES[entity].version:
                data = upcast.upcast(entity, change["v"], data)
            out[entity].append({**data, "_school": rspo})
    return {entity: sorted(records, key=lambda r: str(r.get("id"))) for entity, records in sorted(out.items())}


def build(cur: Any, session: Session, pupil_id: str) -> dict[str, list[dict]]:
    """Every record that goes with the pupil, by entity (empty if the warehouse does not know the pupil)."""
    return read_records(session, collect(cur, pupil_id))
