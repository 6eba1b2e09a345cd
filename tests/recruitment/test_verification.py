"""The schools' side: a school sees and verifies only the applications whose first choice it is;
criteria not confirmed carry a reason; secondary evidence is entered, checked and scored; bad
input gets Polish errors naming the field and nothing is saved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hub.auth import operations as auth_ops
from hub.recruitment.models import Application, Declaration, SecondaryEvidenceRow
from hub.recruitment.results.keys import class_points
from tests.hub.web_factories import PASSWORD, squash, text
from tests.recruitment.app_factories import (
    LO1,
    LO2,
    P1,
    P2,
    as_parent,
    child,
    city_today,
    class_ids,
    hub_fixture,
    login_as,
    make_campaign,
    make_parent,
    move_to,
    preschool_criteria,
    school_account,
    submitted,
    teen_birth,
    toddler_birth,
)

hub_ = pytest.fixture(name="hub")(hub_fixture)

EVIDENCE = {
    "exam_polish": "80", "exam_maths": "70", "exam_language": "90",
    "grade_polish": "5", "grade_maths": "4", "grade_fiz": "6", "grade_inf": "5", "grade_bio": "4", "grade_chem": "3",
    "distinction": "y", "volunteering": "y",
    "contest_1_name": "Konkurs kuratoryjny z fizyki", "contest_1_level": "wojewódzki", "contest_1_points": "10",
    "contest_2_name": "Konkurs kuratoryjny z fizyki", "contest_2_level": "wojewódzki", "contest_2_points": "7",
    "contest_3_name": "Olimpiada matematyczna", "contest_3_level": "okręgowy", "contest_3_points": "4",
}


def _secondary(hub):  # type: ignore[no-untyped-def]
    """Two submitted applications: Ala's first choice LO1 (1A, then 1B), Bartek's first choice LO2."""
    with hub.db.transaction() as session:
        campaign = make_campaign(session, "secondary")
        ids = class_ids(session, campaign)
        parent = make_parent(session, "rodzic@example.pl")
        ala = submitted(session, campaign, parent.id, child(21, teen_birth(campaign), first_name="Ala"),
                        [ids[(LO1, "1A mat-fiz")], ids[(LO1, "1B biol-chem")]])
        bartek = submitted(session, campaign, parent.id, child(22, teen_birth(campaign, 1), "M"),
                           [ids[(LO2, "1C humanistyczna")], ids[(LO1, "1A mat-fiz")]])
        school_account(session, "lo1", LO1)
        school_account(session, "lo2", LO2)
        return campaign.id, ala.id, bartek.id


def test_a_school_sees_only_applications_of_its_first_choice(hub):
    _campaign, ala, bartek = _secondary(hub)
    lo1 = login_as(hub.app, "lo1")
    listing = text(lo1.get("/recruitment/school"))
    assert "Żółkiewska-21" in listing and "Żółkiewska-22" not in listing
    assert lo1.get(f"/recruitment/school/applications/{ala}").status_code == 200
    assert lo1.get(f"/recruitment/school/applications/{bartek}").status_code == 404
    assert lo1.post(f"/recruitment/school/applications/{bartek}/verify", EVIDENCE,
                    token_from="/recruitment/school").status_code == 404
    assert login_as(hub.app, "lo2").get(f"/recruitment/school/applications/{bartek}").status_code == 200
    assert login_as(hub.app, "admin").get("/recruitment/school").status_code == 403
    assert lo1.get("/recruitment").status_code == 403  # the set-up is the office's
    with hub.db.transaction() as session:  # a school role without an institution sees nothing
        auth_ops.create_user(session, username="bez-szkoly", display_name="Bez szkoły", role="school",
                             password=PASSWORD)
    assert login_as(hub.app, "bez-szkoly").get("/recruitment/school").status_code == 403
    home = lo1.get("/")
    assert home.headers["Location"].endswith("/recruitment/school")


def test_secondary_verification_is_checked_field_by_field_and_scored(hub):
    _campaign, ala, _bartek = _secondary(hub)
    lo1 = login_as(hub.app, "lo1")
    page = f"/recruitment/school/applications/{ala}"
    bad = {**EVIDENCE, "exam_maths": "", "grade_fiz": "7", "exam_language": "101", "contest_2_points": "12",
           "contest_3_level": ""}
    refused = lo1.post(f"{page}/verify", bad, token_from=page)
    assert refused.status_code == 422
    html = squash(text(refused))
    for message in ("Wynik egzaminu w procentach: matematyka: wpisz wynik albo zaznacz zwolnienie",
                    "Wynik egzaminu w procentach: język obcy: podaj wynik w procentach od 0 do 100, np. 78 lub 78,5",
                    "Ocena na świadectwie: Fizyka: podaj liczbę od 2 do 6",
                    "Konkurs 2: punkty: podaj liczbę od 1 do 10",
                    "Konkurs 3: szczebel: pole jest wymagane"):
        assert message in html, message
    assert 'href="#grade_fiz"' in html and 'value="7"' in html  # the typed value stays in the field
    with hub.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(SecondaryEvidenceRow)) == 0
        assert session.get(Application, ala).status == "submitted"
    accepted = lo1.post(f"{page}/verify", EVIDENCE, token_from=page)
    assert accepted.status_code == 302
    with hub.db.reading() as session:
        application = session.get(Application, ala)
        assert (application.status, application.verified_by) == ("verified", "lo1")
        points = {p.offered.name: class_points(application.evidence, p.offered).total
                  for p in application.preferences}
    # exam 80·0.35 + 70·0.35 + 90·0.3 = 79.5; grades 17 + 14; distinction 7; volunteering 3;
    # contests: the better award of the same contest and level counts (10) + 4 = 14.
    assert points == {"1A mat-fiz": Decimal("79.5") + 17 + 14 + 18 + 17 + 7 + 3 + 14,   # physics 6, IT 5
                      "1B biol-chem": Decimal("79.5") + 17 + 14 + 14 + 8 + 7 + 3 + 14}  # biology 4, chemistry 3


def test_exam_exempt_candidate_needs_the_language_grade(hub):
    _campaign, ala, _bartek = _secondary(hub)
    lo1 = login_as(hub.app, "lo1")
    page = f"/recruitment/school/applications/{ala}"
    exempt = {**EVIDENCE, "exam_polish": "", "exam_maths": "", "exam_language": "", "exempt_polish": "y",
              "exempt_maths": "y", "exempt_language": "y"}
    refused = lo1.post(f"{page}/verify", exempt, token_from=page)
    assert "Ocena na świadectwie: język obcy: pole jest wymagane" in squash(text(refused))
    assert lo1.post(f"{page}/verify", {**exempt, "grade_language": "6"}, token_from=page).status_code == 302
    with hub.db.reading() as session:
        application = session.get(Application, ala)
        first = application.preferences[0].offered
        # converted: Polish 5 → 30, maths 4 → 25, language 6 → 30 (instead of the exam's 79.5)
        assert class_points(application.evidence, first).total == 30 + 25 + 30 + 17 + 14 + 18 + 17 + 7 + 3 + 14


def test_preschool_criteria_need_a_reason_when_not_confirmed(hub):
    with hub.db.transaction() as session:
        campaign = make_campaign(session, "preschool")
        preschool_criteria(session, city_today().replace(day=1).replace(year=city_today().year - 1))
        ids = class_ids(session, campaign)
        parent = make_parent(session, "mama@example.pl")
        application = submitted(session, campaign, parent.id, child(31, toddler_birth(campaign)),
                                [ids[(P1, "Grupa 3-latków")], ids[(P2, "Grupa 3-latków")]],
                                codes=("large_family", "working_parents"))
        school_account(session, "p1", P1)
        application_id = application.id
    p1 = login_as(hub.app, "p1")
    page = f"/recruitment/school/applications/{application_id}"
    form = text(p1.get(page))
    assert "Wielodzietność rodziny kandydata (troje i więcej dzieci)" in form
    refused = p1.post(f"{page}/verify", {"decision_large_family": "confirmed",
                                         "decision_working_parents": "not_confirmed"}, token_from=page)
    assert refused.status_code == 422
    assert "Kryterium: Oboje rodzice pracują: podaj powód niepotwierdzenia kryterium" in squash(text(refused))
    with hub.db.reading() as session:
        assert {d.status for d in session.scalars(select(Declaration))} == {"declared"}
    missing = p1.post(f"{page}/verify", {"decision_large_family": "confirmed"}, token_from=page)
    assert "Kryterium: Oboje rodzice pracują: wybierz jedną z możliwości" in squash(text(missing))
    done = p1.post(f"{page}/verify", {"decision_large_family": "confirmed", "decision_working_parents":
                                      "not_confirmed", "reason_working_parents": "Brak zaświadczenia o zatrudnieniu"},
                   token_from=page)
    assert done.status_code == 302
    with hub.db.reading() as session:
        decisions = {d.code: (d.status, d.reason) for d in session.scalars(select(Declaration))}
    assert decisions == {"large_family": ("confirmed", None),
                         "working_parents": ("not_confirmed", "Brak zaświadczenia o zatrudnieniu")}
    # The parent sees the decision and its reason.
    with hub.db.reading() as session:
        parent_id = session.get(Application, application_id).candidate.parent_id
    status = squash(text(as_parent(hub.app, parent_id).get(f"/portal/applications/{application_id}")))
    assert "niepotwierdzone: Brak zaświadczenia o zatrudnieniu" in status


def test_returned_application_is_corrected_and_submitted_again(hub):
    _campaign, ala, _bartek = _secondary(hub)
    lo1 = login_as(hub.app, "lo1")
    page = f"/recruitment/school/applications/{ala}"
    empty = lo1.post(f"{page}/return", {"returned_reason": ""}, token_from=page)
    assert "Co poprawić: pole jest wymagane" in squash(text(empty))
    assert lo1.post(f"{page}/return", {"returned_reason": "Popraw adres zamieszkania"}, token_from=page)\
        .status_code == 302
    with hub.db.transaction() as session:
        application = session.get(Application, ala)
        parent_id = application.candidate.parent_id
        move_to(session, application.campaign, "verification")  # corrections are allowed until verification ends
    parent = as_parent(hub.app, parent_id)
    detail = f"/portal/applications/{ala}"
    assert "Szkoła prosi o poprawienie: Popraw adres zamieszkania" in squash(text(parent.get(detail)))
    data = child(21, teen_birth(_campaign_of(hub, ala)), first_name="Ala", street="ul. Krótka 1")
    assert parent.post(f"{detail}/details", data).status_code == 302
    assert parent.post(f"{detail}/submit", {"statement": "y"}, token_from=detail).status_code == 302
    assert lo1.post(f"{page}/verify", EVIDENCE, token_from=page).status_code == 302
    with hub.db.reading() as session:
        application = session.get(Application, ala)
        assert (application.status, application.candidate.street) == ("verified", "ul. Krótka 1")


def _campaign_of(hub, application_id):  # type: ignore[no-untyped-def]
    with hub.db.reading() as session:
        return session.get(Application, application_id).campaign
