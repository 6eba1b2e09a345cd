"""Fixtures of the sync tests: a real hub on a waitress thread, node databases, enrolled identities.

Plain building blocks live in :mod:`tests.sync.helpers` so that ``tests/hub`` can use them too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sync.helpers import (
    NAME_A,
    NAME_B,
    RSPO_A,
    RSPO_B,
    FakeHub,
    HubServer,
    SchoolNode,
    Sender,
    enrol_sender,
    make_node,
    start_hub,
)


@pytest.fixture
def hub_factory(tmp_path: Path) -> Iterator[Callable[..., HubServer]]:
    """Start hubs with settings overrides, e.g. ``hub_factory({"sync.max_envelope_mb": 1})``.

    Each knows institutions A and B; without ``warehouse=True`` no DuckDB file is opened (HTTP
    and ingest do not need it). All are stopped at the end of the test.
    """
    started: list[HubServer] = []

    def start(overrides: dict[str, Any] | None = None, *, warehouse: bool = False) -> HubServer:
        server = start_hub(tmp_path / f"hub{len(started)}", overrides, warehouse=warehouse)
        started.append(server)
        server.add_institution(RSPO_A, NAME_A)
        server.add_institution(RSPO_B, NAME_B)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture
def hub(hub_factory: Callable[..., HubServer]) -> HubServer:
    """A hub with default settings (no warehouse)."""
    return hub_factory()


@pytest.fixture
def node_factory(tmp_path: Path) -> Iterator[Callable[..., SchoolNode]]:
    """Make node databases (``node_factory("a", rspo=..., hub_url=...)``); all closed at the end."""
    made: list[SchoolNode] = []

    def make(directory: str = "node", **kwargs: Any) -> SchoolNode:
        node = make_node(tmp_path / directory, **kwargs)
        made.append(node)
        return node

    yield make
    for node in made:
        node.close()


@pytest.fixture
def node_db(node_factory: Callable[..., SchoolNode]) -> SchoolNode:
    """A migrated node database of school A, not enrolled anywhere."""
    return node_factory()


@pytest.fixture
def node(hub: HubServer, node_factory: Callable[..., SchoolNode]) -> SchoolNode:
    """A node of school A enrolled at ``hub`` (nothing synced yet)."""
    school = node_factory("node-a", rspo=RSPO_A, name=NAME_A, hub_url=hub.url)
    school.enrol(hub.url, hub.issue_token(RSPO_A))
    return school


@pytest.fixture
def sender(hub: HubServer) -> Sender:
    """Real node keys of school A enrolled at ``hub`` over HTTP, for hand-made batches."""
    return enrol_sender(hub, RSPO_A, NAME_A)


@pytest.fixture
def fake_hub(hub: HubServer) -> Any:
    """A :class:`FakeHub` in front of ``hub``, stopped at the end."""
    fake = FakeHub(hub)
    yield fake
    fake.close()
