"""Logging in and out: passwords, throttling, TOTP set-up and codes, session invalidation, the
administrator's user pages, and what the security log says (and never says)."""

from __future__ import annotations

import logging
import time

import pyotp
import pytest
from sqlalchemy import func, select

from node_agent.auth.models import LoginAttempt, UserAccount
from tests.node.web_factories import PASSWORD, Web, text
from zszo import security
from zszo.web.login import ACCOUNT_MESSAGES


def wrong_codes(secret: str) -> list[str]:
    """Six-digit codes that are surely not valid for ``secret`` in the current time window."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    valid = {totp.at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return [c for c in (f"{d}" * 6 for d in range(10)) if c not in valid]


def _user(db, username: str) -> UserAccount:
    with db.read_session() as session:
        return session.scalar(select(UserAccount).where(UserAccount.username == username))


def test_login_ok_lands_on_the_register(web):
    response = web.login("sekretariat")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = text(web.get("/pupils"))
    assert "Ewa Sekretarz" in page and "(Sekretariat)" in page and "Wyloguj się" in page
    assert '<a href="/pupils" aria-current="page">Księga uczniów</a>' in page


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("sekretariat", "wrong-password-1"),
        ("nobody", PASSWORD),
        ("SEKRETARIAT", "x" * 12),
    ],
)
def test_bad_login_is_refused_with_one_message(web, db, username, password):
    response = web.login(username, password)
    page = text(response)
    assert response.status_code == 200
    assert "Nieprawidłowa nazwa użytkownika lub hasło" in page
    assert "<title>Błąd: Zaloguj się" in page
    assert web.get("/pupils").status_code == 302
    with db.read_session() as session:  # the failure is recorded for throttling despite the error page
        assert (
            session.scalar(
                select(func.count()).select_from(LoginAttempt).where(LoginAttempt.success.is_(False))
            )
            == 1
        )


def test_empty_login_form_names_both_fields(web):
    page = text(web.post("/login", {"username": " ", "password": ""}))
    assert '<a href="#username">Wpisz nazwę użytkownika</a>' in page
    assert '<a href="#password">Wpisz hasło</a>' in page


def test_deactivated_user_cannot_log_in(web, db):
    with db.transaction() as session:
        session.scalar(select(UserAccount).where(UserAccount.username == "nauczyciel")).active = False
    assert "Nieprawidłowa nazwa użytkownika lub hasło" in text(web.login("nauczyciel"))


def test_101st_failure_is_throttled_even_with_the_right_password(web, db, pl):
    # 100 failures within the hour (written directly: 100 argon2 checks would only slow the test)
    with db.transaction() as session:
        session.add_all(
            LoginAttempt(username="sekretariat", success=False, remote_addr="test") for _ in range(99)
        )
    first = web.login("sekretariat", "wrong-password-1")  # the 100th failure: still an ordinary refusal
    assert "Nieprawidłowa nazwa użytkownika lub hasło" in text(first)
    throttled = web.login("sekretariat")  # 101st attempt, right password
    page = text(throttled)
    assert (
        pl(
            "Too many failed login attempts for this account. Try again in an hour or ask the administrator "
            "for help."
        )
        in page
    )
    assert "Zbyt wiele nieudanych prób logowania na to konto." in page
    assert web.get("/pupils").status_code == 302
    assert Web(web.client.application.test_client()).login("dyrektor").status_code == 302  # others unaffected


def test_logout_ends_the_session_and_kills_copies_of_the_cookie(app, as_user):
    client = as_user("sekretariat")
    stolen = client.client.get_cookie("zszo_session_8080").value
    response = client.logout()
    assert response.headers["Location"] == "/login"
    assert "Wylogowano." in text(client.get("/login"))
    assert client.get("/pupils").status_code == 302
    replay = app.test_client()
    replay.set_cookie("zszo_session_8080", stolen)
    assert replay.get("/pupils").status_code == 302


def test_password_change_ends_other_sessions_but_not_this_one(as_user, db):
    laptop, phone = as_user("sekretariat"), as_user("sekretariat")
    response = laptop.post(
        "/account",
        {
            "current_password": PASSWORD,
            "new_password": "nowe-haslo-2026",
            "confirm_password": "nowe-haslo-2026",
        },
    )
    assert response.status_code == 302
    assert "Hasło zostało zmienione." in text(laptop.get("/account"))
    assert laptop.get("/pupils").status_code == 200
    assert phone.get("/pupils").status_code == 302
    assert "Sesja została zakończona" in text(phone.get("/login"))
    assert security.verify_password(_user(db, "sekretariat").password_hash, "nowe-haslo-2026")


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        (
            "wrong-password",
            "nowe-haslo-2026",
            "nowe-haslo-2026",
            "current_password",
            "Obecne hasło jest nieprawidłowe",
        ),
        (PASSWORD, "krotkie", "krotkie", "new_password", "Hasło musi mieć co najmniej 10 znaków"),
        (PASSWORD, "nowe-haslo-2026", "nowe-haslo-2027", "confirm_password", "Hasła nie są takie same"),
        (
            PASSWORD,
            " nowe-haslo-2026",
            " nowe-haslo-2026",
            "new_password",
            "Hasło nie może zaczynać się ani kończyć spacją",
        ),
    ],
)
def test_password_change_errors(as_user, db, current, new, confirm, field, message):
    client = as_user("sekretariat")
    before = _user(db, "sekretariat").password_hash
    response = client.post(
        "/account", {"current_password": current, "new_password": new, "confirm_password": confirm}
    )
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in text(response)
    assert _user(db, "sekretariat").password_hash == before


def _totp_setup(make_app):
    app = make_app(**{"web.require_totp": True})
    return app, Web(app.test_client())


def test_totp_setup_is_forced_before_anything_else(make_app):
    app, web = _totp_setup(make_app)
    response = web.login("sekretariat")
    assert response.headers["Location"] == "/login/totp"
    assert web.get("/pupils").status_code == 302  # nothing is reachable until the set-up is done
    page = text(web.get("/login/totp"))
    assert "Skonfiguruj logowanie dwuetapowe" in page
    assert '<svg class="qr" role="img" aria-labelledby="qr-caption"' in page
    secret = page.split('<span class="secret">')[1].split("</span>")[0]
    assert secret == text(web.get("/login/totp")).split('<span class="secret">')[1].split("</span>")[0]
    wrong = web.post("/login/totp", {"code": wrong_codes(secret)[0]})
    assert "Kod się nie zgadza." in text(wrong)
    done = web.post("/login/totp", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert web.get("/pupils").status_code == 200
    user = _user(app.extensions["zszo_db"], "sekretariat")
    assert user.totp_enabled and user.totp_secret == secret


def test_login_with_totp_code(make_app):
    app, web = _totp_setup(make_app)
    secret = pyotp.random_base32()
    with app.extensions["zszo_db"].transaction() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.username == "dyrektor"))
        user.totp_secret, user.totp_enabled = secret, True
    assert web.login("dyrektor").headers["Location"] == "/login/code"
    assert web.get("/pupils").status_code == 302
    assert "Kod jest nieprawidłowy albo został już użyty." in text(
        web.post("/login/code", {"code": "12345x"})
    )
    code = pyotp.TOTP(secret).now()
    assert web.post("/login/code", {"code": code}).status_code == 302
    assert web.get("/pupils").status_code == 200
    # The same code cannot be used again for a second login.
    again = Web(app.test_client())
    again.login("dyrektor")
    assert "Kod jest nieprawidłowy albo został już użyty." in text(again.post("/login/code", {"code": code}))


def test_code_page_without_a_password_step_goes_back_to_login(web):
    assert web.get("/login/code").headers["Location"] == "/login"
    assert web.get("/login/totp").headers["Location"] == "/login"


def test_admin_adds_a_teacher_linked_to_staff(as_user, seed, db):
    admin = as_user("admin")
    response = admin.post(
        "/admin/users/new",
        {
            "username": "Jan.Nowy",
            "display_name": "Jan Nowy",
            "role": "teacher",
            "staff_member_id": seed.staff_ids["celina"],
            "new_password": "haslo-dla-jana-1",
            "confirm_password": "haslo-dla-jana-1",
        },
    )
    assert response.status_code == 302
    user = _user(db, "jan.nowy")
    assert (user.role, user.staff_member_id, user.totp_enabled) == (
        "teacher",
        seed.staff_ids["celina"],
        False,
    )
    assert (
        Web(admin.client.application.test_client()).login("jan.nowy", "haslo-dla-jana-1").status_code == 302
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"username": "sekretariat"}, "username", "Ta nazwa użytkownika jest już zajęta"),
        (
            {"username": "zła nazwa"},
            "username",
            "Użyj od 1 do 64 liter, cyfr, kropek, myślników lub podkreśleń",
        ),
        ({"role": "superuser"}, "role", "Wybierz jedną z wymienionych ról"),
        (
            {"staff_member_id": ""},
            "staff_member_id",
            "Konto nauczyciela musi być powiązane z jego danymi w wykazie pracowników",
        ),
        (
            {"new_password": "abc", "confirm_password": "abc"},
            "new_password",
            "Hasło musi mieć co najmniej 10 znaków",
        ),
    ],
)
def test_admin_add_user_errors(as_user, seed, db, data, field, message):
    form = {
        "username": "nowy",
        "display_name": "Nowy Nauczyciel",
        "role": "teacher",
        "staff_member_id": seed.staff_ids["anna"],
        "new_password": "haslo-dla-jana-1",
        "confirm_password": "haslo-dla-jana-1",
        **data,
    }
    response = as_user("admin").post("/admin/users/new", form)
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in text(response)
    assert _user(db, "nowy") is None


def test_admin_deactivates_resets_totp_and_sets_password(as_user, seed, db):
    admin, teacher = as_user("admin"), as_user("nauczyciel")
    user_id = seed.user_ids["nauczyciel"]
    with db.transaction() as session:
        user = session.get(UserAccount, user_id)
        user.totp_secret, user.totp_enabled = pyotp.random_base32(), True
    admin.post(f"/admin/users/{user_id}/reset-totp", token_from=f"/admin/users/{user_id}")
    assert (_user(db, "nauczyciel").totp_enabled, _user(db, "nauczyciel").totp_secret) == (False, None)
    assert teacher.get("/pupils").status_code == 302  # the reset ended their session
    admin.post(
        f"/admin/users/{user_id}/password",
        {"new_password": "inne-haslo-123", "confirm_password": "inne-haslo-123"},
    )
    assert security.verify_password(_user(db, "nauczyciel").password_hash, "inne-haslo-123")
    admin.post(f"/admin/users/{user_id}/active", token_from=f"/admin/users/{user_id}")
    assert _user(db, "nauczyciel").active is False
    assert "dezaktywowany" in text(admin.get("/admin/users"))
    admin.post(f"/admin/users/{user_id}/active", token_from=f"/admin/users/{user_id}")
    assert _user(db, "nauczyciel").active is True


def test_admin_cannot_lock_themselves_out(as_user, seed, db):
    admin = as_user("admin")
    own = seed.user_ids["admin"]
    admin.post(f"/admin/users/{own}/active", token_from=f"/admin/users/{own}")
    assert _user(db, "admin").active is True
    response = admin.post(f"/admin/users/{own}", {"display_name": "Adam Admin", "role": "secretary"})
    assert "Nie możesz odebrać sobie roli administratora" in text(response)
    assert _user(db, "admin").role == "admin"


def test_role_change_ends_the_users_sessions(as_user, seed, db):
    admin, teacher = as_user("admin"), as_user("nauczyciel")
    user_id = seed.user_ids["nauczyciel"]
    admin.post(
        f"/admin/users/{user_id}",
        {"display_name": "Anna Nowak", "role": "secretary", "staff_member_id": seed.staff_ids["anna"]},
    )
    assert _user(db, "nauczyciel").role == "secretary"
    assert teacher.get("/pupils").status_code == 302


def test_log_has_decisions_but_no_passwords_or_line_breaks(web, caplog):
    caplog.set_level(logging.INFO)
    web.login("evil\r\nINFO forged line", "secret-password-9")
    web.login("sekretariat")
    web.get("/admin/users")
    messages = [r.getMessage() for r in caplog.records]
    assert any("login failed user=evil  info forged line" in m for m in messages)
    assert any(m.startswith("login ok user=sekretariat") for m in messages)
    assert any("access denied user=sekretariat role=secretary GET /admin/users" in m for m in messages)
    joined = "\n".join(messages)
    assert "secret-password-9" not in joined and PASSWORD not in joined
    assert all("\n" not in m and "\r" not in m for m in messages)


def test_account_messages_match_the_shared_account_rules():
    import inspect
    import re

    from zszo import accounts

    sources = inspect.getsource(accounts) + inspect.getsource(security.password_problem)
    raised = set(re.findall(r'AccountError\("\w+", "([^"]+)"\)', sources)) | set(
        re.findall(r'return "([^"]+)"', sources)
    )
    assert raised == set(ACCOUNT_MESSAGES)


def _cookie(app, client) -> dict:
    value = client.client.get_cookie("zszo_session_8080").value
    return app.session_interface.get_signing_serializer(app).loads(value)


def test_the_cookie_carries_ids_and_times_only(app, make_app, as_user, seed):
    client = as_user("sekretariat")
    client.get(f"/pupils/{seed.pupil_ids['zofia']}")
    client.post(f"/staff/{seed.staff_ids['anna']}/active", token_from="/staff")
    cookie = _cookie(app, client)
    assert set(cookie) <= {"uid", "sv", "login_at", "seen_at", "csrf_token", "_permanent", "_flashes"}
    assert "Nowak" not in str(cookie) and "Łęcka" not in str(cookie)
    totp_app, web = _totp_setup(make_app)
    web.login("dyrektor")
    page = text(web.get("/login/totp"))
    secret = page.split('<span class="secret">')[1].split("</span>")[0]
    pending = _cookie(totp_app, web)
    assert set(pending) <= {"pending", "csrf_token", "_flashes"} and secret not in str(pending)


def test_login_starts_a_fresh_session(app, web):
    with web.client.session_transaction() as cookie:
        cookie["planted"] = "by an attacker"  # session fixation: whatever was there before must go
    web.login("sekretariat")
    assert "planted" not in _cookie(app, web)


def test_guessing_codes_counts_towards_the_throttle(make_app):
    app, web = _totp_setup(make_app)
    secret = pyotp.random_base32()
    database = app.extensions["zszo_db"]
    with database.transaction() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.username == "dyrektor"))
        user.totp_secret, user.totp_enabled = secret, True
        session.add_all(
            LoginAttempt(username="dyrektor", success=False, remote_addr="test") for _ in range(98)
        )
    assert web.login("dyrektor").headers["Location"] == "/login/code"
    web.post("/login/code", {"code": wrong_codes(secret)[0]})
    web.post("/login/code", {"code": wrong_codes(secret)[1]})  # 100 failures now
    response = web.post("/login/code", {"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"] == "/login"
    assert "Zbyt wiele nieudanych prób logowania na to konto." in text(web.get("/login"))
    assert web.get("/pupils").status_code == 302
