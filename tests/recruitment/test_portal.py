"""The parents' side on the hub portal: accounts, applications through the web pages, the printable
application, stage checks, bad input with Polish errors that name the field, and one parent never
seeing another's application."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from hub.recruitment.models import Application, Candidate, ParentAccount, ParentLoginAttempt, Preference
from tests.hub.web_factories import Web, squash, text
from tests.recruitment.app_factories import (
    LO1,
    LO2,
    PARENT_PASSWORD,
    as_parent,
    child,
    hub_fixture,
    make_campaign,
    make_parent,
    move_to,
    teen_birth,
)
from zszo import security

hub_ = pytest.fixture(name="hub")(hub_fixture)
ORDER_NOTICE = "Kolejność składania wniosków nie ma znaczenia."


def _count(hub, model) -> int:  # type: ignore[no-untyped-def]
    with hub.db.reading() as session:
        return session.scalar(select(func.count()).select_from(model))


def _class_ids(hub) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from hub.recruitment.models import OfferedClass

    with hub.db.reading() as session:
        return {c.name: c.id for c in session.scalars(select(OfferedClass))}


def test_register_log_in_and_out(hub):
    web = Web(hub.app.test_client())
    start = text(web.get("/portal"))
    assert ORDER_NOTICE in start and "<script" not in start
    weak = web.post("/portal/register", {"email": "rodzic@example.pl", "password": "krótkie",
                                         "confirm_password": "krótkie"})
    assert weak.status_code == 422
    assert "Hasło: Hasło musi mieć co najmniej 10 znaków" in text(weak)
    bad = web.post("/portal/register", {"email": "rodzic(at)example.pl", "password": PARENT_PASSWORD,
                                        "confirm_password": PARENT_PASSWORD})
    assert "Adres e-mail: to nie jest poprawny adres e-mail" in text(bad)
    made = web.post("/portal/register", {"email": "Rodzic@Example.pl", "password": PARENT_PASSWORD,
                                         "confirm_password": PARENT_PASSWORD})
    assert made.status_code == 302 and made.headers["Location"].endswith("/portal/applications")
    assert "rodzic@example.pl" in text(web.get("/portal/applications"))
    again = Web(hub.app.test_client()).post("/portal/register", {
        "email": "rodzic@example.pl", "password": PARENT_PASSWORD, "confirm_password": PARENT_PASSWORD})
    assert "Adres e-mail: konto z tym adresem już istnieje: zaloguj się" in text(again)
    assert _count(hub, ParentAccount) == 1
    web.post("/portal/logout", token_from="/portal/applications")
    assert web.get("/portal/applications").headers["Location"].startswith("/portal/login")
    wrong = web.post("/portal/login", {"email": "rodzic@example.pl", "password": "zle-haslo-123"})
    assert "Adres e-mail lub hasło jest nieprawidłowe" in text(wrong)
    right = web.post("/portal/login", {"email": "rodzic@example.pl", "password": PARENT_PASSWORD,
                                       "next": "/portal/account"})
    assert right.headers["Location"] == "/portal/account"
    # The staff pages stay closed to a parent's session.
    assert web.get("/recruitment").headers["Location"].startswith("/login")


def test_logins_are_throttled_per_address(hub):
    with hub.db.transaction() as session:
        make_parent(session, "mama@example.pl")
        session.add_all(ParentLoginAttempt(email="mama@example.pl", success=False)
                        for _ in range(security.MAX_FAILED_LOGINS_PER_HOUR))
    page = Web(hub.app.test_client()).post("/portal/login", {"email": "mama@example.pl",
                                                             "password": PARENT_PASSWORD})
    assert page.status_code == 200
    assert "Zbyt wiele nieudanych prób logowania na to konto. Spróbuj ponownie za godzinę." in text(page)
    assert _count(hub, ParentLoginAttempt) == security.MAX_FAILED_LOGINS_PER_HOUR + 1


def test_parent_applies_through_the_pages(hub):
    with hub.db.transaction() as session:
        campaign = make_campaign(session, "secondary", max_schools=1)
        parent = make_parent(session, "tata@example.pl")
        born = teen_birth(campaign)
        campaign_id, parent_id = campaign.id, parent.id
    web = as_parent(hub.app, parent_id)
    new = f"/portal/applications/new/{campaign_id}"
    assert ORDER_NOTICE in text(web.get(new))
    bad = child(11, born)
    bad["pesel"] = bad["pesel"][:10] + str((int(bad["pesel"][10]) + 1) % 10)
    bad["postal_code"] = "26600"
    page = web.post(new, bad)
    assert page.status_code == 422
    html = squash(text(page))
    assert "PESEL: błędna cyfra kontrolna (pomyłka przy wpisywaniu?)" in html
    assert "Kod pocztowy: wpisz w formacie 00-000" in html and 'href="#postal_code"' in html
    assert _count(hub, Candidate) == 0  # nothing half-written
    started = web.post(new, child(11, born, first_name="Łucja", last_name="Żółć-O'Brien"))
    assert started.status_code == 302
    application_id = int(re.search(r"/applications/(\d+)/preferences", started.headers["Location"]).group(1))
    ids = _class_ids(hub)
    prefs = f"/portal/applications/{application_id}/preferences"
    twice = web.post(prefs, {"choice_1": ids["1A mat-fiz"], "choice_2": ids["1A mat-fiz"]})
    assert "Wybór 2: ta klasa jest już wyborem 1" in squash(text(twice))
    two_schools = web.post(prefs, {"choice_1": ids["1A mat-fiz"], "choice_2": ids["1C humanistyczna"]})
    assert "Preferencje: możesz wybrać klasy w najwyżej 1 szkołach" in squash(text(two_schools))
    assert _count(hub, Preference) == 0
    saved = web.post(prefs, {"choice_1": ids["1B biol-chem"], "choice_2": "", "choice_3": ids["1A mat-fiz"]})
    assert saved.status_code == 302
    with hub.db.reading() as session:
        ranks = [(p.rank, p.class_id) for p in session.scalars(select(Preference).order_by(Preference.rank))]
    assert ranks == [(1, ids["1B biol-chem"]), (2, ids["1A mat-fiz"])]  # the empty place is skipped
    detail = f"/portal/applications/{application_id}"
    refused = web.post(f"{detail}/submit", {}, token_from=detail)
    assert refused.status_code == 422
    assert "Oświadczenie: pole jest wymagane" in text(refused)
    submitted = web.post(f"{detail}/submit", {"statement": "y"}, token_from=detail)
    assert submitted.status_code == 302
    page = squash(text(web.get(detail)))
    assert "Złożony: czeka na weryfikację przez szkołę pierwszego wyboru" in page and ORDER_NOTICE in page
    assert "<script" not in page
    pdf = web.get(f"{detail}/application.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    content = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_data())).pages)
    assert "Łucja" in content and "Żółć-O'Brien" in content and "1B biol-chem" in content
    assert "Kolejność składania wniosków nie ma wpływu na przyjęcie." in squash(content)
    # Submitted: no more changes until it is taken back.
    locked = web.post(prefs, {"choice_1": ids["1A mat-fiz"]})
    assert "Wniosek: wniosek został złożony; najpierw wycofaj go do poprawy" in squash(text(locked))


def test_a_child_without_pesel_and_a_duplicate_child(hub):
    with hub.db.transaction() as session:
        campaign = make_campaign(session, "secondary")
        first, second = make_parent(session, "a@example.pl"), make_parent(session, "b@example.pl")
        born, campaign_id, ids = teen_birth(campaign), campaign.id, (first.id, second.id)
    new = f"/portal/applications/new/{campaign_id}"
    no_id = child(1, born, pesel="")
    assert "PESEL: podaj PESEL albo, jeśli dziecko go nie ma, dokument tożsamości" in \
        text(as_parent(hub.app, ids[0]).post(new, no_id))
    passport = child(1, born, pesel="", document_type="passport", document_number="ZX 123456",
                     birth_date=born.strftime("%d.%m.%Y"), sex="M")
    assert as_parent(hub.app, ids[0]).post(new, passport).status_code == 302
    same = child(1, born, pesel="", document_type="passport", document_number="zx123456",
                 birth_date=born.isoformat(), sex="M")
    clash = as_parent(hub.app, ids[1]).post(new, same)
    assert "Numer dokumentu: to dziecko ma już wniosek w tej rekrutacji" in text(clash)
    toddler = child(2, born.replace(year=born.year + 11))
    too_young = as_parent(hub.app, ids[1]).post(new, toddler)
    assert "Data urodzenia: dziecko urodzone tego dnia nie jest w wieku, którego dotyczy ta rekrutacja" in \
        text(too_young)
    assert _count(hub, Application) == 1 and _count(hub, Candidate) == 1


def test_actions_outside_their_stage_are_refused(hub):
    with hub.db.transaction() as session:
        campaign = make_campaign(session, "secondary", stage="verification")
        parent = make_parent(session, "c@example.pl")
        born, campaign_id, parent_id = teen_birth(campaign), campaign.id, parent.id
    page = as_parent(hub.app, parent_id).post(f"/portal/applications/new/{campaign_id}", child(3, born))
    assert page.status_code == 422
    assert re.search(r"Harmonogram: tę czynność można wykonać tylko od \d\d\.\d\d\.\d{4} do \d\d\.\d\d\.\d{4} "
                     r"\(składanie wniosków\); dziś jest \d\d\.\d\d\.\d{4}", text(page))
    assert _count(hub, Application) == 0


def test_a_parent_never_sees_another_parents_application(hub):
    with hub.db.transaction() as session:
        campaign = make_campaign(session, "secondary")
        owner, other = make_parent(session, "owner@example.pl"), make_parent(session, "other@example.pl")
        born, campaign_id, ids = teen_birth(campaign), campaign.id, (owner.id, other.id)
    made = as_parent(hub.app, ids[0]).post(f"/portal/applications/new/{campaign_id}", child(4, born))
    application_id = int(re.search(r"/applications/(\d+)/", made.headers["Location"]).group(1))
    intruder = as_parent(hub.app, ids[1])
    for path in ("", "/preferences", "/criteria", "/details", "/application.pdf", "/justification"):
        assert intruder.get(f"/portal/applications/{application_id}{path}").status_code == 404, path
    post = intruder.post(f"/portal/applications/{application_id}/submit", {"statement": "y"},
                         token_from="/portal/applications")
    assert post.status_code == 404
    assert "Żółkiewska-4" not in text(intruder.get("/portal/applications"))
    # A closed account's session ends at once.
    with hub.db.transaction() as session:
        session.get(ParentAccount, ids[0]).active = False
    owner = as_parent(hub.app, ids[0])
    assert owner.get(f"/portal/applications/{application_id}").headers["Location"].startswith("/portal/login")


def test_withdraw_for_corrections_resets_the_verification(hub):
    with hub.db.transaction() as session:
        campaign = make_campaign(session, "secondary")
        parent = make_parent(session, "d@example.pl")
        born, campaign_id, parent_id = teen_birth(campaign), campaign.id, parent.id
    web = as_parent(hub.app, parent_id)
    made = web.post(f"/portal/applications/new/{campaign_id}", child(5, born))
    application_id = int(re.search(r"/applications/(\d+)/", made.headers["Location"]).group(1))
    detail = f"/portal/applications/{application_id}"
    web.post(f"{detail}/preferences", {"choice_1": _class_ids(hub)["1C humanistyczna"]})
    assert web.post(f"{detail}/submit", {"statement": "y"}, token_from=detail).status_code == 302
    assert web.post(f"{detail}/withdraw", {}, token_from=detail).status_code == 302
    with hub.db.reading() as session:
        application = session.get(Application, application_id)
        assert (application.status, application.submitted_at, application.first_choice_rspo) == ("draft", None, LO2)
    with hub.db.transaction() as session:
        move_to(session, session.get(Application, application_id).campaign, "verification")
    refused = web.post(f"{detail}/submit", {"statement": "y"}, token_from=detail)
    assert refused.status_code == 422 and "(składanie wniosków)" in text(refused)
    assert LO1  # (both schools are on offer; only LO2 was chosen)
