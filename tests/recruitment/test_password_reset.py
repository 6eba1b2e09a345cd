"""A parent who forgot the password gets a one-time link by e-mail (through a mail relay on 127.0.0.1):
the page answers the same for unknown addresses, the link works once and for an hour, sets a new
password with the usual rules, ends other sessions; requests are limited per address; without a
configured relay the page says whom to ask instead."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import socketserver
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from hub.recruitment.models import ParentPasswordReset
from tests.hub.web_factories import Web, squash, text
from tests.recruitment.app_factories import PARENT_PASSWORD, as_parent, hub_fixture, make_hub, make_parent

hub_ = pytest.fixture(name="hub")(hub_fixture)
NEW_PASSWORD = "nowe-haslo-rodzica-2"


class _Relay(socketserver.ThreadingTCPServer):
    """A mail relay double: speaks just enough SMTP and keeps every message it is given."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RelayHandler)
        self.messages: list[email.message.Message] = []


class _RelayHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 relay")
        while line := self.rfile.readline():
            verb = line.decode("ascii", "replace").strip().split(" ")[0].upper()
            if verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.messages.append(email.message_from_bytes(data, policy=email.policy.default))  # type: ignore[attr-defined]
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def relay() -> Iterator[_Relay]:
    server = _Relay()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def mail_hub(tmp_path, relay):  # type: ignore[no-untyped-def]
    hub = make_hub(tmp_path / "hub", **{"mail.smtp_host": "127.0.0.1", "mail.smtp_port": relay.server_address[1],
                                        "mail.sender": "rekrutacja@miasto.example"})
    yield hub
    hub.close()


def _link(message) -> str:  # type: ignore[no-untyped-def]
    return re.search(r"http://localhost(/portal/password/reset/\S+)", message.get_content()).group(1)


def test_a_forgotten_password_is_reset_through_the_link(mail_hub, relay):
    with mail_hub.db.transaction() as session:
        parent_id = make_parent(session, "rodzic@example.pl").id
    other_session = as_parent(mail_hub.app, parent_id)
    assert other_session.get("/portal/applications").status_code == 200
    web = Web(mail_hub.app.test_client())
    assert "Nie pamiętasz hasła?" in text(web.get("/portal/login"))
    same = "Jeśli konto z tym adresem istnieje, wysłaliśmy na nie link do ustawienia nowego hasła."
    unknown = web.post("/portal/password/forgot", {"email": "nikt@example.pl"})
    assert unknown.status_code == 302 and same in squash(text(web.get("/portal/login")))
    assert relay.messages == []
    asked = web.post("/portal/password/forgot", {"email": " Rodzic@Example.PL "})
    assert asked.status_code == 302 and same in squash(text(web.get("/portal/login")))
    [message] = relay.messages
    assert (message["To"], message["From"]) == ("rodzic@example.pl", "rekrutacja@miasto.example")
    assert message["Subject"] == "Ustawienie nowego hasła w portalu rekrutacji"
    link = _link(message)
    with mail_hub.db.reading() as session:  # only the token's hash is kept
        stored = session.scalar(select(ParentPasswordReset))
        assert stored.token_hash not in link and link.rsplit("/", 1)[1] not in stored.token_hash

    weak = web.post(link, {"password": "krótkie", "confirm_password": "krótkie"}, token_from=link)
    assert weak.status_code == 422 and "Hasło musi mieć co najmniej 10 znaków" in text(weak)
    done = web.post(link, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, token_from=link)
    assert done.status_code == 302
    assert other_session.get("/portal/applications").status_code == 302  # the other session has ended
    assert web.get(link).status_code == 404  # used once
    logged_in = web.post("/portal/login", {"email": "rodzic@example.pl", "password": NEW_PASSWORD})
    assert logged_in.status_code == 302
    old = Web(mail_hub.app.test_client()).post("/portal/login", {"email": "rodzic@example.pl",
                                                                 "password": PARENT_PASSWORD})
    assert "Adres e-mail lub hasło jest nieprawidłowe" in text(old)


def test_links_expire_and_requests_are_limited(mail_hub, relay):
    with mail_hub.db.transaction() as session:
        make_parent(session, "rodzic@example.pl")
    web = Web(mail_hub.app.test_client())
    for _ in range(4):
        assert web.post("/portal/password/forgot", {"email": "rodzic@example.pl"}).status_code == 302
    assert len(relay.messages) == 3  # at most 3 links an hour; the page answers the same
    link = _link(relay.messages[0])
    with mail_hub.db.transaction() as session:
        for reset in session.scalars(select(ParentPasswordReset)):
            reset.expires_at = reset.created_at - dt.timedelta(seconds=1)
    expired = web.get(link)
    assert expired.status_code == 404 and "Ten link nie jest już ważny" in text(expired)


def test_without_a_relay_the_page_says_whom_to_ask(hub):
    page = squash(text(Web(hub.app.test_client()).get("/portal/password/forgot")))
    assert "Ten portal nie wysyła wiadomości e-mail" in page and "<form" not in page.split("<main")[1]
