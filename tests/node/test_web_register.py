"""The pupil register pages: list and search, the pupil card, adding and editing pupils with the
protocol's Polish error messages, escaping, and the audit trail of reads."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from sqlalchemy import func, select

from node_agent.audit.models import AuditEvent
from node_agent.register import operations as register_ops
from node_agent.register.models import ClassUnit, Pupil
from node_agent.sync.models import OutboxChange
from tests.node.web_factories import make_pesel, text

BIRTH = dt.date(2018, 5, 17)
GOOD_PESEL = make_pesel(BIRTH, "F", 123)
VALID = {
    "first_name": "Alicja",
    "second_name": "",
    "last_name": "Wrona",
    "birth_date": BIRTH.isoformat(),
    "birth_place": "Kraków",
    "sex": "F",
    "pesel": GOOD_PESEL,
    "document_type": "",
    "document_number": "",
    "street": "ul. Długa 5/3",
    "postal_code": "31-147",
    "city": "Kraków",
    "register_number": "12/2024",
}


def counts(db) -> tuple[int, int, int]:
    """(pupils, outbox changes of the register, audit events); audit events are synced too, counted apart."""
    with db.read_session() as session:
        return (
            session.scalar(select(func.count()).select_from(Pupil)) or 0,
            session.scalar(select(func.count()).select_from(OutboxChange)
                           .where(OutboxChange.entity != "audit_event")) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def audit_rows(db) -> list[AuditEvent]:
    with db.read_session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def test_add_pupil_happy_path(as_user, db):
    client = as_user("sekretariat")
    pupils, outbox, _ = counts(db)
    response = client.post("/pupils/new", VALID)
    assert response.status_code == 302
    with db.read_session() as session:
        pupil = session.scalar(select(Pupil).where(Pupil.pesel == GOOD_PESEL))
    assert response.headers["Location"] == f"/pupils/{pupil.id}"
    assert (
        pupil.first_name,
        pupil.last_name,
        pupil.birth_date,
        pupil.sex,
        pupil.street,
        pupil.postal_code,
        pupil.second_name,
        pupil.document_type,
    ) == ("Alicja", "Wrona", BIRTH, "F", "ul. Długa 5/3", "31-147", None, None)
    assert counts(db)[:2] == (pupils + 1, outbox + 1)  # the capture trigger queued it for the hub
    card = text(client.get(response.headers["Location"]))
    assert "Uczeń został wpisany do księgi uczniów." in card
    assert "<h1>Alicja Wrona</h1>" in card and GOOD_PESEL in card and "17.05.2018" in card
    last = audit_rows(db)[-2:]
    assert [(e.action, e.entity, e.record_id, e.purpose, e.username, e.role) for e in last] == [
        ("create", "pupil", pupil.id, "register", "sekretariat", "secretary"),
        ("view", "pupil", pupil.id, "pupil_card", "sekretariat", "secretary"),
    ]


def test_add_pupil_without_pesel_with_a_document(as_user, db):
    data = {
        **VALID,
        "pesel": "",
        "no_pesel": "y",
        "document_type": "passport",
        "document_number": "UA 123456",
    }
    assert as_user("sekretariat").post("/pupils/new", data).status_code == 302
    with db.read_session() as session:
        pupil = session.scalar(select(Pupil).where(Pupil.document_number == "UA 123456"))
    assert (pupil.pesel, pupil.document_type) == (None, "passport")


FULL_WIDTH = "１８０５１７１２３４５"
BAD_INPUT = [
    (
        "checksum",
        {"pesel": GOOD_PESEL[:10] + str((int(GOOD_PESEL[10]) + 1) % 10)},
        "pesel",
        "PESEL: błędna cyfra kontrolna (pomyłka przy wpisywaniu?)",
    ),
    (
        "impossible date",
        {"birth_date": "2018-02-30"},
        "birth_date",
        "Data urodzenia: nieprawidłowa data (użyj formatu RRRR-MM-DD, np. 2015-09-01)",
    ),
    (
        "date in Polish format",
        {"birth_date": "17.05.2018"},
        "birth_date",
        "Data urodzenia: nieprawidłowa data (użyj formatu RRRR-MM-DD, np. 2015-09-01)",
    ),
    ("pesel too short", {"pesel": GOOD_PESEL[:10]}, "pesel", "PESEL: musi mieć dokładnie 11 cyfr"),
    ("full-width digits", {"pesel": FULL_WIDTH}, "pesel", "PESEL: może zawierać tylko cyfry 0-9"),
    ("missing last name", {"last_name": "  "}, "last_name", "Nazwisko: pole jest wymagane"),
    (
        "10k first name",
        {"first_name": "A" * 10_000},
        "first_name",
        "Imię: dozwolone najwyżej 100 znaków, podano 10000",
    ),
    (
        "pesel and birth date disagree",
        {"birth_date": "2018-05-18"},
        "birth_date",
        f"Data urodzenia: nie zgadza się z datą zapisaną w numerze PESEL ({BIRTH.isoformat()})",
    ),
    ("pesel and sex disagree", {"sex": "M"}, "sex", "Płeć: nie zgadza się z numerem PESEL"),
    (
        "no pesel and no document",
        {"pesel": ""},
        "pesel",
        "PESEL: podaj numer PESEL, a jeśli dziecko go nie ma – rodzaj i numer dokumentu",
    ),
    (
        "no pesel ticked, no document",
        {"pesel": "", "no_pesel": "y"},
        "document_type",
        "PESEL: podaj numer PESEL, a jeśli dziecko go nie ma – rodzaj i numer dokumentu",
    ),
    (
        "pesel typed although none ticked",
        {"no_pesel": "y", "document_type": "passport", "document_number": "AB 1"},
        "pesel",
        "PESEL: usuń numer albo odznacz pole „Uczeń nie ma numeru PESEL”",
    ),
    ("postal code", {"postal_code": "31147"}, "postal_code", "Kod pocztowy: wpisz w formacie 00-000"),
    ("unknown sex", {"sex": "X"}, "sex", "Płeć: wybierz jedną z dostępnych opcji"),
    (
        "control character",
        {"last_name": "Wro\x07na"},
        "last_name",
        "Nazwisko: zawiera niewidoczne znaki sterujące",
    ),
]


@pytest.mark.parametrize(("case", "change", "field", "message"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_add_pupil_bad_input(as_user, db, case, change, field, message):
    client = as_user("sekretariat")
    before = counts(db)
    response = client.post("/pupils/new", {**VALID, **change})
    page = text(response)
    assert response.status_code == 422
    assert f'<li><a href="#{field}">{html.escape(message)}</a></li>' in page  # the summary links to the field
    assert (
        f'<span class="visually-hidden">Błąd:</span> {html.escape(message)}</p>' in page
    )  # same words inline
    assert page.count(html.escape(message)) == 2
    assert counts(db) == before  # nothing written: no pupil, no outbox change, no audit row
    for name, value in {**VALID, **change}.items():  # what the user typed is still there
        if name in ("sex", "document_type", "no_pesel") or not value:
            continue
        assert f'value="{html.escape(value)}"' in page, name


def test_several_errors_are_listed_in_form_order(as_user):
    page = text(
        as_user("sekretariat").post(
            "/pupils/new", {**VALID, "first_name": "", "last_name": "", "postal_code": "1"}
        )
    )
    summary = page.split('class="error-summary__list">')[1].split("</ul>")[0]
    assert [line.split('href="#')[1].split('"')[0] for line in summary.split("<li>")[1:]] == [
        "first_name",
        "last_name",
        "postal_code",
    ]


def test_duplicate_pesel_is_refused(as_user, db):
    client = as_user("sekretariat")
    assert client.post("/pupils/new", VALID).status_code == 302
    before = counts(db)
    response = client.post("/pupils/new", {**VALID, "first_name": "Inna"})
    assert response.status_code == 422
    assert '<a href="#pesel">PESEL: inny uczeń w księdze ma już ten numer PESEL</a>' in text(response)
    assert counts(db) == before


def test_edit_pupil(as_user, db, seed):
    client = as_user("sekretariat")
    pupil_id = seed.pupil_ids["jan"]
    form = text(client.get(f"/pupils/{pupil_id}/edit"))
    assert 'value="Kowalski"' in form and 'value="2017-07-02"' in form
    with db.read_session() as session:
        pesel = session.get(Pupil, pupil_id).pesel
    data = {
        "first_name": "Jan",
        "second_name": "Paweł",
        "last_name": "Kowalski-Nowak",
        "birth_date": "2017-07-02",
        "sex": "M",
        "pesel": pesel,
        "city": "Wieliczka",
        "postal_code": "32-020",
    }
    assert client.post(f"/pupils/{pupil_id}/edit", data).status_code == 302
    with db.read_session() as session:
        pupil = session.get(Pupil, pupil_id)
        assert (pupil.second_name, pupil.last_name, pupil.city) == ("Paweł", "Kowalski-Nowak", "Wieliczka")
    assert [(e.action, e.purpose) for e in audit_rows(db)[-2:]] == [
        ("view", "pupil_edit"),
        ("update", "register"),
    ]
    bad = client.post(f"/pupils/{pupil_id}/edit", {**data, "last_name": ""})
    assert bad.status_code == 422
    with db.read_session() as session:
        assert session.get(Pupil, pupil_id).last_name == "Kowalski-Nowak"


def test_unusual_names_are_stored_intact_and_escaped(as_user, db):
    client = as_user("sekretariat")
    last_name = "O'Brien-Łęcka 😀 <script>alert(1)</script>"
    response = client.post("/pupils/new", {**VALID, "first_name": "Zoë", "last_name": last_name})
    assert response.status_code == 302
    with db.read_session() as session:
        pupil = session.scalar(select(Pupil).where(Pupil.pesel == GOOD_PESEL))
    assert (pupil.first_name, pupil.last_name) == ("Zoë", last_name)
    escaped = "O&#39;Brien-Łęcka 😀 &lt;script&gt;alert(1)&lt;/script&gt;"
    for page in (
        text(client.get(f"/pupils/{pupil.id}")),
        text(client.get("/pupils?q=zoe")),
        text(client.get(f"/pupils/{pupil.id}/edit")),
    ):
        assert escaped in page
        assert "<script>" not in page
    assert f"Zoë {escaped}" in text(client.get(f"/pupils/{pupil.id}"))


def test_list_is_in_polish_order_with_classes(as_user, db):
    client = as_user("sekretariat")
    assert client.post("/pupils/new", {**VALID, "last_name": "Mazur"}).status_code == 302
    page = text(client.get("/pupils"))
    order = [name for name in ("Kowalski", "Lewandowski", "Łęcka", "Mazur") if name in page]
    assert sorted(order, key=page.index) == ["Kowalski", "Lewandowski", "Łęcka", "Mazur"]
    assert "Znaleziono uczniów: 4" in page
    row = page.split("Łęcka Zofia</a>")[1].split("</tr>")[0]
    assert "<td>1a</td>" in row and "14.03.2018" in row


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("lecka", ["Łęcka"]),
        ("ŁĘCK", ["Łęcka"]),
        ("zofia łęcka", ["Łęcka"]),
        ("łęcka zofia", ["Łęcka"]),
        ("ski", ["Kowalski", "Lewandowski"]),
        ("nobody", []),
        ("%", []),
        ("_", []),
    ],
)
def test_search_by_name_ignores_accents_and_case(as_user, query, found):
    page = text(as_user("sekretariat").get("/pupils", query_string={"q": query}))
    assert [n for n in ("Kowalski", "Lewandowski", "Łęcka") if f"{n} " in page] == found


def test_search_by_exact_pesel_and_class(as_user, db, seed):
    with db.read_session() as session:
        pesel = session.get(Pupil, seed.pupil_ids["jan"]).pesel
    client = as_user("sekretariat")
    assert "Kowalski Jan" in text(client.get("/pupils", query_string={"q": pesel}))
    assert "Znaleziono uczniów: 0" in text(client.get("/pupils", query_string={"q": pesel[:10]}))
    by_class = text(client.get("/pupils", query_string={"class_id": seed.class_ids["1a"]}))
    assert "Łęcka Zofia" in by_class and "Kowalski" not in by_class


def test_pagination(as_user, db, seed):
    with db.transaction() as session:
        class_unit = session.get(ClassUnit, seed.class_ids["3c"])
        for i in range(55):
            birth = dt.date(2016, 1, 1) + dt.timedelta(days=i)
            pupil = register_ops.save_pupil(
                session,
                {
                    "pesel": make_pesel(birth, "M", 500 + i),
                    "first_name": "Adam",
                    "last_name": f"Nowicki{i:02d}",
                    "birth_date": birth.isoformat(),
                    "sex": "M",
                },
            )
            register_ops.assign_class(session, pupil, class_unit, starts_on=dt.date(2016, 9, 1))
    client = as_user("sekretariat")
    first = text(client.get("/pupils"))
    # Polish order: Kowalski, Lewandowski, Łęcka, then Nowicki00-54; 50 a page
    assert "Strona 1 z 2" in first and "Łęcka" in first and "Nowicki46" in first and "Nowicki47" not in first
    second = text(client.get("/pupils", query_string={"page": "2"}))
    assert (
        "Strona 2 z 2" in second and "Nowicki47" in second and "Nowicki54" in second and "Łęcka" not in second
    )
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert "Strona 2 z 2" in text(client.get("/pupils", query_string={"page": "99"}))


def test_pesel_is_shown_to_the_office_and_masked_for_teachers(as_user, db, seed):
    with db.read_session() as session:
        pesel = session.get(Pupil, seed.pupil_ids["zofia"]).pesel
    assert pesel in text(as_user("dyrektor").get("/pupils"))
    teacher = as_user("nauczyciel")
    for page in (text(teacher.get("/pupils")), text(teacher.get(f"/pupils/{seed.pupil_ids['zofia']}"))):
        assert pesel not in page
        assert "•" * 7 + pesel[-4:] in page


def test_card_shows_guardians_and_history(as_user, seed):
    page = text(as_user("sekretariat").get(f"/pupils/{seed.pupil_ids['zofia']}"))
    assert "Rodzice/opiekunowie prawni" in page and "Maria Łęcka" in page and "Matka" in page
    assert "600 100 200" in page and "maria@example.pl" in page
    assert "Władza rodzicielska" in page and "Zgoda na informowanie" in page
    history = page.split("Przebieg nauki")[2]
    assert "<td>1a</td>" in history and "Rekrutacja" in history


def test_every_view_of_a_pupil_is_audited_without_personal_data(as_user, db, seed):
    client = as_user("nauczyciel")
    before = len(audit_rows(db))
    client.get(f"/pupils/{seed.pupil_ids['zofia']}")
    client.get("/pupils?q=Łęcka")
    events = audit_rows(db)[before:]
    assert [(e.action, e.entity, e.record_id, e.purpose, e.username, e.role) for e in events] == [
        ("view", "pupil", seed.pupil_ids["zofia"], "pupil_card", "nauczyciel", "teacher"),
        ("list", "pupil", None, "pupil_list", "nauczyciel", "teacher"),
    ]
    with db.read_session() as session:
        pupil = session.get(Pupil, seed.pupil_ids["zofia"])
        secrets = (pupil.pesel, pupil.first_name, pupil.last_name, "Łęcka")
    for event in audit_rows(db):
        values = " ".join(str(getattr(event, c.name)) for c in AuditEvent.__table__.columns)
        assert not any(s in values for s in secrets), values
