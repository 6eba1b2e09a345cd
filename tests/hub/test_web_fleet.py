"""Fleet pages: institutions (with Polish field errors), enrolment codes (shown once, stored
hashed), school servers and revocation (two steps, effective at the server's next sync)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.fleet import operations as fleet
from hub.fleet.models import EnrolmentToken, Institution, Node
from hub.sync import quarantine as quarantine_ops
from node_agent.school import operations as school_ops
from tests.hub.web_factories import hub_app, login_as, squash, start_test_hub, text
from tests.sync.helpers import HubServer, SchoolNode, make_node

RSPO, NAME = "100101", "Szkoła Podstawowa nr 1 im. Marii Skłodowskiej-Curie"
RSPO_DIGITS = "Numer RSPO składa się wyłącznie z cyfr (od 1 do 10), np. 123456"


def _institutions(hub: HubServer) -> list[tuple]:
    with hub.db.reading() as session:
        return [tuple(r) for r in session.execute(select(
            Institution.rspo, Institution.name, Institution.kind, Institution.district).order_by(Institution.rspo))]


def _add(hub: HubServer, rspo: str = RSPO, name: str = NAME, kind: str = "primary", district: str | None = None):
    with hub.db.transaction() as session:
        fleet.add_institution(session, rspo=rspo, name=name, kind=kind, district=district)


def _issued_token(page: str) -> str:
    match = re.search(r'<p class="token">(zszo-[^<]+)</p>', page)
    assert match, page
    return match.group(1)


@pytest.fixture
def enrolled(web_hub: HubServer, tmp_path: Path) -> Iterator[tuple[SchoolNode, str]]:
    """School RSPO's node, enrolled with a code issued on the web page and synced once."""
    _add(web_hub)
    admin = login_as(hub_app(web_hub), "admin")
    page = admin.post(f"/fleet/institutions/{RSPO}/token", token_from=f"/fleet/institutions/{RSPO}")
    token = _issued_token(text(page))
    node = make_node(tmp_path / "node", rspo=RSPO, name=NAME, hub_url=web_hub.url)
    node_id = node.enrol(web_hub.url, token)["node_id"]
    assert node.sync().ok
    yield node, node_id
    node.close()


# -- institutions ---------------------------------------------------------------------------------


def test_admin_adds_an_institution(web_hub, as_user, caplog):
    caplog.set_level(logging.INFO)
    admin = as_user("admin")
    response = admin.post("/fleet/institutions/new", {
        "rspo": " 100101 ", "name": NAME, "kind": "primary", "district": "Śródmieście"})
    assert response.status_code == 302 and response.headers["Location"] == f"/fleet/institutions/{RSPO}"
    page = squash(text(admin.get(response.headers["Location"])))
    assert "Placówka została zarejestrowana." in page
    assert f"<h1>{NAME}</h1>" in page and "<dd>Szkoła podstawowa</dd>" in page and "<dd>brak serwera</dd>" in page
    assert _institutions(web_hub) == [(RSPO, NAME, "primary", "Śródmieście")]
    assert "institution added by=admin rspo=100101 kind=primary" in caplog.text
    listing = squash(text(admin.get("/fleet/institutions")))
    assert "<caption>Placówki miasta (1)</caption>" in listing
    assert (f'<td class="numeric">{RSPO}</td> <th scope="row"><a href="/fleet/institutions/{RSPO}">{NAME}</a></th> '
            "<td>Szkoła podstawowa</td> <td>Śródmieście</td> <td>brak serwera</td>") in listing


@pytest.mark.parametrize(("data", "errors"), [
    ({"rspo": "12a"}, {"rspo": RSPO_DIGITS}),
    ({"name": "  "}, {"name": "Wpisz nazwę placówki"}),
    ({"rspo": "12a", "name": ""}, {"rspo": RSPO_DIGITS, "name": "Wpisz nazwę placówki"}),
    ({"rspo": ""}, {"rspo": "Wpisz numer RSPO"}),
    ({"rspo": "12345678901"}, {"rspo": RSPO_DIGITS}),
    ({"rspo": "١٢٣"}, {"rspo": RSPO_DIGITS}),  # Arabic-Indic digits are digits to Python, not to RSPO
    ({"kind": ""}, {"kind": "Wybierz typ placówki"}),
    ({"name": "S" * 301}, {"name": "Nazwa może mieć najwyżej 300 znaków"}),
    ({"district": "D" * 101}, {"district": "Nazwa dzielnicy może mieć najwyżej 100 znaków"}),
])
def test_bad_institution_gets_polish_errors_and_nothing_is_saved(web_hub, as_user, data, errors):
    form = {"rspo": RSPO, "name": NAME, "kind": "primary", "district": "", **data}
    response = as_user("admin").post("/fleet/institutions/new", form)
    page = text(response)
    assert response.status_code == 422 and "<title>Błąd: Dodaj placówkę" in page
    summary = re.findall(r'<li><a href="#(\w+)">([^<]+)</a></li>', page)
    assert summary == list(errors.items())
    for field, message in errors.items():
        assert f'<p class="field__error" id="{field}-error"><span class="visually-hidden">Błąd:</span> {message}</p>' \
            in page
    assert _institutions(web_hub) == []


def test_registered_rspo_cannot_be_added_twice(web_hub, as_user):
    _add(web_hub)
    response = as_user("admin").post("/fleet/institutions/new", {"rspo": RSPO, "name": "Inna", "kind": "primary"})
    assert response.status_code == 422
    assert '<a href="#rspo">Placówka o tym numerze RSPO jest już zarejestrowana</a>' in text(response)
    assert _institutions(web_hub) == [(RSPO, NAME, "primary", None)]


def test_admin_edits_an_institution(web_hub, as_user):
    _add(web_hub)
    admin = as_user("admin")
    bad = admin.post(f"/fleet/institutions/{RSPO}/edit", {"name": "", "kind": "primary"})
    assert bad.status_code == 422 and '<a href="#name">Wpisz nazwę placówki</a>' in text(bad)
    ok = admin.post(f"/fleet/institutions/{RSPO}/edit", {"name": "SP 1 im. M. Curie", "kind": "special",
                                                          "district": " Północ "})
    assert ok.status_code == 302
    assert _institutions(web_hub) == [(RSPO, "SP 1 im. M. Curie", "special", "Północ")]
    assert admin.get("/fleet/institutions/999/edit").status_code == 404


def test_analyst_sees_institutions_but_cannot_change_them(web_hub, as_user):
    _add(web_hub)
    analyst = as_user("analityk")
    listing = text(analyst.get("/fleet/institutions"))
    assert NAME in listing and "Dodaj placówkę" not in listing
    detail = text(analyst.get(f"/fleet/institutions/{RSPO}"))
    assert "Wydaj kod rejestracyjny" not in detail and "Edytuj placówkę" not in detail
    assert analyst.get("/fleet/institutions/new").status_code == 403
    response = analyst.post(f"/fleet/institutions/{RSPO}/edit", {"name": "X", "kind": "primary"},
                            token_from="/account")
    assert response.status_code == 403
    assert _institutions(web_hub) == [(RSPO, NAME, "primary", None)]


# -- enrolment codes ------------------------------------------------------------------------------


def test_code_is_shown_once_with_instructions_and_stored_hashed(web_hub, as_user, caplog):
    caplog.set_level(logging.INFO)
    _add(web_hub)
    admin = as_user("admin")
    response = admin.post(f"/fleet/institutions/{RSPO}/token", token_from=f"/fleet/institutions/{RSPO}")
    page = text(response)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = _issued_token(page)
    assert token.startswith(f"zszo-{RSPO}-")
    assert f"zszo node enrol --hub-url http://localhost --token {token}" in page
    assert f'<p class="fingerprint"><strong>{web_hub.public.fingerprint}</strong></p>' in page
    assert "Kod jest wyświetlany tylko teraz." in page
    with web_hub.db.reading() as session:
        record = session.scalar(select(EnrolmentToken))
        assert record.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
        assert record.created_by == "admin" and record.rspo == RSPO and record.used_at is None
    for path in ("/fleet/tokens", f"/fleet/institutions/{RSPO}"):
        listing = squash(text(admin.get(path)))
        assert token not in listing and record.token_sha256 not in listing
        assert "<td>admin</td>" in listing and "<td>ważny, jeszcze nieużyty</td>" in listing
    assert token not in caplog.text and "enrolment code issued by=admin rspo=100101" in caplog.text


def test_enrolment_command_uses_the_public_url_behind_a_proxy(tmp_path):
    hub = start_test_hub(tmp_path / "hub", **{"web.public_url": "https://hub.edu.radom.pl/"})
    try:
        _add(hub)
        admin = login_as(hub_app(hub), "admin")
        page = text(admin.post(f"/fleet/institutions/{RSPO}/token", token_from=f"/fleet/institutions/{RSPO}"))
        token = _issued_token(page)
        assert f"zszo node enrol --hub-url https://hub.edu.radom.pl --token {token}" in page
    finally:
        hub.close()


def test_code_from_the_codes_page_needs_a_listed_institution(web_hub, as_user):
    _add(web_hub)
    admin = as_user("admin")
    assert f'<option value="{RSPO}">{NAME} ({RSPO})</option>' in text(admin.get("/fleet/tokens/new"))
    bad = admin.post("/fleet/tokens/new", {"rspo": "999"})
    assert bad.status_code == 422 and '<a href="#rspo">Wybierz jedną z placówek z listy</a>' in text(bad)
    ok = admin.post("/fleet/tokens/new", {"rspo": RSPO})
    assert ok.status_code == 200 and _issued_token(text(ok))
    with web_hub.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(EnrolmentToken)) == 1


def test_analyst_cannot_issue_codes(web_hub, as_user):
    _add(web_hub)
    analyst = as_user("analityk")
    assert analyst.get("/fleet/tokens/new").status_code == 403
    for path in (f"/fleet/institutions/{RSPO}/token", "/fleet/tokens/new"):
        response = analyst.post(path, {"rspo": RSPO}, token_from="/account")
        assert response.status_code == 403
    assert analyst.get("/fleet/tokens").status_code == 200
    with web_hub.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(EnrolmentToken)) == 0


# -- school servers -------------------------------------------------------------------------------


def test_enrolled_node_appears_with_its_fingerprint_and_sync_status(web_hub, as_user, enrolled):
    node, node_id = enrolled
    analyst = as_user("analityk")
    listing = squash(text(analyst.get("/fleet/nodes")))
    assert "<caption>Zarejestrowane serwery szkół (1)</caption>" in listing
    assert f'<a href="/fleet/nodes/{node_id}">{NAME}</a>' in listing
    assert node.keys.public.fingerprint in listing
    detail = squash(text(analyst.get(f"/fleet/nodes/{node_id}")))
    assert f"<dt>Odcisk klucza</dt> <dd>{node.keys.public.fingerprint}</dd>" in detail
    assert f"<dt>Zmiany potwierdzone do numeru</dt> <dd>{node.state()['acked_through']}</dd>" in detail
    batches = len(web_hub.inbox())
    assert batches >= 1
    assert f"<dt>Przyjęte paczki danych</dt> <dd>{batches}</dd>" in detail
    assert f"<dt>Paczki czekające na scalenie</dt> <dd>{batches}</dd>" in detail  # stored, not merged yet
    assert "Brak zdarzeń bezpieczeństwa." in detail and "Odwołaj klucz" not in detail  # analysts cannot revoke
    web_hub.merge()
    assert "<dt>Paczki czekające na scalenie</dt> <dd>0</dd>" in squash(text(analyst.get(f"/fleet/nodes/{node_id}")))
    institution = squash(text(analyst.get(f"/fleet/institutions/{RSPO}")))
    assert "<dd>serwer zarejestrowany</dd>" in institution and "<td>użyty (" in institution
    assert analyst.get("/fleet/nodes/no-such-node").status_code == 404


def test_analyst_cannot_revoke(web_hub, as_user, enrolled):
    _node, node_id = enrolled
    analyst = as_user("analityk")
    assert analyst.get(f"/fleet/nodes/{node_id}/revoke").status_code == 403
    response = analyst.post(f"/fleet/nodes/{node_id}/revoke", {"reason": "x", "confirmed": "yes"},
                            token_from="/account")
    assert response.status_code == 403
    with web_hub.db.reading() as session:
        assert session.get(Node, node_id).status == "active"


def test_revocation_needs_a_reason_and_a_confirmation_then_takes_effect(web_hub, as_user, enrolled, caplog):
    caplog.set_level(logging.INFO)
    node, node_id = enrolled
    admin = as_user("admin")
    path = f"/fleet/nodes/{node_id}/revoke"
    assert "Odwołaj klucz" in text(admin.get(f"/fleet/nodes/{node_id}"))
    empty = admin.post(path, {"reason": "  "})
    assert empty.status_code == 422 and '<a href="#reason">Wpisz powód odwołania klucza</a>' in text(empty)
    too_long = admin.post(path, {"reason": "x" * 501})
    assert too_long.status_code == 422 and "Powód może mieć najwyżej 500 znaków" in text(too_long)
    confirm = admin.post(path, {"reason": "kradzież serwera"})
    page = squash(text(confirm))
    assert confirm.status_code == 200 and "Czy na pewno odwołać klucz tego serwera?" in page
    assert '<input type="hidden" name="reason" value="kradzież serwera">' in page
    with web_hub.db.reading() as session:
        assert session.get(Node, node_id).status == "active"  # nothing happens before the confirmation
    done = admin.post(path, {"reason": "kradzież serwera", "confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"] == f"/fleet/nodes/{node_id}"
    with web_hub.db.reading() as session:
        revoked = session.get(Node, node_id)
        assert (revoked.status, revoked.revoked_reason) == ("revoked", "kradzież serwera")
    assert f"node key revoked by=admin node={node_id} rspo={RSPO} reason=kradzież serwera" in caplog.text
    # The server's next sync (with a change to send) is refused...
    with node.db.transaction() as session:
        school_ops.save_school_year(session, {"label": "2027/2028", "starts_on": dt.date(2027, 9, 1),
                                              "ends_on": dt.date(2028, 6, 25)})
    report = node.sync()
    assert not report.ok and report.error_code == "revoked_sender"
    # ...and the hub's page says so in Polish, with the security event.
    detail = squash(text(admin.get(f"/fleet/nodes/{node_id}")))
    assert "Klucz tego serwera został odwołany</strong>" in detail and "Powód: kradzież serwera" in detail
    assert ("Klucz tego serwera został odwołany: wszystko, co wysyła, jest odrzucane. (revoked_sender)"
            in detail)
    assert ("<td>Klucz tego serwera został odwołany: wszystko, co wysyła, jest odrzucane.</td> "
            "<td><code>revoked_sender</code></td>") in detail
    assert "Odwołaj klucz" not in detail
    # The refused batch is kept aside, visible to the operator, never merged.
    quarantine = detail.split("<h2>Paczki w kwarantannie</h2>")[1].split("</table>")[0]
    assert "<td>wysłana po unieważnieniu</td>" in quarantine and quarantine.count("<tr>") == 2
    assert "<td>czeka na decyzję</td>" in quarantine
    # The operator's decision (taken with `zszo hub quarantine discard`) is shown with who, when and why.
    with web_hub.db.transaction() as session:
        [held] = quarantine_ops.resolve(session, decision=quarantine_ops.DISCARDED, by="kowalski",
                                        note="kopia skradzionego klucza", node_id=node_id)
    decided = squash(text(admin.get(f"/fleet/nodes/{node_id}")))
    quarantine = decided.split("<h2>Paczki w kwarantannie</h2>")[1].split("</table>")[0]
    assert f"<td>#{held.id}</td>" in quarantine and "czeka na decyzję" not in quarantine
    assert re.search(r"<td>odrzucona: [^<]+, kowalski<br>Powód: kopia skradzionego klucza</td>", quarantine)
    assert ("<td>Administrator odrzucił paczkę z kwarantanny: nigdy nie zostanie scalona.</td> "
            "<td><code>quarantine_discarded</code></td>") in decided
    again = admin.get(path)
    assert again.status_code == 302
    assert "Klucz tego serwera został już odwołany." in text(admin.get(again.headers["Location"]))
