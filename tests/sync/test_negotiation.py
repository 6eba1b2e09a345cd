"""The start of every sync: the node checks the hub's protocol and capabilities, learns whether
its schema is ahead of the hub's, warns of a wrong clock, and tells the hub about itself."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests
from flask import Response
from flask import request as flask_request
from sqlalchemy import select

from hub.sync.models import NodeContact
from node_agent.sync.models import SyncRun
from protocol.entities import schema_set
from tests.sync.helpers import FakeHub, HubServer, SchoolNode, fill_register
from zszo.i18n import gettext_for

PL = gettext_for("pl")


def _notices(node: SchoolNode) -> str | None:
    with node.db.read_session() as session:
        return session.scalar(select(SyncRun.notices).order_by(SyncRun.id.desc()).limit(1))


def _hello(hub: HubServer, **changes: object) -> dict:
    return {**requests.get(hub.url + "/api/v1/hello", timeout=10).json(), **changes}


def _pass_through(fake: FakeHub, hub: HubServer) -> None:
    """Batches and downlink go on to the real hub unchanged (only /hello is doctored)."""
    def forward(path: str, data: bytes) -> Response:
        answer = requests.post(hub.url + path, data=data, timeout=10, headers={
            k: v for k, v in flask_request.headers.items() if k.lower().startswith("x-zszo") or k == "Content-Type"})
        return Response(answer.content, status=answer.status_code, content_type=answer.headers.get("Content-Type"))

    fake.on_batch = lambda data: forward("/api/v1/batches", data)
    fake.on_downlink = lambda body: forward("/api/v1/downlink", body)


def test_a_normal_sync_has_no_notices_and_the_hub_learns_who_is_calling(hub: HubServer, node: SchoolNode):
    fill_register(node, pupils=1, doc_only=0)
    report = node.sync()
    assert (report.ok, report.notices) == (True, [])
    assert _notices(node) is None
    with hub.db.reading() as session:
        contact = session.get(NodeContact, node.state()["node_id"])
        assert contact.software == "zszo-node/0.1.0"
        assert json.loads(contact.reported_schema) == schema_set()
        assert abs(contact.clock_skew_seconds) <= 5  # both clocks are this machine's


def test_a_hub_behind_our_schema_is_a_notice_not_an_error(hub: HubServer, node: SchoolNode, fake_hub: FakeHub):
    fill_register(node, pupils=1, doc_only=0)
    older = {**schema_set(), "pupil": 0}
    fake_hub.on_hello = lambda: _hello(hub, schema=older)
    _pass_through(fake_hub, hub)
    node.set_state(hub_url=fake_hub.url)
    report = node.sync()
    assert (report.ok, report.notices) == (True, ["hub_behind"])
    assert node.outbox() == [] and _notices(node) == "hub_behind"


@pytest.mark.parametrize(("change", "code"), [
    ({"hub_id": "another-hub"}, "wrong_hub"),
    ({"protocol": 2}, "protocol_mismatch"),
    ({"capabilities": ["signed_requests"]}, "protocol_mismatch"),
    ({"schema": None, "protocol": None}, "protocol_mismatch"),
])
def test_a_hub_we_cannot_talk_to_stops_the_sync_before_anything_is_sent(
        hub: HubServer, node: SchoolNode, fake_hub: FakeHub, change: dict, code: str):
    fill_register(node, pupils=1, doc_only=0)
    outbox = node.outbox()
    sent: list[bytes] = []
    fake_hub.on_hello = lambda: _hello(hub, **change)
    fake_hub.on_batch = lambda data: sent.append(data) or ("", 500)
    node.set_state(hub_url=fake_hub.url)
    report = node.sync()
    assert (report.ok, report.error_code) == (False, code)
    assert sent == [] and node.outbox() == outbox and node.state()["last_error"] == code


def test_a_wrong_clock_is_reported_to_the_school(hub: HubServer, node: SchoolNode, fake_hub: FakeHub):
    late = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fake_hub.on_hello = lambda: _hello(hub, time=late)
    _pass_through(fake_hub, hub)
    node.set_state(hub_url=fake_hub.url)
    report = node.sync()
    assert (report.ok, report.notices) == (True, ["clock_skew"])


def test_polish_texts_for_the_new_codes():
    from node_agent.sync.messages import message_for, notices_for

    assert PL(message_for("wrong_hub")).startswith("Pod adresem serwera miasta odpowiada inny serwer")
    assert [PL(m) for m in notices_for("clock_skew,unknown")] == [
        "Zegar tego serwera różni się od zegara serwera miasta o ponad pięć minut. Poproś dział IT o włączenie "
        "synchronizacji czasu (NTP): od niej zależą kody logowania dwuetapowego."]
