"""Read-only queries of the city dashboard over the warehouse's analytical layer (:mod:`hub.warehouse.model`).

Attendance and grades are read from the aggregates (a few thousand rows for a whole city year), never
from the lesson-grain tables, so each query answers in milliseconds at ~43M attendance rows. Figures are
exact: attendance % and grade averages are :class:`~fractions.Fraction` until they are shown. No names,
PESEL or pupil keys leave this module: only counts per school, class, level, subject and month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import duckdb

from hub.warehouse.model import is_built
from protocol.grading import rounded
from zszo.web.text import polish_key

# Pedagogical staff (nauczyciele in the Teachers' Charter's sense); administration and support are not.
NON_TEACHING_POSITIONS = ("administration", "support")
# Statutory class-size limits (Prawo oświatowe art. 31 ust. 6 for preschool classes; the regulation on
# the organisation of public schools for grades 1-3): elsewhere the city's own limit applies.
STATUTORY_LIMIT = 25
STATUTORY_LEVELS = (0, 1, 2, 3)


@dataclass(frozen=True)
class Filters:
    """What the city office chose: the school year, and optionally a kind of school, a district, a school."""

    school_year: str
    kind: str | None = None
    district: str | None = None
    rspo: str | None = None

    def sql(self, alias: str = "s") -> tuple[str, list[Any]]:
        """A WHERE fragment over ``dim_school`` (as ``alias``) and its parameters."""
        return (f"(CAST(? AS VARCHAR) IS NULL OR {alias}.kind = ?) AND (CAST(? AS VARCHAR) IS NULL OR "
                f"{alias}.district = ?) AND (CAST(? AS VARCHAR) IS NULL OR {alias}.rspo = ?)",
                [self.kind, self.kind, self.district, self.district, self.rspo, self.rspo])


@dataclass(frozen=True)
class Rate:
    """Counted lessons and how many of them the pupils were present at (or, for days, flagged)."""

    counted: int = 0
    present: int = 0
    unexcused: int = 0

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.counted + other.counted, self.present + other.present, self.unexcused + other.unexcused)

    @property
    def percent(self) -> Fraction | None:
        """Attendance % (present ÷ counted × 100), exact; None without counted lessons."""
        return Fraction(100 * self.present, self.counted) if self.counted else None

    @property
    def shown(self) -> float | None:
        """The % rounded to one decimal, for pages and files."""
        return None if self.percent is None else float(rounded(self.percent, 1))


@dataclass
class AttendanceLine:
    """One row of an attendance table: a school, a level or a class, per month and in total."""

    key: str
    label: str
    rspo: str | None = None
    months: dict[dt.date, Rate] = field(default_factory=dict)

    @property
    def total(self) -> Rate:
        """The whole school year."""
        return sum(self.months.values(), Rate())


@dataclass(frozen=True)
class AttendanceTable:
    """Rows, the months that have data, and the total row."""

    lines: list[AttendanceLine]
    months: list[dt.date]

    @property
    def total(self) -> AttendanceLine:
        """All rows together."""
        line = AttendanceLine("", "")
        for row in self.lines:
            for month, rate in row.months.items():
                line.months[month] = line.months.get(month, Rate()) + rate
        return line


def ready(cur: duckdb.DuckDBPyConnection | None) -> bool:
    """True when the warehouse is open and its analytical layer has been built."""
    return cur is not None and is_built(cur)


def school_years(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """School years the warehouse has classes of, latest first."""
    return [y for (y,) in cur.execute("SELECT DISTINCT school_year FROM dim_class ORDER BY 1 DESC").fetchall()]


def districts(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """Districts named by the schools, in Polish alphabetical order."""
    rows = cur.execute("SELECT DISTINCT district FROM dim_school WHERE district IS NOT NULL").fetchall()
    return sorted((d for (d,) in rows), key=polish_key)


def attendance(cur: duckdb.DuckDBPyConnection, filters: Filters, by: str) -> AttendanceTable:
    """Attendance per ``by`` ("school", "level" or "class") and month of the school year."""
    group = {"school": "a.rspo, s.name", "level": "CAST(a.level AS VARCHAR), ''",
             "class": "CAST(a.class_id AS VARCHAR), concat(a.level, a.letter)"}[by]
    where, params = filters.sql()
    rows = cur.execute(f"""
        SELECT {group}, any_value(a.rspo), any_value(a.level), a.month,
               sum(a.counted), sum(a.present), sum(a.unexcused)
        FROM agg_attendance_class_month a JOIN dim_school s ON s.rspo = a.rspo
        WHERE a.school_year = ? AND {where}
        GROUP BY ALL
    """, [filters.school_year, *params]).fetchall()
    lines: dict[str, AttendanceLine] = {}
    order: dict[str, tuple] = {}
    for key, label, rspo, level, month, counted, present, unexcused in rows:
        line = lines.setdefault(key, AttendanceLine(key, label, rspo))
        line.months[month] = Rate(int(counted), int(present), int(unexcused))
        order[key] = (polish_key(label), key) if by == "school" else (int(level), polish_key(label), key)
    months = sorted({m for line in lines.values() for m in line.months})
    return AttendanceTable(sorted(lines.values(), key=lambda ln: order[ln.key]), months)


@dataclass(frozen=True)
class GradeAverage:
    """A weighted average of current grades (city scale), over ``grades`` grades."""

    key: str
    label: str
    grades: int
    weighted_sum: Decimal
    weights: int

    @property
    def average(self) -> Decimal | None:
        """Σ(value·weight)/Σ(weight), rounded half up to two places."""
        return rounded(Fraction(self.weighted_sum) / self.weights, 2) if self.weights else None


def grade_averages(cur: duckdb.DuckDBPyConnection, filters: Filters, by: str) -> list[GradeAverage]:
    """Weighted grade averages per ``by`` ("subject" or "school"), best-known order (Polish names)."""
    group = {"subject": "g.subject_key, min(g.subject_name)", "school": "g.rspo, min(s.name)"}[by]
    where, params = filters.sql()
    rows = cur.execute(f"""
        SELECT {group}, sum(g.grades), sum(g.weighted_sum), sum(g.weights)
        FROM agg_grade_subject g JOIN dim_school s ON s.rspo = g.rspo
        WHERE g.school_year = ? AND {where}
        GROUP BY {group.split(",")[0]}
    """, [filters.school_year, *params]).fetchall()
    out = [GradeAverage(k, label, int(n), Decimal(total), int(weights)) for k, label, n, total, weights in rows]
    return sorted(out, key=lambda g: (polish_key(g.label), g.key))


@dataclass(frozen=True)
class SchoolStaff:
    """One school's staff on a day: teachers (persons), their FTE and the other staff's FTE (exact)."""

    rspo: str
    name: str
    teachers: int
    teacher_fte: Fraction
    other_fte: Fraction


def staff_fte(cur: duckdb.DuckDBPyConnection, day: dt.date, kind: str | None = None,
              district: str | None = None) -> list[SchoolStaff]:
    """Employments running on ``day``, summed per school as exact fractions (13/18 + 5/18 = 1)."""
    where, params = Filters("", kind, district).sql()
    rows = cur.execute(f"""
        SELECT s.rspo, s.name, f.position NOT IN {NON_TEACHING_POSITIONS} AS teaching, f.teacher_id,
               f.fte_numerator, f.fte_denominator
        FROM dim_school s
        LEFT JOIN fact_staff_fte f ON f.rspo = s.rspo AND f.starts_on <= ? AND (f.ends_on IS NULL OR f.ends_on >= ?)
        WHERE {where}
    """, [day, day, *params]).fetchall()
    schools: dict[str, dict[str, Any]] = {}
    for rspo, name, teaching, person, numerator, denominator in rows:
        entry = schools.setdefault(rspo, {"name": name, "people": set(), "teaching": Fraction(0),
                                          "other": Fraction(0)})
        if person is None:
            continue
        share = Fraction(numerator, denominator)
        if teaching:
            entry["people"].add(person)
            entry["teaching"] += share
        else:
            entry["other"] += share
    out = [SchoolStaff(rspo, e["name"], len(e["people"]), e["teaching"], e["other"]) for rspo, e in schools.items()]
    return sorted(out, key=lambda s: (polish_key(s.name), s.rspo))


@dataclass(frozen=True)
class ClassOverLimit:
    """A class above its size limit on the day."""

    rspo: str
    school: str
    level: int
    letter: str
    pupils: int
    limit: int
    statutory: bool


def class_limit(kind: str, level: int, municipal: int) -> tuple[int, bool]:
    """(limit, set by statute?) for a class of ``level`` in a school of ``kind``."""
    if level in STATUTORY_LEVELS and kind in ("preschool", "primary", "special"):
        return STATUTORY_LIMIT, True
    return municipal, False


def classes_over_limit(sizes: Iterable[Any], kinds: dict[str, str], municipal: int) -> list[ClassOverLimit]:
    """The classes of ``sizes`` (:func:`hub.dashboard.queries.class_sizes`) above their limit."""
    out = []
    for c in sizes:
        limit, statutory = class_limit(kinds.get(c.rspo, ""), c.level, municipal)
        if c.pupils > limit:
            out.append(ClassOverLimit(c.rspo, c.school, c.level, c.letter, c.pupils, limit, statutory))
    return sorted(out, key=lambda c: (polish_key(c.school), c.level, polish_key(c.letter)))


def school_kinds(cur: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """{RSPO: kind} of every school."""
    return dict(cur.execute("SELECT rspo, kind FROM dim_school").fetchall())


@dataclass(frozen=True)
class Freshness:
    """How current one school's data is in the warehouse."""

    rspo: str
    name: str
    last_lesson_day: dt.date | None
    last_change_at: dt.datetime | None  # node clock, informative


def freshness(cur: duckdb.DuckDBPyConnection, kind: str | None = None,
              district: str | None = None) -> list[Freshness]:
    """Per school: the latest day with attendance taken and the latest change written (node clock)."""
    where, params = Filters("", kind, district).sql()
    rows = cur.execute(f"""
        SELECT s.rspo, s.name, f.last_lesson_day, f.last_ts
        FROM dim_school s LEFT JOIN agg_school_freshness f ON f.rspo = s.rspo WHERE {where}
    """, params).fetchall()
    out = [Freshness(r, n, day, None if ts is None else dt.datetime.fromtimestamp(ts / 1000, dt.UTC)
                     .replace(tzinfo=None)) for r, n, day, ts in rows]
    return sorted(out, key=lambda f: (polish_key(f.name), f.rspo))
