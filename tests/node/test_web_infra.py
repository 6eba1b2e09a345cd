"""Shared web infrastructure on the node app: headers, cookies, CSRF, error pages, files that must
never be served, session limits, Polish dates and name search helpers."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest

from node_agent.web import PUBLIC_ENDPOINTS
from tests.node.web_factories import Web, text
from zszo.web import security, sessions
from zszo.web.i18n import format_date, format_date_long, format_datetime
from zszo.web.text import fold, like_pattern, polish_key


def test_security_headers_on_every_page(web):
    response = web.get("/login")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_style(as_user, seed):
    client = as_user("sekretariat")
    for path in ("/pupils", f"/pupils/{seed.pupil_ids['zofia']}", "/pupils/new", "/school", "/staff"):
        page = text(client.get(path))
        assert "<script" not in page and "style=" not in page and "<style" not in page, path


def test_static_css_is_served_and_cacheable(web):
    response = web.get("/static/zszo/zszo.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()


@pytest.mark.parametrize(
    "path",
    [
        "/node.sqlite",
        "/var/node/node.sqlite",
        "/.git/config",
        "/backups/x.sqlite",
        "/web-secret.key",
        "/node-keys.json",
        "/static/node.sqlite",
        "/static/zszo/../../node.sqlite",
        "/static/zszo/..%2f..%2fsecurity.py",
        "/static/zszo/%2e%2e/%2e%2e/web/security.py",
        "/node_agent/app.py",
        "/pyproject.toml",
    ],
)
def test_files_outside_static_are_never_served(web, as_user, path):
    assert web.get(path).status_code == 404
    assert as_user("admin").get(path).status_code == 404


def test_not_found_page_is_polish(as_user, pl):
    response = as_user("sekretariat").get("/no-such-page")
    assert response.status_code == 404
    assert pl("Page not found") == "Nie znaleziono strony"
    assert "<h1>Nie znaleziono strony</h1>" in text(response)


def test_post_without_csrf_token_is_rejected_with_400(web, as_user, db):
    response = web.client.post("/login", data={"username": "admin", "password": "haslo-testowe-1"})
    assert response.status_code == 400
    assert "Formularz wygasł" in text(response)
    secretary = as_user("sekretariat")
    response = secretary.client.post("/pupils/new", data={"first_name": "Ala", "last_name": "Nowak"})
    assert response.status_code == 400
    wrong = secretary.client.post("/pupils/new", data={"csrf_token": "forged", "first_name": "Ala"})
    assert wrong.status_code == 400


def test_unknown_user_is_sent_to_login_with_next(web):
    response = web.get("/pupils?q=Nowak")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/pupils?q%3DNowak"


def test_login_redirects_to_the_page_asked_for_but_never_off_site(web):
    login_page = text(web.get("/login?next=/school"))
    assert 'value="/school"' in login_page
    assert 'value="//evil.example"' not in text(web.get("/login?next=//evil.example"))
    response = web.post(
        "/login", {"username": "sekretariat", "password": "haslo-testowe-1", "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"


def test_secret_key_is_created_once_with_mode_0600(tmp_path):
    path = tmp_path / "keys" / "web-secret.key"
    key = security.load_or_create_secret_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert security.load_or_create_secret_key(path) == key


def test_cookie_is_host_prefixed_and_secure_behind_tls(make_app):
    app = make_app(**{"web.secure_cookies": True})
    client = Web(app.test_client())  # the test client speaks https when the app prefers it
    response = client.post(
        "/login",
        {"username": "sekretariat", "password": "haslo-testowe-1"},
        headers={"Referer": "https://localhost/login"},
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-zszo_session=")
    assert (
        "; Secure" in cookie
        and "; HttpOnly" in cookie
        and "; SameSite=Lax" in cookie
        and "; Path=/" in cookie
    )
    assert "Domain=" not in cookie


def test_plain_http_cookie_is_httponly_and_lax(web):
    cookie = web.login("sekretariat").headers["Set-Cookie"]
    assert cookie.startswith("zszo_session_8080=")  # the port: see security.session_cookie_name
    assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie
    assert "; Secure" not in cookie


def test_idle_session_ends(as_user, pl):
    client = as_user("sekretariat")
    with client.client.session_transaction() as sess:
        sess[sessions.SEEN_AT] = sessions.now() - 31 * 60
    response = client.get("/pupils")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert pl("You were logged out after a period of inactivity. Log in again.") in text(client.get("/login"))
    assert client.get("/pupils").status_code == 302


def test_session_older_than_the_maximum_ends_even_when_active(as_user):
    client = as_user("sekretariat")
    with client.client.session_transaction() as sess:
        sess[sessions.LOGIN_AT] = sessions.now() - 12 * 3600 - 60
    assert client.get("/pupils").status_code == 302
    assert "Sesja osiągnęła maksymalny czas trwania" in text(client.get("/login"))


def test_every_route_has_an_access_rule(app):
    unguarded = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint not in PUBLIC_ENDPOINTS and not getattr(view, "roles", None):
            unguarded.append(rule.rule)
    assert unguarded == []


def test_error_title_is_prefixed(as_user):
    page = text(as_user("sekretariat").post("/pupils/new", {"first_name": ""}))
    assert "<title>Błąd: Dodaj ucznia – " in page
    assert '<h2 class="error-summary__title" id="error-summary-title">Wystąpił problem</h2>' in page


def test_polish_dates(app):
    assert format_date(dt.date(2026, 9, 1)) == "01.09.2026"
    assert format_date(None) == ""
    with app.test_request_context():
        assert format_date_long(dt.date(2026, 9, 1)) == "1 września 2026"
    assert format_datetime(dt.datetime(2026, 1, 15, 7, 5)) == "15.01.2026 08:05"  # UTC+1 in winter
    assert format_datetime(dt.datetime(2026, 7, 15, 7, 5)) == "15.07.2026 09:05"  # UTC+2 in summer


def test_folding_and_polish_order():
    assert fold("Zoë O'Brien-Łęcka") == "zoe o'brien-lecka"
    assert fold("ŻÓŁĆ") == "zolc"
    names = ["Żak", "Zając", "Łukasz", "Lwowski", "Ćma", "Cyran", "Źrebiec", "Ziółko"]
    assert sorted(names, key=polish_key) == [
        "Cyran",
        "Ćma",
        "Lwowski",
        "Łukasz",
        "Zając",
        "Ziółko",
        "Źrebiec",
        "Żak",
    ]
    assert like_pattern("50%_a\\") == "%50\\%\\_a\\\\%"


def test_unexpected_error_gives_a_polish_page_and_writes_nothing(make_app, caplog):
    from sqlalchemy import func, select

    from node_agent.register import operations as register_ops
    from node_agent.register.models import Pupil
    from node_agent.web.context import ALL_ROLES, db, roles_required

    app = make_app()

    @app.post("/test-crash")
    @roles_required(*ALL_ROLES)
    def crash():  # type: ignore[no-untyped-def]
        register_ops.save_pupil(
            db(),
            {
                "first_name": "Half",
                "last_name": "Written",
                "birth_date": "2018-01-01",
                "sex": "F",
                "document_type": "passport",
                "document_number": "ZZ 1",
            },
        )
        raise RuntimeError("boom")

    client = Web(app.test_client())
    client.login("sekretariat")
    response = client.post("/test-crash", token_from="/account")
    assert response.status_code == 500
    assert "Wystąpił błąd po stronie systemu" in text(response) and "boom" not in text(response)
    with app.extensions["zszo_db"].read_session() as session:
        assert (
            session.scalar(select(func.count()).select_from(Pupil).where(Pupil.last_name == "Written")) == 0
        )
    assert any("unhandled error on POST /test-crash" in r.getMessage() for r in caplog.records)
