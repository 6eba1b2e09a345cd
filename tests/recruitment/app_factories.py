"""Factories for the recruitment application tests (campaign set-up, portal, verification, results,
retention): a hub on tmp_path, the city's schools, campaigns with a timetable placed around today,
parents, children with valid PESELs, and logged-in clients.

A timetable is written through the set-up operation itself; moving a campaign to its next stage is
the city amending its timetable (:func:`move_to`), so no clock is faked anywhere.
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from hub import config as hub_config
from hub.app import create_app
from hub.db import Database
from hub.fleet import operations as fleet
from hub.recruitment.campaign import operations as setup
from hub.recruitment.models import STAGES, Application, Campaign, ParentAccount
from hub.recruitment.portal import operations as portal_ops
from hub.recruitment.portal import session as portal_session
from hub.runtime import HubRuntime, build
from protocol import pesel
from tests.hub.web_factories import PASSWORD, Web, _users_template, login_as
from zszo import security
from zszo import sqlite as zsqlite
from zszo.i18n import gettext_for
from zszo.web import sessions
from zszo.web.i18n import TIMEZONE

__all__ = ["PASSWORD", "Web", "login_as"]

PARENT_PASSWORD = "haslo-rodzica-1"
_PARENT_HASH: list[str] = []
LO1, LO2, P1, P2 = "200101", "200202", "300101", "300202"
INSTITUTIONS = (
    (LO1, "I Liceum Ogólnokształcące im. Jana Kochanowskiego", "secondary"),
    (LO2, "II Liceum Ogólnokształcące im. Marii Konopnickiej", "secondary"),
    (P1, "Przedszkole Miejskie nr 1 „Słoneczko”", "preschool"),
    (P2, "Przedszkole Miejskie nr 2 „Żabka”", "preschool"),
)


def city_today() -> dt.date:
    """Today in the city (what the hub's pages use)."""
    return dt.datetime.now(TIMEZONE).date()


@dataclass
class Hub:
    """A hub's runtime and web app on tmp_path (no HTTP server, no warehouse)."""

    runtime: HubRuntime
    app: Flask

    @property
    def db(self) -> Database:
        """The hub's OLTP store."""
        return self.runtime.db

    def close(self) -> None:
        """Close the stores."""
        self.runtime.close()


_TEMPLATE: list[Path] = []


def _city_template() -> Path:
    """A migrated hub database with the test users and the city's schools, made once per test session."""
    if not _TEMPLATE:
        root = Path(tempfile.mkdtemp(prefix="zszo-recruitment-template-"))
        atexit.register(shutil.rmtree, root, True)
        zsqlite.backup(_users_template(), root / "hub.sqlite")
        database = Database(root / "hub.sqlite")
        with database.transaction() as session:
            for rspo, name, kind in INSTITUTIONS:
                fleet.add_institution(session, rspo=rspo, name=name, kind=kind, district="Śródmieście")
        database.dispose()
        _TEMPLATE.append(root / "hub.sqlite")
    return _TEMPLATE[0]


def make_hub(data_dir: Path, **overrides: Any) -> Hub:
    """A hub with the test users (admin, analityk) and the city's schools; TOTP off; ``overrides``: settings."""
    settings = hub_config.load(overrides={"paths.data_dir": data_dir, "web.require_totp": False, **overrides})
    settings["paths.database"].parent.mkdir(parents=True, exist_ok=True)
    zsqlite.backup(_city_template(), settings["paths.database"])
    runtime = build(settings, open_warehouse=False)
    return Hub(runtime, create_app(settings, runtime=runtime))


def hub_fixture(tmp_path: Path) -> Iterator[Hub]:
    """A hub of the test's own, with its web app (``hub = pytest.fixture(name="hub")(hub_fixture)``)."""
    built = make_hub(tmp_path / "hub")
    yield built
    built.close()


@dataclass
class Store:
    """Only the hub's OLTP store (for tests of operations: no keys, no web app)."""

    db: Database


def store_fixture(tmp_path: Path) -> Iterator[Store]:
    """A migrated hub database with the test users and the city's schools (fixture ``store``)."""
    zsqlite.backup(_city_template(), tmp_path / "hub.sqlite")
    database = Database(tmp_path / "hub.sqlite")
    yield Store(database)
    database.dispose()


def timetable(current: str, today: dt.date) -> dict[str, str]:
    """Form values of a timetable whose stage ``current`` runs from 4 days before to 5 days after
    ``today``; earlier stages lie in the past and later ones in the future, 10 days each."""
    at = STAGES.index(current)
    values = {}
    for index, name in enumerate(STAGES):
        start = today + dt.timedelta(days=(index - at) * 10 - 4)
        values[f"{name}_starts_on"] = start.isoformat()
        values[f"{name}_ends_on"] = (start + dt.timedelta(days=9)).isoformat()
    return values


def move_to(session: Session, campaign: Campaign, stage: str, today: dt.date | None = None) -> None:
    """The city amends the timetable so that ``stage`` runs today."""
    setup.save_timetable(session, campaign, timetable(stage, today or city_today()), by="admin")


SECONDARY_CLASSES = ((LO1, "1A mat-fiz", 2, "fiz", "inf", False), (LO1, "1B biol-chem", 2, "bio", "chem", False),
                     (LO2, "1C humanistyczna", 2, "his", "ang", False))
PRESCHOOL_CLASSES = ((P1, "Grupa 3-latków", 2, None, None, False), (P2, "Grupa 3-latków", 1, None, None, False))


def make_campaign(session: Session, level: str = "secondary", *, stage: str = "applications",
                  today: dt.date | None = None, classes: tuple = (), max_schools: int = 3,
                  lottery_seed: int | None = None, name: str | None = None) -> Campaign:
    """A campaign with a timetable around ``today`` and its offer (default: the level's standard classes)."""
    today = today or city_today()
    year = f"{today.year + 1}/{today.year + 2}"
    campaign = setup.create_campaign(session, {
        "name": name or f"Rekrutacja {year} – {level}", "level": level, "school_year": year,
        "max_schools": str(max_schools), "lottery_seed": "" if lottery_seed is None else str(lottery_seed),
    }, by="admin")
    setup.save_timetable(session, campaign, timetable(stage, today), by="admin")
    for rspo, class_name, seats, subject_1, subject_2, aptitude in classes or (
            SECONDARY_CLASSES if level == "secondary" else PRESCHOOL_CLASSES):
        setup.save_class(session, campaign, {"rspo": rspo, "name": class_name, "seats": str(seats),
                                             "subject_1": subject_1 or "", "subject_2": subject_2 or "",
                                             "aptitude_test": "y" if aptitude else ""}, by="admin")
    return campaign


def preschool_criteria(session: Session, valid_from: dt.date) -> None:
    """The seven statutory criteria and two municipal ones (working parents 20 points, sibling 10)."""
    setup.add_statutory(session, "preschool", valid_from, by="admin", gettext=gettext_for("pl"))
    for code, label, points in (("working_parents", "Oboje rodzice pracują", 20),
                                ("sibling", "Rodzeństwo w tym przedszkolu", 10)):
        setup.save_criterion(session, {"level": "preschool", "kind": "municipal", "code": code, "label": label,
                                       "evidence": "Oświadczenie rodzica", "points": str(points),
                                       "valid_from": valid_from.isoformat()}, by="admin")


def make_parent(session: Session, email: str) -> ParentAccount:
    """A parent's account with :data:`PARENT_PASSWORD` (the hash is computed once per test session)."""
    if not _PARENT_HASH:
        _PARENT_HASH.append(security.hash_password(PARENT_PASSWORD))
    account = ParentAccount(email=email, password_hash=_PARENT_HASH[0])
    session.add(account)
    session.flush()
    return account


def child(serial: int, born: dt.date, sex: str = "F", **changes: Any) -> dict[str, str]:
    """The candidate form of a child with a valid PESEL, an address and a parent."""
    data = {
        "first_name": "Zofia" if sex == "F" else "Jan", "second_name": "", "last_name": f"Żółkiewska-{serial}",
        "pesel": pesel.generate(born, sex, serial), "street": "ul. Długa 5/3", "postal_code": "26-600",
        "city": "Radom", "guardian_first_name": "Małgorzata", "guardian_last_name": "Żółkiewska",
        "guardian_phone": "600 100 200", "sex": sex,
    }
    data.update({key: str(value) for key, value in changes.items()})
    return data


def teen_birth(campaign: Campaign, index: int = 0) -> dt.date:
    """A birth date of a 15-year-old in the campaign's school year (secondary candidates)."""
    return dt.date(int(campaign.school_year[:4]) - 15, 3, 1) + dt.timedelta(days=index)


def toddler_birth(campaign: Campaign, index: int = 0) -> dt.date:
    """A birth date of a 3-year-old in the campaign's school year (preschool candidates)."""
    return dt.date(int(campaign.school_year[:4]) - 3, 2, 1) + dt.timedelta(days=index)


def as_parent(app: Flask, parent_id: int, session_version: int = 1) -> Web:
    """A client with the session a parent's login leaves (the login page itself is tested separately)."""
    client = Web(app.test_client())
    with client.client.session_transaction() as cookie:
        now = sessions.now()
        cookie.permanent = True
        cookie[portal_session.KEY] = {"id": parent_id, "sv": session_version, "at": now, "seen": now}
    return client


def school_account(session: Session, username: str, rspo: str) -> None:
    """A school recruitment account (password :data:`PASSWORD`)."""
    setup.create_school_account(session, {"rspo": rspo, "username": username, "display_name": f"Sekretariat {rspo}",
                                          "password": PASSWORD}, by="admin")


def submitted(session: Session, campaign: Campaign, parent_id: int, data: dict[str, str], choices: list[int],
              codes: tuple[str, ...] = (), today: dt.date | None = None) -> Application:
    """An application filled in and submitted through the parents' operations (stage: applications)."""
    today = today or city_today()
    application = portal_ops.start_application(session, parent_id, campaign, data, today)
    portal_ops.save_preferences(session, application, [str(c) for c in choices], today)
    portal_ops.save_declarations(session, application, list(codes), today)
    portal_ops.submit(session, application, {"statement": "y"}, today)
    return application


def class_ids(session: Session, campaign: Campaign) -> dict[tuple[str, str], int]:
    """(RSPO, class name) → class id."""
    return {(c.rspo, c.name): c.id for c in campaign.classes}
