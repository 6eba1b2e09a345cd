"""The school's own numbering of its pupil register, and the register's settings.

A number is given when a pupil is admitted (an entry of the księga uczniów is made) and is never
given again, even if the entry is later corrected or removed: the counter only grows, and the next
number also skips every number already written in the register or on a pupil (numbers typed in
by hand or imported). Formats (a school setting): ``sequential`` 1, 2, 3 …; ``year_suffix`` 17/2026
and ``year_prefix`` 2026/17, counted anew in each school year of admission.

Functions flush but never commit: the caller owns the transaction. Never renumbers anything.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.records import ValidationFailed
from node_agent.register.models import Pupil, RegisterCounter, RegisterEntry, RegisterSettings
from node_agent.school.models import School
from protocol.fields import FieldError
from protocol.i18n import N_

NUMBERING = ("sequential", "year_suffix", "year_prefix")
# The last level of each kind of school (a school with other tracks sets its own, e.g. technikum 5).
DEFAULT_FINAL_LEVEL = {"primary": 8, "special": 8, "secondary": 4, "centre": 4, "preschool": 0}


def current_settings(session: Session) -> RegisterSettings:
    """The register settings (defaults, not yet stored, if the school never changed them)."""
    row = session.get(RegisterSettings, 1)
    return row if row is not None else RegisterSettings(id=1, numbering="sequential", final_level=None)


def final_level(session: Session) -> int:
    """The level whose pupils finish the school at the year-end promotion."""
    chosen = current_settings(session).final_level
    if chosen is not None:
        return chosen
    kind = session.scalar(select(School.kind).limit(1))
    return DEFAULT_FINAL_LEVEL.get(kind or "primary", 8)


def save_settings(session: Session, *, numbering: str | None, final_level: str | int | None) -> RegisterSettings:
    """Store the numbering format and (optionally) the final level; raise ValidationFailed naming the field."""
    errors = []
    if numbering not in NUMBERING:
        errors.append(FieldError("numbering", "choice", N_("choose one of the listed options"),
                                 {"label": N_("Numbering of the register")}))
    level: int | None = None
    if final_level not in (None, ""):
        try:
            level = int(final_level)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            level = -1
        if not 1 <= level <= 8:
            errors.append(FieldError("final_level", "out_of_range", N_("must be between {min} and {max}"),
                                     {"label": N_("Last level of the school"), "min": 1, "max": 8}))
    if errors:
        raise ValidationFailed(errors)
    row = session.get(RegisterSettings, 1)
    if row is None:
        row = RegisterSettings(id=1)
        session.add(row)
    row.numbering, row.final_level = numbering, level  # type: ignore[assignment]
    session.flush()
    return row


def school_year_of(day: dt.date) -> int:
    """The first calendar year of the school year containing ``day`` (a year runs 1 Sep – 31 Aug)."""
    return day.year if day.month >= 9 else day.year - 1


def format_number(numbering: str, n: int, year: int) -> str:
    """The register number ``n`` in the school's format."""
    if numbering == "year_suffix":
        return f"{n}/{year}"
    if numbering == "year_prefix":
        return f"{year}/{n}"
    return str(n)


def _pattern(numbering: str, year: int) -> re.Pattern[str]:
    if numbering == "year_suffix":
        return re.compile(rf"([0-9]+)/{year}")
    if numbering == "year_prefix":
        return re.compile(rf"{year}/([0-9]+)")
    return re.compile(r"([0-9]+)")


def _highest_written(session: Session, numbering: str, year: int) -> int:
    """The highest number of this scope already written in the register or on a pupil."""
    pattern = _pattern(numbering, year)
    written = list(session.scalars(select(RegisterEntry.number)))
    written += [n for n in session.scalars(select(Pupil.register_number).where(Pupil.register_number.is_not(None)))]
    best = 0
    for number in written:
        match = pattern.fullmatch(number or "")
        if match:
            best = max(best, int(match.group(1)))
    return best


def is_used(session: Session, number: str, *, pupil_id: str | None = None) -> bool:
    """Whether ``number`` is already in the register or on another pupil."""
    if session.scalar(select(RegisterEntry.id).where(RegisterEntry.number == number)):
        return True
    others = Pupil.id != pupil_id if pupil_id else Pupil.id.is_not(None)
    return session.scalar(select(Pupil.id).where(Pupil.register_number == number, others)) is not None


def next_number(session: Session, admitted_on: dt.date, *, pupil_id: str | None = None) -> str:
    """Give the next register number for a pupil admitted on ``admitted_on`` (the counter moves on)."""
    numbering = current_settings(session).numbering
    year = school_year_of(admitted_on)
    scope = "all" if numbering == "sequential" else str(year)
    counter = session.get(RegisterCounter, scope)
    if counter is None:
        counter = RegisterCounter(scope=scope, last=0)
        session.add(counter)
    n = max(counter.last, _highest_written(session, numbering, year)) + 1
    while is_used(session, format_number(numbering, n, year), pupil_id=pupil_id):
        n += 1  # a hand-typed number in another format may collide: never give a number twice
    counter.last = n
    session.flush()
    return format_number(numbering, n, year)


def preview_next(session: Session, day: dt.date) -> str:
    """The number the next admission on ``day`` would get (nothing is reserved)."""
    numbering = current_settings(session).numbering
    year = school_year_of(day)
    scope = "all" if numbering == "sequential" else str(year)
    counter = session.get(RegisterCounter, scope)
    n = max(counter.last if counter else 0, _highest_written(session, numbering, year)) + 1
    return format_number(numbering, n, year)
