"""Fixtures of the grades tests: the node web tests' seeded school plus subjects, teaching
assignments, categories and a few more pupils in class 1a."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.grades.factories import GradesSeed, add_grades_seed
from tests.node.conftest import TODAY, app, as_user, db, make_app, pl, seed, template_db, web  # noqa: F401
from tests.node.web_factories import Seed, school_year_dates


@pytest.fixture
def grades(app: Flask, seed: Seed) -> GradesSeed:  # noqa: F811 - fixtures imported above
    """Assignments and categories written into this test's database."""
    _label, starts, _ends = school_year_dates(TODAY)
    with app.extensions["zszo_db"].transaction() as session:
        return add_grades_seed(session, seed, starts)
