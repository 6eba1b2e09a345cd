"""Fixtures of the node web tests: a seeded node database copied per test, the app, clients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from node_agent import config
from node_agent.app import create_app
from node_agent.auth.models import UserAccount
from node_agent.db import Database
from tests.node.web_factories import Seed, Web, make_template
from zszo import sqlite as zsqlite
from zszo.i18n import gettext_for
from zszo.web import sessions
from zszo.web.i18n import TIMEZONE

TODAY = dt.datetime.now(TIMEZONE).date()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seed]:
    """One seeded database per test session; tests work on copies of it."""
    path = tmp_path_factory.mktemp("node-template") / "node.sqlite"
    return path, make_template(path, TODAY)


@pytest.fixture
def seed(template_db: tuple[Path, Seed]) -> Seed:
    """Ids of the seeded records."""
    return template_db[1]


@pytest.fixture
def make_app(tmp_path: Path, template_db: tuple[Path, Seed]) -> Iterator[Callable[..., Flask]]:
    """Build an app on a fresh copy of the seeded database, with settings overrides."""
    databases: list[Database] = []

    def build(**overrides: object) -> Flask:
        data_dir = tmp_path / f"node{len(databases)}"
        data_dir.mkdir()
        zsqlite.backup(template_db[0], data_dir / "node.sqlite")
        settings = config.load(
            overrides={"paths.data_dir": str(data_dir), "web.require_totp": False, **overrides}
        )
        db = Database(settings["paths.database"])
        databases.append(db)
        return create_app(settings, db=db)

    yield build
    for db in databases:
        db.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The node app with TOTP not required."""
    return make_app()


@pytest.fixture
def web(app: Flask) -> Web:
    """An anonymous browser-like client."""
    return Web(app.test_client())


@pytest.fixture
def as_user(app: Flask) -> Callable[[str], Web]:
    """A client with a logged-in session of the given seeded user name.

    The session is written directly (as a completed login leaves it) to spare each test an
    argon2 check; tests/node/test_web_auth.py drives the real login pages.
    """

    def login(username: str) -> Web:
        client = Web(app.test_client())
        with app.extensions["zszo_db"].read_session() as session:
            user = session.scalar(select(UserAccount).where(UserAccount.username == username))
        with client.client.session_transaction() as cookie:
            now = sessions.now()
            cookie.permanent = True
            cookie.update(
                {
                    sessions.USER: user.id,
                    sessions.VERSION: user.session_version,
                    sessions.LOGIN_AT: now,
                    sessions.SEEN_AT: now,
                }
            )
        return client

    return login


@pytest.fixture
def db(app: Flask) -> Database:
    """The app's database (to check what was stored)."""
    return app.extensions["zszo_db"]


@pytest.fixture(scope="session")
def pl() -> Callable[[str], str]:
    """Polish gettext, to compare with what pages show."""
    return gettext_for("pl")
