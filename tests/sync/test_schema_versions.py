"""Rolling upgrades: a node one schema version behind the hub, and a node ahead of it.

The registry is upgraded in-process the way a new release would change it: ``subject`` gets a
version 2 with a new field ``short_name`` and an upcast from version 1 (the short name defaults
to the code). Batches are real envelopes over HTTP into a real hub (SQLite inbox, DuckDB file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from hub.warehouse import checks
from hub.warehouse.merger import Warehouse
from protocol import upcast
from protocol.changes import Change
from protocol.entities import ENTITIES, Entity, schema_set
from protocol.fields import Field, FieldType, new_id
from tests.sync.helpers import NAME_B, RSPO_B, HubServer, Sender, enrol_sender

SUBJECT_V1 = ENTITIES["subject"]
SUBJECT_V2 = Entity("subject", 2, SUBJECT_V1.label, (
    *SUBJECT_V1.fields,
    Field("short_name", FieldType.TEXT, "short name", max_length=20),
))


def _line(seq: int, version: int, pk: str, data: dict[str, Any]) -> str:
    return Change(seq=seq, entity="subject", v=version, pk=pk, op="upsert", ts=1_790_000_000_000 + seq,
                  data=data).to_json()


def _schema(version: int) -> dict[str, int]:
    return {**schema_set(), "subject": version}


@pytest.fixture
def upgrade(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Switch this process's registry to subject v2 (``with_upcast`` registers the 1 → 2 upcast)."""

    def apply(*, with_upcast: bool = True) -> None:
        monkeypatch.setitem(ENTITIES, "subject", SUBJECT_V2)
        monkeypatch.setitem(checks.ERROR_EXPRESSIONS, "subject", checks.error_expr(SUBJECT_V2))
        monkeypatch.setitem(checks.COLUMN_ERROR_EXPRESSIONS, "subject", checks.error_expr(SUBJECT_V2, columns=True))
        if with_upcast:
            monkeypatch.setitem(upcast.UPCASTS, ("subject", 1), lambda record: {**record,
                                                                               "short_name": record["code"]})

    return apply


def _reopen(hub: HubServer) -> Warehouse:
    """The warehouse as an upgraded hub process opens it (adds the new columns)."""
    old = hub.runtime.warehouse
    assert old is not None
    old.close()
    hub.runtime.warehouse = Warehouse(old.path, old.key, old.tmp_dir)
    return hub.runtime.warehouse


def _subjects(hub: HubServer) -> list[tuple]:
    columns = [name for name, in hub.warehouse.cursor().execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'subject' "
        "AND column_name IN ('code', 'name', 'short_name') ORDER BY column_name").fetchall()]
    return hub.warehouse.cursor().execute(f"SELECT {', '.join(columns)} FROM subject ORDER BY code").fetchall()


def _held(hub: HubServer) -> list[int]:
    return [i for i, in hub.warehouse.cursor().execute("SELECT inbox_id FROM _held ORDER BY inbox_id").fetchall()]


@pytest.fixture
def city(hub_factory: Callable[..., HubServer]) -> Iterator[tuple[HubServer, Sender, Sender]]:
    """A hub with a warehouse and two enrolled schools' keys."""
    hub = hub_factory(warehouse=True)
    yield hub, enrol_sender(hub), enrol_sender(hub, RSPO_B, NAME_B)


def test_a_node_one_version_behind_is_upcast(city, upgrade):
    hub, school, _ = city
    upgrade()
    _reopen(hub)
    pk = new_id()
    old_record = {"id": pk, "code": "MAT", "name": "Matematyka"}  # version 1: no short name
    response = hub.post_batch(school.seal([_line(1, 1, pk, old_record)], first_seq=1, schema=_schema(1)))
    assert response.status_code == 200 and response.json()["ack"]["status"] == "accepted"
    report = hub.merge()
    assert (report.applied, report.rejected) == (1, 0)
    assert _subjects(hub) == [("MAT", "Matematyka", "MAT")]  # the upcast filled the new field


def test_a_version_without_an_upcast_is_refused_and_nothing_is_stored(city, upgrade):
    hub, school, _ = city
    upgrade(with_upcast=False)
    pk = new_id()
    response = hub.post_batch(school.seal([_line(1, 1, pk, {"id": pk, "code": "MAT", "name": "Matematyka"})],
                                          first_seq=1, schema=_schema(1)))
    assert response.status_code == 400 and response.json()["error"] == "unsupported_version"
    assert hub.inbox() == []


def test_a_node_ahead_is_stored_held_and_merged_in_order_after_the_hub_upgrades(city, upgrade):
    hub, ahead, other = city
    pk = new_id()
    first = {"id": pk, "code": "INF", "name": "Informatyka", "short_name": "inf."}
    second = {**first, "name": "Informatyka i robotyka"}
    for seq, record in ((1, first), (2, second)):  # two batches from a node running the next release
        response = hub.post_batch(ahead.seal([_line(seq, 2, pk, record)], first_seq=seq, schema=_schema(2)))
        ack = response.json()["ack"]
        assert response.status_code == 200 and (ack["status"], ack["acked_through"]) == ("accepted", seq)
    other_pk = new_id()
    current = {"id": other_pk, "code": "MAT", "name": "Matematyka"}
    assert hub.post_batch(other.seal([_line(1, 1, other_pk, current)], first_seq=1)).status_code == 200

    report = hub.merge()  # the hub cannot read v2 yet: it holds both, and merges the other school
    assert (report.held, report.applied) == (2, 1)
    assert _subjects(hub) == [("MAT", "Matematyka")]
    inbox_ids = [row[0] for row in hub.inbox()]
    assert _held(hub) == inbox_ids[:2]
    assert hub.merge().batches == 0 and _held(hub) == inbox_ids[:2]  # nothing moves until the upgrade

    upgrade()
    _reopen(hub)
    report = hub.merge()
    assert (report.batches, report.applied, report.rejected) == (2, 1, 0)
    assert _subjects(hub) == [("INF", "Informatyka i robotyka", "inf."), ("MAT", "Matematyka", None)]
    assert _held(hub) == []


def test_a_node_ahead_keeps_later_batches_behind_the_held_one(city, upgrade):
    """Even a batch the hub could read waits while an earlier batch of the same node is held."""
    hub, ahead, _ = city
    pk = new_id()
    held = {"id": pk, "code": "FIZ", "name": "Fizyka", "short_name": "fiz."}
    assert hub.post_batch(ahead.seal([_line(1, 2, pk, held)], first_seq=1, schema=_schema(2))).status_code == 200
    readable = {"id": pk, "code": "FIZ", "name": "Fizyka z astronomią"}
    assert hub.post_batch(ahead.seal([_line(2, 1, pk, readable)], first_seq=2)).status_code == 200
    assert hub.merge().held == 2 and _subjects(hub) == []
    upgrade()
    _reopen(hub)
    hub.merge()
    assert _subjects(hub) == [("FIZ", "Fizyka z astronomią", "FIZ")]  # the later change won, upcast


def test_a_released_batch_that_breaks_the_rules_is_rejected_whole(city, upgrade):
    hub, ahead, _ = city
    pk = new_id()
    school = {"id": new_id(), "rspo": "999999", "name": "Obca szkoła", "kind": "primary"}
    lines = [_line(1, 2, pk, {"id": pk, "code": "BIO", "name": "Biologia"}),
             Change(seq=2, entity="school", v=1, pk=school["id"], op="upsert", ts=1, data=school).to_json()]
    assert hub.post_batch(ahead.seal(lines, first_seq=1, schema=_schema(2))).status_code == 200
    assert hub.merge().held == 1
    upgrade()
    _reopen(hub)
    report = hub.merge()
    assert (report.applied, report.rejected) == (0, 2)
    rows = hub.warehouse.cursor().execute("SELECT entity, field, code FROM rejected_change").fetchall()
    assert rows == [("*", "batch", "scope")]
    assert _subjects(hub) == []


def test_hello_tells_nodes_the_hub_schema(hub: HubServer):
    hello = requests.get(hub.url + "/api/v1/hello", timeout=10).json()
    assert hello["schema"] == schema_set() and hello["protocol"] == 1
