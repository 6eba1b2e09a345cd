"""The director downloads the signed e-journal files from the web app; nobody else may."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from node_agent.audit.models import AuditEvent
from node_agent.db import Database
from node_agent.sync import identity
from protocol import ejournal
from tests.ejournal.factories import Journal
from tests.node.web_factories import Seed, Web


def node_key(app: Flask):  # type: ignore[no-untyped-def]
    return identity.load_or_create_keys(app.config["ZSZO_SETTINGS"]["paths.keys"]).public.sign


def test_director_downloads_a_class_and_the_year(app: Flask, as_user: Callable[[str], Web], seed: Seed,
                                                 journal: Journal, db: Database) -> None:
    web = as_user("dyrektor")
    page = web.get("/ejournal")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Archiwum dziennika" in text and "Klasa 1a – podpisany plik XML" in text
    link = f"/ejournal/{seed.year_id}/{seed.class_ids['1a']}.xml"
    assert link in text
    answer = web.get(link)
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    assert 'attachment; filename="dziennik-' in answer.headers["Content-Disposition"]
    verdict = ejournal.verify(answer.data, [node_key(app)])
    assert verdict.ok and verdict.summary["class"] == "1a"
    year = web.get(f"/ejournal/{seed.year_id}.zip")
    assert year.status_code == 200 and year.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(year.data)) as zipped:
        names = zipped.namelist()
        assert len(names) == 3
        assert all(ejournal.verify(zipped.read(n), [node_key(app)]).ok for n in names)
    with db.read_session() as session:
        purposes = list(session.scalars(select(AuditEvent.purpose).where(AuditEvent.entity == "class_unit")))
    assert purposes.count("ejournal_archive") == 4


@pytest.mark.parametrize("username", ["nauczyciel", "sekretariat", "admin"])
def test_others_may_not(as_user: Callable[[str], Web], seed: Seed, username: str) -> None:
    web = as_user(username)
    assert web.get("/ejournal").status_code == 403
    assert web.get(f"/ejournal/{seed.year_id}/{seed.class_ids['1a']}.xml").status_code == 403


def test_unknown_class_is_404(as_user: Callable[[str], Web], seed: Seed) -> None:
    web = as_user("dyrektor")
    assert web.get(f"/ejournal/{seed.year_id}/nope.xml").status_code == 404
    assert web.get("/ejournal/nope.zip").status_code == 404
