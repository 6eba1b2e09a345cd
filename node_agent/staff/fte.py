"""FTE (etat) sums of a school: exact fractions, no database, no framework (the arkusz and the hub can reuse it).

Each employment's FTE is ``numerator/denominator`` of a full post (18/18, 9/18, 1/2). The school's
totals on a day add the employments in force that day, separately for teaching staff (teachers,
the director and deputies, pedagogues, psychologists, speech therapists, librarians: all employed
under the Teachers' Charter) and other staff (administration and support). Sums are kept as
:class:`fractions.Fraction` so 13/18 + 5/18 is exactly 1, never 0.9999.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

NON_TEACHING_POSITIONS = frozenset({"administration", "support"})


@dataclass(frozen=True)
class EmploymentShare:
    """What the sums need of one employment: the person's position, the dates and the FTE fraction."""

    position: str
    starts_on: dt.date
    ends_on: dt.date | None
    fte_numerator: int
    fte_denominator: int

    def in_force(self, day: dt.date) -> bool:
        """True if the employment covers ``day`` (both ends inclusive, open end = still employed)."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    @property
    def fte(self) -> Fraction:
        """The FTE as an exact fraction."""
        return Fraction(self.fte_numerator, self.fte_denominator)


@dataclass(frozen=True)
class FteTotals:
    """Total FTE of teaching and of other staff on one day, and how many employments each counts."""

    teachers: Fraction
    others: Fraction
    teacher_employments: int
    other_employments: int

    @property
    def total(self) -> Fraction:
        """Everyone together."""
        return self.teachers + self.others


def is_teaching(position: str) -> bool:
    """True for positions employed under the Teachers' Charter (everyone but administration and support)."""
    return position not in NON_TEACHING_POSITIONS


def fte_totals(shares: Iterable[EmploymentShare], day: dt.date) -> FteTotals:
    """The school's FTE sums on ``day``."""
    teachers = others = Fraction(0)
    n_teachers = n_others = 0
    for share in shares:
        if not share.in_force(day):
            continue
        if is_teaching(share.position):
            teachers += share.fte
            n_teachers += 1
        else:
            others += share.fte
            n_others += 1
    return FteTotals(teachers, others, n_teachers, n_others)


def as_decimal(value: Fraction, places: int = 2) -> str:
    """``value`` as a decimal with ``places`` digits and a Polish decimal comma, rounded half up (13/18 → "0,72")."""
    scaled = value * 10**places
    whole = int(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    text = f"{whole // 10**places},{whole % 10**places:0{places}d}" if places else str(whole)
    return text


def as_fraction(numerator: int, denominator: int) -> str:
    """The FTE as the school writes it: "18/18", "1/2" (not reduced: 9/18 says "9 of 18 hours")."""
    return f"{numerator}/{denominator}"
