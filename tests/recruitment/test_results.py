"""Results and after: allocation runs from verified applications, ties for the commission or the
city's lottery, publication, confirmation of will, admitted lists with cut-offs and free seats,
appeal justifications, the supplementary round, and admitted pupils queued to their school's node."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from hub.fleet.models import Node
from hub.recruitment.campaign import operations as setup
from hub.recruitment.errors import RecruitmentError
from hub.recruitment.models import AllocationRun, Application, Campaign
from hub.recruitment.portal import operations as portal_ops
from hub.recruitment.results import operations as results
from hub.recruitment.results.queries import free_seats, justification, school_lists
from hub.recruitment.schools import operations as schools
from hub.sync.models import DownlinkEntry
from tests.hub.web_factories import squash, text
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
    store_fixture,
    submitted,
    teen_birth,
    toddler_birth,
)
from zszo.i18n import gettext_for

pl = gettext_for("pl")
hub_ = pytest.fixture(name="hub")(hub_fixture)
store_ = pytest.fixture(name="store")(store_fixture)


def _grades(polish: int, maths: int, **subjects: int) -> dict[str, str]:
    data = {"exam_polish": "60", "exam_maths": "60", "exam_language": "60", "grade_polish": str(polish),
            "grade_maths": str(maths)}
    data.update({f"grade_{code}": str(grade) for code, grade in subjects.items()})
    return data


def _preschool(session, lottery_seed=None):  # type: ignore[no-untyped-def]
    """P1 has 2 seats, P2 one. Ala (1, 20) and Ola, Ela (0, 20) want P1; Ida (0, 0) wants P2 first."""
    campaign = make_campaign(session, "preschool", lottery_seed=lottery_seed)
    preschool_criteria(session, city_today().replace(year=city_today().year - 1))
    ids = class_ids(session, campaign)
    p1, p2 = ids[(P1, "Grupa 3-latków")], ids[(P2, "Grupa 3-latków")]
    parent = make_parent(session, "rodzice@example.pl")
    born = toddler_birth(campaign)
    people = {
        "Ala": ([p1, p2], ("large_family", "working_parents")), "Ola": ([p1, p2], ("working_parents",)),
        "Ela": ([p1], ("working_parents",)), "Ida": ([p2, p1], ()),
    }
    apps = {}
    for serial, (name, (choices, codes)) in enumerate(people.items()):
        apps[name] = submitted(session, campaign, parent.id, child(40 + serial, born, first_name=name), choices,
                               codes=codes)
    for application in apps.values():
        decisions = {f"decision_{d.code}": "confirmed" for d in application.declarations}
        schools.save_verification(session, application, decisions, by="p1", today=city_today())
    move_to(session, campaign, "qualified_list")
    return campaign, {name: a.id for name, a in apps.items()}, (p1, p2)


def test_exact_ties_at_a_cutoff_go_to_the_commission(store):
    with store.db.transaction() as session:
        campaign, apps, (p1, _p2) = _preschool(session)
        run = results.run_allocation(session, campaign, "main", by="admin", today=city_today())
        assert not run.publishable
        assert json.loads(run.ties_json) == [{"class_id": str(p1), "key": [0, 20], "kind": "cutoff",
                                              "candidates": sorted([str(apps["Ola"]), str(apps["Ela"])])}]
        with pytest.raises(RecruitmentError) as exc:
            results.publish_qualified(session, campaign, "main", by="admin", today=city_today())
        assert exc.value.messages(pl) == [
            "Przydział miejsc: o miejscach decydują równe wyniki: przed ogłoszeniem musi je rozstrzygnąć komisja"]
        # The city adopts a published lottery; the run can then be published.
        setup.set_lottery(session, campaign, {"lottery_seed": "20270315"}, by="admin")
        again = results.run_allocation(session, campaign, "main", by="admin", today=city_today())
        assert again.publishable and json.loads(again.output_json)["lottery"]
        results.publish_qualified(session, campaign, "main", by="admin", today=city_today())
        placed = {name: session.get(Application, i).qualified_class_id for name, i in apps.items()}
    assert placed["Ala"] == p1
    winner = "Ola" if placed["Ola"] == p1 else "Ela"
    assert placed[winner] == p1 and sum(1 for v in placed.values() if v == p1) == 2
    # Whoever lost the lottery for P1 moves down their list: Ola to P2 (ahead of Ida), Ela nowhere.
    assert placed == ({"Ala": p1, "Ola": p1, "Ela": None, "Ida": _p2} if winner == "Ola"
                      else {"Ala": p1, "Ela": p1, "Ola": _p2, "Ida": None})


def test_the_input_file_is_the_audited_allocation(store):
    from hub.recruitment.allocation import allocate
    from hub.recruitment.audit_io import read_input, read_output

    with store.db.transaction() as session:
        campaign, _apps, _ = _preschool(session, lottery_seed=7)
        run = results.run_allocation(session, campaign, "main", by="admin", today=city_today())
        data = read_input(run.input_json)
        again = allocate(data.classes, data.candidates, data.lottery_seed)
        published = read_output(run.output_json)
    assert again.assignments == published.assignments and again.lottery == published.lottery
    assert "Żółkiewska" not in run.input_json + run.output_json  # numbers only, never names


def _secondary_flow(session):  # type: ignore[no-untyped-def]
    """LO1 1A (2 seats) and 1B (2), LO2 1C (2); four verified candidates, then the qualified list."""
    campaign = make_campaign(session, "secondary")
    ids = class_ids(session, campaign)
    a, b, c = ids[(LO1, "1A mat-fiz")], ids[(LO1, "1B biol-chem")], ids[(LO2, "1C humanistyczna")]
    parent = make_parent(session, "rodzina@example.pl")
    plan = {  # name: (choices, grades) – points differ only by the class subjects
        "Adam": ([a, b], _grades(6, 6, fiz=6, inf=6, bio=2, chem=2)),
        "Bogna": ([a, c], _grades(6, 6, fiz=5, inf=5, his=2, ang=2)),
        "Cezary": ([a, b], _grades(6, 6, fiz=4, inf=4, bio=6, chem=6)),
        "Dorota": ([a], _grades(2, 2, fiz=2, inf=2)),
    }
    apps = {}
    for serial, (name, (choices, grades)) in enumerate(plan.items()):
        application = submitted(session, campaign, parent.id, child(60 + serial, teen_birth(campaign, serial),
                                                                    first_name=name), choices)
        schools.save_verification(session, application, grades, by="lo1", today=city_today())
        apps[name] = application.id
    move_to(session, campaign, "qualified_list")
    run = results.run_allocation(session, campaign, "main", by="admin", today=city_today())
    assert run.publishable
    results.publish_qualified(session, campaign, "main", by="admin", today=city_today())
    return campaign, apps, (a, b, c)


def test_publication_confirmation_admission_and_sending_to_the_node(store):
    with store.db.transaction() as session:
        campaign, apps, (a, b, c) = _secondary_flow(session)
        placed = {name: session.get(Application, i).qualified_class_id for name, i in apps.items()}
        # 1A's two seats go to Adam (physics 6, IT 6) and Bogna (5, 5); Cezary has 1B, Dorota nothing.
        assert placed == {"Adam": a, "Bogna": a, "Cezary": b, "Dorota": None}
        with pytest.raises(RecruitmentError) as exc:  # not yet the confirmation stage
            portal_ops.confirm_will(session, session.get(Application, apps["Adam"]), city_today(), by="parent:1")
        assert "(potwierdzenie woli)" in exc.value.messages(pl)[0]
        move_to(session, campaign, "confirmation")
        for name in ("Adam", "Cezary"):  # Bogna does not confirm and loses her seat
            portal_ops.confirm_will(session, session.get(Application, apps[name]), city_today(), by="parent:1")
        with pytest.raises(RecruitmentError) as exc:
            portal_ops.confirm_will(session, session.get(Application, apps["Dorota"]), city_today(), by="parent:1")
        assert exc.value.messages(pl) == ["Potwierdzenie woli: kandydat nie został zakwalifikowany do żadnej klasy"]
        node_id = str(uuid.uuid4())
        session.add(Node(id=node_id, rspo=LO1, name="Serwer LO 1", kid="k1", sign_key="s", kex_key="x",
                         fingerprint="f"))
        move_to(session, campaign, "admitted_list")
        outcome = results.publish_admitted(session, campaign, "main", by="admin", today=city_today())
        assert (outcome.admitted, outcome.sent, outcome.waiting) == (2, 2, 0)
        messages = list(session.scalars(select(DownlinkEntry).where(DownlinkEntry.node_id == node_id)
                                        .order_by(DownlinkEntry.seq)))
        bodies = [json.loads(m.body) for m in messages]
        assert [m.kind for m in messages] == ["recruitment_admission"] * 2
        assert sorted((body["pupil"]["first_name"], body["class_name"]) for body in bodies) == [
            ("Adam", "1A mat-fiz"), ("Cezary", "1B biol-chem")]
        assert bodies[0]["guardian"]["email"] == "rodzina@example.pl" and bodies[0]["pupil"]["pesel"]
        assert results.send_admissions(session, campaign) == (0, 0)  # each pupil is sent once
        lists = school_lists(session, campaign, LO1, "main", "admitted")
        seats = free_seats(session, campaign)
    assert [(e.first_names, e.class_name) for e in lists.positive] == [("Adam", "1A mat-fiz"),
                                                                      ("Cezary", "1B biol-chem")]
    assert sorted(e.first_names for e in lists.negative) == ["Bogna", "Dorota"]
    by_class = {s.name: (s.seats, s.admitted, s.free, s.cutoff) for s in lists.classes}
    assert by_class["1A mat-fiz"][:3] == (2, 1, 1) and by_class["1A mat-fiz"][3] is not None
    assert by_class["1B biol-chem"] == (2, 1, 1, None)  # not full: no cut-off
    assert seats == {a: 1, b: 1, c: 2}


def test_lists_and_justification_pages(hub):
    with hub.db.transaction() as session:
        campaign, apps, (a, _b, _c) = _secondary_flow(session)
        move_to(session, campaign, "confirmation")
        for name in ("Adam", "Bogna", "Cezary"):
            portal_ops.confirm_will(session, session.get(Application, apps[name]), city_today(), by="parent:1")
        move_to(session, campaign, "admitted_list")
        results.publish_admitted(session, campaign, "main", by="admin", today=city_today())
        school_account(session, "lo1", LO1)
        school_account(session, "lo2", LO2)
        dorota = session.get(Application, apps["Dorota"])
        pesels = [session.get(Application, i).candidate.pesel for i in apps.values()]
        parent_id, campaign_id = dorota.candidate.parent_id, campaign.id
        rows = justification(session, dorota)
    path = f"/recruitment/{campaign_id}/rounds/main/lists/{LO1}/admitted"
    page = squash(text(login_as(hub.app, "lo1").get(path)))
    assert "Lista kandydatów przyjętych" in page and "Adam" in page and "Dorota" in page
    assert not any(pesel in page for pesel in pesels)
    assert login_as(hub.app, "lo2").get(path).status_code == 403  # another school's list
    assert login_as(hub.app, "admin").get(path).status_code == 200
    # Dorota's justification: her key for 1A is below its cut-off (Bogna's key).
    assert [(r.class_id, r.outcome) for r in rows] == [(a, "below_cutoff")]
    assert rows[0].key < rows[0].cutoff
    parent = as_parent(hub.app, parent_id)
    status = squash(text(parent.get(f"/portal/applications/{apps['Dorota']}")))
    assert "Nieprzyjęty" in status
    why = squash(text(parent.get(f"/portal/applications/{apps['Dorota']}/justification")))
    assert "wynik poniżej progu klasy" in why and "Próg" in why


def test_the_supplementary_round_fills_the_free_seats(store):
    with store.db.transaction() as session:
        campaign, apps, (a, b, c) = _secondary_flow(session)
        move_to(session, campaign, "confirmation")
        portal_ops.confirm_will(session, session.get(Application, apps["Adam"]), city_today(), by="parent:1")
        move_to(session, campaign, "admitted_list")
        results.publish_admitted(session, campaign, "main", by="admin", today=city_today())
        move_to(session, campaign, "supplementary")
        dorota = session.get(Application, apps["Dorota"])
        portal_ops.join_supplementary(session, dorota, city_today())
        with pytest.raises(RecruitmentError):  # Adam was admitted: no second round for him
            portal_ops.join_supplementary(session, session.get(Application, apps["Adam"]), city_today())
        setup.save_class(session, campaign, {"rspo": LO2, "name": "1D pełna", "seats": "1", "subject_1": "his",
                                             "subject_2": "ang"}, by="admin")
        full = class_ids(session, session.get(Campaign, campaign.id))[(LO2, "1D pełna")]
        session.add(Application(public_id=str(uuid.uuid4()), campaign_id=campaign.id,
                                candidate_id=dorota.candidate_id, identity="pesel:00000000000", status="verified",
                                round="main", admitted=True, qualified_class_id=full, guardian_first_name="X",
                                guardian_last_name="Y", guardian_phone="600100200"))
        session.flush()
        with pytest.raises(RecruitmentError) as exc:
            portal_ops.save_preferences(session, dorota, [str(full)], city_today())
        assert exc.value.messages(pl) == ["Wybór 1: ta klasa nie ma wolnych miejsc w rekrutacji uzupełniającej"]
        portal_ops.save_preferences(session, dorota, [str(b)], city_today())
        portal_ops.submit(session, dorota, {"statement": "y"}, city_today())
        schools.save_verification(session, dorota, _grades(2, 2, bio=6, chem=6), by="lo1", today=city_today())
        run = results.run_allocation(session, campaign, "supplementary", by="admin", today=city_today())
        seats = {c["id"]: c["seats"] for c in json.loads(run.input_json)["classes"]}
        assert seats[str(a)] == 1 and seats[str(b)] == 2 and seats[str(full)] == 0
        results.publish_qualified(session, campaign, "supplementary", by="admin", today=city_today())
        portal_ops.confirm_will(session, dorota, city_today(), by="parent:1")
        outcome = results.publish_admitted(session, campaign, "supplementary", by="admin", today=city_today())
        assert (outcome.admitted, outcome.sent, outcome.waiting) == (1, 0, 3)  # no node yet: Adam, Dorota, 1D wait
        assert session.get(Application, apps["Dorota"]).qualified_class_id == b
        runs = list(session.scalars(select(AllocationRun.round).order_by(AllocationRun.id)))
    assert runs == ["main", "supplementary"]


def test_the_office_sees_the_ties_and_downloads_the_run(hub):
    from hub.recruitment.audit_io import read_input
    from hub.recruitment.models import RecruitmentLog

    with hub.db.transaction() as session:
        campaign, apps, _ = _preschool(session)
        campaign_id = campaign.id
    admin = login_as(hub.app, "admin")
    overview = f"/recruitment/{campaign_id}"
    ran = admin.post(f"{overview}/rounds/main/run", {}, token_from=overview)
    page = squash(text(admin.get(ran.headers["Location"])))
    assert "Przydział miejsc wykonano, ale o miejscach decydują równe wyniki: musi je rozstrzygnąć komisja." in page
    refused = admin.post(f"{overview}/rounds/main/publish-qualified", {}, token_from=overview)
    assert "o miejscach decydują równe wyniki: przed ogłoszeniem musi je rozstrzygnąć komisja" in \
        squash(text(admin.get(refused.headers["Location"])))
    with hub.db.reading() as session:
        run = session.scalar(select(AllocationRun))
    detail = squash(text(admin.get(f"{overview}/runs/{run.id}")))
    assert "Równe wyniki do rozstrzygnięcia przez komisję" in detail
    assert f"{apps['Ola']} (Ola Żółkiewska-41)" in detail and f"{apps['Ela']} (Ela Żółkiewska-42)" in detail
    download = admin.get(f"{overview}/runs/{run.id}/input.json")
    assert download.headers["Content-Type"] == "application/json"
    assert len(read_input(download.get_data()).candidates) == 4
    with hub.db.reading() as session:
        assert session.scalar(select(RecruitmentLog.action).where(RecruitmentLog.action == "ties_view"))
