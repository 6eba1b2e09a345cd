"""The hub app's wiring: the node API stays CSRF-exempt and cookie-free beside the city office's
pages, every form needs a CSRF token, anonymous visitors are sent to the login, nothing but the
blueprints' static files is served, and a process without the warehouse says so in Polish."""

from __future__ import annotations

import threading

import pytest
import requests

from hub.app import create_app
from hub.fleet.models import Institution
from hub.runtime import build
from tests.hub.web_factories import PASSWORD, Web, login_as, squash, text
from tests.sync.helpers import HubServer


def test_node_api_needs_no_csrf_token_and_sets_no_cookie(web_hub: HubServer):
    hello = requests.get(web_hub.url + "/api/v1/hello", timeout=10)
    assert hello.status_code == 200 and hello.json()["fingerprint"] == web_hub.public.fingerprint
    # A POST without any CSRF token reaches the API's own checks (400 bad_request, not the CSRF page).
    enrol = requests.post(web_hub.url + "/api/v1/enrol", data=b"{}", timeout=10)
    assert enrol.status_code == 400 and enrol.json()["error"] == "bad_request"
    downlink = requests.post(web_hub.url + "/api/v1/downlink", data=b"{}", timeout=10)
    assert downlink.status_code == 403 and downlink.json()["error"] == "unknown_sender"
    for response in (hello, enrol, downlink):
        assert "Set-Cookie" not in response.headers


def test_api_and_healthz_set_no_cookie_even_for_a_logged_in_browser(web_app):
    client = login_as(web_app, "admin")
    assert "Set-Cookie" in client.get("/dashboard").headers  # pages refresh the session cookie
    for path in ("/api/v1/hello", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, path


def test_api_accepts_bodies_larger_than_the_form_limit(web_hub: HubServer):
    # zszo.web caps forms at 2 MiB; a batch may be as large as an envelope (32 MiB by default), so a
    # 3 MiB body must reach the ingest checks (which reject this garbage as malformed, in JSON).
    response = requests.post(web_hub.url + "/api/v1/batches", data=b"x" * (3 * 1024 * 1024), timeout=30,
                             headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 400 and response.json()["error"] == "malformed"


def test_forms_refuse_a_post_without_csrf_token(web_hub: HubServer, web_app):
    client = login_as(web_app, "admin")
    response = client.client.post("/fleet/institutions/new", data={"rspo": "123", "name": "X", "kind": "primary"})
    assert response.status_code == 400
    assert "Formularz wygasł" in text(response)
    with web_hub.db.reading() as session:
        assert session.get(Institution, "123") is None
    login = Web(web_app.test_client()).client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert login.status_code == 400 and "Formularz wygasł" in text(login)


@pytest.mark.parametrize("path", ["/", "/dashboard", "/dashboard/pupils.csv", "/fleet/nodes", "/admin/users",
                                  "/account"])
def test_anonymous_visitors_are_sent_to_the_login(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_pages_carry_security_headers_and_only_own_assets(web_app):
    client = login_as(web_app, "analityk")
    page = client.get("/dashboard")
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/static/hub/hub.css").status_code == 200
    for path in ("/static/zszo/../../hub.sqlite", "/hub.sqlite", "/static/hub-keys.json"):
        assert client.get(path).status_code == 404


def test_a_process_without_the_warehouse_says_so(web_hub: HubServer):
    runtime = build(web_hub.settings, open_warehouse=False)
    try:
        client = login_as(create_app(web_hub.settings, runtime=runtime), "analityk")
        for path in ("/dashboard", "/dashboard/pupils", "/dashboard/classes"):
            page = squash(text(client.get(path)))
            assert "Dane miasta nie są dostępne w tym procesie." in page, path
        sync = squash(text(client.get("/dashboard/sync")))
        assert "Niedostępne: ten proces nie ma hurtowni danych." in sync
        assert client.get("/dashboard/pupils.csv").status_code == 503
        assert client.get("/healthz").get_json()["merged_through"] is None
    finally:
        runtime.db.dispose()


def test_dashboard_readers_and_the_merger_do_not_collide(web_hub: HubServer, web_app):
    # Readers must not write DuckDB's catalog: Warehouse.cursor() re-creates the merger's macros, and
    # two threads doing that at once fail ("Catalog write-write conflict").
    errors: list[object] = []

    def read() -> None:
        client = login_as(web_app, "analityk")
        for _ in range(10):
            for path in ("/healthz", "/dashboard/sync"):
                response = client.get(path)
                if response.status_code != 200:
                    errors.append((path, response.status_code))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(20):
        web_hub.warehouse.cursor().close()  # what each merge cycle does
    for thread in threads:
        thread.join()
    assert errors == []
