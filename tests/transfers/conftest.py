"""Fixtures of the transfer tests: a hub with its warehouse and two enrolled school nodes with pupils.

Real parts throughout: the hub's SQLite inbox and DuckDB warehouse behind HTTP on 127.0.0.1, two
node SQLite files, school data written through the node's operations, real syncs. The separate
processes version is tests/integration/test_transfer_e2e.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from node_agent.register import admission
from node_agent.register.models import ClassUnit, Pupil
from node_agent.transfers import incoming, outgoing
from node_agent.transfers.models import IncomingTransfer
from tests.sync.conftest import hub_factory, node_factory  # noqa: F401
from tests.sync.helpers import NAME_B, RSPO_A, RSPO_B, HubServer, Register, SchoolNode, fill_register

TRANSFER_ON = dt.date(2026, 11, 2)
DECIDED = dt.date(2026, 10, 28)


@dataclass
class City:
    """A hub and two schools: A sends, B receives."""

    hub: HubServer
    a: SchoolNode
    b: SchoolNode
    reg_a: Register
    reg_b: Register

    def settle(self, rounds: int = 2) -> None:
        """Sync both schools and merge ``rounds`` times, then let both pull what the merges queued."""
        for _ in range(rounds):
            assert self.a.sync().ok and self.b.sync().ok
            self.hub.merge()
        assert self.a.sync().ok and self.b.sync().ok

    def send(self, pupil_id: str, on: dt.date = TRANSFER_ON) -> str:
        """A starts transferring the pupil to B; returns the transfer id."""
        with self.a.db.transaction() as session:
            return outgoing.start(session, session.get(Pupil, pupil_id), to_rspo=RSPO_B, transfer_on=on).id

    def offer(self) -> IncomingTransfer:
        """B's pending offer (detached)."""
        with self.b.db.read_session() as session:
            found = session.scalar(select(IncomingTransfer).where(IncomingTransfer.status == "pending"))
            assert found is not None, "no pending offer at B"
            session.expunge(found)
            return found

    def accept(self, offer_id: str, **kwargs: Any) -> None:
        """B accepts the offer into its first class."""
        with self.b.db.transaction() as session:
            class_unit = session.get(ClassUnit, self.reg_b.class_ids[0])
            incoming.accept(session, session.get(IncomingTransfer, offer_id), class_unit=class_unit,
                            by="sekretariat-b", today=DECIDED, **kwargs)

    def warehouse(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        """Rows of a query on the hub's warehouse."""
        return self.hub.warehouse.cursor().execute(sql, params or []).fetchall()


@pytest.fixture
def city(hub_factory, node_factory) -> City:  # noqa: F811
    """Both schools enrolled, filled, synced and merged; each has the city's institution list."""
    hub = hub_factory(warehouse=True)
    a = node_factory("a", rspo=RSPO_A, hub_url=hub.url)
    a.enrol(hub.url, hub.issue_token(RSPO_A))
    b = node_factory("b", rspo=RSPO_B, name=NAME_B, hub_url=hub.url)
    b.enrol(hub.url, hub.issue_token(RSPO_B))
    reg_a = fill_register(a, pupils=3, doc_only=0, serial_base=0)
    reg_b = fill_register(b, pupils=2, doc_only=0, serial_base=100)
    with a.db.transaction() as session:
        admission.backfill(session)  # A's pupils have their register entries
    found = City(hub, a, b, reg_a, reg_b)
    found.settle()
    return found
