"""Reading the pupil register book (księga uczniów): its entries in number order, searched and paged.

The book is the school office's document: only office roles reach it (the views check), and it
shows whole PESEL numbers. Entries come in the order they were made (admission date, then number),
as the register is kept chronologically. Nothing here writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from node_agent.register.models import Pupil, PupilGuardian, RegisterEntry
from zszo.web.text import like_pattern

PAGE_SIZE = 50


@dataclass(frozen=True)
class EntryPage:
    """A page of register entries."""

    entries: list[RegisterEntry]
    total: int
    page: int
    pages: int


def search_entries(session: Session, *, text: str = "", page: int = 1, page_size: int = PAGE_SIZE) -> EntryPage:
    """Entries whose number is ``text`` or whose pupil's name contains every word of it (any accents)."""
    stmt = select(RegisterEntry).join(Pupil, Pupil.id == RegisterEntry.pupil_id)
    text = text.strip()
    if text:
        name = func.zszo_fold(Pupil.first_name + " " + func.coalesce(Pupil.second_name, "") + " " + Pupil.last_name)
        by_name = [name.like(like_pattern(token), escape="\\") for token in text.split()[:5]]
        stmt = stmt.where(or_(RegisterEntry.number == text, and_(*by_name)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, math.ceil(total / page_size))
    page = min(max(page, 1), pages)
    entries = list(session.scalars(
        stmt.options(selectinload(RegisterEntry.pupil).selectinload(Pupil.guardian_links)
                     .selectinload(PupilGuardian.guardian))
        .order_by(RegisterEntry.admitted_on, func.length(RegisterEntry.number), RegisterEntry.number)
        .offset((page - 1) * page_size).limit(page_size)))
    return EntryPage(entries, total, page, pages)


def pupils_without_entry(session: Session) -> int:
    """How many pupils of the list have no register entry yet (data from before the register was kept here)."""
    return session.scalar(select(func.count()).select_from(Pupil).where(
        Pupil.id.not_in(select(RegisterEntry.pupil_id)))) or 0
