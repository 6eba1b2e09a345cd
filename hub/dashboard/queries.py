"""Read-only queries behind the city dashboard (DuckDB warehouse + OLTP sync state).

Figures count pupils with an enrolment open on the chosen day, so a pupil who left or moved
class is counted once, where they are now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.fleet.models import Institution, Node
from hub.sync.models import InboxBatch, NodeContact, NodeSyncState

ACTIVE_ENROLMENTS = """
    SELECT e.pupil_id, e._rspo AS rspo, c.level, c.letter, c.id AS class_id, y.label AS school_year
    FROM enrolment e
    JOIN class_unit c ON c.id = e.class_id AND c._rspo = e._rspo
    JOIN school_year y ON y.id = c.school_year_id
    WHERE e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?)
"""


@dataclass(frozen=True)
class SchoolLevels:
    """Pupils of one school by level."""

    rspo: str
    name: str
    kind: str
    district: str | None
    by_level: dict[int, int]

    @property
    def total(self) -> int:
        """All pupils of the school."""
        return sum(self.by_level.values())


def pupils_by_school_and_level(cur: duckdb.DuckDBPyConnection, day: dt.date) -> list[SchoolLevels]:
    """Pupils enrolled on ``day`` per school and class level, schools by name."""
    rows = cur.execute(f"""
        WITH a AS ({ACTIVE_ENROLMENTS})
        SELECT s.rspo, s.name, s.kind, s.district, a.level, count(DISTINCT a.pupil_id)
        FROM school s LEFT JOIN a ON a.rspo = s.rspo
        GROUP BY ALL ORDER BY s.name, a.level
    """, [day, day]).fetchall()
    schools: dict[str, SchoolLevels] = {}
    for rspo, name, kind, district, level, count in rows:
        entry = schools.setdefault(rspo, SchoolLevels(rspo, name, kind, district, {}))
        if level is not None:
            entry.by_level[int(level)] = int(count)
    return list(schools.values())


@dataclass(frozen=True)
class ClassSize:
    """One class and its current headcount."""

    rspo: str
    school: str
    school_year: str
    level: int
    letter: str
    pupils: int


def class_sizes(cur: duckdb.DuckDBPyConnection, day: dt.date, rspo: str | None = None) -> list[ClassSize]:
    """Every class of the school year containing ``day`` with its pupils on ``day``."""
    rows = cur.execute(f"""
        WITH a AS ({ACTIVE_ENROLMENTS})
        SELECT s.rspo, s.name, y.label, c.level, c.letter, count(DISTINCT a.pupil_id)
        FROM class_unit c
        JOIN school_year y ON y.id = c.school_year_id AND ? BETWEEN y.starts_on AND y.ends_on
        JOIN school s ON s.rspo = c._rspo
        LEFT JOIN a ON a.class_id = c.id
        WHERE ? IS NULL OR s.rspo = ?
        GROUP BY ALL ORDER BY s.name, c.level, c.letter
    """, [day, day, day, rspo, rspo]).fetchall()
    return [ClassSize(r[0], r[1], r[2], int(r[3]), r[4], int(r[5])) for r in rows]


@dataclass(frozen=True)
class LevelSizeStats:
    """Class size distribution of one level across the city."""

    level: int
    classes: int
    pupils: int
    smallest: int
    largest: int

    @property
    def average(self) -> float:
        """Mean class size."""
        return self.pupils / self.classes if self.classes else 0.0


def class_size_stats(sizes: list[ClassSize]) -> list[LevelSizeStats]:
    """Summarise :func:`class_sizes` per level."""
    by_level: dict[int, list[int]] = {}
    for size in sizes:
        by_level.setdefault(size.level, []).append(size.pupils)
    return [LevelSizeStats(level, len(v), sum(v), min(v), max(v)) for level, v in sorted(by_level.items())]


@dataclass(frozen=True)
class NodeStatus:
    """Sync status of one enrolled node."""

    node_id: str
    rspo: str
    institution: str
    status: str
    fingerprint: str
    enrolled_at: dt.datetime
    last_contact_at: dt.datetime | None
    last_success_at: dt.datetime | None
    acked_through: int
    batches: int
    changes: int
    reported_backlog: int | None
    last_error: str | None
    last_error_at: dt.datetime | None
    unmerged_batches: int | None  # None: the warehouse is not open in this process, so unknown
    software: str | None = None  # as the node last reported it, e.g. "zszo-node/0.1.0"
    clock_skew_seconds: int | None = None  # node clock minus hub clock at its last pull
    held_batches: int = 0  # batches stored but held back: the node's schema is ahead of the hub's


def node_statuses(session: Session, merged_through: int | None, node_id: str | None = None) -> list[NodeStatus]:
    """Per-node sync status; ``merged_through`` comes from the warehouse (batches not yet merged;
    None when this process has no warehouse). ``node_id`` limits the list to one node."""
    unmerged: dict[str, int] = {}
    if merged_through is not None:
        query = select(InboxBatch.node_id, func.count()).where(InboxBatch.id > merged_through)
        if node_id is not None:
            query = query.where(InboxBatch.node_id == node_id)
        unmerged = dict(session.execute(query.group_by(InboxBatch.node_id)).all())
    out = []
    query = (
        select(Node, Institution.name, NodeContact)
        .join(Institution, Institution.rspo == Node.rspo)
        .outerjoin(NodeContact, NodeContact.node_id == Node.id)
        .order_by(Institution.name)
    )
    if node_id is not None:
        query = query.where(Node.id == node_id)
    rows = session.execute(query).all()
    for node, institution, contact in rows:
        state = session.get(NodeSyncState, (node.id, contact.current_epoch)) if contact and contact.current_epoch \
            else None
        out.append(NodeStatus(
            node_id=node.id, rspo=node.rspo, institution=institution, status=node.status,
            fingerprint=node.fingerprint, enrolled_at=node.enrolled_at,
            last_contact_at=contact.last_contact_at if contact else None,
            last_success_at=contact.last_success_at if contact else None,
            acked_through=state.acked_through if state else 0,
            batches=state.batches if state else 0, changes=state.changes if state else 0,
            reported_backlog=contact.reported_backlog if contact else None,
            last_error=contact.last_error if contact else None,
            last_error_at=contact.last_error_at if contact else None,
            unmerged_batches=None if merged_through is None else int(unmerged.get(node.id, 0)),
            software=contact.software if contact else None,
            clock_skew_seconds=contact.clock_skew_seconds if contact else None,
        ))
    return out


def held_batches(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Batches held back per node because the node is ahead of this hub's schema."""
    return dict(cur.execute("SELECT node_id, count(*) FROM _held GROUP BY node_id").fetchall())


def rejected_changes(cur: duckdb.DuckDBPyConnection, limit: int = 200) -> list[tuple]:
    """Most recent changes the merger rejected: (when, rspo, entity, record id, field, code)."""
    return cur.execute(
        "SELECT rejected_at, rspo, entity, pk, field, code FROM rejected_change ORDER BY rejected_at DESC, seq DESC "
        "LIMIT ?", [limit]).fetchall()


def totals(cur: duckdb.DuckDBPyConnection, day: dt.date) -> dict[str, int]:
    """City-wide headline numbers on ``day``."""
    pupils = cur.execute(f"SELECT count(DISTINCT pupil_id) FROM ({ACTIVE_ENROLMENTS})", [day, day]).fetchone()[0]
    schools = cur.execute("SELECT count(*) FROM school").fetchone()[0]
    classes = cur.execute(
        "SELECT count(*) FROM class_unit c JOIN school_year y ON y.id = c.school_year_id "
        "WHERE ? BETWEEN y.starts_on AND y.ends_on", [day]).fetchone()[0]
    teachers = cur.execute("SELECT count(*) FROM staff_member WHERE position = 'teacher' AND active").fetchone()[0]
    return {"pupils": int(pupils), "schools": int(schools), "classes": int(classes), "teachers": int(teachers)}


@dataclass(frozen=True)
class MergeState:
    """How far the warehouse has merged the inbox."""

    merged_through: int
    merged_at: dt.datetime | None
    inbox_through: int
    pending_batches: int


def merge_state(cur: duckdb.DuckDBPyConnection, session: Session) -> MergeState:
    """The merger's position (warehouse) against the inbox's latest batch and the batches still waiting."""
    merged_through, merged_at = cur.execute("SELECT merged_through, merged_at FROM _merge_state").fetchone()
    pending = session.scalar(
        select(func.count()).select_from(InboxBatch).where(InboxBatch.id > merged_through)) or 0
    return MergeState(int(merged_through), merged_at, inbox_through(session), int(pending))


def inbox_through(session: Session) -> int:
    """Id of the latest batch in the inbox (0 when empty)."""
    return int(session.scalar(select(func.max(InboxBatch.id))) or 0)


def merged_through(cur: duckdb.DuckDBPyConnection) -> int:
    """Id of the last inbox batch merged into the warehouse."""
    return int(cur.execute("SELECT merged_through FROM _merge_state").fetchone()[0])
