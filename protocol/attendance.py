"""Attendance rules shared by node and hub: the standard codes, percentages and the monthly flag.

The standard codes (BRIEF §4) and their short Polish marks in the class journal:

========================  =========  ===========================================
code                      mark       counts as
========================  =========  ===========================================
``present``               ob         present
``absent``                nb         absent, unexcused
``excused``               u          absent, excused
``late``                  sp         present (late)
``late_excused``          su         present (late, excused)
``school_reason``         ns         present (away on school business)
``released``              zw         not counted (released from the lesson)
========================  =========  ===========================================

Attendance % = lessons counted as present ÷ lessons counted, × 100; a lesson the pupil was
released from counts neither way.

The monthly flag of non-fulfilment of compulsory schooling (BRIEF §4) is defined on **class
days**, not lessons: unexcused absence on ≥ ``threshold_percent`` % of the pupil's class days in
the month (the threshold is a setting). A class day is a date on which the pupil has at least one
counted lesson. It is a day of unexcused absence when the pupil was absent from every counted
lesson of that day and at least one of those absences is not excused (a day is only excused when
all of it is). A pupil who skips one lesson a day is not absent that day; the per-lesson
percentages above show that. Arithmetic is exact (integers and :class:`fractions.Fraction`), so
"exactly 50 %" is never lost to rounding.

Pure functions: no I/O, no framework.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

CODES = ("present", "absent", "excused", "late", "late_excused", "school_reason", "released")
MARKS = {"present": "ob", "absent": "nb", "excused": "u", "late": "sp", "late_excused": "su",
         "school_reason": "ns", "released": "zw"}
PRESENT = frozenset({"present", "late", "late_excused", "school_reason"})
ABSENT = frozenset({"absent", "excused"})
UNEXCUSED = frozenset({"absent"})
# What the class tutor's excuse turns a code into.
EXCUSES = {"absent": "excused", "late": "late_excused"}
DEFAULT_THRESHOLD_PERCENT = 50

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


@dataclass(frozen=True)
class Tally:
    """Counts of one pupil's (or class's, subject's, month's) attendance records."""

    counted: int = 0
    present: int = 0
    absent: int = 0
    unexcused: int = 0
    late: int = 0
    released: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.counted + other.counted, self.present + other.present, self.absent + other.absent,
                     self.unexcused + other.unexcused, self.late + other.late, self.released + other.released)

    @property
    def percent(self) -> Fraction | None:
        """Attendance % as an exact fraction, or None when no lesson counts."""
        return Fraction(100 * self.present, self.counted) if self.counted else None

    def percent_rounded(self, digits: int = 1) -> float | None:
        """Attendance % rounded for display."""
        return None if self.percent is None else round(float(self.percent), digits)


def tally(codes: Iterable[str]) -> Tally:
    """Count attendance ``codes``; raises ValueError on a code that is not standard."""
    return tally_counts(Counter(codes))


def tally_counts(counts: Mapping[str, int]) -> Tally:
    """The tally of ``counts`` ({standard code: how many lessons}), e.g. from a SQL ``GROUP BY code``."""
    counted = present = absent = unexcused = late = released = 0
    for code, n in counts.items():
        if code not in MARKS:
            raise ValueError(f"unknown attendance code {code!r}")
        if code == "released":
            released += n
            continue
        counted += n
        present += n * (code in PRESENT)
        absent += n * (code in ABSENT)
        unexcused += n * (code in UNEXCUSED)
        late += n * (code in ("late", "late_excused"))
    return Tally(counted, present, absent, unexcused, late, released)


def tally_by(records: Iterable[R], key: Callable[[R], K], code: Callable[[R], str]) -> dict[K, Tally]:
    """Tallies per ``key(record)`` (pupil, class, subject, month, or a tuple of them)."""
    groups: dict[K, list[str]] = defaultdict(list)
    for record in records:
        groups[key(record)].append(code(record))
    return {k: tally(codes) for k, codes in groups.items()}


@dataclass(frozen=True)
class DayTally:
    """One pupil's class days in a month and how many of them were days of unexcused absence."""

    class_days: int = 0
    unexcused_days: int = 0

    @property
    def unexcused_share(self) -> Fraction | None:
        """Days of unexcused absence as a % of class days (exact), or None without class days."""
        return Fraction(100 * self.unexcused_days, self.class_days) if self.class_days else None


def day_tally(records: Iterable[tuple[dt.date, str]]) -> DayTally:
    """Class days and days of unexcused absence of one pupil's ``(date, standard code)`` records."""
    days: dict[dt.date, list[str]] = defaultdict(list)
    for day, code in records:
        if code not in MARKS:
            raise ValueError(f"unknown attendance code {code!r}")
        if code != "released":
            days[day].append(code)
    class_days = [codes for codes in days.values() if codes]
    unexcused = sum(1 for codes in class_days
                    if all(c in ABSENT for c in codes) and any(c in UNEXCUSED for c in codes))
    return DayTally(len(class_days), unexcused)


def day_tallies_by(records: Iterable[R], key: Callable[[R], K], day: Callable[[R], dt.date],
                   code: Callable[[R], str]) -> dict[K, DayTally]:
    """:func:`day_tally` per ``key(record)`` (a pupil, or a (pupil, month) pair)."""
    groups: dict[K, list[tuple[dt.date, str]]] = defaultdict(list)
    for record in records:
        groups[key(record)].append((day(record), code(record)))
    return {k: day_tally(items) for k, items in groups.items()}


def compulsory_flag(days: DayTally, threshold_percent: int | Fraction = DEFAULT_THRESHOLD_PERCENT) -> bool:
    """True when a month's days of unexcused absence reach ``threshold_percent`` % of its class days."""
    if not 0 < threshold_percent <= 100:
        raise ValueError("the threshold must be above 0 and at most 100 per cent")
    share = days.unexcused_share
    return share is not None and share >= threshold_percent


def excused_code(code: str) -> str | None:
    """The code an excuse turns ``code`` into, or None when there is nothing to excuse."""
    return EXCUSES.get(code)
