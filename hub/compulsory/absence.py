"""Children of the city's register who missed school without excuse on ≥ 50% of their class days in a month.

BRIEF §4: non-fulfilment of compulsory schooling is unexcused absence on at least ``threshold`` % (50 by
default, setting ``compulsory.absence_threshold_percent``) of the class days of a month. Computed from
lesson-level attendance by the warehouse's analytical layer (``agg_attendance_pupil_month``,
:mod:`hub.warehouse.model`): a class day is a day the pupil had a counted lesson; a day of unexcused
absence is one on which every counted lesson was an unexcused absence. Matching to the register is by
the pupil key only; the warehouse never sees a name. The share of lessons is shown alongside.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.compulsory.control import current_import, first_year
from hub.compulsory.models import ResidentChild
from zszo.web.text import polish_key


@dataclass(frozen=True)
class AbsenceFinding:
    """One child, one month at or above the threshold."""

    child: ResidentChild
    month: dt.date
    school: str
    class_label: str
    class_days: int
    unexcused_days: int
    lessons: int
    unexcused_lessons: int

    @property
    def percent(self) -> Fraction:
        """Days of unexcused absence as a % of class days (exact)."""
        return Fraction(100 * self.unexcused_days, self.class_days)

    @property
    def lesson_percent(self) -> Fraction | None:
        """Unexcused lessons as a % of counted lessons (the statute's measure, shown for information)."""
        return Fraction(100 * self.unexcused_lessons, self.lessons) if self.lessons else None


def check_threshold(threshold_percent: int) -> int:
    """The threshold if it is a whole per cent above 0 and at most 100, else ValueError."""
    if isinstance(threshold_percent, bool) or not isinstance(threshold_percent, int) or \
            not 0 < threshold_percent <= 100:
        raise ValueError("the threshold must be a whole per cent above 0 and at most 100")
    return threshold_percent


def absence_list(session: Session, cur: Any, school_year: str, threshold_percent: int) -> list[AbsenceFinding]:
    """Months of ``school_year`` in which a child of the current register reached the threshold."""
    check_threshold(threshold_percent)
    snapshot = current_import(session)
    if snapshot is None:
        return []
    children = {c.pupil_key: c for c in session.scalars(
        select(ResidentChild).where(ResidentChild.import_id == snapshot.id))}
    if not children:
        return []
    start = dt.date(first_year(school_year), 9, 1)
    rows = cur.execute("""
        SELECT m.pupil_key, m.month, s.name, concat(c.level, c.letter), m.class_days, m.unexcused_days,
               m.counted, m.unexcused
        FROM agg_attendance_pupil_month m
        LEFT JOIN dim_school s ON s.rspo = m.rspo
        LEFT JOIN dim_class c ON c.class_id = m.class_id
        WHERE m.month >= ? AND m.month < ? AND m.class_days > 0 AND 100 * m.unexcused_days >= ? * m.class_days
          AND m.pupil_key IN (SELECT unnest(CAST(? AS VARCHAR[])))
    """, [start, dt.date(start.year + 1, 9, 1), threshold_percent, list(children)]).fetchall()
    found = [AbsenceFinding(children[key], month, school or "", label or "", int(days), int(absent), int(lessons),
                            int(unexcused)) for key, month, school, label, days, absent, lessons, unexcused in rows]
    return sorted(found, key=lambda f: (polish_key(f.child.last_name), polish_key(f.child.first_name), f.child.id,
                                        f.month))
