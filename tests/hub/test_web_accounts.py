"""The administrator's account pages: list, add (administrator or analyst), deactivate and
reactivate, reset TOTP, set a password; analysts cannot reach them."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from hub.auth.models import HubUser
from tests.hub.web_factories import PASSWORD, Web, login_as, squash, text
from tests.sync.helpers import HubServer
from zszo import security


def _user(hub: HubServer, username: str) -> HubUser | None:
    with hub.db.reading() as session:
        return session.scalar(select(HubUser).where(HubUser.username == username))


def test_admin_lists_accounts(as_user):
    page = squash(text(as_user("admin").get("/admin/users")))
    assert "<caption>Konta pracowników wydziału</caption>" in page
    assert '<th scope="row"><a href="/admin/users/2">analityk</a></th> <td>Anna Analityk</td> <td>Analityk</td>' in page


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/users/1", "/admin/users/1/password"])
def test_analyst_cannot_open_account_pages(as_user, path):
    response = as_user("analityk").get(path)
    assert response.status_code == 403 and "Brak dostępu" in text(response)


def test_analyst_cannot_post_account_changes(web_hub, as_user):
    analyst = as_user("analityk")
    response = analyst.post("/admin/users/1/active", token_from="/account")
    assert response.status_code == 403
    assert _user(web_hub, "admin").active


def test_admin_adds_an_analyst_who_can_log_in(web_hub, web_app, caplog):
    caplog.set_level(logging.INFO)
    admin = login_as(web_app, "admin")
    response = admin.post("/admin/users/new", {
        "username": "Ewa.Nowak", "display_name": "Ewa Nowak", "role": "analyst",
        "new_password": "dobre-haslo-2026", "confirm_password": "dobre-haslo-2026"})
    assert response.status_code == 302
    assert "Konto zostało utworzone." in text(admin.get(response.headers["Location"]))
    created = _user(web_hub, "ewa.nowak")
    assert created.role == "analyst" and created.display_name == "Ewa Nowak" and not created.totp_enabled
    assert "user created by=admin user=ewa.nowak role=analyst" in caplog.text
    assert "dobre-haslo-2026" not in caplog.text
    assert Web(web_app.test_client()).login("ewa.nowak", "dobre-haslo-2026").status_code == 302


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"username": "ewa nowak"}, "username", "Użyj od 1 do 64 liter, cyfr, kropek, myślników lub podkreśleń"),
    ({"username": "admin"}, "username", "Ta nazwa użytkownika jest już zajęta"),
    ({"display_name": " "}, "display_name", "Wpisz imię i nazwisko użytkownika"),
    ({"role": "secretary"}, "role", "Wybierz jedną z wymienionych ról"),
    ({"new_password": "krotkie", "confirm_password": "krotkie"}, "new_password",
     "Hasło musi mieć co najmniej 10 znaków"),
    ({"confirm_password": "inne-haslo-2026"}, "confirm_password", "Hasła nie są takie same"),
])
def test_bad_new_account_is_refused_with_a_polish_message(web_hub, as_user, data, field, message):
    form = {"username": "ewa.nowak", "display_name": "Ewa Nowak", "role": "analyst",
            "new_password": "dobre-haslo-2026", "confirm_password": "dobre-haslo-2026", **data}
    response = as_user("admin").post("/admin/users/new", form)
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in text(response)
    assert 'value="dobre-haslo-2026"' not in text(response)  # passwords are never sent back
    assert _user(web_hub, "ewa.nowak") is None


def test_deactivate_and_reactivate_end_sessions(web_hub, web_app):
    admin, analyst = login_as(web_app, "admin"), login_as(web_app, "analityk")
    uid = _user(web_hub, "analityk").id
    response = admin.post(f"/admin/users/{uid}/active", token_from=f"/admin/users/{uid}")
    assert "Konto zostało dezaktywowane." in text(admin.get(response.headers["Location"]))
    assert not _user(web_hub, "analityk").active
    assert analyst.get("/dashboard").status_code == 302
    assert "Nieprawidłowa nazwa użytkownika lub hasło" in text(Web(web_app.test_client()).login("analityk"))
    admin.post(f"/admin/users/{uid}/active", token_from=f"/admin/users/{uid}")
    assert _user(web_hub, "analityk").active


def test_admin_cannot_deactivate_or_demote_themselves(web_hub, as_user):
    admin = as_user("admin")
    uid = _user(web_hub, "admin").id
    response = admin.post(f"/admin/users/{uid}/active", token_from=f"/admin/users/{uid}")
    assert "Nie możesz dezaktywować własnego konta." in text(admin.get(response.headers["Location"]))
    demote = admin.post(f"/admin/users/{uid}", {"display_name": "Adam Admin", "role": "analyst"})
    assert demote.status_code == 422 and "Nie możesz odebrać sobie roli administratora" in text(demote)
    assert _user(web_hub, "admin").active and _user(web_hub, "admin").role == "admin"


def test_reset_totp_forgets_the_app_and_ends_sessions(web_hub, web_app):
    with web_hub.db.transaction() as session:
        user = session.scalar(select(HubUser).where(HubUser.username == "analityk"))
        user.totp_secret, user.totp_enabled = "JBSWY3DPEHPK3PXP", True
        uid = user.id
    analyst = login_as(web_app, "analityk")
    admin = login_as(web_app, "admin")
    assert "Zresetuj aplikację uwierzytelniającą" in text(admin.get(f"/admin/users/{uid}"))
    admin.post(f"/admin/users/{uid}/reset-totp", token_from=f"/admin/users/{uid}")
    user = _user(web_hub, "analityk")
    assert not user.totp_enabled and user.totp_secret is None
    assert analyst.get("/dashboard").status_code == 302


def test_admin_sets_a_password_for_someone(web_hub, as_user):
    uid = _user(web_hub, "analityk").id
    admin = as_user("admin")
    bad = admin.post(f"/admin/users/{uid}/password", {"new_password": "krotkie", "confirm_password": "krotkie"})
    assert bad.status_code == 422 and "Hasło musi mieć co najmniej 10 znaków" in text(bad)
    ok = admin.post(f"/admin/users/{uid}/password", {"new_password": "nowe-haslo-2026",
                                                     "confirm_password": "nowe-haslo-2026"})
    assert ok.status_code == 302
    assert security.verify_password(_user(web_hub, "analityk").password_hash, "nowe-haslo-2026")
    assert not security.verify_password(_user(web_hub, "analityk").password_hash, PASSWORD)
