"""School set-up pages: the school record, school years, classes, subjects and staff members,
with the protocol's rules and the uniqueness rules as Polish errors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from node_agent.register.models import ClassUnit
from node_agent.school.models import School, SchoolYear, Subject
from node_agent.staff.models import StaffMember
from tests.node.web_factories import text


def rows(db, model) -> int:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_edit_school_data(as_user, db):
    client = as_user("dyrektor")
    form = text(client.get("/school/edit"))
    assert 'value="Szkoła Podstawowa nr 7 im. Marii Konopnickiej"' in form
    response = client.post(
        "/school/edit",
        {
            "rspo": "123456",
            "name": "Szkoła Podstawowa nr 7 w Krakowie",
            "kind": "primary",
            "street": "ul. Szkolna 1",
            "postal_code": "30-001",
            "city": "Kraków",
            "district": "Krowodrza",
        },
    )
    assert response.status_code == 302
    with db.read_session() as session:
        school = session.scalar(select(School))
        assert (school.name, school.district) == ("Szkoła Podstawowa nr 7 w Krakowie", "Krowodrza")
    assert "Szkoła Podstawowa nr 7 w Krakowie" in text(client.get("/school"))  # also in the header


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"rspo": "12a"}, "rspo", "Numer RSPO: musi mieć od 1 do 10 cyfr"),
        ({"name": ""}, "name", "Nazwa szkoły: pole jest wymagane"),
        ({"kind": "university"}, "kind", "Typ placówki: wybierz jedną z dostępnych opcji"),
        ({"postal_code": "3O-001"}, "postal_code", "Kod pocztowy: wpisz w formacie 00-000"),
    ],
)
def test_school_data_errors(as_user, db, change, field, message):
    data = {"rspo": "123456", "name": "SP 7", "kind": "primary", **change}
    response = as_user("sekretariat").post("/school/edit", data)
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in text(response)
    with db.read_session() as session:
        assert session.scalar(select(School.name)) == "Szkoła Podstawowa nr 7 im. Marii Konopnickiej"


def test_school_years(as_user, db):
    client = as_user("sekretariat")
    response = client.post(
        "/school/years/new", {"label": "2040/2041", "starts_on": "2040-09-01", "ends_on": "2041-06-27"}
    )
    assert response.status_code == 302
    with db.read_session() as session:
        year = session.scalar(select(SchoolYear).where(SchoolYear.label == "2040/2041"))
    assert "01.09.2040" in text(client.get("/school"))
    edit = client.post(
        f"/school/years/{year.id}/edit",
        {"label": "2040/2041", "starts_on": "2040-09-02", "ends_on": "2041-06-27"},
    )
    assert edit.status_code == 302


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"label": "2040-2041"}, "label", "Rok szkolny: wpisz w formacie 2026/2027"),
        (
            {"label": "2040/2042"},
            "label",
            "Rok szkolny: musi obejmować dwa kolejne lata, z których pierwszy to rok daty rozpoczęcia",
        ),
        (
            {"ends_on": "2040-06-01"},
            "ends_on",
            "Data zakończenia: nie może być wcześniejsza niż data rozpoczęcia",
        ),
        ({"starts_on": ""}, "starts_on", "Data rozpoczęcia: pole jest wymagane"),
    ],
)
def test_school_year_errors(as_user, db, data, field, message):
    before = rows(db, SchoolYear)
    form = {"label": "2040/2041", "starts_on": "2040-09-01", "ends_on": "2041-06-27", **data}
    response = as_user("sekretariat").post("/school/years/new", form)
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in text(response)
    assert rows(db, SchoolYear) == before


def test_duplicate_school_year_label(as_user, db, seed):
    with db.read_session() as session:
        label = session.get(SchoolYear, seed.year_id).label
    first = int(label[:4])
    response = as_user("sekretariat").post(
        "/school/years/new", {"label": label, "starts_on": f"{first}-09-01", "ends_on": f"{first + 1}-06-27"}
    )
    assert '<a href="#label">Rok szkolny: taki rok szkolny już istnieje</a>' in text(response)


def test_classes(as_user, db, seed):
    client = as_user("sekretariat")
    listing = text(client.get(f"/school/years/{seed.year_id}"))
    assert "<td>1a</td>" in listing and "Anna Nowak" in listing
    response = client.post(
        f"/school/years/{seed.year_id}/classes/new",
        {"level": "4", "letter": "a", "profile": "sportowy", "tutor_id": seed.staff_ids["celina"]},
    )
    assert response.status_code == 302
    with db.read_session() as session:
        created = session.scalar(select(ClassUnit).where(ClassUnit.level == 4))
        assert (created.letter, created.profile, created.tutor_id) == (
            "a",
            "sportowy",
            seed.staff_ids["celina"],
        )
    edit = client.post(
        f"/school/classes/{created.id}/edit", {"level": "4", "letter": "b", "profile": "", "tutor_id": ""}
    )
    assert edit.status_code == 302
    with db.read_session() as session:
        changed = session.get(ClassUnit, created.id)
        assert (changed.letter, changed.tutor_id, changed.profile) == ("b", None, None)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"letter": "a"},
            "letter",
            "Litera klasy: w tym roku szkolnym jest już oddział o tym poziomie i literze",
        ),
        ({"level": "9"}, "level", "Poziom: musi mieścić się w zakresie od 0 do 8"),
        ({"level": ""}, "level", "Poziom: pole jest wymagane"),
        ({"letter": ""}, "letter", "Litera klasy: pole jest wymagane"),
        (
            {"tutor_id": "00000000-0000-4000-8000-000000000000"},
            "tutor_id",
            "Wychowawca: wybierz jedną z dostępnych opcji",
        ),
    ],
)
def test_class_errors(as_user, db, seed, data, field, message):
    before = rows(db, ClassUnit)
    form = {"level": "1", "letter": "z", **data}
    response = as_user("sekretariat").post(f"/school/years/{seed.year_id}/classes/new", form)
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in text(response)
    assert rows(db, ClassUnit) == before


def test_subjects(as_user, db):
    client = as_user("sekretariat")
    assert client.post("/school/subjects/new", {"code": "MAT", "name": "Matematyka"}).status_code == 302
    duplicate = client.post("/school/subjects/new", {"code": "MAT", "name": "Matematyka rozszerzona"})
    assert duplicate.status_code == 422
    assert '<a href="#code">Kod przedmiotu: inny przedmiot ma już ten kod</a>' in text(duplicate)
    with db.read_session() as session:
        subject = session.scalar(select(Subject))
    assert (
        client.post(
            f"/school/subjects/{subject.id}/edit", {"code": "MAT", "name": "Matematyka i logika"}
        ).status_code
        == 302
    )
    assert "Matematyka i logika" in text(client.get("/school/subjects"))
    assert rows(db, Subject) == 1


def test_staff_members(as_user, db):
    client = as_user("sekretariat")
    response = client.post(
        "/staff/new",
        {
            "first_name": "Żaneta",
            "last_name": "Źdźbło",
            "position": "pedagogue",
            "email": "zaneta@example.pl",
            "phone": "600 700 800",
        },
    )
    assert response.status_code == 302
    with db.read_session() as session:
        member = session.scalar(select(StaffMember).where(StaffMember.last_name == "Źdźbło"))
        assert (member.position, member.active) == ("pedagogue", True)
    assert "Pedagog szkolny" in text(client.get("/staff"))
    bad = client.post(
        f"/staff/{member.id}/edit",
        {
            "first_name": "Żaneta",
            "last_name": "Źdźbło",
            "position": "pedagogue",
            "email": "zaneta(at)example.pl",
        },
    )
    assert '<a href="#email">Adres e-mail: to nie jest poprawny adres e-mail</a>' in text(bad)
    client.post(f"/staff/{member.id}/active", token_from=f"/staff/{member.id}/edit")
    with db.read_session() as session:
        assert session.get(StaffMember, member.id).active is False
    assert "nie pracuje już w szkole" in text(client.get("/staff"))
    client.post(f"/staff/{member.id}/active", token_from=f"/staff/{member.id}/edit")
    with db.read_session() as session:
        assert session.get(StaffMember, member.id).active is True


def test_missing_records_are_404(as_user):
    client = as_user("sekretariat")
    for path in (
        "/school/years/nope",
        "/school/classes/nope/edit",
        "/school/subjects/nope/edit",
        "/staff/nope/edit",
        "/pupils/nope",
    ):
        assert client.get(path).status_code == 404, path
