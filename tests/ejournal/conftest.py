"""Fixtures of the e-journal archive tests: the attendance tests' class week (tests/attendance/factories.py)
plus a term of grades in class 1a, written through the operations the pages use."""

from __future__ import annotations

import pytest

from node_agent.db import Database
from tests.attendance.conftest import template_db, week, week_template  # noqa: F401 - shared fixtures
from tests.attendance.factories import Week
from tests.ejournal.factories import Journal, add_journal
from tests.node.conftest import TODAY, app, as_user, db, make_app, pl, seed, web  # noqa: F401 - shared fixtures
from tests.node.web_factories import Seed


@pytest.fixture
def journal(db: Database, seed: Seed, week: Week) -> Journal:  # noqa: F811 - fixtures imported above
    """Lessons, attendance and grades of class 1a written into this test's database."""
    return add_journal(db, seed, week)

