"""Recruitment end to end: parents apply through the hub's web pages, the school verifies, the office
runs the allocation and publishes the lists, a parent confirms, the admitted pupil reaches the
school's node as a pending admission, and the school office enters the pupil in its register from it.

The web part drives the hub's Flask app with its test client on the hub's own database, while the
real hub (``zszo hub serve``) runs as a process beside it; the school's node is a real ``zszo node``
enrolled at that hub, and its ``zszo node sync`` pulls the admission down. Staff sessions are set up
directly (the login and TOTP pages have their own tests); parents register and log in on the portal.
Moving from stage to stage is the city amending its timetable on the set-up page.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from hub import config as hub_config
from hub.app import create_app as create_hub_app
from hub.recruitment.models import Application
from hub.runtime import build
from node_agent import config as node_config
from node_agent.admissions.models import PendingAdmission
from node_agent.app import create_app as create_node_app
from node_agent.auth.models import UserAccount
from node_agent.register.models import Pupil, RegisterEntry
from node_agent.school import operations as school_ops
from protocol import pesel
from tests.hub.web_factories import Web, login_as, squash, text
from tests.integration.harness import PASSWORD, Service, free_port, run, services
from tests.recruitment.app_factories import city_today, timetable
from zszo.web import sessions

pytestmark = pytest.mark.integration

LO1, LO2 = ("100501", "I Liceum Ogólnokształcące im. Jana Kochanowskiego"), ("100502", "II Liceum Ogólnokształcące")
PARENT_PASSWORD = "haslo-rodzica-1"


def _parent(app, email: str) -> Web:  # type: ignore[no-untyped-def]
    web = Web(app.test_client())
    made = web.post("/portal/register", {"email": email, "password": PARENT_PASSWORD,
                                         "confirm_password": PARENT_PASSWORD})
    assert made.status_code == 302, text(made)
    return web


def _apply(web: Web, campaign_id: int, data: dict[str, str], choices: list[str]) -> int:
    started = web.post(f"/portal/applications/new/{campaign_id}", data)
    assert started.status_code == 302, squash(text(started))[:3000]
    application_id = int(re.search(r"/applications/(\d+)/", started.headers["Location"]).group(1))
    detail = f"/portal/applications/{application_id}"
    assert web.post(f"{detail}/preferences", {f"choice_{i}": c for i, c in enumerate(choices, 1)})\
        .status_code == 302
    assert web.post(f"{detail}/submit", {"statement": "y"}, token_from=detail).status_code == 302
    return application_id


def _amend(admin: Web, campaign_id: int, stage: str) -> None:
    saved = admin.post(f"/recruitment/{campaign_id}/timetable", timetable(stage, city_today()))
    assert saved.status_code == 302, squash(text(saved))[:2000]


def _node_office(settings) -> Web:  # type: ignore[no-untyped-def]
    """The node's admin, logged in on the node's own web app."""
    app = create_node_app(settings)
    client = Web(app.test_client())
    with app.extensions["zszo_db"].read_session() as session:
        admin = session.scalar(select(UserAccount).where(UserAccount.username == "admin"))
        user_id, version = admin.id, admin.session_version
    with client.client.session_transaction() as cookie:
        now = sessions.now()
        cookie.update({sessions.USER: user_id, sessions.VERSION: version, sessions.LOGIN_AT: now,
                       sessions.SEEN_AT: now})
    return client


def test_parents_apply_school_verifies_results_reach_the_node(tmp_path):
    hub_dir, node_dir = tmp_path / "hub", tmp_path / "lo1"
    hub_cfg, node_cfg = hub_dir / "hub.toml", node_dir / "node.toml"
    hub_port = free_port()
    run(["hub", "-c", str(hub_cfg), "init", "--data-dir", str(hub_dir), "--port", str(hub_port),
         "--admin-password", PASSWORD])
    for rspo, name in (LO1, LO2):
        run(["hub", "-c", str(hub_cfg), "institution", "--rspo", rspo, "--name", name, "--kind", "secondary"])
    token = run(["hub", "-c", str(hub_cfg), "enrolment-token", "--rspo", LO1[0]]).stdout.strip()
    hub = Service("hub", ["hub", "-c", str(hub_cfg), "serve"], hub_port, tmp_path / "hub.log")
    with services(hub):
        hub.start()
        out = run(["node", "-c", str(node_cfg), "init", "--data-dir", str(node_dir), "--rspo", LO1[0],
                   "--name", LO1[1], "--kind", "secondary", "--admin-password", PASSWORD, "--hub-url", hub.url,
                   "--token", token]).stdout
        assert "Enrolled as node" in out

        # The web part runs in this process on the hub's database (the served hub keeps the warehouse).
        settings = hub_config.load(hub_cfg)
        runtime = build(settings, open_warehouse=False)
        try:
            app = create_hub_app(settings, runtime=runtime)
            admin = login_as(app, "admin")
            year = f"{city_today().year + 1}/{city_today().year + 2}"
            created = admin.post("/recruitment/new", {"name": f"Licea {year}", "level": "secondary",
                                                      "school_year": year, "max_schools": "3"})
            campaign_id = int(re.search(r"/recruitment/(\d+)/timetable", created.headers["Location"]).group(1))
            _amend(admin, campaign_id, "applications")
            for rspo, name, seats, subjects in ((LO1[0], "1A mat-fiz", "1", ("fiz", "inf")),
                                                (LO2[0], "1C humanistyczna", "5", ("his", "ang"))):
                added = admin.post(f"/recruitment/{campaign_id}/classes/new", {
                    "rspo": rspo, "name": name, "seats": seats, "subject_1": subjects[0], "subject_2": subjects[1]})
                assert added.status_code == 302
            assert admin.post("/recruitment/schools", {"rspo": LO1[0], "username": "lo1-rekrutacja",
                                                       "display_name": "Sekretariat LO 1",
                                                       "password": "haslo-szkoly-1"}).status_code == 302
            offer = text(admin.get(f"/recruitment/{campaign_id}"))
            ids = {name: cid for cid, name in re.findall(r'classes/(\d+)">([^<]+)</a>', offer)}
            assert set(ids) == {"1A mat-fiz", "1C humanistyczna"}

            # Two parents apply for the one seat of 1A; the order they submit in does not matter.
            born = city_today().replace(year=city_today().year - 14, month=3, day=1)
            kasia_data = {"first_name": "Kasia", "last_name": "Źdźbło", "pesel": pesel.generate(born, "F", 7),
                          "street": "ul. Żeromskiego 1", "postal_code": "26-600", "city": "Radom",
                          "guardian_first_name": "Anna", "guardian_last_name": "Źdźbło",
                          "guardian_phone": "600 100 200"}
            tomek_data = {**kasia_data, "first_name": "Tomek", "last_name": "Nowak",
                          "pesel": pesel.generate(born, "M", 8), "guardian_last_name": "Nowak"}
            tomek_parent = _parent(app, "nowak@example.pl")
            tomek = _apply(tomek_parent, campaign_id, tomek_data, [ids["1A mat-fiz"]])
            kasia_parent = _parent(app, "zdzblo@example.pl")
            kasia = _apply(kasia_parent, campaign_id, kasia_data, [ids["1A mat-fiz"], ids["1C humanistyczna"]])

            # The school of first choice verifies both (exam results and grades).
            _amend(admin, campaign_id, "verification")
            school = login_as(app, "lo1-rekrutacja")
            listing = text(school.get("/recruitment/school"))
            assert "Źdźbło" in listing and "Nowak" in listing
            for application_id, grade in ((kasia, "6"), (tomek, "4")):
                page = f"/recruitment/school/applications/{application_id}"
                verified = school.post(f"{page}/verify", {
                    "exam_polish": "85", "exam_maths": "90,5", "exam_language": "77", "grade_polish": "5",
                    "grade_maths": grade, "grade_fiz": grade, "grade_inf": "5", "grade_his": "4", "grade_ang": "5"},
                    token_from=page)
                assert verified.status_code == 302, squash(text(verified))[:3000]

            # The office runs the allocation and publishes the qualified lists.
            _amend(admin, campaign_id, "qualified_list")
            ran = admin.post(f"/recruitment/{campaign_id}/rounds/main/run", {},
                             token_from=f"/recruitment/{campaign_id}")
            assert "Przydział miejsc wykonano. Można go ogłosić." in text(admin.get(ran.headers["Location"]))
            admin.post(f"/recruitment/{campaign_id}/rounds/main/publish-qualified", {},
                       token_from=f"/recruitment/{campaign_id}")
            kasia_page = squash(text(kasia_parent.get(f"/portal/applications/{kasia}")))
            assert "Zakwalifikowany: potwierdź wolę uczęszczania w terminie" in kasia_page
            assert "Klasa: 1A mat-fiz" in kasia_page
            assert "Niezakwalifikowany" in squash(text(tomek_parent.get(f"/portal/applications/{tomek}")))

            # Kasia's parent confirms the will; the office publishes the admitted lists.
            _amend(admin, campaign_id, "confirmation")
            detail = f"/portal/applications/{kasia}"
            assert kasia_parent.post(f"{detail}/confirm", {}, token_from=detail).status_code == 302
            _amend(admin, campaign_id, "admitted_list")
            published = admin.post(f"/recruitment/{campaign_id}/rounds/main/publish-admitted", {},
                                   token_from=f"/recruitment/{campaign_id}")
            after = squash(text(admin.get(published.headers["Location"])))
            assert "Przyjęci: 1. Wysłano do serwerów szkół: 1; czeka na serwer szkoły: 0." in after
            lists = squash(text(school.get(f"/recruitment/{campaign_id}/rounds/main/lists/{LO1[0]}/admitted")))
            assert "Źdźbło" in lists and kasia_data["pesel"] not in lists and tomek_data["pesel"] not in lists
            assert "Przyjęty" in squash(text(kasia_parent.get(detail)))
            with runtime.db.reading() as session:
                public_id = session.get(Application, kasia).public_id
        finally:
            runtime.close()

        # The school's node pulls the admission down with its ordinary sync.
        synced = run(["node", "-c", str(node_cfg), "sync"]).stdout
        assert "0 changes waiting" in synced, synced
    node_settings = node_config.load(node_cfg)
    office = _node_office(node_settings)
    page = squash(text(office.get("/pupils/admissions")))
    assert "Przyjęcia z rekrutacji" in page and "Źdźbło Kasia" in page and "1A mat-fiz" in page
    assert "Nowak" not in page  # not admitted: never sent
    with create_node_app(node_settings).extensions["zszo_db"].read_session() as session:
        admissions = list(session.scalars(select(PendingAdmission)))
    assert [(a.id, a.pesel, a.class_name, a.status, a.guardian_email) for a in admissions] == [
        (public_id, kasia_data["pesel"], "1A mat-fiz", "pending", "zdzblo@example.pl")]

    # The school office sets up next year's class and enters Kasia in the pupil register from the admission.
    node_db = create_node_app(node_settings).extensions["zszo_db"]
    first_day = dt.date(int(year[:4]), 9, 1)
    with node_db.transaction() as session:
        next_year = school_ops.save_school_year(session, {"label": year, "starts_on": first_day.isoformat(),
                                                          "ends_on": dt.date(first_day.year + 1, 8, 31).isoformat()})
        class_id = school_ops.save_class(session, {"school_year_id": next_year.id, "level": "1", "letter": "a",
                                                   "profile": "mat-fiz"}).id
    enrol = f"/pupils/admissions/{public_id}/enrol"
    form = squash(text(office.get(enrol)))
    assert "Wpisz ucznia do księgi uczniów: Kasia Źdźbło" in form and f'value="{first_day.isoformat()}"' in form
    entered = office.post(enrol, {"class_id": class_id, "admitted_on": first_day.isoformat(),
                                  "admission_decision": "R/1/2027", "admission_decided_on": first_day.isoformat(),
                                  "relation": "mother"})
    assert entered.status_code == 302, squash(text(entered))[:3000]
    with node_db.read_session() as session:
        admission = session.get(PendingAdmission, public_id)
        pupil = session.get(Pupil, admission.pupil_id)
        entry = session.scalar(select(RegisterEntry).where(RegisterEntry.pupil_id == pupil.id))
        assert (admission.status, pupil.pesel, entry.admission_reason) == ("done", kasia_data["pesel"], "recruitment")
        assert entry.number and entry.number == pupil.register_number
    assert f"numer w księdze {entry.number}" in squash(text(office.get("/pupils/admissions")))
