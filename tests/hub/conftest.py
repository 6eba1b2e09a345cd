"""Fixtures of the hub web tests (tests/hub/test_web_*.py); building blocks in web_factories.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.hub.web_factories import City, Web, build_city, close_city, hub_app, login_as, start_test_hub
from tests.sync.helpers import HubServer
from zszo.i18n import gettext_for


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    """The test city (three schools synced and merged), built once: tests must only read it."""
    built = build_city(tmp_path_factory.mktemp("city"))
    yield built
    close_city(built)


@pytest.fixture
def city_app(city: City) -> Flask:
    """A web app over the city's hub."""
    return city.app()


@pytest.fixture
def web_hub(tmp_path: Path) -> Iterator[HubServer]:
    """A hub of its own for a test that changes things (users, institutions, nodes)."""
    hub = start_test_hub(tmp_path / "hub")
    yield hub
    hub.close()


@pytest.fixture
def web_app(web_hub: HubServer) -> Flask:
    """The web app of :func:`web_hub`."""
    return hub_app(web_hub)


@pytest.fixture
def as_user(web_app: Flask) -> Callable[[str], Web]:
    """A logged-in client of :func:`web_app` for "admin" or "analityk"."""
    return lambda username: login_as(web_app, username)


@pytest.fixture
def anonymous(web_app: Flask) -> Web:
    """A client that has not logged in."""
    return Web(web_app.test_client())


@pytest.fixture(scope="session")
def pl() -> Callable[[str], str]:
    """Polish gettext, to compare with what pages show."""
    return gettext_for("pl")
