"""Year-end promotion on a demo school: counts per level before and after, repeaters, graduates' leaving.

The school is the demo city's first primary school (zszo.demo, scaled down), loaded into a real node
database the way ``zszo demo`` does; the promotion runs through the register's operations in one
transaction, then through the web pages for the role rules.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from node_agent.db import Database
from node_agent.records import ValidationFailed
from node_agent.register import admission, promotion
from node_agent.register.models import ClassUnit, Enrolment, RegisterEntry
from node_agent.school.models import SchoolYear
from tests.node.web_factories import text
from zszo.demo.generator import generate_school
from zszo.demo.load import load_school
from zszo.demo.plan import city_plan

YEAR_END = dt.date(2027, 6, 25)  # the demo's school year 2026/2027
NEXT_START = dt.date(2027, 9, 1)


@pytest.fixture(scope="module")
def demo_school(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city's first primary school (levels 0-8) in a node database, loaded once."""
    plan = city_plan()[0]
    assert plan.type == "primary"
    path = tmp_path_factory.mktemp("demo") / "node.sqlite"
    load_school(path, generate_school(plan, scale=0.25), backups=path.parent / "backups")
    return path


@pytest.fixture
def school(demo_school: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A copy of the demo school for one test."""
    from zszo import sqlite as zsqlite

    target = tmp_path / "node.sqlite"
    zsqlite.backup(demo_school, target)
    database = Database(target)
    yield database
    database.dispose()


def _open_per_level(session, year_label: str) -> Counter[int]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(ClassUnit.level).join(Enrolment, Enrolment.class_id == ClassUnit.id)
        .join(SchoolYear, SchoolYear.id == ClassUnit.school_year_id)
        .where(SchoolYear.label == year_label, Enrolment.ends_on.is_(None))).scalars()
    return Counter(rows)


def test_promotion_of_a_demo_school_moves_every_level_up_and_graduates_leave(school):
    with school.transaction() as session:
        year = session.scalar(select(SchoolYear).where(SchoolYear.label == "2026/2027"))
        before = _open_per_level(session, "2026/2027")
        assert all(before[level] > 0 for level in range(1, 9))
        assert admission.backfill(session) > 0  # the demo's pupils get their register entries first
        plan = promotion.preview(session, year)
        assert (plan.next_label, plan.next_starts, plan.final_level) == ("2027/2028", NEXT_START, 8)
        assert all(c.level == 0 for c in plan.skipped)  # preschool groups and level 0 are left out
        # The director: one pupil of level 3 and one of level 8 do not get promotion.
        repeaters = {}
        for level in (3, 8):
            line = next(c for c in plan.classes if c.class_unit.level == level).pupils[0]
            promotion.mark(session, year, line.pupil.id, "repeats", by="dyrektor")
            repeaters[level] = line.pupil.id
        plan = promotion.preview(session, year)
        totals = plan.totals()
        assert totals == Counter(promoted=sum(before[lv] for lv in range(1, 8)) - 1, repeats=2,
                                 graduates=before[8] - 1)
        result = promotion.apply(session, year, by="dyrektor")
        assert (result.promoted, result.repeating, result.graduated) == (totals["promoted"], 2, before[8] - 1)

    with school.read_session() as session:
        after = _open_per_level(session, "2027/2028")
        expected = Counter({level + 1: before[level] for level in range(1, 8)})
        expected[4] -= 1
        expected[3] += 1
        expected[8] += 1
        assert after == expected  # level L next year: level L-1 promoted plus the repeaters of L
        assert _open_per_level(session, "2026/2027") == Counter({0: before[0]} if before[0] else {})
        graduated = list(session.scalars(select(Enrolment).where(Enrolment.leaving_reason == "graduated")))
        assert len(graduated) == before[8] - 1 and {e.ends_on for e in graduated} == {YEAR_END}
        for enrolment in graduated:
            (entry,) = admission.entries_of(session, enrolment.pupil_id)
            assert (entry.left_on, entry.leaving_reason) == (YEAR_END, "graduated")
        kept = session.scalars(select(Enrolment).where(Enrolment.pupil_id == repeaters[3])
                               .order_by(Enrolment.starts_on)).all()
        assert [(e.class_unit.name, e.leaving_reason, e.admission_reason) for e in kept[-2:]] == [
            (kept[-2].class_unit.name, "class_change", kept[-2].admission_reason),
            (kept[-2].class_unit.name, None, "class_change")]
        assert kept[-1].class_unit.school_year.label == "2027/2028" and kept[-1].starts_on == NEXT_START
        new_classes = session.scalars(select(ClassUnit).join(SchoolYear).where(SchoolYear.label == "2027/2028"))
        assert {c.level for c in new_classes} == set(range(2, 9)) | {3}
        assert session.scalar(select(RegisterEntry).where(RegisterEntry.pupil_id == repeaters[8])).left_on is None


def test_applying_twice_is_refused_and_writes_nothing(school):
    with school.transaction() as session:
        year = session.scalar(select(SchoolYear).where(SchoolYear.label == "2026/2027"))
        promotion.apply(session, year, by="dyrektor")
        count = len(session.scalars(select(Enrolment)).all())
        with pytest.raises(ValidationFailed) as caught:
            promotion.apply(session, year, by="dyrektor")
        assert [(e.field, e.code, e.params.get("year")) for e in caught.value.errors] == [
            ("year", "already_promoted", "2027/2028")]
        assert len(session.scalars(select(Enrolment)).all()) == count


def test_a_class_the_director_marks_finishes_the_school(school):
    with school.transaction() as session:
        year = session.scalar(select(SchoolYear).where(SchoolYear.label == "2026/2027"))
        sixth = next(c for c in promotion.preview(session, year).classes if c.class_unit.level == 6)
        promotion.mark(session, year, sixth.class_unit.id, "graduates", by="dyrektor")
        plan = promotion.preview(session, year)
        assert next(c for c in plan.classes if c.class_unit.id == sixth.class_unit.id).graduating
        with pytest.raises(ValidationFailed):
            promotion.mark(session, year, sixth.class_unit.id, "repeats", by="dyrektor")  # pupils only


def test_only_the_director_decides_in_the_web_app(as_user, db, seed):
    office, director = as_user("sekretariat"), as_user("dyrektor")
    page = text(office.get("/register/promotion"))
    assert "Promocja na koniec roku" in page and "Tylko dyrektor zaznacza uczniów" in page
    zofia = seed.pupil_ids["zofia"]
    assert office.post("/register/promotion/mark", {"target_id": zofia, "choice": "repeats"},
                       token_from="/register/promotion").status_code == 403
    assert as_user("nauczyciel").get("/register/promotion").status_code == 403
    marked = director.post("/register/promotion/mark", {"target_id": zofia, "choice": "repeats"},
                           token_from="/register/promotion")
    assert marked.status_code == 303
    assert "Jednak promuj" in text(director.get("/register/promotion"))
    refused = director.post("/register/promotion/apply", {}, token_from="/register/promotion")
    assert refused.status_code == 422 and "Potwierdź, że podgląd jest poprawny: zaznacz pole." in text(refused)
    done = director.post("/register/promotion/apply", {"confirm": "yes"}, token_from="/register/promotion")
    assert done.status_code == 302
    assert "Promocja przeprowadzona: promowani 2, powtarzający klasę 1, kończący szkołę 0." in text(
        director.get(done.headers["Location"]))
    with db.read_session() as session:
        current = session.scalars(select(Enrolment).where(Enrolment.pupil_id == zofia, Enrolment.ends_on.is_(None)))
        assert [(e.class_unit.name, e.admission_reason) for e in current] == [("1a", "class_change")]
