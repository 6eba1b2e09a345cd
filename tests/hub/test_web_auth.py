"""Logging in to the hub: passwords, throttling, forced TOTP set-up and codes, logout, one's own
password change, and what the security log says (never a password or code)."""

from __future__ import annotations

import logging
import time

import pyotp
import pytest
from sqlalchemy import func, select

from hub import config as hub_config
from hub.app import create_app
from hub.auth.models import HubLoginAttempt, HubUser
from tests.hub.web_factories import PASSWORD, Web, login_as, squash, text
from tests.sync.helpers import HubServer
from zszo import security

THROTTLED = ("Zbyt wiele nieudanych prób logowania na to konto. Spróbuj ponownie za godzinę albo poproś o pomoc "
             "administratora w wydziale.")


def _user(hub: HubServer, username: str) -> HubUser:
    with hub.db.reading() as session:
        return session.scalar(select(HubUser).where(HubUser.username == username))


def totp_app(hub: HubServer):  # type: ignore[no-untyped-def]
    """The hub's web app with web.require_totp on."""
    settings = hub_config.load(overrides={"paths.data_dir": hub.settings["paths.data_dir"], "web.require_totp": True})
    return create_app(settings, runtime=hub.runtime)


def wrong_codes(secret: str) -> list[str]:
    """Six-digit codes that are surely not valid for ``secret`` around now."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(time.time() + offset) for offset in (-60, -30, 0, 30, 60)}
    return [c for c in (f"{d}" * 6 for d in range(10)) if c not in valid]


def test_login_lands_on_the_city_dashboard(anonymous):
    response = anonymous.login("analityk")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert anonymous.get("/").headers["Location"] == "/dashboard"
    page = text(anonymous.get("/dashboard"))
    assert "Anna Analityk" in page and "(Analityk)" in page and "Wyloguj się" in page
    assert '<a href="/dashboard" aria-current="page">Pulpit</a>' in page
    assert "Użytkownicy" not in page  # the accounts menu is for administrators


def test_login_returns_to_the_page_asked_for_but_never_off_site(anonymous):
    assert anonymous.get("/fleet/nodes").headers["Location"] == "/login?next=/fleet/nodes"
    page = text(anonymous.get("/login?next=/fleet/nodes"))
    assert 'name="next" type="hidden" value="/fleet/nodes"' in page
    response = anonymous.post("/login", {"username": "admin", "password": PASSWORD, "next": "/fleet/nodes"},
                              token_from="/login")
    assert response.headers["Location"] == "/fleet/nodes"
    other = Web(anonymous.client.application.test_client())
    response = other.post("/login", {"username": "admin", "password": PASSWORD, "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(("username", "password"), [("admin", "wrong-password-1"), ("nobody", PASSWORD)])
def test_bad_login_is_refused_and_recorded(web_hub, anonymous, username, password, caplog):
    caplog.set_level(logging.INFO)
    response = anonymous.login(username, password)
    page = text(response)
    assert response.status_code == 200
    assert "Nieprawidłowa nazwa użytkownika lub hasło" in page and "<title>Błąd: Zaloguj się" in page
    assert anonymous.get("/dashboard").status_code == 302
    with web_hub.db.reading() as session:  # committed despite the error page: throttling counts it
        assert session.scalar(select(func.count()).select_from(HubLoginAttempt)
                              .where(HubLoginAttempt.success.is_(False))) == 1
    assert f"login failed user={username}" in caplog.text and password not in caplog.text


def test_empty_login_form_names_both_fields(anonymous):
    page = text(anonymous.post("/login", {"username": " ", "password": ""}))
    assert '<a href="#username">Wpisz nazwę użytkownika</a>' in page
    assert '<a href="#password">Wpisz hasło</a>' in page


def test_101st_attempt_is_throttled_even_with_the_right_password(web_hub, anonymous):
    with web_hub.db.transaction() as session:  # 99 failures in the past hour, written directly (argon2 is slow)
        session.add_all(HubLoginAttempt(username="admin", success=False, remote_addr="test") for _ in range(99))
    assert "Nieprawidłowa nazwa użytkownika lub hasło" in text(anonymous.login("admin", "wrong-password-1"))
    page = squash(text(anonymous.login("admin")))
    assert f'<li>{THROTTLED}</li>' in page
    assert anonymous.get("/dashboard").status_code == 302
    assert Web(anonymous.client.application.test_client()).login("analityk").status_code == 302  # others unaffected


def test_deactivated_account_cannot_log_in(web_hub, anonymous):
    with web_hub.db.transaction() as session:
        session.scalar(select(HubUser).where(HubUser.username == "analityk")).active = False
    assert "Nieprawidłowa nazwa użytkownika lub hasło" in text(anonymous.login("analityk"))


def test_logout_ends_the_session_and_kills_copies_of_the_cookie(web_app):
    client = login_as(web_app, "admin")
    stolen = client.client.get_cookie("zszo_session_8000").value
    response = client.post("/logout", token_from="/account")
    assert response.headers["Location"] == "/login"
    assert "Wylogowano." in text(client.get("/login"))
    replay = web_app.test_client()
    replay.set_cookie("zszo_session_8000", stolen)
    assert replay.get("/dashboard").status_code == 302


def test_own_password_change_ends_other_sessions_only(web_hub, web_app):
    laptop, phone = login_as(web_app, "analityk"), login_as(web_app, "analityk")
    response = laptop.post("/account", {"current_password": PASSWORD, "new_password": "nowe-haslo-2026",
                                        "confirm_password": "nowe-haslo-2026"})
    assert response.status_code == 302
    assert "Hasło zostało zmienione." in text(laptop.get("/account"))
    assert laptop.get("/dashboard").status_code == 200
    assert phone.get("/dashboard").status_code == 302
    assert security.verify_password(_user(web_hub, "analityk").password_hash, "nowe-haslo-2026")


@pytest.mark.parametrize(("current", "new", "confirm", "field", "message"), [
    ("wrong-password", "nowe-haslo-2026", "nowe-haslo-2026", "current_password", "Obecne hasło jest nieprawidłowe"),
    (PASSWORD, "krotkie", "krotkie", "new_password", "Hasło musi mieć co najmniej 10 znaków"),
    (PASSWORD, "nowe-haslo-2026", "nowe-haslo-2027", "confirm_password", "Hasła nie są takie same"),
])
def test_own_password_change_errors(web_hub, web_app, current, new, confirm, field, message):
    client = login_as(web_app, "analityk")
    before = _user(web_hub, "analityk").password_hash
    response = client.post("/account", {"current_password": current, "new_password": new,
                                        "confirm_password": confirm})
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in text(response)
    assert _user(web_hub, "analityk").password_hash == before


def test_totp_set_up_is_forced_before_anything_else(web_hub, caplog):
    caplog.set_level(logging.INFO)
    web = Web(totp_app(web_hub).test_client())
    assert web.login("admin").headers["Location"] == "/login/totp"
    assert web.get("/dashboard").status_code == 302  # nothing is reachable before the set-up
    page = text(web.get("/login/totp"))
    assert "Skonfiguruj logowanie dwuetapowe" in page
    assert '<svg class="qr" role="img" aria-labelledby="qr-caption"' in page
    secret = page.split('<span class="secret">')[1].split("</span>")[0]
    assert "Kod się nie zgadza." in text(web.post("/login/totp", {"code": wrong_codes(secret)[0]}))
    done = web.post("/login/totp", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert web.get("/dashboard").status_code == 200
    user = _user(web_hub, "admin")
    assert user.totp_enabled and user.totp_secret == secret
    assert secret not in caplog.text and "TOTP enabled user=admin" in caplog.text


def test_login_with_a_totp_code_each_code_once(web_hub):
    app = totp_app(web_hub)
    secret = pyotp.random_base32()
    with web_hub.db.transaction() as session:
        user = session.scalar(select(HubUser).where(HubUser.username == "analityk"))
        user.totp_secret, user.totp_enabled = secret, True
    web = Web(app.test_client())
    assert web.login("analityk").headers["Location"] == "/login/code"
    assert web.get("/dashboard").status_code == 302
    wrong = web.post("/login/code", {"code": "12345x"})
    assert "Kod jest nieprawidłowy albo został już użyty." in text(wrong)
    code = pyotp.TOTP(secret).now()
    assert web.post("/login/code", {"code": code}).status_code == 302
    assert web.get("/dashboard").status_code == 200
    again = Web(app.test_client())
    again.login("analityk")
    assert "Kod jest nieprawidłowy albo został już użyty." in text(again.post("/login/code", {"code": code}))
