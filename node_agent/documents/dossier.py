"""Everything this school holds about one pupil, for the right of access (RODO art. 15).

The dossier is built from the database schema, not from a hand-kept list: the pupil's row, every
row of every table with a ``pupil_id`` column (enrolments, register entries, transfers, guardian
links, and whatever later features add — attendance, grades), the guardians linked to the pupil
with their confirmed e-mail addresses, and the audit trail of who read or changed any of those
records. A new feature's data therefore appears in the export without anyone remembering to add
it; a test checks that every such table is covered.

Only reads; the caller writes the audit row of the export itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from node_agent.audit.models import AuditEvent
from node_agent.db import Base

FORMAT = "zszo-pupil-dossier-v1"
# Tables that mention a pupil but hold nothing about them worth showing (none today); kept explicit.
SKIPPED: frozenset[str] = frozenset()


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None  # binary columns (hashes of secrets) are not personal data worth exporting
    return value


def _rows(session: Session, table: Table, column: str, values: list[Any]) -> list[dict[str, Any]]:
    if not values:
        return []
    order = [c for c in table.primary_key.columns]
    result = session.execute(select(table).where(table.c[column].in_(values)).order_by(*order)).mappings()
    return [{key: _plain(value) for key, value in row.items()} for row in result]


def pupil_tables() -> list[Table]:
    """Every table holding rows about a pupil through a ``pupil_id`` column, in a stable order."""
    return [t for t in Base.metadata.sorted_tables if "pupil_id" in t.c and t.name not in SKIPPED]


def pupil_dossier(session: Session, pupil_id: str, *, school: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The dossier of ``pupil_id`` as plain JSON-ready data (the pupil must exist)."""
    pupil_table = Base.metadata.tables["pupil"]
    pupil_rows = _rows(session, pupil_table, "id", [pupil_id])
    if not pupil_rows:
        raise LookupError(pupil_id)
    related = {t.name: _rows(session, t, "pupil_id", [pupil_id]) for t in pupil_tables()}
    guardian_ids = sorted({row["guardian_id"] for row in related.get("pupil_guardian", [])})
    guardians = _rows(session, Base.metadata.tables["guardian"], "id", guardian_ids)
    verifications = _rows(session, Base.metadata.tables["guardian_verification"], "guardian_id", guardian_ids)
    record_ids = {pupil_id, *guardian_ids, *(row["id"] for rows in related.values() for row in rows if "id" in row)}
    trail = session.scalars(select(AuditEvent).where(AuditEvent.record_id.in_(sorted(record_ids)))
                            .order_by(AuditEvent.seq))
    return {
        "format": FORMAT,
        "generated_at": now.replace(microsecond=0).isoformat(),
        "school": school,
        "pupil": pupil_rows[0],
        "records": {name: rows for name, rows in related.items() if rows},
        "guardians": guardians,
        "guardian_verifications": verifications,
        "access_log": [
            {"at": _plain(e.occurred_at), "user": e.username, "role": e.role, "action": e.action, "record": e.entity,
             "record_id": e.record_id, "purpose": e.purpose}
            for e in trail
        ],
    }
