"""Guardians: several per pupil with custody and who may be informed; e-mail addresses the school confirmed,
ready for the parents' portal (a stable guardian id and a confirmed address)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy import text as sql

from node_agent.register.models import GuardianVerification, PupilGuardian
from tests.node.conftest import TODAY
from tests.node.web_factories import text


def _card(client, pupil_id: str) -> str:  # type: ignore[no-untyped-def]
    return " ".join(text(client.get(f"/pupils/{pupil_id}")).split())


def test_several_guardians_with_custody_and_consent(as_user, db, seed):
    office = as_user("sekretariat")
    pupil_id = seed.pupil_ids["zofia"]
    added = office.post(f"/pupils/{pupil_id}/guardians/new", {
        "first_name": "Krzysztof", "last_name": "Łęcki", "phone": "600 300 400", "relation": "father",
        "legal_custody": "", "may_receive_info": ""})
    assert added.status_code == 302
    with db.read_session() as session:
        links = session.scalars(select(PupilGuardian).where(PupilGuardian.pupil_id == pupil_id)).all()
        assert sorted((link.relation, link.legal_custody, link.may_receive_info) for link in links) == [
            ("father", False, False), ("mother", True, True)]
    card = _card(office, pupil_id).replace('<span class="muted">', "").replace("</span>", "")
    assert "<h3>Krzysztof Łęcki – Ojciec</h3>" in card and "<h3>Maria Łęcka – Matka</h3>" in card


def test_the_office_confirms_an_e_mail_address_and_a_new_address_needs_it_again(as_user, db, seed):
    office = as_user("sekretariat")
    pupil_id, link_id = seed.pupil_ids["zofia"], seed.guardian_link_id
    assert "Adres e-mail potwierdzony: nie" in _card(office, pupil_id).replace("</dt> <dd>", ": ")
    bad = office.post(f"/pupils/{pupil_id}/guardians/{link_id}/confirm-email", {"verified_on": TODAY.isoformat(),
                                                                                 "method": ""})
    assert bad.status_code == 422 and "Sposób potwierdzenia: pole jest wymagane" in text(bad)
    done = office.post(f"/pupils/{pupil_id}/guardians/{link_id}/confirm-email",
                       {"verified_on": TODAY.isoformat(), "method": "in_person"})
    assert done.status_code == 302
    assert f"Adres e-mail potwierdzony: tak, {TODAY:%d.%m.%Y}" in _card(office, pupil_id).replace("</dt> <dd>", ": ")
    with db.read_session() as session:
        (row,) = session.scalars(select(GuardianVerification))
        assert (row.guardian_id, row.email, row.method) == (seed.guardian_id, "maria@example.pl", "in_person")
        captured = session.execute(sql("SELECT data FROM sync_outbox WHERE entity = 'guardian_verification'")).all()
        assert [json.loads(d)["email"] for (d,) in captured] == ["maria@example.pl"]  # synced for the portal
    office.post(f"/pupils/{pupil_id}/guardians/{link_id}/edit", {
        "first_name": "Maria", "last_name": "Łęcka", "phone": "600 100 200", "email": "maria.nowa@example.pl",
        "relation": "mother", "legal_custody": "y", "may_receive_info": "y"})
    assert "Adres e-mail potwierdzony: nie" in _card(office, pupil_id).replace("</dt> <dd>", ": ")


def test_an_address_cannot_be_confirmed_without_one(as_user, seed):
    office = as_user("sekretariat")
    pupil_id, link_id = seed.pupil_ids["zofia"], seed.guardian_link_id
    office.post(f"/pupils/{pupil_id}/guardians/{link_id}/edit", {
        "first_name": "Maria", "last_name": "Łęcka", "phone": "600 100 200", "email": "",
        "relation": "mother", "legal_custody": "y", "may_receive_info": "y"})
    refused = office.post(f"/pupils/{pupil_id}/guardians/{link_id}/confirm-email",
                          {"verified_on": TODAY.isoformat(), "method": "signed_form"})
    assert refused.status_code == 422
    assert "Adres e-mail: najpierw wpisz adres e-mail rodzica lub opiekuna" in text(refused)
    assert as_user("nauczyciel").get(f"/pupils/{pupil_id}/guardians/{link_id}/confirm-email").status_code == 403
