"""The dashboard's tables, shaped once from :mod:`hub.dashboard.queries` for both the page and its
CSV download (so the file always holds exactly what the page shows).

Pure shaping: sorting in Polish alphabetical order, filtering, totals, which node needs
attention. No database access and no Flask here; labels are passed in by the views.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hub.dashboard.queries import ClassSize, LevelSizeStats, NodeStatus, SchoolLevels
from zszo.web.text import polish_key

STALE_AFTER = dt.timedelta(hours=24)
SILENT_AFTER = dt.timedelta(hours=48)  # silent servers are listed first: someone must go and look
SKEW_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class PupilsTable:
    """Pupils per school (rows) and level (columns), with totals."""

    schools: list[SchoolLevels]
    levels: list[int]
    level_totals: dict[int, int]
    total: int


def pupils_table(schools: Iterable[SchoolLevels], *, kind: str | None = None,
                 district: str | None = None) -> PupilsTable:
    """Filter by kind and district, sort by name (Polish order), add up per level."""
    rows = [s for s in schools if (not kind or s.kind == kind) and (not district or s.district == district)]
    rows.sort(key=lambda s: (polish_key(s.name), s.rspo))
    levels = sorted({level for s in rows for level in s.by_level})
    totals = {level: sum(s.by_level.get(level, 0) for s in rows) for level in levels}
    return PupilsTable(rows, levels, totals, sum(totals.values()))


def districts(schools: Iterable[SchoolLevels]) -> list[str]:
    """Every district named by a school, in Polish alphabetical order."""
    return sorted({s.district for s in schools if s.district}, key=polish_key)


def pupils_csv_rows(table: PupilsTable, kind_label, total_label: str) -> list[Sequence[object]]:  # type: ignore[no-untyped-def]
    """CSV rows of :func:`pupils_table`: RSPO, school, kind, district, one column per level, total."""
    rows: list[Sequence[object]] = [
        [s.rspo, s.name, kind_label(s.kind), s.district, *(s.by_level.get(lv, 0) for lv in table.levels), s.total]
        for s in table.schools
    ]
    rows.append(["", total_label, "", "", *(table.level_totals[lv] for lv in table.levels), table.total])
    return rows


@dataclass(frozen=True)
class SchoolClasses:
    """The classes of one school with their headcounts."""

    rspo: str
    school: str
    classes: list[ClassSize] = field(default_factory=list)

    @property
    def pupils(self) -> int:
        """All pupils in the school's classes."""
        return sum(c.pupils for c in self.classes)


def classes_by_school(sizes: Iterable[ClassSize], rspo: str | None = None) -> list[SchoolClasses]:
    """Group class sizes per school (Polish order of names; classes by level and letter)."""
    schools: dict[str, SchoolClasses] = {}
    for size in sizes:
        if rspo and size.rspo != rspo:
            continue
        schools.setdefault(size.rspo, SchoolClasses(size.rspo, size.school)).classes.append(size)
    for entry in schools.values():
        entry.classes.sort(key=lambda c: (c.level, polish_key(c.letter)))
    return sorted(schools.values(), key=lambda s: (polish_key(s.school), s.rspo))


def level_stats_rows(stats: Iterable[LevelSizeStats], level_label) -> list[Sequence[object]]:  # type: ignore[no-untyped-def]
    """CSV rows of the per-level class size statistics."""
    return [[level_label(s.level), s.classes, s.pupils, round(s.average, 1), s.smallest, s.largest] for s in stats]


def class_rows(schools: Iterable[SchoolClasses]) -> list[Sequence[object]]:
    """CSV rows of every class: RSPO, school, school year, level, class, pupils."""
    return [[s.rspo, s.school, c.school_year, c.level, f"{c.level}{c.letter}", c.pupils]
            for s in schools for c in s.classes]


@dataclass(frozen=True)
class NodeLine:
    """One row of the sync status table, with what needs attention."""

    status: NodeStatus
    stale: bool  # an active node not heard from for over 24 hours (or never)
    failing: bool  # its latest contact ended in an error (an old error followed by success is history)
    silent: bool = False  # an active node not heard from for over 48 hours (or never): on top of the list
    skewed: bool = False  # its clock is more than five minutes off the hub's
    held: bool = False  # it runs a newer schema than the hub: its data waits for the hub's upgrade

    @property
    def attention(self) -> bool:
        """True if the row is to be highlighted."""
        return self.stale or self.failing or self.skewed or self.held


def node_lines(statuses: Iterable[NodeStatus], now: dt.datetime) -> list[NodeLine]:
    """Mark the nodes that need attention; revoked nodes are listed but never marked."""
    lines = []
    for s in statuses:
        active = s.status == "active"
        stale = active and (s.last_contact_at is None or now - s.last_contact_at > STALE_AFTER)
        failing = active and s.last_error is not None and (
            s.last_success_at is None or s.last_error_at is None or s.last_error_at >= s.last_success_at)
        silent = active and (s.last_contact_at is None or now - s.last_contact_at > SILENT_AFTER)
        skewed = active and s.clock_skew_seconds is not None and abs(s.clock_skew_seconds) > SKEW_TOLERANCE_SECONDS
        lines.append(NodeLine(s, stale, failing, silent, skewed, held=s.held_batches > 0))
    lines.sort(key=_line_order)
    return lines


def _line_order(line: NodeLine) -> tuple:
    """Silent servers first, the longest silent first (never heard from: first of all); then by name."""
    silence_since = (line.status.last_contact_at or dt.datetime.min) if line.silent else dt.datetime.min
    return (not line.silent, silence_since, polish_key(line.status.institution), line.status.node_id)
