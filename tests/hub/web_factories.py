"""Test factories for the hub's web app: hubs on tmp_path, city office users, a test client that
sends forms with their CSRF token, and a small city whose figures are worked out by hand.

The city's schools are real node databases filled through the node's own operations, enrolled
at a real hub answering HTTP on 127.0.0.1 and synced with the node's sync client; the hub then
merges the inbox into its DuckDB warehouse. Nothing is written into the warehouse directly.
"""

from __future__ import annotations

import atexit
import csv
import datetime as dt
import io
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from hub import config as hub_config
from hub.app import create_app
from hub.auth import operations as auth_ops
from hub.auth.models import HubUser
from hub.db import Database as HubDatabase
from hub.db import prepare as prepare_hub
from hub.fleet import operations as fleet
from hub.runtime import build
from hub.sync.models import NodeContact
from node_agent.register import operations as register
from node_agent.register.models import ClassUnit
from node_agent.school import operations as school_ops
from node_agent.school.models import School
from node_agent.staff import operations as staff_ops
from protocol import pesel
from tests.sync.helpers import HubServer, SchoolNode, from_template, make_node, serve
from zszo import sqlite as zsqlite
from zszo.web import sessions

PASSWORD = "haslo-testowe-1"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
YEAR_START, YEAR_END = dt.date(2026, 9, 1), dt.date(2027, 6, 25)
DAY = dt.date(2026, 10, 1)  # the day the figures below are worked out for
LEAVER_ENDS = dt.date(2026, 9, 30)  # one pupil of SP 1's class 2a left that day


class Web:
    """A test client that sends forms with their CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, path: str, **kw: Any) -> TestResponse:
        """GET ``path``."""
        return self.client.get(path, **kw)

    def token(self, path: str = "/login") -> str:
        """The CSRF token of this session, read from the form on ``path``."""
        page = self.client.get(path)
        match = _TOKEN.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {path} ({page.status_code})"
        return match.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None, *, token_from: str | None = None,
             **kw: Any) -> TestResponse:
        """POST a form to ``path`` with the CSRF token taken from ``token_from`` (default: ``path``)."""
        form = {"csrf_token": self.token(token_from or path), **(data or {})}
        return self.client.post(path, data=form, **kw)

    def login(self, username: str, password: str = PASSWORD) -> TestResponse:
        """Log in through the login form."""
        return self.post("/login", {"username": username, "password": password})


def text(response: TestResponse) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def squash(html: str) -> str:
    """``html`` with runs of whitespace made single spaces (to compare rendered text)."""
    return re.sub(r"\s+", " ", html)


def add_users(database: HubDatabase) -> dict[str, int]:
    """An administrator ("admin", Adam Admin) and an analyst ("analityk", Anna Analityk)."""
    with database.transaction() as session:
        admin = auth_ops.create_user(session, username="admin", display_name="Adam Admin", role="admin",
                                     password=PASSWORD)
        analyst = auth_ops.create_user(session, username="analityk", display_name="Anna Analityk",
                                       role="analyst", password=PASSWORD)
        return {"admin": admin.id, "analityk": analyst.id}


def login_as(app: Flask, username: str) -> Web:
    """A client with the session a completed login leaves (spares an argon2 check per test;
    test_web_auth.py drives the real login pages)."""
    client = Web(app.test_client())
    runtime = app.extensions["zszo_hub"]
    with runtime.db.reading() as session:
        user = session.scalar(select(HubUser).where(HubUser.username == username))
        assert user is not None
    with client.client.session_transaction() as cookie:
        now = sessions.now()
        cookie.permanent = True
        cookie.update({sessions.USER: user.id, sessions.VERSION: user.session_version, sessions.LOGIN_AT: now,
                       sessions.SEEN_AT: now})
    return client


def hub_app(hub: HubServer) -> Flask:
    """A web app (for the test client) over the running hub's runtime."""
    return create_app(hub.settings, runtime=hub.runtime)


_TEMPLATE: list[Path] = []


def _users_template() -> Path:
    """A migrated hub database holding the two users, made once per test session (argon2 is slow
    on purpose, so each test copies the hashes instead of computing them again)."""
    if not _TEMPLATE:
        root = Path(tempfile.mkdtemp(prefix="zszo-hub-web-template-"))
        atexit.register(shutil.rmtree, root, True)
        from_template("hub", root / "hub.sqlite")
        database = HubDatabase(root / "hub.sqlite")
        try:
            prepare_hub(database, root / "backups")
            add_users(database)
        finally:
            database.dispose()
        _TEMPLATE.append(root / "hub.sqlite")
    return _TEMPLATE[0]


def start_test_hub(data_dir: Path, *, warehouse: bool = True, **overrides: Any) -> HubServer:
    """A hub serving HTTP on 127.0.0.1 (the warehouse open unless asked not to; tests merge
    explicitly, no merger thread) with the two users; TOTP is off unless the test asks for it."""
    settings = hub_config.load(overrides={"paths.data_dir": data_dir, "web.require_totp": False, **overrides})
    zsqlite.backup(_users_template(), settings["paths.database"])
    runtime = build(settings, open_warehouse=warehouse)
    server, thread = serve(create_app(settings, runtime=runtime))
    return HubServer(settings, runtime, server, thread)


# -- the city -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolPlan:
    """One school of the test city: classes (level, letter) → pupils on :data:`DAY`."""

    rspo: str
    name: str
    kind: str
    district: str
    classes: dict[tuple[int, str], int]
    teachers: int
    inactive_teachers: int = 0


SP1 = SchoolPlan("100101", "Szkoła Podstawowa nr 1 im. Marii Skłodowskiej-Curie", "primary", "Śródmieście",
                 {(1, "a"): 3, (1, "b"): 2, (2, "a"): 4, (2, "b"): 0}, teachers=2)
LO2 = SchoolPlan("100202", "Liceum Ogólnokształcące nr 2 im. Jana Kochanowskiego", "secondary", "Północ",
                 {(1, "a"): 5, (3, "a"): 1}, teachers=1, inactive_teachers=1)
P3 = SchoolPlan("100303", "Łąkowe Przedszkole Miejskie nr 3", "preschool", "Śródmieście", {(0, "a"): 2}, teachers=1)
PLANS = (SP1, LO2, P3)


@dataclass
class City:
    """The running hub with the city's data merged, and the school nodes."""

    hub: HubServer
    nodes: dict[str, SchoolNode] = field(default_factory=dict)
    node_ids: dict[str, str] = field(default_factory=dict)
    rejected_pk: str = ""

    def app(self) -> Flask:
        """A fresh web app over the city's hub."""
        return hub_app(self.hub)


def _birth(level: int, i: int) -> dt.date:
    return dt.date(2020 - level, 1, 1) + dt.timedelta(days=11 * i)


def fill_school(node: SchoolNode, plan: SchoolPlan, serial_base: int) -> str:
    """Write the plan's school through the node's operations; return the director's staff id."""
    with node.db.transaction() as session:
        school = session.scalar(select(School))
        school_ops.save_school(session, {"kind": plan.kind, "district": plan.district}, school)
        year = school_ops.save_school_year(session, {"label": "2026/2027", "starts_on": YEAR_START,
                                                     "ends_on": YEAR_END})
        for i in range(plan.teachers + plan.inactive_teachers):
            member = staff_ops.save_staff_member(session, {"first_name": "Anna", "last_name": f"Ucząca-{i}",
                                                           "position": "teacher"})
            if i >= plan.teachers:
                staff_ops.set_active(session, member, False)
        director = staff_ops.save_staff_member(session, {"first_name": "Zenon", "last_name": "Dyrektorski",
                                                         "position": "director", "email": "dyrektor@example.pl"})
        serial = serial_base
        for (level, letter), pupils in plan.classes.items():
            unit = school_ops.save_class(session, {"school_year_id": year.id, "level": level, "letter": letter})
            unit = session.get(ClassUnit, unit.id)
            extra = 1 if (plan is SP1 and (level, letter) == (2, "a")) else 0  # the pupil who left
            for i in range(pupils + extra):
                sex = "FM"[i % 2]
                birth = _birth(level, i)
                pupil = register.save_pupil(session, {
                    "pesel": pesel.generate(birth, sex, serial), "first_name": "Zofia" if sex == "F" else "Jan",
                    "last_name": f"Ąbecka-{serial}", "birth_date": birth.isoformat(), "sex": sex})
                serial += 1
                enrolment = register.assign_class(session, pupil, unit, starts_on=YEAR_START,
                                                  admission_reason="recruitment")
                if i >= pupils:
                    register.end_enrolment(session, enrolment, ends_on=LEAVER_ENDS, leaving_reason="transfer_out")
        return director.id


def break_record(node: SchoolNode, staff_id: str) -> None:
    """Write an invalid e-mail address straight into SQLite (as a careless import tool would);
    the capture trigger sends it, and the hub's merger must reject it."""
    conn = zsqlite.connect_raw(node.settings["paths.database"])
    try:
        with conn:  # commits
            conn.execute("UPDATE staff_member SET email = 'nie-adres' WHERE id = ?", (staff_id,))
    finally:
        conn.close()


def build_city(root: Path) -> City:
    """The three schools of :data:`PLANS` enrolled at one hub, synced and merged.

    Then, as time would have it: P3 was last heard of three days ago, and LO2's latest contact
    ended in a sequence gap.
    """
    hub = start_test_hub(root / "hub")
    city = City(hub)
    for k, plan in enumerate(PLANS):
        with hub.db.transaction() as session:
            fleet.add_institution(session, rspo=plan.rspo, name=plan.name, kind=plan.kind, district=plan.district)
        node = make_node(root / plan.rspo, rspo=plan.rspo, name=plan.name, hub_url=hub.url)
        city.nodes[plan.rspo] = node
        director = fill_school(node, plan, serial_base=100 * k)
        if plan is SP1:
            break_record(node, director)
            city.rejected_pk = director
        city.node_ids[plan.rspo] = node.enrol(hub.url, hub.issue_token(plan.rspo))["node_id"]
        report = node.sync()
        assert report.ok, report
    hub.merge()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with hub.db.transaction() as session:
        contact = session.get(NodeContact, city.node_ids[P3.rspo])
        contact.last_contact_at = contact.last_success_at = now - dt.timedelta(days=3)
        contact = session.get(NodeContact, city.node_ids[LO2.rspo])
        contact.last_error = "sequence_gap: batch starts at 9, expected 5"
        contact.last_error_at = now
    return city


def close_city(city: City) -> None:
    """Stop the hub and close the node databases."""
    city.hub.close()
    for node in city.nodes.values():
        node.close()



class _Tables(HTMLParser):
    """Collects every table of a page as (caption, rows of cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._caption: list[str] | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(("", []))
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            caption = " ".join("".join(self._caption).split())
            self.tables[-1] = (caption, self.tables[-1][1])
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1][1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        for part in (self._caption, self._cell):
            if part is not None:
                part.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    """Every table of ``html`` by its caption (whitespace collapsed): header row first."""
    parser = _Tables()
    parser.feed(html)
    return dict(parser.tables)


def csv_rows(response: TestResponse) -> list[list[str]]:
    """A CSV download parsed the way Excel reads ours: UTF-8 with BOM, ``;`` between fields."""
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
