"""Fixtures of the timetable and attendance tests: the node web fixtures on a database that also
holds a class week (tests/attendance/factories.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from node_agent.db import Database
from tests.attendance.factories import Week, make_week
from tests.node.conftest import TODAY, app, as_user, db, make_app, pl, seed, web  # noqa: F401 - shared fixtures
from tests.node.web_factories import Seed, make_template


@pytest.fixture(scope="session")
def week_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seed, Week]:
    """One seeded database with the week, per test session; tests work on copies of it."""
    path = tmp_path_factory.mktemp("attendance-template") / "node.sqlite"
    seeded = make_template(path, TODAY)
    database = Database(path)
    try:
        week = make_week(database, seeded, TODAY)
    finally:
        database.dispose()
    return path, seeded, week


@pytest.fixture(scope="session")
def template_db(week_template: tuple[Path, Seed, Week]) -> tuple[Path, Seed]:
    """The node fixtures' template, here with the week."""
    return week_template[0], week_template[1]


@pytest.fixture
def week(week_template: tuple[Path, Seed, Week]) -> Week:
    """Ids of the week's records."""
    return week_template[2]
