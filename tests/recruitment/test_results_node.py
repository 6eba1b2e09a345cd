"""The node's side of admissions: a ``recruitment_admission`` downlink message becomes a pending
admission once, whatever number of times it arrives; a bad body is kept as "rejected" and never
blocks the messages after it; the secretary's page lists the pending admissions and is audited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from node_agent.admissions.models import PendingAdmission
from node_agent.audit.models import AuditEvent
from node_agent.db import Database
from node_agent.sync.downlink import apply_messages
from node_agent.sync.models import DownlinkMessage
from protocol import downlink, pesel
from tests.sync.helpers import from_template

BORN = dt.date(2012, 4, 2)


def _body(admission_id: str, serial: int, **pupil: object) -> dict:
    return {
        "admission_id": admission_id, "campaign": "Licea 2027/2028", "school_year": "2027/2028",
        "level": "secondary", "round": "main", "rspo": "100501", "class_name": "1A mat-fiz",
        "pupil": {"first_name": "Łucja", "second_name": None, "last_name": "Żółw-O'Neill",
                  "pesel": pesel.generate(BORN, "F", serial), "document_type": None, "document_number": None,
                  "birth_date": BORN.isoformat(), "sex": "F", "street": "ul. Źródlana 7", "postal_code": "26-600",
                  "city": "Radom", **pupil},
        "guardian": {"first_name": "Anna", "last_name": "Żółw", "phone": "600 100 200", "email": "a@example.pl"},
    }


def test_admissions_are_stored_once_and_bad_ones_rejected(tmp_path):
    from_template("node", tmp_path / "node.sqlite")
    db = Database(tmp_path / "node.sqlite")
    try:
        messages = [
            downlink.Message(1, "recruitment_admission", _body("a-1", 1)),
            downlink.Message(2, "recruitment_admission", _body("a-1", 1)),  # sent again after a lost ack
            downlink.Message(3, "recruitment_admission", _body("a-2", 2, pesel="12345678901")),  # bad PESEL
            downlink.Message(4, "recruitment_admission", _body("a-3", 3, sex="M")),  # PESEL says F
            downlink.Message(5, "recruitment_admission", {"admission_id": "a-4"}),
            downlink.Message(6, "recruitment_admission", _body("a-5", 5, first_name="Ola")),
        ]
        with db.transaction() as session:
            apply_messages(session, messages)
        with db.read_session() as session:
            outcomes = [m.outcome for m in session.scalars(select(DownlinkMessage).order_by(DownlinkMessage.hub_seq))]
            stored = [(a.id, a.first_name, a.last_name, a.class_name, a.status)
                      for a in session.scalars(select(PendingAdmission).order_by(PendingAdmission.id))]
        assert outcomes == ["stored", "stored", "rejected", "rejected", "rejected", "stored"]
        assert stored == [("a-1", "Łucja", "Żółw-O'Neill", "1A mat-fiz", "pending"),
                          ("a-5", "Ola", "Żółw-O'Neill", "1A mat-fiz", "pending")]
    finally:
        db.dispose()


def _node_app(tmp_path, body: dict):  # type: ignore[no-untyped-def]
    """A node web app with the test school and one admission from the downlink; (app, db, client(role))."""
    from node_agent import config
    from node_agent.app import create_app
    from node_agent.auth.models import UserAccount
    from tests.node.web_factories import make_template
    from zszo.web import sessions

    data_dir = tmp_path / "node"
    data_dir.mkdir()
    make_template(data_dir / "node.sqlite", dt.date.today())
    settings = config.load(overrides={"paths.data_dir": str(data_dir), "web.require_totp": False})
    db = Database(settings["paths.database"])
    app = create_app(settings, db=db)
    with db.transaction() as session:
        apply_messages(session, [downlink.Message(1, "recruitment_admission", body)])
        secretary = session.scalar(select(UserAccount).where(UserAccount.role == "secretary"))
        teacher = session.scalar(select(UserAccount).where(UserAccount.role == "teacher").limit(1))
        accounts = {"secretary": (secretary.id, secretary.session_version),
                    "teacher": (teacher.id, teacher.session_version)}

    def client(role: str):  # type: ignore[no-untyped-def]
        web = app.test_client()
        with web.session_transaction() as cookie:
            now = sessions.now()
            cookie.update({sessions.USER: accounts[role][0], sessions.VERSION: accounts[role][1],
                           sessions.LOGIN_AT: now, sessions.SEEN_AT: now})
        return web

    return app, db, client


def test_the_secretary_sees_pending_admissions(tmp_path):
    _app, db, client = _node_app(tmp_path, _body("a-1", 1))
    page = client("secretary").get("/pupils/admissions").get_data(as_text=True)
    assert "Przyjęcia z rekrutacji" in page and "Żółw-O&#39;Neill Łucja" in page
    assert client("teacher").get("/pupils/admissions").status_code == 403
    with db.read_session() as session:
        audit = session.scalar(select(AuditEvent).where(AuditEvent.entity == "pending_admission"))
        assert (audit.action, audit.purpose) == ("list", "recruitment_admissions")
    db.dispose()


def _token(page: str) -> str:
    import re

    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_the_secretary_enters_a_recruited_pupil_in_the_register(tmp_path):
    from node_agent.register.models import ClassUnit, Enrolment, Guardian, Pupil, PupilGuardian, RegisterEntry
    from node_agent.sync.models import OutboxChange
    from tests.node.web_factories import school_year_dates

    label = school_year_dates(dt.date.today())[0]
    body = _body("a-1", 7)
    body["school_year"] = label
    _app, db, client = _node_app(tmp_path, body)
    with db.read_session() as session:
        class_1a = session.scalar(select(ClassUnit).where(ClassUnit.level == 1, ClassUnit.letter == "a"))
        class_id, before = class_1a.id, session.scalar(select(func.count()).select_from(RegisterEntry))
        outbox_before = session.scalar(select(func.count()).select_from(OutboxChange)
                              .where(OutboxChange.entity != "audit_event"))
    web = client("secretary")
    assert client("teacher").get("/pupils/admissions/a-1/enrol").status_code == 403
    page = web.get("/pupils/admissions/a-1/enrol").get_data(as_text=True)
    assert "Wpisz ucznia do księgi uczniów" in page and "Żółw-O&#39;Neill" in page
    start = school_year_dates(dt.date.today())[1].isoformat()
    assert f'value="{start}"' in page  # the first day of the school year the pupil was admitted for

    # Nothing chosen: every problem named, nothing written.
    bad = web.post("/pupils/admissions/a-1/enrol", data={"csrf_token": _token(page), "class_id": "",
                                                          "admitted_on": "2027-02-30", "relation": ""})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Oddział: wybierz jedną z dostępnych opcji" in text
    assert "Data przyjęcia: nieprawidłowa data" in text and "Stopień pokrewieństwa: wybierz jedną" in text
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(RegisterEntry)) == before
        assert session.scalar(select(func.count()).select_from(OutboxChange)
                              .where(OutboxChange.entity != "audit_event")) == outbox_before
        assert session.get(PendingAdmission, "a-1").status == "pending"

    done = web.post("/pupils/admissions/a-1/enrol", data={
        "csrf_token": _token(page), "class_id": class_id, "admitted_on": start, "admission_decision": "5/2026",
        "admission_decided_on": start, "relation": "mother"})
    assert done.status_code == 302, done.get_data(as_text=True)
    with db.read_session() as session:
        admission = session.get(PendingAdmission, "a-1")
        pupil = session.get(Pupil, admission.pupil_id)
        entry = session.scalar(select(RegisterEntry).where(RegisterEntry.pupil_id == pupil.id))
        enrolment = session.scalar(select(Enrolment).where(Enrolment.pupil_id == pupil.id))
        link = session.scalar(select(PupilGuardian).where(PupilGuardian.pupil_id == pupil.id))
        guardian = session.get(Guardian, link.guardian_id)
        assert admission.status == "done" and admission.handled_by == "sekretariat"
        assert (pupil.first_name, pupil.last_name, pupil.pesel) == ("Łucja", "Żółw-O'Neill", body["pupil"]["pesel"])
        assert (pupil.street, pupil.postal_code, pupil.city) == ("ul. Źródlana 7", "26-600", "Radom")
        assert entry.number == pupil.register_number and entry.number
        assert (entry.admission_reason, entry.admission_decision, entry.admitted_on.isoformat()) == (
            "recruitment", "5/2026", start)
        assert (enrolment.class_id, enrolment.admission_reason) == (class_id, "recruitment")
        assert (guardian.first_name, guardian.last_name, guardian.email, link.relation) == (
            "Anna", "Żółw", "a@example.pl", "mother")
        assert session.scalar(select(func.count()).select_from(RegisterEntry)) == before + 1
        # the admission is synced like any other: pupil, entry, class, guardian and link in the outbox
        new = select(OutboxChange).order_by(OutboxChange.seq).offset(outbox_before)
        changed = {c.entity for c in session.scalars(new)}
        assert {"pupil", "register_entry", "enrolment", "guardian", "pupil_guardian"} <= changed
    listing = web.get("/pupils/admissions").get_data(as_text=True)
    assert f"numer w księdze {entry.number}" in listing
    # handled once: the page is gone and a second POST changes nothing
    assert web.get("/pupils/admissions/a-1/enrol").status_code == 404
    db.dispose()
