"""Documents about one pupil (certificate, record summary, right-of-access export), list downloads,
and refused access (IDOR) leaving an audit trace that is synced to the hub."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from node_agent.audit.models import AuditEvent
from node_agent.audit.operations import verify_chain
from node_agent.documents.dossier import pupil_tables
from node_agent.sync.models import OutboxChange
from node_agent.web.context import today
from tests.node.web_factories import text


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(body)).pages)


def audit_of(db, record_id: str) -> list[tuple[str, str, str, str]]:
    with db.read_session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.record_id == record_id).order_by(AuditEvent.seq))
        return [(e.username, e.action, e.entity, e.purpose) for e in rows]


def certificate_form(client, pupil_id: str, **data: str):
    path = f"/pupils/{pupil_id}/certificate"
    fields = {"purpose": "", "number": "", "issued_on": today().isoformat(), **data}
    return client.post(path, data={**fields, "csrf_token": client.token(path)})


def test_certificate_of_attendance_states_the_class_year_and_purpose(as_user, seed, db):
    office = as_user("sekretariat")
    zofia = seed.pupil_ids["zofia"]
    form = office.get(f"/pupils/{zofia}/certificate")
    assert form.status_code == 200 and "Zaświadczenie o uczęszczaniu do szkoły" in text(form)
    response = certificate_form(office, zofia, purpose="w Zakładzie Ubezpieczeń Społecznych", number="SP7.4321.5.2026")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    body = pdf_text(response.data)
    assert "ZAŚWIADCZENIE" in body and "Zofia Łęcka" in body
    assert "jest uczennicą klasy 1a" in body  # the female form for a girl
    assert "w Zakładzie Ubezpieczeń Społecznych" in body and "SP7.4321.5.2026" in body
    assert "Szkoła Podstawowa nr 7 im. Marii Konopnickiej" in body
    assert ("sekretariat", "print", "pupil", "certificate") in audit_of(db, zofia)
    boy = pdf_text(certificate_form(office, seed.pupil_ids["jan"]).data)
    assert "jest uczniem klasy 2b" in boy and "w celu przedłożenia" not in boy


@pytest.mark.parametrize(("field", "value", "message"), [
    ("issued_on", "2026-13-45", "Data wystawienia: niepoprawna data"),
    ("issued_on", "", "Data wystawienia: to pole jest wymagane"),
    ("purpose", "x" * 201, "W celu przedłożenia"),
    ("number", "9" * 51, "Numer zaświadczenia"),
])
def test_certificate_form_errors_name_the_field_and_the_reason(as_user, seed, field, value, message, pl):
    response = certificate_form(as_user("sekretariat"), seed.pupil_ids["zofia"], **{field: value})
    assert response.status_code == 422 and response.mimetype == "text/html"
    page = text(response)
    assert "Wystąpił problem" in page or "problem" in page.lower()
    assert message.split(":")[0] in page
    if field in ("purpose", "number"):
        assert "najwyżej" in page or "co najwyżej" in page


def test_summary_pdf_lists_classes_and_guardians(as_user, seed, db):
    response = as_user("dyrektor").get(f"/pupils/{seed.pupil_ids['zofia']}/summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = pdf_text(response.data)
    assert "Kartoteka ucznia" in body and "Zofia Łęcka" in body and "Maria Łęcka" in body
    assert "1a" in body and "Matka" in body and "600 100 200" in body
    assert ("dyrektor", "print", "pupil", "record_summary") in audit_of(db, seed.pupil_ids["zofia"])


def test_right_of_access_export_holds_everything_and_who_looked(as_user, seed, db):
    zofia = seed.pupil_ids["zofia"]
    assert as_user("nauczyciel").get(f"/pupils/{zofia}").status_code == 200  # her tutor reads the card
    response = as_user("sekretariat").get(f"/pupils/{zofia}/dossier.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = json.loads(response.data)
    assert data["format"] == "zszo-pupil-dossier-v1"
    assert (data["pupil"]["first_name"], data["pupil"]["last_name"]) == ("Zofia", "Łęcka")
    assert [row["class_id"] for row in data["records"]["enrolment"]] == [seed.class_ids["1a"]]
    assert [g["id"] for g in data["guardians"]] == [seed.guardian_id]
    assert [row["id"] for row in data["records"]["pupil_guardian"]] == [seed.guardian_link_id]
    log = [(e["user"], e["action"], e["purpose"]) for e in data["access_log"]]
    assert ("nauczyciel", "view", "pupil_card") in log
    assert log[-1] == ("sekretariat", "export", "right_of_access")  # the export is in its own log
    assert {t.name for t in pupil_tables()} >= {"enrolment", "pupil_guardian", "register_entry", "pupil_transfer"}


@pytest.mark.parametrize("path", ["certificate", "summary.pdf", "dossier.json"])
def test_teachers_get_no_documents_even_for_their_own_pupils(as_user, seed, path):
    assert as_user("nauczyciel").get(f"/pupils/{seed.pupil_ids['zofia']}/{path}").status_code == 403


def test_no_certificate_for_a_pupil_without_a_class(as_user, seed, db):
    from node_agent.register import operations as ops
    from node_agent.register.models import Pupil

    with db.transaction() as session:
        pupil = ops.save_pupil(session, {"pesel": None, "document_type": "passport", "document_number": "AB123456",
                                         "first_name": "Ola", "last_name": "Nowa", "birth_date": "2017-05-05",
                                         "sex": "F"})
        pupil_id = pupil.id
    office = as_user("sekretariat")
    response = office.get(f"/pupils/{pupil_id}/certificate")
    assert response.status_code == 302
    page = text(office.get(response.headers["Location"]))
    assert "tylko uczniowi, który w dniu wystawienia jest w oddziale" in page
    with db.read_session() as session:
        assert session.get(Pupil, pupil_id) is not None


def test_list_download_is_the_filtered_list_with_masked_pesel_for_teachers(as_user, seed, db):
    office = as_user("sekretariat").get("/pupils", query_string={"format": "csv"})
    assert office.status_code == 200 and office.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(office.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Nazwisko", "Imię", "Drugie imię", "PESEL"]
    assert sorted(r[0] for r in rows[1:]) == ["Kowalski", "Lewandowski", "Łęcka"]
    assert all(len(r[3]) == 11 and r[3].isdigit() for r in rows[1:])
    teacher = as_user("nauczyciel").get("/pupils", query_string={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(teacher.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert [v[0] for v in values[1:]] == ["Łęcka"]  # only her own class
    zofia_pesel = next(r[3] for r in rows[1:] if r[0] == "Łęcka")
    assert values[1][3] == "•••••••" + zofia_pesel[-4:]
    with db.read_session() as session:
        exports = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert sorted(e.username for e in exports) == ["nauczyciel", "sekretariat"]


@pytest.mark.parametrize(("pupil", "status", "purpose"), [
    ("jan", 403, "pupil_not_visible"),       # another tutor's pupil
    ("unknown", 403, "pupil_not_visible"),   # an id that is nobody's here
])
def test_a_teacher_guessing_ids_is_refused_and_audited(as_user, seed, db, pupil, status, purpose):
    pupil_id = seed.pupil_ids.get(pupil, str(uuid.uuid4()))
    assert as_user("nauczyciel").get(f"/pupils/{pupil_id}").status_code == status
    assert audit_of(db, pupil_id) == [("nauczyciel", "denied", "pupil", purpose)]


def test_an_office_user_opening_another_schools_pupil_is_refused_and_audited(as_user, db):
    """Another school's pupil is not in this node's database: 404, and the attempt is logged."""
    foreign = str(uuid.uuid4())
    assert as_user("sekretariat").get(f"/pupils/{foreign}").status_code == 404
    assert audit_of(db, foreign) == [("sekretariat", "denied", "pupil", "no_such_pupil")]


def test_audit_rows_are_synced_append_only_and_chained(as_user, seed, db):
    zofia = seed.pupil_ids["zofia"]
    as_user("nauczyciel").get(f"/pupils/{zofia}")
    as_user("nauczyciel").get(f"/pupils/{seed.pupil_ids['jan']}")
    with db.read_session() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        queued = {c.pk: json.loads(c.data) for c in session.scalars(
            select(OutboxChange).where(OutboxChange.entity == "audit_event"))}
        assert verify_chain(session) is None
    assert events and all(e.id in queued for e in events)
    last = queued[events[-1].id]
    assert (last["username"], last["action"], last["record_id"]) == ("nauczyciel", "denied", seed.pupil_ids["jan"])
    assert "Kowalski" not in json.dumps(list(queued.values()), ensure_ascii=False)  # ids only, never the data
    with db.engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.exec_driver_sql("UPDATE audit_event SET action = 'view' WHERE seq = ?", (events[-1].seq,))
    with db.engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.exec_driver_sql("DELETE FROM audit_event WHERE seq = ?", (events[-1].seq,))
