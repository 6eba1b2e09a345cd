"""A pupil moving between two city schools: the record travels A → hub → B, B decides, ownership moves.

Also: a rejection gives the pupil back to A, a withdrawn transfer can no longer be accepted, A can no
longer change what it handed over (its stale write becomes a request to B), a guardian shared with a
sibling who stays is copied rather than moved, and the warehouse holds one open class membership.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from node_agent.records import ValidationFailed
from node_agent.register import admission, verification
from node_agent.register import operations as ops
from node_agent.register.models import Enrolment, Guardian, Pupil, PupilGuardian, RegisterEntry
from node_agent.requests.models import ChangeRequest
from node_agent.transfers import incoming, locks, outgoing
from node_agent.transfers.models import CityInstitution, IncomingTransfer, PupilTransfer, TransferDecision
from tests.sync.helpers import NAME_B, RSPO_A, RSPO_B
from tests.transfers.conftest import DECIDED, TRANSFER_ON, City


def _open_enrolments(city: City, pupil_id: str) -> list[tuple]:
    return city.warehouse("SELECT _rspo, admission_reason FROM enrolment WHERE pupil_id = ? AND ends_on IS NULL",
                          [pupil_id])


def test_the_directory_lists_the_city_schools(city):
    with city.a.db.read_session() as session:
        schools = {(s.rspo, s.connected) for s in session.scalars(select(CityInstitution))}
        assert schools == {(RSPO_A, True), (RSPO_B, True)}
        assert [s.rspo for s in outgoing.destinations(session)] == [RSPO_B]


def test_a_pupil_moves_from_a_to_b_with_history(city):
    pupil = city.reg_a.pupils[0]
    with city.a.db.transaction() as session:
        guardian = session.get(Guardian, city.reg_a.guardians[0]["id"])
        guardian.email = "opiekunka@example.pl"
        session.flush()
        verification.confirm_email(session, guardian, verified_on=DECIDED, method="in_person")
    transfer_id = city.send(pupil["id"])
    with city.a.db.read_session() as session:
        lock = locks.pupil_lock(session, pupil["id"])
        assert (lock.kind, lock.school) == ("pending", NAME_B)
        ended = session.scalar(select(Enrolment).where(Enrolment.pupil_id == pupil["id"]))
        assert (ended.ends_on.isoformat(), ended.leaving_reason) == ("2026-11-01", "transfer_out")
    assert _open_enrolments(city, pupil["id"]) == [(RSPO_A, "promotion")]
    city.settle(1)
    assert _open_enrolments(city, pupil["id"]) == []  # in transit: never two open memberships

    offer = city.offer()
    assert (offer.id, offer.from_rspo, offer.pupil_id, offer.transfer_on) == (
        transfer_id, RSPO_A, pupil["id"], TRANSFER_ON)
    records = incoming.package(offer)["records"]
    assert {name: len(rows) for name, rows in records.items()} == {
        "class_unit": 1, "enrolment": 1, "guardian": 1, "guardian_verification": 1, "pupil": 1,
        "pupil_guardian": 1, "register_entry": 1, "school_year": 1}
    assert records["pupil"][0]["pesel"] == pupil["pesel"] and records["pupil"][0]["_school"] == RSPO_A

    city.accept(offer.id, decision="P/7/2026", decided_on=DECIDED.isoformat())
    with city.b.db.read_session() as session:
        moved = session.get(Pupil, pupil["id"])
        assert (moved.first_name, moved.last_name, moved.pesel, moved.register_number) == (
            pupil["first_name"], pupil["last_name"], pupil["pesel"], "1")
        (link,) = moved.guardian_links
        assert link.guardian_id == city.reg_a.guardians[0]["id"]  # one guardian identity across the city
        assert verification.confirmed(session, link.guardian).email == "opiekunka@example.pl"
        (entry,) = admission.entries_of(session, pupil["id"])
        assert (entry.admission_reason, entry.admitted_on, entry.admission_decision) == (
            "transfer_in", TRANSFER_ON, "P/7/2026")
        (enrolment,) = moved.enrolments
        assert (enrolment.class_id, enrolment.starts_on, enrolment.admission_reason) == (
            city.reg_b.class_ids[0], TRANSFER_ON, "transfer_in")
        (decision,) = session.scalars(select(TransferDecision))
        (arrival,) = session.scalars(select(PupilTransfer))
        assert (decision.transfer_id, decision.accepted) == (transfer_id, True)
        assert (arrival.direction, arrival.status, arrival.origin_id, arrival.other_rspo) == (
            "in", "accepted", transfer_id, RSPO_A)
    city.settle()

    # The warehouse: ownership moved, one open membership (B's), nothing of B's refused.
    assert city.warehouse("SELECT _rspo FROM pupil WHERE id = ?", [pupil["id"]]) == [(RSPO_B,)]
    assert _open_enrolments(city, pupil["id"]) == [(RSPO_B, "transfer_in")]
    assert city.warehouse("SELECT _rspo, leaving_reason FROM enrolment WHERE pupil_id = ? AND ends_on IS NOT NULL",
                          [pupil["id"]]) == [(RSPO_A, "transfer_out")]
    owners = city.warehouse("SELECT entity, owner_node, version, transfer_id FROM _record_owner ORDER BY entity")
    b_node = city.b.state()["node_id"]
    assert owners == [(e, b_node, 1, transfer_id) for e in
                      ("guardian", "guardian_verification", "pupil", "pupil_guardian")]
    assert city.warehouse("SELECT count(*) FROM rejected_change") == [(0,)]

    # A heard back: the transfer is accepted, its register entry closed, the pupil read-only there.
    with city.a.db.read_session() as session:
        sent = session.get(PupilTransfer, transfer_id)
        assert (sent.status, sent.decided_on) == ("accepted", DECIDED)
        (entry,) = admission.entries_of(session, pupil["id"])
        assert (entry.left_on.isoformat(), entry.leaving_reason) == ("2026-11-01", "transfer_out")
        assert locks.pupil_lock(session, pupil["id"]).kind == "moved"
    city.settle()  # A's own records about the pupil (its history) still reference the pupil B owns now
    assert city.warehouse("SELECT count(*) FROM rejected_change") == [(0,)]
    assert city.warehouse("SELECT _rspo, leaving_reason FROM register_entry WHERE pupil_id = ? AND left_on IS NOT NULL",
                          [pupil["id"]]) == [(RSPO_A, "transfer_out")]
    assert city.warehouse("SELECT status FROM pupil_transfer WHERE id = ?", [transfer_id]) == [("accepted",)]
    with city.a.db.transaction() as session, pytest.raises(ValidationFailed) as caught:
        ops.save_pupil(session, {"first_name": "Zmieniona"}, session.get(Pupil, pupil["id"]))
    (error,) = caught.value.errors
    assert (error.field, error.code, error.params["school"], error.params["date"]) == (
        "pupil", "transfer_moved", NAME_B, "02.11.2026")
    from zszo.i18n import gettext_for

    assert error.render(gettext_for("pl")) == (
        f"Uczeń: uczeń został przeniesiony do szkoły {NAME_B} z dniem 02.11.2026: jego dane prowadzi teraz "
        "tamta szkoła i nie można ich już tu zmieniać")


def test_a_stale_write_by_the_old_school_becomes_a_request_to_the_new_one(city):
    pupil = city.reg_a.pupils[1]
    city.send(pupil["id"])
    city.settle(1)
    city.accept(city.offer().id)
    city.settle()
    with city.a.raw() as con:  # a tool bypassing the operations (and so the lock) at school A
        con.execute("UPDATE pupil SET first_name = 'Podmieniona' WHERE id = ?", (pupil["id"],))
    city.settle()
    assert city.warehouse("SELECT _rspo, _node_id FROM pupil WHERE id = ?", [pupil["id"]]) == [
        (RSPO_B, city.b.state()["node_id"])]  # the row stays B's version
    assert city.warehouse("SELECT entity, code FROM rejected_change") == [("pupil", "not_owner")]
    with city.b.db.read_session() as session:
        (request,) = session.scalars(select(ChangeRequest))
        assert (request.entity, request.pk, request.from_rspo) == ("pupil", pupil["id"], RSPO_A)
        assert json.loads(request.data)["first_name"] == "Podmieniona"
        assert session.get(Pupil, pupil["id"]).first_name == pupil["first_name"]


def test_a_rejection_gives_the_pupil_back_to_the_sending_school(city):
    pupil = city.reg_a.pupils[0]
    transfer_id = city.send(pupil["id"])
    city.settle(1)
    offer = city.offer()
    with city.b.db.transaction() as session, pytest.raises(ValidationFailed) as caught:
        incoming.reject(session, session.get(IncomingTransfer, offer.id), reason="  ", by="b", today=DECIDED)
    assert [(e.field, e.code) for e in caught.value.errors] == [("reason", "required")]
    with city.b.db.transaction() as session:
        incoming.reject(session, session.get(IncomingTransfer, offer.id), reason="Brak miejsc w klasach trzecich.",
                        by="b", today=DECIDED)
    city.settle()
    with city.a.db.read_session() as session:
        sent = session.get(PupilTransfer, transfer_id)
        assert (sent.status, sent.outcome_reason) == ("rejected", "Brak miejsc w klasach trzecich.")
        assert locks.pupil_lock(session, pupil["id"]) is None
        enrolment = session.scalar(select(Enrolment).where(Enrolment.pupil_id == pupil["id"]))
        assert (enrolment.ends_on, enrolment.leaving_reason) == (None, None)  # back in class
        assert admission.open_entry(session, pupil["id"]) is not None
    with city.b.db.read_session() as session:
        assert session.get(Pupil, pupil["id"]) is None
    assert city.warehouse("SELECT count(*) FROM _record_owner") == [(0,)]
    assert _open_enrolments(city, pupil["id"]) == [(RSPO_A, "promotion")]


def test_a_withdrawn_transfer_cannot_be_accepted(city):
    pupil = city.reg_a.pupils[2]
    transfer_id = city.send(pupil["id"])
    city.settle(1)
    offer = city.offer()
    with city.a.db.transaction() as session:
        outgoing.cancel(session, session.get(PupilTransfer, transfer_id))
        with pytest.raises(ValidationFailed):
            outgoing.cancel(session, session.get(PupilTransfer, transfer_id))
    city.settle()
    with city.b.db.transaction() as session:
        assert session.get(IncomingTransfer, offer.id).status == "withdrawn"
        with pytest.raises(ValidationFailed) as caught:
            incoming.accept(session, session.get(IncomingTransfer, offer.id), class_unit=None, by="b", today=DECIDED)
        assert [e.code for e in caught.value.errors] == ["decided"]
    with city.a.db.read_session() as session:
        assert locks.pupil_lock(session, pupil["id"]) is None
    assert _open_enrolments(city, pupil["id"]) == [(RSPO_A, "promotion")]


def test_a_guardian_shared_with_a_sibling_who_stays_is_copied_not_moved(city):
    leaving, staying = city.reg_a.pupils[0], city.reg_a.pupils[1]
    mother = city.reg_a.guardians[0]["id"]
    with city.a.db.transaction() as session:
        ops.link_guardian(session, session.get(Pupil, staying["id"]), session.get(Guardian, mother),
                          relation="mother")
        assert outgoing.handover(session, session.get(Pupil, leaving["id"])) == [("pupil", leaving["id"])]
    city.settle()
    city.send(leaving["id"])
    city.settle(1)
    city.accept(city.offer().id)
    city.settle()
    with city.b.db.read_session() as session:
        (link,) = session.scalars(select(PupilGuardian).where(PupilGuardian.pupil_id == leaving["id"]))
        assert link.guardian_id != mother and link.guardian.last_name == "Opiekuńcza-0"
    with city.a.db.transaction() as session:  # A keeps the mother for the sibling and may still edit her
        assert locks.guardian_lock(session, mother) is None
        ops.save_guardian(session, {"phone": "600 999 000"}, session.get(Guardian, mother))
    assert city.warehouse("SELECT DISTINCT entity FROM _record_owner") == [("pupil",)]


def test_only_a_connected_city_school_can_be_chosen(city):
    pupil = city.reg_a.pupils[0]
    with city.a.db.transaction() as session, pytest.raises(ValidationFailed) as caught:
        outgoing.start(session, session.get(Pupil, pupil["id"]), to_rspo=RSPO_A, transfer_on="2026-13-01")
    assert [(e.field, e.code) for e in caught.value.errors] == [("to_rspo", "choice"), ("transfer_on", "date")]
    with city.a.db.read_session() as session:
        assert session.scalars(select(PupilTransfer)).all() == []
        assert session.scalar(select(Enrolment.ends_on).where(Enrolment.pupil_id == pupil["id"])) is None


def test_the_sending_school_keeps_its_history_and_b_shows_it(city):
    pupil = city.reg_a.pupils[0]
    city.send(pupil["id"])
    city.settle(1)
    city.accept(city.offer().id)
    city.settle()
    with city.a.db.read_session() as session:
        assert session.get(Pupil, pupil["id"]) is not None  # A's copy stays, read-only
        assert len(session.scalars(select(RegisterEntry).where(RegisterEntry.pupil_id == pupil["id"])).all()) == 1
    with city.b.db.read_session() as session:
        (offer,) = incoming.previous_schools(session, pupil["id"])
        from node_agent.transfers.history import summarize

        history = summarize(incoming.package(offer))
        assert [(e["school"], e["class"], e["year"], e["leaving_reason"]) for e in history.enrolments] == [
            (city.hub.db and "Szkoła Podstawowa nr 1 im. Marii Skłodowskiej-Curie", "3a", "2026/2027", "transfer_out")]
