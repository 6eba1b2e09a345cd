"""Test factories for the node web app: a seeded node database and a logged-in test client.

The seeded school has one current school year with classes 1a (tutor: teacher Anna Nowak),
2b (tutor: teacher Bogdan Wiśniewski) and 3c (no tutor), a user of every role, and three
pupils. Seeding goes through the same operations the web pages use, so the seed itself is
validated by the protocol's rules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from node_agent.auth import operations as auth_ops
from node_agent.db import Database, prepare
from node_agent.register import operations as register_ops
from node_agent.register.models import ClassUnit
from node_agent.school import operations as school_ops
from node_agent.staff import operations as staff_ops
from protocol import pesel as pesel_rules

PASSWORD = "haslo-testowe-1"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def school_year_dates(today: dt.date) -> tuple[str, dt.date, dt.date]:
    """Label, first and last day of the school year that contains ``today`` (1 Sep – 31 Aug)."""
    start_year = today.year if today.month >= 9 else today.year - 1
    return f"{start_year}/{start_year + 1}", dt.date(start_year, 9, 1), dt.date(start_year + 1, 8, 31)


def make_pesel(birth: dt.date, sex: str, serial: int) -> str:
    """A valid PESEL for ``birth`` and ``sex``."""
    return pesel_rules.generate(birth, sex, serial)


@dataclass
class Seed:
    """Ids of the seeded records."""

    year_id: str
    class_ids: dict[str, str]
    staff_ids: dict[str, str]
    user_ids: dict[str, int]
    pupil_ids: dict[str, str]
    guardian_link_id: str
    guardian_id: str


def seed(db: Database, today: dt.date) -> Seed:
    """Fill ``db`` with the test school (see the module docstring)."""
    label, starts, ends = school_year_dates(today)
    with db.transaction() as session:
        school_ops.save_school(
            session,
            {
                "rspo": "123456",
                "name": "Szkoła Podstawowa nr 7 im. Marii Konopnickiej",
                "kind": "primary",
                "city": "Kraków",
                "postal_code": "30-001",
            },
        )
        year = school_ops.save_school_year(session, {"label": label, "starts_on": starts, "ends_on": ends})
        staff = {
            "anna": staff_ops.save_staff_member(
                session, {"first_name": "Anna", "last_name": "Nowak", "position": "teacher"}
            ),
            "bogdan": staff_ops.save_staff_member(
                session, {"first_name": "Bogdan", "last_name": "Wiśniewski", "position": "teacher"}
            ),
            "celina": staff_ops.save_staff_member(
                session, {"first_name": "Celina", "last_name": "Zając", "position": "director"}
            ),
        }
        classes = {
            "1a": school_ops.save_class(
                session,
                {"school_year_id": year.id, "level": "1", "letter": "a", "tutor_id": staff["anna"].id},
            ),
            "2b": school_ops.save_class(
                session,
                {"school_year_id": year.id, "level": "2", "letter": "b", "tutor_id": staff["bogdan"].id},
            ),
            "3c": school_ops.save_class(session, {"school_year_id": year.id, "level": "3", "letter": "c"}),
        }
        users = {
            "admin": auth_ops.create_user(
                session, username="admin", display_name="Adam Admin", role="admin", password=PASSWORD
            ),
            "sekretariat": auth_ops.create_user(
                session,
                username="sekretariat",
                display_name="Ewa Sekretarz",
                role="secretary",
                password=PASSWORD,
            ),
            "dyrektor": auth_ops.create_user(
                session,
                username="dyrektor",
                display_name="Celina Zając",
                role="director",
                password=PASSWORD,
                staff_member_id=staff["celina"].id,
            ),
            "nauczyciel": auth_ops.create_user(
                session,
                username="nauczyciel",
                display_name="Anna Nowak",
                role="teacher",
                password=PASSWORD,
                staff_member_id=staff["anna"].id,
            ),
            "nauczyciel2": auth_ops.create_user(
                session,
                username="nauczyciel2",
                display_name="Bogdan Wiśniewski",
                role="teacher",
                password=PASSWORD,
                staff_member_id=staff["bogdan"].id,
            ),
        }
        pupils = {}
        for key, first, last, birth, sex, class_key in (
            ("zofia", "Zofia", "Łęcka", dt.date(2018, 3, 14), "F", "1a"),
            ("jan", "Jan", "Kowalski", dt.date(2017, 7, 2), "M", "2b"),
            ("lech", "Lech", "Lewandowski", dt.date(2016, 1, 20), "M", "3c"),
        ):
            pupil = register_ops.save_pupil(
                session,
                {
                    "pesel": make_pesel(birth, sex, 11),
                    "first_name": first,
                    "last_name": last,
                    "birth_date": birth.isoformat(),
                    "sex": sex,
                    "city": "Kraków",
                },
            )
            register_ops.assign_class(
                session,
                pupil,
                session.get(ClassUnit, classes[class_key].id),
                starts_on=starts,
                admission_reason="recruitment",
            )
            pupils[key] = pupil
        guardian = register_ops.save_guardian(
            session,
            {
                "first_name": "Maria",
                "last_name": "Łęcka",
                "phone": "600 100 200",
                "email": "maria@example.pl",
            },
        )
        link = register_ops.link_guardian(session, pupils["zofia"], guardian, relation="mother")
        return Seed(
            year.id,
            {k: c.id for k, c in classes.items()},
            {k: s.id for k, s in staff.items()},
            {k: u.id for k, u in users.items()},
            {k: p.id for k, p in pupils.items()},
            link.id,
            guardian.id,
        )


def make_template(path: Path, today: dt.date) -> Seed:
    """Create, migrate and seed a node database at ``path`` (copied for each test)."""
    db = Database(path)
    try:
        prepare(db, path.parent / "backups")
        return seed(db, today)
    finally:
        db.dispose()


class Web:
    """A test client that knows how to log in and send forms with their CSRF token."""

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

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, token_from: str | None = None, **kw: Any
    ) -> TestResponse:
        """POST a form to ``path`` with the CSRF token taken from ``token_from`` (default: ``path``)."""
        form = {"csrf_token": self.token(token_from or path), **(data or {})}
        return self.client.post(path, data=form, **kw)

    def login(self, username: str, password: str = PASSWORD) -> TestResponse:
        """Log in (no TOTP step: tests run with web.require_totp off unless they say otherwise)."""
        return self.post("/login", {"username": username, "password": password})

    def logout(self) -> TestResponse:
        """Log out through the header's button."""
        return self.post("/logout", token_from="/account")


def text(response: TestResponse) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)
