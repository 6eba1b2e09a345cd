"""Campaign set-up by the city office: campaigns, timetable, offer, dated criteria settings, school
accounts, and the stage every action checks. Bad input gets Polish errors naming the field and
writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from hub.auth.models import HubUser
from hub.recruitment.campaign import operations as setup
from hub.recruitment.campaign.queries import campaign_criteria, criteria_in_effect
from hub.recruitment.errors import RecruitmentError
from hub.recruitment.models import Campaign, CampaignStage, CriterionSetting, OfferedClass, SchoolRecruiter
from hub.recruitment.stages import current_stage, require
from tests.hub.web_factories import text
from tests.recruitment.app_factories import LO1, P1, hub_fixture, login_as, make_campaign, store_fixture, timetable
from zszo.i18n import gettext_for

pl = gettext_for("pl")
hub_ = pytest.fixture(name="hub")(hub_fixture)
store_ = pytest.fixture(name="store")(store_fixture)
DAY = dt.date(2027, 3, 10)


def messages(exc: pytest.ExceptionInfo[RecruitmentError]) -> list[str]:
    return exc.value.messages(pl)


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(("changes", "expected"), [
    ({"name": ""}, "Nazwa rekrutacji: pole jest wymagane"),
    ({"level": "university"}, "Poziom: wybierz jedną z możliwości"),
    ({"school_year": "2027/2029"}, "Rok szkolny: użyj formatu 2027/2028"),
    ({"max_schools": "4"}, "Liczba szkół, które może wybrać kandydat: podaj liczbę od 1 do 3"),
    ({"max_schools": "dwie"}, "Liczba szkół, które może wybrać kandydat: podaj liczbę całkowitą"),
    ({"lottery_seed": "-5"}, "Ziarno losowania: podaj liczbę od 0 do 2147483647"),
])
def test_bad_campaign_is_refused_field_by_field(store, changes, expected):
    data = {"name": "Licea 2027/2028", "level": "secondary", "school_year": "2027/2028", "max_schools": "3",
            "lottery_seed": "", **changes}
    with store.db.transaction() as session, pytest.raises(RecruitmentError) as exc:
        setup.create_campaign(session, data, by="admin")
    assert messages(exc) == [expected]
    with store.db.reading() as session:
        assert count(session, Campaign) == 0


def test_timetable_must_list_every_stage_in_order(store):
    with store.db.transaction() as session:
        campaign = make_campaign(session, today=DAY)
        stages_before = {(s.stage, s.starts_on, s.ends_on) for s in campaign.stages}
    bad = timetable("applications", DAY)
    bad["verification_starts_on"] = bad["applications_ends_on"]  # overlaps the applications stage
    bad["appeals_ends_on"] = "2027-01-01"                         # ends before it starts
    bad["supplementary_starts_on"] = "31.02.2027"                 # no such day
    with store.db.transaction() as session, pytest.raises(RecruitmentError) as exc:
        setup.save_timetable(session, session.get(Campaign, campaign.id), bad, by="admin")
    assert messages(exc) == ["Rekrutacja uzupełniająca: podaj istniejącą datę, np. 01.03.2027"]
    bad["supplementary_starts_on"] = timetable("applications", DAY)["supplementary_starts_on"]
    with store.db.transaction() as session, pytest.raises(RecruitmentError) as exc:
        setup.save_timetable(session, session.get(Campaign, campaign.id), bad, by="admin")
    assert messages(exc) == [
        "Weryfikacja wniosków: etap musi się zacząć po zakończeniu poprzedniego (składanie wniosków)",
        "Odwołania: etap nie może się skończyć przed rozpoczęciem",
    ]
    with store.db.reading() as session:  # nothing changed
        assert {(s.stage, s.starts_on, s.ends_on) for s in session.scalars(select(CampaignStage))} == stages_before


def test_every_action_checks_the_stage_with_a_polish_error(store):
    with store.db.transaction() as session:
        campaign = make_campaign(session, today=DAY, stage="verification")
        assert current_stage(campaign, DAY) == "verification"
        require(campaign, "verify", "main", DAY)  # allowed: no error
        with pytest.raises(RecruitmentError) as exc:
            require(campaign, "apply", "main", DAY)
    assert messages(exc) == [
        "Harmonogram: tę czynność można wykonać tylko od 24.02.2027 do 05.03.2027 (składanie wniosków); "
        "dziś jest 10.03.2027"]


def test_class_offer_checks_school_level_and_subjects(store):
    with store.db.transaction() as session:
        campaign = make_campaign(session, today=DAY, classes=((LO1, "1A", 30, "fiz", "inf", False),))
    cases = [
        ({"rspo": "999"}, "Szkoła: nie ma placówki o tym numerze RSPO"),
        ({"rspo": P1}, "Szkoła: ta placówka nie prowadzi naboru na tym poziomie"),
        ({"name": "1A"}, "Nazwa klasy: ta szkoła ma już w ofercie klasę o tej nazwie"),
        ({"seats": "0"}, "Liczba miejsc: podaj liczbę od 1 do 999"),
        ({"subject_2": "fiz"}, "Drugi przedmiot punktowany: wybierz przedmiot inny niż pierwszy"),
        ({"subject_1": "pol"}, "Pierwszy przedmiot punktowany: wybierz jedną z możliwości"),
    ]
    for changes, expected in cases:
        data = {"rspo": LO1, "name": "1B", "seats": "28", "subject_1": "fiz", "subject_2": "inf", **changes}
        with store.db.transaction() as session, pytest.raises(RecruitmentError) as exc:
            setup.save_class(session, session.get(Campaign, campaign.id), data, by="admin")
        assert messages(exc) == [expected], changes
    with store.db.reading() as session:
        assert [c.name for c in session.scalars(select(OfferedClass))] == ["1A"]


def test_criteria_are_dated_settings_with_history(store):
    with store.db.transaction() as session:
        setup.add_statutory(session, "preschool", dt.date(2026, 1, 1), by="admin")
        for points, day in ((20, "2026-01-01"), (25, "2027-02-01")):
            setup.save_criterion(session, {"level": "preschool", "kind": "municipal", "code": "working_parents",
                                           "label": "Oboje rodzice pracują", "evidence": "Oświadczenie",
                                           "points": str(points), "valid_from": day}, by="admin")
        setup.save_criterion(session, {"level": "preschool", "kind": "statutory", "code": "foster_care",
                                       "label": "Piecza zastępcza", "evidence": "Dokument", "withdrawn": "y",
                                       "valid_from": "2027-03-01"}, by="admin")
    with store.db.reading() as session:
        before = {c.code: c.points for c in criteria_in_effect(session, "preschool", dt.date(2027, 1, 31))}
        after = {c.code: c.points for c in criteria_in_effect(session, "preschool", dt.date(2027, 3, 1))}
    assert before["working_parents"] == 20 and "foster_care" in before and len(before) == 8
    assert after["working_parents"] == 25 and "foster_care" not in after and len(after) == 7
    with store.db.transaction() as session:
        campaign = make_campaign(session, "preschool", today=DAY)  # applications started on 06.03.2027
        assert {c.code: c.points for c in campaign_criteria(session, campaign)} == after


@pytest.mark.parametrize(("changes", "expected"), [
    ({"kind": "statutory", "code": "working_parents"},
     "Kod: wybierz jedno z siedmiu kryteriów ustawowych"),
    ({"code": "Pracujący Rodzice"}, "Kod: użyj małych liter, cyfr i _ (do 40 znaków), zaczynając od litery"),
    ({"level": "secondary"}, "Rodzaj kryterium: w rekrutacji do szkół ponadpodstawowych nie ma kryteriów gminnych"),
    ({"points": "many"}, "Punkty: podaj liczbę całkowitą"),
    ({"evidence": ""}, "Dokument lub oświadczenie: pole jest wymagane"),
    ({"valid_from": "2027-13-01"}, "Obowiązuje od: podaj istniejącą datę, np. 01.03.2027"),
])
def test_bad_criterion_setting_is_refused(store, changes, expected):
    data = {"level": "preschool", "kind": "municipal", "code": "working_parents", "label": "Rodzice pracują",
            "evidence": "Oświadczenie", "points": "20", "valid_from": "2027-01-01", **changes}
    with store.db.transaction() as session, pytest.raises(RecruitmentError) as exc:
        setup.save_criterion(session, data, by="admin")
    assert messages(exc) == [expected]
    with store.db.reading() as session:
        assert count(session, CriterionSetting) == 0


def test_school_account_is_tied_to_one_institution(store):
    with store.db.transaction() as session:
        link = setup.create_school_account(session, {"rspo": LO1, "username": "lo1-rekrutacja",
                                                     "display_name": "Sekretariat LO 1",
                                                     "password": "haslo-szkoly-1"}, by="admin")
        assert session.get(HubUser, link.user_id).role == "school"
    taken = "Nazwa użytkownika: Ta nazwa użytkownika jest już zajęta"
    for changes, expected in (({"rspo": "123"}, "Szkoła: nie ma placówki o tym numerze RSPO"),
                              ({"username": "lo1-rekrutacja"}, taken),
                              ({"password": "krótkie"}, "Hasło: Hasło musi mieć co najmniej 10 znaków")):
        data = {"rspo": LO1, "username": "lo1-druga", "display_name": "Druga", "password": "haslo-szkoly-2",
                **changes}
        with store.db.transaction() as session, pytest.raises(RecruitmentError) as exc:
            setup.create_school_account(session, data, by="admin")
        assert messages(exc) == [expected]
    with store.db.reading() as session:
        assert count(session, SchoolRecruiter) == 1
        assert session.scalar(select(func.count()).select_from(HubUser).where(HubUser.role == "school")) == 1


def test_set_up_pages_are_for_the_admin_only(hub):
    analyst = login_as(hub.app, "analityk")
    assert analyst.get("/recruitment").status_code == 403
    admin = login_as(hub.app, "admin")
    page = admin.post("/recruitment/new", {"name": "", "level": "secondary", "school_year": "2027/2028",
                                           "max_schools": "3"})
    assert page.status_code == 422
    html = text(page)
    assert "Nazwa rekrutacji: pole jest wymagane" in html and 'href="#name"' in html
    created = admin.post("/recruitment/new", {"name": "Licea 2027/2028", "level": "secondary",
                                              "school_year": "2027/2028", "max_schools": "3"})
    assert created.status_code == 302
    with hub.db.reading() as session:
        campaign = session.scalar(select(Campaign))
    saved = admin.post(f"/recruitment/{campaign.id}/timetable", timetable("applications", DAY))
    assert saved.status_code == 302
    added = admin.post(f"/recruitment/{campaign.id}/classes/new", {"rspo": LO1, "name": "1A mat-fiz", "seats": "30",
                                                                   "subject_1": "fiz", "subject_2": "inf"})
    assert added.status_code == 302
    overview = text(admin.get(f"/recruitment/{campaign.id}"))
    assert "1A mat-fiz" in overview and "składanie wniosków" in overview
