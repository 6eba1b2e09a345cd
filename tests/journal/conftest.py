"""Fixtures of the journal tests (notes, homework, announcements, messages): the grades tests' school
— 1a (tutor Anna Nowak, maths by Anna, Polish by Bogdan Wiśniewski), 2b (tutor Bogdan, his history),
3c (nobody's) — on a fresh copy of the seeded node database per test."""

from __future__ import annotations

from tests.grades.conftest import TODAY, app, as_user, db, grades, make_app, pl, seed, template_db, web  # noqa: F401
