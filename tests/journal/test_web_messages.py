"""Message pages through the Flask test client: compose with Polish errors, the recipient's read
time recorded when they open it, reply, a stranger refused (audited), removing only one's own copy."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from node_agent.audit.models import AuditEvent
from node_agent.messages.models import Message, MessageRecipient
from tests.node.web_factories import Seed, Web, text

Login = Callable[[str], Web]


def test_send_read_reply_and_remove(app: Flask, as_user: Login, seed: Seed) -> None:
    anna, bogdan, celina = as_user("nauczyciel"), as_user("nauczyciel2"), as_user("dyrektor")
    form = text(anna.get("/messages/new"))
    assert "Wiśniewski Bogdan" in form and "Nowak Anna" not in form  # not to herself
    bad = anna.post("/messages/new", {"recipients": [], "subject": "", "body": "x"})
    assert bad.status_code == 422
    page = text(bad)
    assert "Wystąpił problem" in page and 'href="#recipients"' in page
    assert "Adresaci: wybierz co najmniej jednego adresata" in page and "Temat: pole jest wymagane" in page
    sent = anna.post("/messages/new", {"recipients": [seed.staff_ids["bogdan"]], "subject": "Wycieczka",
                                       "body": "Czy jedziesz z 1a?"})
    assert sent.status_code == 302
    db = app.extensions["zszo_db"]
    with db.read_session() as session:
        message_id = session.scalar(select(Message.id))
    assert "0 z 1" in text(anna.get("/messages/sent"))
    assert "Nieprzeczytane wiadomości: 1." in text(bogdan.get("/messages"))
    assert as_user("dyrektor").get(f"/messages/{message_id}").status_code == 403  # neither sender nor recipient
    with db.read_session() as session:
        assert session.scalars(select(AuditEvent.purpose).where(AuditEvent.action == "denied")).all() == [
            "neither sender nor recipient"]
    opened = text(bogdan.get(f"/messages/{message_id}"))
    assert "Czy jedziesz z 1a?" in opened and "Anna Nowak" in opened
    with db.read_session() as session:
        assert session.scalar(select(MessageRecipient.read_at)) is not None
    assert "1 z 1" in text(anna.get("/messages/sent"))
    reply_form = text(bogdan.get(f"/messages/new?reply_to={message_id}"))
    assert 'value="Re: Wycieczka"' in reply_form
    assert bogdan.post(f"/messages/new?reply_to={message_id}", {
        "recipients": [seed.staff_ids["anna"]], "subject": "Re: Wycieczka", "body": "Tak."}).status_code == 302
    assert "Re: Wycieczka" in text(anna.get("/messages"))
    assert bogdan.post(f"/messages/{message_id}/remove", token_from="/messages").status_code == 302
    assert "Czy jedziesz" not in text(bogdan.get("/messages")) and "Wycieczka" in text(anna.get("/messages/sent"))
    assert celina.get("/messages").status_code == 200
    assert as_user("admin").get("/messages").status_code == 403  # no staff member behind the account


def _menu_entry(page: str) -> str:
    """The Messages link of the main menu as rendered (label and detail)."""
    menu = page.split('aria-label="Menu główne"', 1)[1].split("</nav>", 1)[0]
    return next(item for item in menu.split("<li>") if "/messages" in item).split("</a>", 1)[0].split(">", 1)[1]


def test_the_menu_shows_the_unread_count_in_words_until_the_messages_are_read(app: Flask, as_user: Login,
                                                                              seed: Seed) -> None:
    anna, bogdan = as_user("nauczyciel"), as_user("nauczyciel2")
    assert _menu_entry(text(bogdan.get("/notes"))) == "Wiadomości"  # nothing unread: no detail at all
    for subject in ("Rada", "Wycieczka", "Dyżur"):
        assert anna.post("/messages/new", {"recipients": [seed.staff_ids["bogdan"]], "subject": subject,
                                           "body": "Proszę o odpowiedź."}).status_code == 302
    page = text(bogdan.get("/notes"))  # any page: the count is part of the main menu
    assert _menu_entry(page) == 'Wiadomości <span class="nav-detail">(nieprzeczytane: 3)</span>'
    assert _menu_entry(text(anna.get("/notes"))) == "Wiadomości"  # the sender's own copies are not unread
    db = app.extensions["zszo_db"]
    with db.read_session() as session:
        first = session.scalar(select(Message.id).where(Message.subject == "Rada"))
    opened = text(bogdan.get(f"/messages/{first}"))  # the page that records the reading already counts it
    assert _menu_entry(opened) == 'Wiadomości <span class="nav-detail">(nieprzeczytane: 2)</span>'
    assert "Nieprzeczytane wiadomości: 2." in text(bogdan.get("/messages"))
    assert bogdan.post(f"/messages/{first}/remove", token_from="/messages").status_code == 302
    with db.read_session() as session:
        second = session.scalar(select(Message.id).where(Message.subject == "Wycieczka"))
    assert bogdan.post(f"/messages/{second}/remove", token_from="/messages").status_code == 302  # removed unread
    assert _menu_entry(text(bogdan.get("/notes"))) == 'Wiadomości <span class="nav-detail">(nieprzeczytane: 1)</span>'


def test_inbox_and_sent_lists_share_one_table(app: Flask, as_user: Login, seed: Seed) -> None:
    anna, bogdan = as_user("nauczyciel"), as_user("nauczyciel2")
    assert anna.post("/messages/new", {"recipients": [seed.staff_ids["bogdan"]], "subject": "Zebranie",
                                       "body": "We wtorek."}).status_code == 302
    inbox, sent = text(bogdan.get("/messages")), text(anna.get("/messages/sent"))
    for page, person, status in ((inbox, "Od", "Przeczytano"), (sent, "Do", "Przeczytali")):
        header = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
        assert [cell.split("</th>")[0] for cell in header.split('scope="col">')[1:]] == [
            "Temat", person, "Wysłano", status]
    assert "<strong>Zebranie</strong>" in inbox and "(nieprzeczytana)" in inbox
    assert "<td>Bogdan Wiśniewski</td>" in sent and "<td>0 z 1</td>" in sent and "<strong>" not in sent
    assert "Brak wiadomości." in text(anna.get("/messages"))
