"""Fixtures of the importer tests: a prepared node database and the Polish gettext."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imports.factories import make_db
from zszo.i18n import gettext_for


@pytest.fixture
def db(tmp_path: Path):
    """A migrated node database with the 2026/2027 school year and classes 1a, 1b, 3b, Motylki."""
    database = make_db(tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def pl():
    """Polish gettext, as the CLI and the web UI use it."""
    return gettext_for("pl")
