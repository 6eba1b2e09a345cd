"""A write by a school that does not own the record: the owner's version wins at the hub, the losing
version travels to the owner as a change request, and the owner's office accepts or rejects it.

Real parts: two node SQLite files, a hub (SQLite inbox, DuckDB warehouse) over HTTP, and the owner
node's web app with a real login.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hub.ownership.models import ForwardedRequest
from hub.sync.models import DownlinkEntry
from node_agent.app import create_app
from node_agent.auth.operations import accounts
from node_agent.records import apply_record
from node_agent.requests import operations as requests_ops
from node_agent.requests.models import ChangeRequest
from node_agent.school.models import Subject
from protocol.fields import new_id
from tests.node.web_factories import Web, text
from tests.sync.helpers import NAME_B, RSPO_A, RSPO_B, HubServer, SchoolNode

PASSWORD = "zmiany-haslo-1"


@pytest.fixture
def city(hub_factory, node_factory):
    """School A owns a subject; school B, by mistake or malice, writes its own version of it."""
    hub = hub_factory(warehouse=True)
    owner = node_factory("a", hub_url=hub.url)
    owner.enrol(hub.url, hub.issue_token(RSPO_A))
    other = node_factory("b", rspo=RSPO_B, name=NAME_B, hub_url=hub.url)
    other.enrol(hub.url, hub.issue_token(RSPO_B))
    subject_id = new_id()
    with owner.db.transaction() as session:
        apply_record(session, Subject, {"id": subject_id, "code": "ast", "name": "Astronomia"})
    assert owner.sync().ok and other.sync().ok
    hub.merge()
    with other.raw() as con:  # a tool writing straight into B's database: captured and sent like any write
        con.execute("INSERT INTO subject (id, code, name) VALUES (?, 'ast2', 'Astronomia z astrofizyką')",
                    (subject_id,))
    assert other.sync().ok
    return hub, owner, other, subject_id


def _warehouse_subject(hub: HubServer, subject_id: str) -> tuple:
    return hub.warehouse.cursor().execute(
        "SELECT code, name, _rspo FROM subject WHERE id = ?", [subject_id]).fetchone()


def _requests(node: SchoolNode) -> list[ChangeRequest]:
    with node.db.read_session() as session:
        rows = list(session.scalars(select(ChangeRequest)))
        session.expunge_all()
        return rows


def test_the_owner_wins_and_the_losing_version_reaches_the_owner(city):
    hub, owner, other, subject_id = city
    report = hub.merge()
    assert report.rejected == 1 and report.requests_forwarded == 1
    assert _warehouse_subject(hub, subject_id) == ("ast", "Astronomia", owner_rspo(owner))
    assert hub.merge().requests_forwarded == 0  # forwarded once
    with hub.db.reading() as session:
        forwarded = session.scalars(select(ForwardedRequest)).all()
        kinds = session.scalars(select(DownlinkEntry.kind).where(DownlinkEntry.node_id == owner.state()["node_id"])
                                .order_by(DownlinkEntry.seq)).all()
    assert [(f.entity, f.pk, f.outcome) for f in forwarded] == [("subject", subject_id, "forwarded")]
    assert kinds == ["city_subjects", "city_institutions", "change_request"]  # the directory: transfers

    assert owner.sync().ok
    (request,) = _requests(owner)
    assert (request.entity, request.pk, request.op, request.status, request.from_rspo) == (
        "subject", subject_id, "upsert", "pending", RSPO_B)
    assert json.loads(request.data) == {"id": subject_id, "code": "ast2", "name": "Astronomia z astrofizyką"}
    assert owner.sync().ok and len(_requests(owner)) == 1  # the same request is stored once


def owner_rspo(node: SchoolNode) -> str:
    with node.db.read_session() as session:
        from node_agent.school.models import School

        return session.scalar(select(School.rspo))


def test_accepting_makes_it_the_owners_own_change_everywhere(city):
    hub, owner, other, subject_id = city
    hub.merge()
    assert owner.sync().ok
    (request,) = _requests(owner)
    with owner.db.transaction() as session:
        requests_ops.accept(session, session.get(ChangeRequest, request.id), by="sekretariat")
    assert owner.sync().ok
    hub.merge()
    assert _warehouse_subject(hub, subject_id) == ("ast2", "Astronomia z astrofizyką", owner_rspo(owner))
    (decided,) = _requests(owner)
    assert (decided.status, decided.decided_by) == ("accepted", "sekretariat")


def test_decisions_are_made_once_and_rejections_need_a_reason(city):
    hub, owner, _, subject_id = city
    hub.merge()
    assert owner.sync().ok
    (request,) = _requests(owner)
    with owner.db.transaction() as session:
        pending = session.get(ChangeRequest, request.id)
        with pytest.raises(requests_ops.RequestError) as caught:
            requests_ops.reject(session, pending, by="dyrektor", reason="   ")
        assert [(e.field, e.code) for e in caught.value.errors] == [("reason", "required")]
        requests_ops.reject(session, pending, by="dyrektor", reason="Nazwa przedmiotu jest zgodna z arkuszem.")
        with pytest.raises(requests_ops.RequestError) as caught:
            requests_ops.accept(session, pending, by="dyrektor")
        assert [(e.field, e.code) for e in caught.value.errors] == [("status", "decided")]
    with owner.db.read_session() as session:
        assert session.get(Subject, subject_id).name == "Astronomia"


def test_the_office_decides_in_the_web_app(city):
    hub, owner, _, subject_id = city
    hub.merge()
    assert owner.sync().ok
    with owner.db.transaction() as session:
        accounts.create_user(session, username="sekretariat", display_name="Halina Sekretarska", role="secretary",
                             password=PASSWORD)
        accounts.create_user(session, username="nauczyciel", display_name="Jan Uczący", role="teacher",
                             password=PASSWORD)
    app = create_app(_settings(owner))
    teacher = Web(app.test_client())
    teacher.login("nauczyciel", PASSWORD)
    assert teacher.get("/requests").status_code == 403
    office = Web(app.test_client())
    office.login("sekretariat", PASSWORD)
    listing = text(office.get("/requests"))
    assert "<h1>Prośby o zmiany</h1>" in listing and NAME_B in listing
    (request,) = _requests(owner)
    page = text(office.get(f"/requests/{request.id}"))
    assert "Astronomia z astrofizyką" in page and "<td>Astronomia</td>" in page
    refused = office.post(f"/requests/{request.id}/reject", {"reason": ""})
    assert refused.status_code == 422 and "Powód odrzucenia: pole jest wymagane" in text(refused)
    accepted = office.post(f"/requests/{request.id}/accept", token_from=f"/requests/{request.id}")
    assert accepted.status_code == 302
    with owner.db.read_session() as session:
        assert session.get(Subject, subject_id).name == "Astronomia z astrofizyką"
    again = office.post(f"/requests/{request.id}/accept", token_from=f"/requests/{request.id}")
    assert again.status_code == 422 and "ta prośba została już rozpatrzona" in text(again)


def _settings(node: SchoolNode):  # type: ignore[no-untyped-def]
    import node_agent.config

    return node_agent.config.load(overrides={"paths.data_dir": node.settings["paths.data_dir"],
                                             "web.require_totp": False})
