"""Reading the pupil register: who may see which pupil, search and paging, the pupil card.

Access rule (BRIEF §3.3): the school office (admin, secretary, director) sees every pupil; a
teacher sees only the pupils currently enrolled in a class whose tutor they are. The rule is
one SQL condition, :func:`visible_pupils`, used by the list and by every per-pupil page, so a
guessed id cannot get around it. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from node_agent.auth.models import UserAccount
from node_agent.register.models import ClassUnit, Enrolment, Guardian, GuardianVerification, Pupil, PupilGuardian
from node_agent.school.models import SchoolYear
from zszo.web.text import like_pattern

OFFICE_ROLES = ("admin", "secretary", "director")  # the same as node_agent.web.context.OFFICE_ROLES
PAGE_SIZE = 50


def can_edit(user: UserAccount) -> bool:
    """Whether ``user`` may change pupils' data (teachers only read)."""
    return user.role in OFFICE_ROLES


def sees_full_pesel(user: UserAccount) -> bool:
    """Whether ``user`` sees whole PESEL numbers (others see the last four digits)."""
    return user.role in OFFICE_ROLES


def mask_pesel(pesel: str | None) -> str:
    """``•••••••1234``: enough to tell pupils apart, not enough to identify anyone."""
    if not pesel:
        return ""
    return "•" * (len(pesel) - 4) + pesel[-4:]


def enrolled_on(day: dt.date) -> ColumnElement[bool]:
    """Enrolments valid on ``day``."""
    return and_(Enrolment.starts_on <= day, or_(Enrolment.ends_on.is_(None), Enrolment.ends_on >= day))


def visible_pupils(user: UserAccount, today: dt.date) -> ColumnElement[bool]:
    """SQL condition on :class:`Pupil` selecting the pupils ``user`` may see."""
    if user.role in OFFICE_ROLES:
        return true()
    if user.role != "teacher" or not user.staff_member_id:
        return false()
    tutored = (
        select(Enrolment.pupil_id)
        .join(ClassUnit, ClassUnit.id == Enrolment.class_id)
        .where(ClassUnit.tutor_id == user.staff_member_id, enrolled_on(today))
    )
    return Pupil.id.in_(tutored)


def can_see_pupil(session: Session, user: UserAccount, pupil_id: str, today: dt.date) -> bool:
    """Whether ``user`` may see pupil ``pupil_id`` (False for ids that do not exist, for teachers)."""
    if user.role in OFFICE_ROLES:
        return True
    return (
        session.scalar(select(Pupil.id).where(Pupil.id == pupil_id, visible_pupils(user, today))) is not None
    )


def current_school_year(session: Session, today: dt.date) -> SchoolYear | None:
    """The school year containing ``today``, else the one that starts last."""
    year = session.scalar(
        select(SchoolYear)
        .where(SchoolYear.starts_on <= today, SchoolYear.ends_on >= today)
        .order_by(SchoolYear.starts_on.desc())
        .limit(1)
    )
    return year or session.scalar(select(SchoolYear).order_by(SchoolYear.starts_on.desc()).limit(1))


def classes_of_year(
    session: Session, year: SchoolYear | None, user: UserAccount | None = None
) -> list[ClassUnit]:
    """Classes of ``year`` in order (a teacher: only the classes they tutor)."""
    if year is None:
        return []
    stmt = select(ClassUnit).where(ClassUnit.school_year_id == year.id)
    if user is not None and user.role not in OFFICE_ROLES:
        stmt = stmt.where(ClassUnit.tutor_id == user.staff_member_id)
    return list(session.scalars(stmt.order_by(ClassUnit.level, ClassUnit.letter)))


@dataclass(frozen=True)
class PupilRow:
    """One line of the register list."""

    pupil: Pupil
    class_name: str | None


@dataclass(frozen=True)
class PupilPage:
    """A page of the register list."""

    rows: list[PupilRow]
    total: int
    page: int
    pages: int


def _is_pesel_query(text: str) -> bool:
    return len(text) == 11 and text.isascii() and text.isdigit()


def search_pupils(
    session: Session,
    user: UserAccount,
    *,
    text: str = "",
    class_id: str | None = None,
    page: int = 1,
    today: dt.date,
    page_size: int = PAGE_SIZE,
) -> PupilPage:
    """Pupils ``user`` may see matching ``text`` (name fragments, any accents; or an exact PESEL)
    and ``class_id``, sorted by last name in Polish order."""
    stmt: Select[Any] = select(Pupil).where(visible_pupils(user, today))
    text = text.strip()
    if _is_pesel_query(text):
        stmt = stmt.where(Pupil.pesel == text)
    else:
        full_name = Pupil.first_name + " " + func.coalesce(Pupil.second_name, "") + " " + Pupil.last_name
        for token in text.split()[:5]:
            stmt = stmt.where(func.zszo_fold(full_name).like(like_pattern(token), escape="\\"))
    if class_id:
        stmt = stmt.where(
            Pupil.id.in_(select(Enrolment.pupil_id).where(Enrolment.class_id == class_id, enrolled_on(today)))
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, math.ceil(total / page_size))
    page = min(max(page, 1), pages)
    pupils = list(
        session.scalars(
            stmt.order_by(Pupil.last_name.collate("pl"), Pupil.first_name.collate("pl"), Pupil.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    classes = current_class_names(session, [p.id for p in pupils], today)
    return PupilPage([PupilRow(p, classes.get(p.id)) for p in pupils], total, page, pages)


def current_class_names(session: Session, pupil_ids: list[str], today: dt.date) -> dict[str, str]:
    """{pupil id: name of the class they are in on ``today``}."""
    if not pupil_ids:
        return {}
    rows = session.execute(
        select(Enrolment.pupil_id, ClassUnit)
        .join(ClassUnit, ClassUnit.id == Enrolment.class_id)
        .where(Enrolment.pupil_id.in_(pupil_ids), enrolled_on(today))
        .order_by(Enrolment.starts_on)
    )
    return {pupil_id: class_unit.name for pupil_id, class_unit in rows}


def pupil_with_history(session: Session, pupil_id: str) -> Pupil | None:
    """A pupil with guardians and enrolments (with classes and years) loaded for the card."""
    return session.scalar(
        select(Pupil)
        .where(Pupil.id == pupil_id)
        .options(
            selectinload(Pupil.guardian_links).selectinload(PupilGuardian.guardian),
            selectinload(Pupil.enrolments)
            .selectinload(Enrolment.class_unit)
            .selectinload(ClassUnit.school_year),
        )
    )


def guardian_link(session: Session, pupil_id: str, link_id: str) -> PupilGuardian | None:
    """The link ``link_id`` if it belongs to pupil ``pupil_id``."""
    return session.scalar(
        select(PupilGuardian)
        .where(PupilGuardian.id == link_id, PupilGuardian.pupil_id == pupil_id)
        .options(selectinload(PupilGuardian.guardian))
    )


def find_guardians(session: Session, text: str, *, limit: int = 20) -> list[Guardian]:
    """Guardians whose name contains every word of ``text`` (any accents) or whose phone matches."""
    text = text.strip()
    if not text:
        return []
    digits = "".join(ch for ch in text if ch.isdigit())
    name = func.zszo_fold(Guardian.first_name + " " + Guardian.last_name)
    by_name = and_(*(name.like(like_pattern(token), escape="\\") for token in text.split()[:5]))
    phone_digits = func.replace(func.replace(func.coalesce(Guardian.phone, ""), " ", ""), "-", "")
    condition = or_(by_name, phone_digits.like(f"%{digits}%")) if len(digits) >= 6 else by_name
    return list(
        session.scalars(
            select(Guardian)
            .where(condition)
            .order_by(Guardian.last_name.collate("pl"), Guardian.first_name.collate("pl"))
            .limit(limit)
            .options(selectinload(Guardian.pupil_links))
        )
    )


def confirmed_emails(session: Session, pupil: Pupil) -> dict[str, GuardianVerification]:
    """{guardian id: confirmation of their current e-mail address} for the pupil's guardians."""
    from node_agent.register.verification import confirmed

    out = {}
    for link in pupil.guardian_links:
        found = confirmed(session, link.guardian)
        if found is not None:
            out[link.guardian_id] = found
    return out
