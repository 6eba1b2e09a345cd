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
released from counts neither way. The monthly flag of non-fulfilment of compulsory schooling:
unexcused absences ≥ ``threshold_percent`` % of the month's counted lessons (the statute speaks
of "co najmniej 50% obowiązkowych zajęć edukacyjnych"; the threshold is a setting). Arithmetic
is exact (integers and :class:`fractions.Fraction`), so "exactly 50 %" is never lost to rounding.

Pure functions: no I/O, no framework.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
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
    counted = present = absent = unexcused = late = released = 0
    for code in codes:
        if code not in MARKS:
            raise ValueError(f"unknown attendance code {code!r}")
        if code == "released":
            released += 1
            continue
        counted += 1
        present += code in PRESENT
        absent += code in ABSENT
        unexcused += code in UNEXCUSED
        late += code in ("late", "late_excused")
    return Tally(counted, present, absent, unexcused, late, released)


def tally_by(records: Iterable[R], key: Callable[[R], K], code: Callable[[R], str]) -> dict[K, Tally]:
    """Tallies per ``key(record)`` (pupil, class, subject, month, or a tuple of them)."""
    groups: dict[K, list[str]] = defaultdict(list)
    for record in records:
        groups[key(record)].append(code(record))
    return {k: tally(codes) for k, codes in groups.items()}


def unexcused_share(t: Tally) -> Fraction | None:
    """Unexcused absences as a % of counted lessons (exact), or None without lessons."""
    return Fraction(100 * t.unexcused, t.counted) if t.counted else None


def compulsory_flag(t: Tally, threshold_percent: int | Fraction = DEFAULT_THRESHOLD_PERCENT) -> bool:
    """True when a month's unexcused absences reach ``threshold_percent`` % of its counted lessons."""
    if not 0 < threshold_percent <= 100:
        raise ValueError("the threshold must be above 0 and at most 100 per cent")
    share = unexcused_share(t)
    return share is not None and share >= threshold_percent


def excused_code(code: str) -> str | None:
    """The code an excuse turns ``code`` into, or None when there is nothing to excuse."""
    return EXCUSES.get(code)
