"""The overview pages against hand-computed figures, and who may open them.

The data (tests/overview/factories.py), per pupil of 1a over three October Mondays (M1, M2, M3):

=========  ======================  ======================  ==============  ==========================
pupil      M1 maths, Polish        M2 maths, Polish        M3 maths        lessons counted / present
=========  ======================  ======================  ==============  ==========================
Adam       nb, nb                  nb, ob                  nb              5 / 1 → 20 %, 4 unexcused
Ewa        ob, ob                  sp, zw (not counted)    ob              4 / 4 → 100 %
Igor       u, u                    ob, ob                  ob              5 / 3 → 60 %
Zofia      ob, ob                  ob, ob                  ob              5 / 5 → 100 %
=========  ======================  ======================  ==============  ==========================

The class: 13 present of 19 counted → 68.4 %. Adam's class days: M1 absent all day without excuse,
M2 came to Polish, M3 absent → 2 of 3 days (66.7 % ≥ 50 %): flagged. Igor's M1 is absent but
excused: 0 days. Averages (weights: sprawdzian 5, kartkówka 3, odpowiedź 2, próbny egzamin not
counted; 4+ = 4.5, 5- = 4.75):

* Adam: maths (3·5 + 5·3)/8 = 3.75; Polish 4.50; overall (3.75 + 4.50)/2 = 4.125 → 4.13
* Ewa: maths 4.75 (the mock exam's 1 does not count); no Polish; overall 4.75
* Igor: maths only "np" → none; Polish 2.00; overall 2.00
* Zofia: maths (3·5 + 6·3 + 4·3)/11 = 45/11 = 4.0909 → 4.09; Polish 5.00; overall 9.09/2 = 4.545 → 4.55
* class: (4.13 + 4.75 + 2.00 + 4.55)/4 = 3.8575 → 3.86

Proposed term grades: maths for all four (Igor 1 = insufficient), Polish for Adam only.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select

from node_agent.audit.models import AuditEvent
from node_agent.db import Database
from node_agent.grades import settings as grade_settings
from node_agent.grades.operations import Actor
from node_agent.journal import operations as journal_ops
from node_agent.register.models import ClassUnit
from tests.node.web_factories import Seed, Web, text
from tests.overview.factories import OverviewSeed


def row_of(body: str, name: str) -> list[str]:
    """The cells of the table row whose header holds ``name`` (tags stripped, in order)."""
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        if name in row:
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
    raise AssertionError(f"no row for {name}")


def denials(db: Database) -> list[tuple[str, str, str | None, str]]:
    with db.read_session() as session:
        return [(e.username, e.entity, e.record_id, e.purpose) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "denied").order_by(AuditEvent.seq))]


def add_notes(db: Database, seed: Seed, school: OverviewSeed) -> None:
    """Adam: two positive notes and one negative; Ewa: one neutral (counted nowhere on the class page)."""
    anna = Actor("nauczyciel", seed.staff_ids["anna"])
    with db.transaction() as session:
        class_1a = session.get(ClassUnit, seed.class_ids["1a"])
        for pupil, kind, words in (("adam", "positive", "Pomoc kolegom"), ("adam", "positive", "Konkurs"),
                                   ("adam", "negative", "Spóźnienia"), ("ewa", "neutral", "Zmiana miejsca")):
            journal_ops.add_note(session, anna, class_1a, pupil_id=school.pupils[pupil], kind=kind,
                                 category="conduct", text=words, noted_on=school.days[0], audience="staff")


def test_class_at_a_glance_figures(as_user: Callable[[str], Web], school: OverviewSeed, seed: Seed,
                                   db: Database) -> None:
    add_notes(db, seed, school)
    page = as_user("nauczyciel").get(f"/overview/class/{seed.class_ids['1a']}?month={school.days[0]:%Y-%m}")
    assert page.status_code == 200
    body = text(page)
    assert "<h1>Klasa 1a w skrócie</h1>" in body
    assert "Frekwencja klasy w 10.2026: 68,4%".replace("10.2026", f"{school.days[0]:%m.%Y}") in body
    assert "Frekwencja klasy od początku roku szkolnego: 68,4%" in body and "Średnia klasy: 3,86" in body
    # columns: pupil, month %, month unexcused, year %, year unexcused, Polish, maths, overall,
    # positive notes, negative notes, proposed, final, flags
    assert row_of(body, "Bąk Adam") == ["Bąk Adam", "20,0%", "4", "20,0%", "4", "4,50", "3,75", "4,13", "2", "1",
                                        "2 z 2", "0 z 2", "nieusprawiedliwiona nieobecność w 2 z 3 dni zajęć"]
    assert row_of(body, "Czerwińska Ewa") == ["Czerwińska Ewa", "100,0%", "0", "100,0%", "0", "–", "4,75", "4,75",
                                              "0", "0", "1 z 2", "0 z 2", "–"]
    assert row_of(body, "Dudek Igor") == ["Dudek Igor", "60,0%", "0", "60,0%", "0", "2,00", "–", "2,00", "0", "0",
                                          "1 z 2", "0 z 2", "ocena niedostateczna: matematyka"]
    assert row_of(body, "Łęcka Zofia")[5:8] == ["5,00", "4,09", "4,55"]
    # Another month: no lessons, averages stay (they are the year's).
    other = text(as_user("nauczyciel").get(f"/overview/class/{seed.class_ids['1a']}?month={school.days[0].year}-09"))
    assert row_of(other, "Bąk Adam")[1:5] == ["–", "0", "20,0%", "4"]
    with db.read_session() as session:
        reads = session.scalars(select(AuditEvent.purpose).where(AuditEvent.action == "read",
                                                                  AuditEvent.record_id == seed.class_ids["1a"])).all()
    assert "class_overview" in reads


def test_class_page_is_for_its_tutor_and_the_school_office(as_user: Callable[[str], Web], school: OverviewSeed,
                                                          seed: Seed, db: Database) -> None:
    url = f"/overview/class/{seed.class_ids['1a']}"
    assert as_user("dyrektor").get(url).status_code == 200
    assert as_user("sekretariat").get(url).status_code == 200
    # Bogdan teaches Polish in 1a but is not its tutor; the admin runs the server, not the school.
    assert as_user("nauczyciel2").get(url).status_code == 403
    assert as_user("admin").get(url).status_code == 403
    assert as_user("nauczyciel").get(f"/overview/class/{seed.class_ids['2b']}").status_code == 403
    assert as_user("nauczyciel").get("/overview/class/no-such-class").status_code == 404
    assert denials(db) == [
        ("nauczyciel2", "class_unit", seed.class_ids["1a"], "not_class_tutor"),
        ("admin", "class_unit", seed.class_ids["1a"], "not_class_tutor"),
        ("nauczyciel", "class_unit", seed.class_ids["2b"], "not_class_tutor"),
        ("nauczyciel", "class_unit", "no-such-class", "no_such_class"),
    ]


def test_school_overview_figures(as_user: Callable[[str], Web], school: OverviewSeed, seed: Seed) -> None:
    body = text(as_user("dyrektor").get(f"/overview/school?month={school.days[0]:%Y-%m}"))
    # 1a: 4 pupils, 68.4 % in the month and the year, average 3.86; past lessons: 3 Mondays × 2 = 6,
    # Polish on the third Monday unrecorded; proposed grades 5 of 4 pupils × 2 subjects, final none.
    assert row_of(body, ">1a<") == ["1a", "4", "68,4%", "68,4%", "3,86", "6", "1", "1", "5 z 8", "0 z 8"]
    # 2b: Jan, Bogdan's history (no grades, no timetable); 3c: Lech, no subjects.
    assert row_of(body, ">2b<") == ["2b", "1", "–", "–", "–", "0", "0", "0", "0 z 1", "0 z 1"]
    assert row_of(body, ">3c<") == ["3c", "1", "–", "–", "–", "0", "0", "0", "0 z 0", "0 z 0"]
    assert row_of(body, "Bogdan Wiśniewski") == ["Bogdan Wiśniewski", "1", f"{school.days[2]:%d.%m.%Y}"]
    assert "Anna Nowak</th>" not in body


def test_school_overview_shows_overdue_term_grades(as_user: Callable[[str], Web], school: OverviewSeed,
                                                   db: Database) -> None:
    with db.transaction() as session:
        settings = grade_settings.settings(session)
        settings.term_proposed_by = school.days[1]
        session.add(settings)
    body = text(as_user("dyrektor").get("/overview/school"))
    assert row_of(body, ">1a<")[8] == f"5 z 8do {school.days[1]:%d.%m.%Y}termin minął"


def test_school_overview_is_for_the_director_and_the_secretary(as_user: Callable[[str], Web], school: OverviewSeed,
                                                               db: Database) -> None:
    assert as_user("sekretariat").get("/overview/school").status_code == 200
    assert as_user("nauczyciel").get("/overview/school").status_code == 403
    assert as_user("admin").get("/overview/school").status_code == 403
    assert denials(db) == [("nauczyciel", "school", None, "not_school_reader"),
                           ("admin", "school", None, "not_school_reader")]


def test_pupil_card_figures(as_user: Callable[[str], Web], school: OverviewSeed, seed: Seed, db: Database) -> None:
    add_notes(db, seed, school)
    body = text(as_user("nauczyciel").get(f"/overview/pupil/{school.pupils['adam']}"))
    assert "<h1>Karta ucznia: Adam Bąk</h1>" in body
    # October: ob 1, nb 4, u 0, sp 0, su 0, ns 0, zw 0; 1 of 5 = 20 %; days: 2 of 3 → not fulfilled
    assert row_of(body, f'<th scope="row">{school.days[0]:%m.%Y}</th>') == [
        f"{school.days[0]:%m.%Y}", "1", "4", "0", "0", "0", "0", "0", "20,0%", "2 z 3", "niespełniany"]
    assert row_of(body, "język polski")[2] == "4,50" and row_of(body, "matematyka")[2] == "3,75"
    assert row_of(body, "matematyka")[3] == "2 (dopuszczający)"
    assert '<h2 id="behaviour">' in body and "<dt>Przewidywana ocena śródroczna</dt><dd>dobre</dd>" in body
    notes = body.split('<h2 id="notes">', 1)[1]
    # columns: date, kind, category, content, author, who can see it
    assert sorted(tuple(row_of(notes, words)[1:4:2]) for words in ("Pomoc kolegom", "Konkurs", "Spóźnienia")) == [
        ("Uwaga negatywna", "Spóźnienia"), ("Uwaga pozytywna", "Konkurs"), ("Uwaga pozytywna", "Pomoc kolegom")]
    assert "Zmiana miejsca" not in notes  # Ewa's note is not on Adam's card
    igor = text(as_user("nauczyciel").get(f"/overview/pupil/{school.pupils['igor']}"))
    assert "Uczeń nie ma uwag o zachowaniu w tym roku szkolnym." in igor


def test_pupil_card_access(as_user: Callable[[str], Web], school: OverviewSeed, seed: Seed, db: Database) -> None:
    zofia = school.pupils["zofia"]
    # Bogdan teaches Polish in 1a: he sees Zofia's card with his subject only, and no behaviour grades.
    page = text(as_user("nauczyciel2").get(f"/overview/pupil/{zofia}"))
    assert "język polski" in page and "matematyka" not in page
    adam = text(as_user("nauczyciel2").get(f"/overview/pupil/{school.pupils['adam']}"))
    assert 'id="behaviour"' not in adam and "dobre" not in adam
    assert as_user("dyrektor").get(f"/overview/pupil/{zofia}").status_code == 200
    assert as_user("nauczyciel").get(f"/overview/pupil/{seed.pupil_ids['jan']}").status_code == 403
    assert as_user("nauczyciel2").get(f"/overview/pupil/{seed.pupil_ids['lech']}").status_code == 403
    assert as_user("nauczyciel").get(f"/overview/pupil/{zofia}?class={seed.class_ids['2b']}").status_code == 403
    assert as_user("admin").get(f"/overview/pupil/{zofia}").status_code == 403
    assert as_user("dyrektor").get("/overview/pupil/nobody").status_code == 404
    assert denials(db) == [
        ("nauczyciel", "pupil", seed.pupil_ids["jan"], "pupil_not_visible"),
        ("nauczyciel2", "pupil", seed.pupil_ids["lech"], "pupil_not_visible"),
        ("nauczyciel", "pupil", zofia, "class_not_visible"),
        ("admin", "pupil", zofia, "pupil_not_visible"),
        ("dyrektor", "pupil", "nobody", "no_such_pupil"),
    ]
