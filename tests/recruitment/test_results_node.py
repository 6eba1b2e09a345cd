"""The node's side of admissions: a ``recruitment_admission`` downlink message becomes a pending
admission once, whatever number of times it arrives; a bad body is kept as "rejected" and never
blocks the messages after it; the secretary's page lists the pending admissions and is audited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

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


def test_the_secretary_sees_pending_admissions(tmp_path):
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
        apply_messages(session, [downlink.Message(1, "recruitment_admission", _body("a-1", 1))])
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

    page = client("secretary").get("/pupils/admissions").get_data(as_text=True)
    assert "Przyjęcia z rekrutacji" in page and "Żółw-O&#39;Neill Łucja" in page
    assert client("teacher").get("/pupils/admissions").status_code == 403
    with db.read_session() as session:
        audit = session.scalar(select(AuditEvent).where(AuditEvent.entity == "pending_admission"))
        assert (audit.action, audit.purpose) == ("list", "recruitment_admissions")
    db.dispose()
