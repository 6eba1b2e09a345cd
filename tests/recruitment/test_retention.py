"""Retention: non-admitted candidates' data goes one year after the campaign ends, unless a complaint
is flagged; admitted pupils stay; the command line does the same, and a dry run deletes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from hub.recruitment.campaign import operations as setup
from hub.recruitment.models import Application, Candidate, Declaration, Preference, RecruitmentLog
from hub.recruitment.retention import purge_due, purge_expired
from hub.recruitment.stages import campaign_end
from tests.hub.web_factories import text
from tests.recruitment.app_factories import (
    P1,
    child,
    city_today,
    class_ids,
    hub_fixture,
    login_as,
    make_campaign,
    make_parent,
    preschool_criteria,
    store_fixture,
    submitted,
    toddler_birth,
)
from zszo.cli import main

store_ = pytest.fixture(name="store")(store_fixture)
hub_ = pytest.fixture(name="hub")(hub_fixture)


def _counts(session) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    return tuple(session.scalar(select(func.count()).select_from(model))
                 for model in (Application, Candidate, Preference, Declaration))  # type: ignore[return-value]


def _campaign_with_three(session):  # type: ignore[no-untyped-def]
    """Three applications: one admitted, one with a complaint, one neither."""
    campaign = make_campaign(session, "preschool")
    preschool_criteria(session, city_today().replace(year=city_today().year - 1))
    p1 = class_ids(session, campaign)[(P1, "Grupa 3-latków")]
    parent = make_parent(session, "retencja@example.pl")
    apps = [submitted(session, campaign, parent.id, child(80 + i, toddler_birth(campaign, i)), [p1],
                      codes=("large_family",)) for i in range(3)]
    apps[0].admitted = True
    setup.set_complaint(session, apps[1], {"complaint": "y", "complaint_note": "Skarga do WSA"}, by="admin")
    return campaign, [a.id for a in apps]


def test_purge_waits_a_year_and_spares_admitted_and_complaints(store):
    with store.db.transaction() as session:
        campaign, (admitted, complained, other) = _campaign_with_three(session)
        due = purge_due(campaign)
        assert due == campaign_end(campaign).replace(year=campaign_end(campaign).year + 1) + dt.timedelta(days=1)
        early = purge_expired(session, due - dt.timedelta(days=1))
        assert (early.applications, early.candidates) == (0, 0)
        assert _counts(session) == (3, 3, 3, 3)
        report = purge_expired(session, due)
        assert (report.campaigns, report.applications, report.candidates, report.kept_for_complaints) == \
            ([campaign.id], 1, 1, 1)
    with store.db.reading() as session:
        assert sorted(session.scalars(select(Application.id))) == [admitted, complained]
        assert _counts(session) == (2, 2, 2, 2)  # the deleted application's rows went with it
        log = session.scalar(select(RecruitmentLog).where(RecruitmentLog.action == "retention_purge"))
        assert log.detail == "1 applications" and other not in (log.application_id,)
    # Once the complaint is closed, the next run deletes that candidate too.
    with store.db.transaction() as session:
        setup.set_complaint(session, session.get(Application, complained), {"complaint": ""}, by="admin")
        assert purge_expired(session, due).applications == 1
    with store.db.reading() as session:
        assert list(session.scalars(select(Application.id))) == [admitted]


def test_a_complaint_needs_a_note(store):
    from hub.recruitment.errors import RecruitmentError
    from zszo.i18n import gettext_for

    with store.db.transaction() as session:
        _campaign, (_a, _b, other) = _campaign_with_three(session)
        with pytest.raises(RecruitmentError) as exc:
            setup.set_complaint(session, session.get(Application, other), {"complaint": "y"}, by="admin")
    assert exc.value.messages(gettext_for("pl")) == ["Notatka: pole jest wymagane"]


def test_purge_command(store, tmp_path):
    with store.db.transaction() as session:
        campaign, _ids = _campaign_with_three(session)
        due = purge_due(campaign)
    store.db.dispose()
    env = {"ZSZO_HUB_PATHS_DATABASE": str(store.db.path), "ZSZO_HUB_PATHS_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    dry = runner.invoke(main, ["recruitment", "purge", "--today", due.isoformat(), "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert dry.output.strip() == ("Do usunięcia: 1 wniosków i 1 kandydatów z 1 rekrutacji; "
                                  "zachowane z powodu skarg: 1.")
    done = runner.invoke(main, ["recruitment", "purge", "--today", due.isoformat()], env=env)
    assert done.output.strip() == "Usunięto 1 wniosków i 1 kandydatów z 1 rekrutacji; zachowane z powodu skarg: 1."
    with store.db.reading() as session:
        assert _counts(session)[0] == 2
    again = runner.invoke(main, ["recruitment", "purge", "--today", due.isoformat()], env=env)
    assert again.output.startswith("Usunięto 0 wniosków")


def test_the_office_flags_a_complaint_on_the_application_page(hub):
    with hub.db.transaction() as session:
        _campaign, (_a, _b, other) = _campaign_with_three(session)
    admin = login_as(hub.app, "admin")
    found = admin.get(f"/recruitment/applications?number={other}")
    assert found.headers["Location"].endswith(f"/recruitment/applications/{other}")
    assert admin.get("/recruitment/applications?number=999").headers["Location"].endswith("/recruitment")
    page = f"/recruitment/applications/{other}"
    refused = admin.post(page, {"complaint": "y", "complaint_note": ""})
    assert refused.status_code == 422 and "Notatka: pole jest wymagane" in text(refused)
    assert admin.post(page, {"complaint": "y", "complaint_note": "Skarga do WSA z 3.07"}).status_code == 302
    assert login_as(hub.app, "analityk").get(page).status_code == 403
    with hub.db.reading() as session:
        application = session.get(Application, other)
        assert (application.complaint, application.complaint_note) == (True, "Skarga do WSA z 3.07")
        views = session.scalars(select(RecruitmentLog.action).where(RecruitmentLog.application_id == other)).all()
    assert views.count("application_view") == 3 and "complaint_set" in views
