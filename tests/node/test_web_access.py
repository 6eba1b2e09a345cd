"""Access rules on the server: roles per page, and teachers limited to the pupils of the classes
they tutor, whatever id they type (IDOR), for GETs and POSTs alike."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from node_agent.register import operations as register_ops
from node_agent.register.models import Enrolment, Pupil
from tests.node.web_factories import text


@pytest.mark.parametrize("username", ["admin", "sekretariat", "dyrektor"])
def test_the_office_sees_every_pupil(as_user, seed, username):
    client = as_user(username)
    for pupil_id in seed.pupil_ids.values():
        assert client.get(f"/pupils/{pupil_id}").status_code == 200
    assert "Znaleziono uczniów: 3" in text(client.get("/pupils"))


def test_teacher_sees_only_the_class_they_tutor(as_user, seed):
    teacher = as_user("nauczyciel")  # tutor of 1a: Zofia Łęcka
    page = text(teacher.get("/pupils"))
    assert "Łęcka Zofia" in page and "Kowalski" not in page and "Lewandowski" not in page
    assert "Znaleziono uczniów: 1" in page
    assert "Dodaj ucznia" not in page
    card = teacher.get(f"/pupils/{seed.pupil_ids['zofia']}")
    assert card.status_code == 200
    assert "Edytuj dane ucznia" not in text(card) and "Dodaj rodzica lub opiekuna" not in text(card)
    other = as_user("nauczyciel2")  # tutor of 2b: Jan Kowalski
    assert "Kowalski Jan" in text(other.get("/pupils")) and "Łęcka" not in text(other.get("/pupils"))


@pytest.mark.parametrize("pupil", ["jan", "lech", "unknown"])
def test_teacher_reading_another_pupil_by_id_gets_403(as_user, seed, pupil):
    pupil_id = seed.pupil_ids.get(pupil, str(uuid.uuid4()))
    response = as_user("nauczyciel").get(f"/pupils/{pupil_id}")
    assert response.status_code == 403
    assert "Brak dostępu" in text(response)


def test_class_filter_cannot_widen_a_teachers_view(as_user, seed):
    page = text(as_user("nauczyciel").get("/pupils", query_string={"class_id": seed.class_ids["2b"]}))
    assert "Kowalski" not in page
    assert "Kowalski Jan" not in text(as_user("nauczyciel").get("/pupils", query_string={"q": "Kowalski"}))


def test_teacher_cannot_change_pupils_even_their_own(as_user, seed, db):
    teacher = as_user("nauczyciel")
    own = seed.pupil_ids["zofia"]
    token_page = f"/pupils/{own}"
    base = f"/pupils/{own}"
    for path in (
        f"{base}/edit",
        f"{base}/class",
        f"{base}/leave",
        f"{base}/guardians/new",
        f"{base}/guardians/find?q=a",
        f"{base}/guardians/{seed.guardian_link_id}/edit",
        f"{base}/guardians/{seed.guardian_link_id}/unlink",
        f"{base}/guardians/link/{seed.guardian_id}",
        "/pupils/new",
    ):
        assert teacher.get(path).status_code == 403, path
    posts = {
        f"{base}/edit": {"first_name": "Hacked", "last_name": "X", "birth_date": "2018-03-14", "sex": "F"},
        "/pupils/new": {"first_name": "New", "last_name": "Pupil", "birth_date": "2018-03-14", "sex": "F"},
        f"{base}/guardians/{seed.guardian_link_id}/unlink": {},
        f"{base}/class": {"class_id": seed.class_ids["2b"], "starts_on": "2026-01-01"},
    }
    for path, data in posts.items():
        assert teacher.post(path, data, token_from=token_page).status_code == 403, path
    with db.read_session() as session:
        pupil = session.get(Pupil, own)
        assert pupil.first_name == "Zofia" and len(pupil.guardian_links) == 1 and len(pupil.enrolments) == 1


def test_teacher_cannot_reach_another_pupils_guardians_by_guessing(as_user, seed):
    other = seed.pupil_ids["jan"]
    assert as_user("nauczyciel2").get(f"/pupils/{other}").status_code == 200
    assert (
        as_user("sekretariat").get(f"/pupils/{other}/guardians/{seed.guardian_link_id}/edit").status_code
        == 404
    )  # link of another pupil


def test_pupil_who_left_the_class_disappears_from_the_tutors_view(as_user, seed, db):
    teacher = as_user("nauczyciel")
    assert teacher.get(f"/pupils/{seed.pupil_ids['zofia']}").status_code == 200
    with db.transaction() as session:
        enrolment = session.scalar(select(Enrolment).where(Enrolment.pupil_id == seed.pupil_ids["zofia"]))
        register_ops.end_enrolment(
            session, enrolment, ends_on=dt.date.today() - dt.timedelta(days=1), leaving_reason="transfer_out"
        )
    assert teacher.get(f"/pupils/{seed.pupil_ids['zofia']}").status_code == 403


def test_teacher_without_a_staff_record_sees_nobody(as_user, db, seed):
    from node_agent.auth.models import UserAccount

    with db.transaction() as session:
        session.get(UserAccount, seed.user_ids["nauczyciel"]).staff_member_id = None
    teacher = as_user("nauczyciel")
    assert "Znaleziono uczniów: 0" in text(teacher.get("/pupils"))
    assert teacher.get(f"/pupils/{seed.pupil_ids['zofia']}").status_code == 403


@pytest.mark.parametrize(
    ("username", "allowed", "forbidden"),
    [
        (
            "nauczyciel",
            ["/pupils", "/account"],
            ["/school", "/school/edit", "/staff", "/staff/new", "/admin/users", "/sync", "/school/subjects"],
        ),
        ("sekretariat", ["/pupils", "/school", "/staff", "/pupils/new"], ["/admin/users", "/sync"]),
        ("dyrektor", ["/pupils", "/school", "/staff", "/sync"], ["/admin/users", "/admin/users/new"]),
        ("admin", ["/pupils", "/school", "/staff", "/sync", "/admin/users"], []),
    ],
)
def test_pages_by_role(as_user, username, allowed, forbidden):
    client = as_user(username)
    for path in allowed:
        assert client.get(path).status_code == 200, path
    for path in forbidden:
        assert client.get(path).status_code == 403, path


def test_menu_follows_the_role(as_user):
    teacher_nav = text(as_user("nauczyciel").get("/pupils")).split('class="site-nav"')[1].split("</nav>")[0]
    assert (
        "Księga uczniów" in teacher_nav and "Szkoła" not in teacher_nav and "Użytkownicy" not in teacher_nav
    )
    admin_nav = text(as_user("admin").get("/pupils")).split('class="site-nav"')[1].split("</nav>")[0]
    assert all(
        item in admin_nav
        for item in ("Księga uczniów", "Szkoła", "Pracownicy", "Użytkownicy", "Synchronizacja")
    )


def test_posts_to_admin_pages_are_refused_for_others(as_user, seed, db):
    from node_agent.auth.models import UserAccount

    secretary = as_user("sekretariat")
    target = seed.user_ids["nauczyciel"]
    assert secretary.post(f"/admin/users/{target}/active", token_from="/account").status_code == 403
    assert (
        secretary.post(
            f"/admin/users/{target}", {"display_name": "X", "role": "admin"}, token_from="/account"
        ).status_code
        == 403
    )
    with db.read_session() as session:
        assert session.get(UserAccount, target).active is True
