"""Catchment areas (obwody): the street rules as the office types them, hand-checked addresses, and
the grade-1 recruitment refusing a child's own catchment school (admitted there on a notification)
with a Polish message on the choice, while other schools stay open."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hub.fleet import operations as fleet
from hub.recruitment.catchment import StreetRule, in_catchment, normalise_street, parse_rules, split_address
from hub.recruitment.errors import RecruitmentError, render
from hub.recruitment.models import Application, Campaign, Catchment
from hub.recruitment.portal import operations as portal_ops
from tests.hub.web_factories import squash, text
from tests.recruitment.app_factories import (
    child,
    city_today,
    hub_fixture,
    login_as,
    make_campaign,
    make_parent,
)
from zszo.i18n import gettext_for

hub_ = pytest.fixture(name="hub")(hub_fixture)
SP1, SP2 = "400101", "400202"
RESOLUTION = ("Radom:\nul. Długa\nKrótka 1-25\nal. Jana Pawła II 2-40 parzyste\n\nOsiedle Słoneczne nieparzyste\n"
              "26-652 Wola Kroguliecka:\nDługa 1-9\n")


def test_rules_are_read_as_the_resolution_writes_them():
    rules, errors = parse_rules(RESOLUTION)
    assert errors == []
    radom = {"town": "radom", "postcode": None}
    assert rules == [StreetRule("długa", **radom), StreetRule("krótka", 1, 25, **radom),
                     StreetRule("jana pawła ii", 2, 40, "even", **radom),
                     StreetRule("słoneczne", None, None, "odd", **radom),
                     StreetRule("długa", 1, 9, None, "wola kroguliecka", "26-652")]
    assert normalise_street("UL.  Jana  Pawła II") == "jana pawła ii"
    assert split_address("ul. Krótka 12a/3") == ("krótka", 12)
    assert split_address("Krótka 7 m. 2") == ("krótka", 7)
    assert split_address("Krótka") == ("krótka", None)


@pytest.mark.parametrize(("address", "inside"), [
    ("ul. Długa 5/3", True), ("Długa", True), ("Krótka 25", True), ("Krótka 26", False), ("Krótka", False),
    ("Al. Jana Pawła II 40", True), ("al. Jana Pawła II 39", False), ("al. Jana Pawła II 42", False),
    ("os. Słoneczne 13", True), ("os. Słoneczne 14", False), ("Długosza 1", False),
])
def test_addresses_hand_checked(address, inside):
    assert in_catchment(parse_rules(RESOLUTION)[0], address, "Radom", "26-600") is inside


@pytest.mark.parametrize(("address", "town", "postcode", "inside"), [
    ("Krótka 12", "Radom", "26-600", True),
    ("Krótka 12", "RADOM", "", True),                      # the town decides without a postal code
    ("Krótka 12", "Kraków", "31-000", False),              # the same street and number in another town
    ("Krótka 12", "", "26-600", False),                    # Radom's lines name no postal code
    ("Długa 40", "Radom", "26-600", True),                 # the whole street in Radom …
    ("Długa 40", "Wola Kroguliecka", "26-652", False),     # … but only 1-9 in Wola Kroguliecka
    ("Długa 7", "wola  krogulięcka", "", True),            # the town compared without case and diacritics
    ("Długa 7", "Jedlińsk", "26-652", True),               # the postal code decides when the town differs
])
def test_the_town_or_postal_code_decides_with_the_street(address, town, postcode, inside):
    assert in_catchment(parse_rules(RESOLUTION)[0], address, town, postcode) is inside


def test_bad_lines_are_named():
    _rules, errors = parse_rules("Długa\nRadom:\nDługa\nKrótka 30-10\n1-25\n12:\n")
    assert [(e.code, e.params["line"]) for e in errors] == [("no_locality", 1), ("range", 4), ("line", 5),
                                                            ("locality", 6)]


def _grade1(hub):  # type: ignore[no-untyped-def]
    with hub.db.transaction() as session:
        fleet.add_institution(session, rspo=SP1, name="Szkoła Podstawowa nr 1", kind="primary", district="Śródmieście")
        fleet.add_institution(session, rspo=SP2, name="Szkoła Podstawowa nr 2", kind="primary", district="Śródmieście")
        campaign = make_campaign(session, "grade1", classes=((SP1, "1a", 25, None, None, False),
                                                             (SP2, "1a", 25, None, None, False)))
        return campaign.id, {c.rspo: c.id for c in campaign.classes}


def test_the_office_sets_a_catchment_and_grade1_refuses_the_childs_own_school(hub):
    campaign_id, classes = _grade1(hub)
    admin = login_as(hub.app, "admin")
    refused = admin.post("/recruitment/catchment", {"rspo": SP1, "streets": "Radom:\nDługa\nKrótka 30-10"})
    assert refused.status_code == 422
    assert "Ulice obwodu: wiersz 3: pierwszy numer jest większy niż ostatni" in squash(text(refused))
    refused = admin.post("/recruitment/catchment", {"rspo": SP1, "streets": "Długa\nKrótka 1-25"})
    assert ("Ulice obwodu: wiersz 1: nad ulicą wpisz jej miejscowość, w osobnym wierszu zakończonym dwukropkiem "
            "(np. „Radom:”)") in squash(text(refused))
    with hub.db.reading() as session:
        assert session.scalar(select(Catchment)) is None
    saved = admin.post("/recruitment/catchment", {"rspo": SP1, "streets": "Radom:\nDługa\nKrótka 1-25"})
    assert saved.status_code == 302
    listing = squash(text(admin.get("/recruitment/catchment")))
    assert "Szkoła Podstawowa nr 1 (400101)" in listing and "Radom:; Długa; Krótka 1-25" in listing

    with hub.db.transaction() as session:
        campaign = session.get(Campaign, campaign_id)
        parent = make_parent(session, "rodzic@example.pl")
        born = dt.date(int(campaign.school_year[:4]) - 7, 3, 1)
        inside = portal_ops.start_application(session, parent.id, campaign,
                                              child(41, born, street="ul. Krótka 12/4"), city_today())
        with pytest.raises(RecruitmentError) as caught:
            portal_ops.save_preferences(session, inside, [str(classes[SP2]), str(classes[SP1])], city_today())
        assert [(e.field, e.code) for e in caught.value.errors] == [("choice_2", "catchment")]
        portal_ops.save_preferences(session, inside, [str(classes[SP2])], city_today())  # another school: fine
        outside = portal_ops.start_application(session, parent.id, campaign,
                                               child(42, born, street="ul. Krótka 26"), city_today())
        portal_ops.save_preferences(session, outside, [str(classes[SP1])], city_today())
        outside_id = outside.id
    # the address moves into the obwód after the choice: the submission is refused on that choice
    with hub.db.transaction() as session:
        moved = session.get(Application, outside_id)
        moved.candidate.street = "Długa 3"
        with pytest.raises(RecruitmentError) as caught:
            portal_ops.submit(session, moved, {"statement": "y"}, city_today())
        assert render(caught.value.errors[0], gettext_for("pl")) == (
            "Wybór 1: dziecko mieszka w obwodzie tej szkoły: zostaje do niej przyjęte na podstawie zgłoszenia "
            "złożonego w szkole, bez rekrutacji; tutaj wybierz inne szkoły")
    assert admin.post("/recruitment/catchment", {"rspo": SP1, "streets": ""}).status_code == 302
    with hub.db.reading() as session:
        assert session.scalar(select(Catchment)) is None
