"""Fixtures of the overview tests: the node web fixtures with the grades seed and the October
lessons of tests/overview/factories.py, and the pages' "today" fixed on the Tuesday after them."""

from __future__ import annotations

import pytest
from flask import Flask

from node_agent.overview import views as overview_views
from tests.grades.factories import add_grades_seed
from tests.node.conftest import TODAY, app, as_user, db, make_app, pl, seed, template_db, web  # noqa: F401
from tests.node.web_factories import Seed, school_year_dates
from tests.overview.factories import OverviewSeed, add_overview_seed


@pytest.fixture
def school(app: Flask, seed: Seed, monkeypatch: pytest.MonkeyPatch) -> OverviewSeed:  # noqa: F811
    """The grades seed and the October lessons written into this test's database."""
    _label, starts, _ends = school_year_dates(TODAY)
    with app.extensions["zszo_db"].transaction() as session:
        grades = add_grades_seed(session, seed, starts)
        written = add_overview_seed(session, seed, grades, TODAY)
    monkeypatch.setattr(overview_views, "today", lambda: written.view_day)
    return written
