"""Rolling upgrade with the staff release: a node still on the previous release (``staff_member`` version 1,
no staff qualification/employment/subject entities) keeps syncing; its records are upcast, not refused."""

from __future__ import annotations

from collections.abc import Callable

from protocol.changes import Change
from protocol.entities import schema_set
from protocol.fields import new_id
from tests.sync.helpers import HubServer, enrol_sender

NEW_ENTITIES = ("staff_qualification", "staff_employment", "staff_subject")


def test_a_node_on_the_previous_release_sends_version_1_staff(hub_factory: Callable[..., HubServer]) -> None:
    hub = hub_factory(warehouse=True)
    school = enrol_sender(hub)
    previous = {**{k: v for k, v in schema_set().items() if k not in NEW_ENTITIES}, "staff_member": 1}
    pk = new_id()
    record = {"id": pk, "first_name": "Anna", "last_name": "Nowak", "position": "teacher", "email": None,
              "phone": None, "active": True}
    line = Change(seq=1, entity="staff_member", v=1, pk=pk, op="upsert", ts=1_790_000_000_001, data=record).to_json()
    response = hub.post_batch(school.seal([line], first_seq=1, schema=previous))
    assert response.status_code == 200 and response.json()["ack"]["status"] == "accepted"
    report = hub.merge()
    assert (report.applied, report.rejected, report.held) == (1, 0, 0)
    row = hub.warehouse.cursor().execute("SELECT position, active, promotion_grade FROM staff_member WHERE id = ?",
                                         [pk]).fetchone()
    assert row == ("teacher", True, None)
