"""The school's grading settings and categories: reading them as :mod:`protocol.grading` values,
and every write to them (modifier values, marks, deadlines, categories).

Settings are one local row (not synced: they are the school's own working rules); categories are
synced (``grade_category``) so the hub can weigh grades as the school does. The caller owns the
transaction; a failed validation raises before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node_agent.grades.models import GradeCategory, GradingSettings
from node_agent.records import ValidationFailed
from node_agent.school.models import SchoolYear
from node_agent.school.operations import save_record
from protocol import grading
from protocol.entities_gradebook import GRADE_CATEGORY
from protocol.fields import FieldError, parse_date
from protocol.i18n import N_

DEADLINES = (
    ("term_proposed_by", N_("proposed term grades by")),
    ("term_final_by", N_("term grades by")),
    ("year_proposed_by", N_("proposed year grades by")),
    ("year_final_by", N_("year grades by")),
)
STANDARD_CATEGORIES = (
    ("sprawdzian", 5, True), ("kartkówka", 3, True), ("odpowiedź", 2, True), ("praca domowa", 1, True),
    ("aktywność", 1, True), ("próbny egzamin", 1, False),
)


def settings(session: Session) -> GradingSettings:
    """The settings row (the defaults, not yet stored, when the school has not changed them)."""
    row = session.get(GradingSettings, 1)
    if row is None:
        row = GradingSettings(id=1, plus_hundredths=50, minus_hundredths=25,
                              marks=grading.format_scale_marks(grading.DEFAULT_MARKS))
    return row


def scale(session: Session) -> grading.GradingScale:
    """The school's :class:`~protocol.grading.GradingScale`."""
    row = settings(session)
    return grading.GradingScale(Decimal(row.plus_hundredths) / 100, Decimal(row.minus_hundredths) / 100,
                                grading.parse_scale_marks(row.marks))


def _modifier(data: Mapping[str, Any], name: str, label: str, errors: list[FieldError]) -> int | None:
    text = str(data.get(name) or "").strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append(FieldError(name, "number", N_("enter a number such as 0,5"), {"label": label}))
        return None
    if not Decimal(0) <= value <= grading.MAX_MODIFIER or value != value.quantize(Decimal("0.01")):
        errors.append(FieldError(name, "modifier_range", N_("must be between 0 and 0,99 (two decimal places)"),
                                 {"label": label}))
        return None
    return int(value * 100)


def save_settings(session: Session, data: Mapping[str, Any], year: SchoolYear | None) -> GradingSettings:
    """Store the settings from form-like ``data`` (modifiers as text, deadlines as dates in ``year``)."""
    errors: list[FieldError] = []
    plus = _modifier(data, "plus", N_("value of +"), errors)
    minus = _modifier(data, "minus", N_("value of -"), errors)
    marks_text = str(data.get("marks") or "")
    try:
        marks = grading.parse_scale_marks(marks_text)
    except grading.GradeError as exc:
        errors.append(FieldError("marks", exc.code, exc.message, {"label": N_("marks"), **exc.params}))
        marks = {}
    deadlines: dict[str, dt.date | None] = {}
    for name, label in DEADLINES:
        value = data.get(name)
        day = value if isinstance(value, dt.date) else parse_date(str(value or "").strip())
        if value and day is None:
            errors.append(FieldError(name, "date", N_("enter a real date, for example 2026-10-05"), {"label": label}))
        elif day is not None and year is not None and not year.starts_on <= day <= year.ends_on:
            errors.append(FieldError(name, "outside_year", N_("must fall within the school year {year}"),
                                     {"label": label, "year": year.label}))
        deadlines[name] = day
    if errors:
        raise ValidationFailed(errors)
    row = session.get(GradingSettings, 1) or GradingSettings(id=1)
    row.plus_hundredths, row.minus_hundredths = plus, minus  # type: ignore[assignment]
    row.marks = grading.format_scale_marks(marks)
    for name, day in deadlines.items():
        setattr(row, name, day)
    session.add(row)
    session.flush()
    return row


def deadline(session: Session, period: str, stage: str) -> dt.date | None:
    """The last day for ``stage`` (proposed/final) grades of ``period`` (term/year), if the school set one."""
    return getattr(settings(session), f"{period}_{stage}_by")


def categories(session: Session, *, active_only: bool = False) -> list[GradeCategory]:
    """The school's categories, heaviest first."""
    stmt = select(GradeCategory).order_by(GradeCategory.weight.desc(), GradeCategory.name)
    if active_only:
        stmt = stmt.where(GradeCategory.active.is_(True))
    return list(session.scalars(stmt))


def _unique_name(session: Session, record: Mapping[str, Any]) -> list[FieldError]:
    taken = session.scalar(select(GradeCategory.id).where(GradeCategory.name == record["name"],
                                                          GradeCategory.id != record["id"]))
    if taken:
        return [FieldError("name", "taken", N_("a category of this name already exists"),
                           {"label": N_("category name")})]
    return []


def save_category(session: Session, data: Mapping[str, Any], category: GradeCategory | None = None) -> GradeCategory:
    """Add or change a category (name, weight 1–10, counts towards the average, in use)."""
    values = dict(data)
    values.setdefault("active", category.active if category is not None else True)
    values.setdefault("counts", category.counts if category is not None else True)
    return save_record(session, GRADE_CATEGORY, GradeCategory, values, category, checks=_unique_name)


def add_standard_categories(session: Session) -> list[GradeCategory]:
    """Add the usual categories the school does not have yet (by name); return those added."""
    have = {c.name for c in categories(session)}
    return [save_category(session, {"name": name, "weight": weight, "counts": counts})
            for name, weight, counts in STANDARD_CATEGORIES if name not in have]
