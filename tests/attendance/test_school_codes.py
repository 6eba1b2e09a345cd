"""The school's own attendance codes: the office defines them, teachers use them, every statistic and the
compulsory-schooling flag count them as their standard kind, and they sync to the hub.

Codes used here, as Polish schools define them: "ch" choroba (illness with a doctor's note) → excused
absence; "zaw" zawody sportowe (a sports competition) → away on school business; "wag" wagary
(truancy) → unexcused absence.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import select

from node_agent.attendance import queries
from node_agent.attendance.models import Attendance, AttendanceCode
from node_agent.db import Database
from node_agent.sync.models import OutboxChange
from protocol.attendance import compulsory_flag
from tests.attendance.factories import Week
from tests.attendance.test_web_lessons import lesson_url
from tests.node.web_factories import Seed, Web, text

URL = "/timetable/attendance-codes"


def add_codes(office: Web, db: Database) -> dict[str, str]:
    """Add ch, zaw and wag through the page; return {mark: id}."""
    for mark, name, kind in (("ch", "choroba (zaświadczenie lekarskie)", "excused"),
                             ("ZAW", "zawody sportowe", "school_reason"), ("wag", "wagary", "absent")):
        assert office.post(URL, {"mark": mark, "name": name, "kind": kind, "active": "y"}).status_code == 302
    with db.read_session() as session:
        return {c.mark: c.id for c in session.scalars(select(AttendanceCode))}


def test_office_defines_codes_with_clear_errors(as_user: Callable[[str], Web], db: Database) -> None:
    office = as_user("sekretariat")
    ids = add_codes(office, db)
    assert sorted(ids) == ["ch", "wag", "zaw"]  # marks are stored in lower case
    page = text(office.get(URL))
    assert "zawody sportowe" in page and "ns – nieobecność z przyczyn szkolnych" in page
    for data, message in (
            ({"mark": "nb", "name": "x", "kind": "absent"}, "Oznaczenie: to jest oznaczenie standardowe; wybierz inne"),
            ({"mark": "ch", "name": "x", "kind": "excused"}, "Oznaczenie: inny kod ma już to oznaczenie"),
            ({"mark": "z z", "name": "x", "kind": "excused"}, "Oznaczenie: użyj od 1 do 5 małych liter lub cyfr"),
            ({"mark": "kk", "name": "", "kind": "excused"}, "Nazwa kodu:"),
            ({"mark": "kk", "name": "x", "kind": "sick"}, "Rodzaj standardowy:")):
        response = office.post(URL, {**data, "active": "y"})
        assert response.status_code == 422 and message in text(response), data
    with db.read_session() as session:
        assert session.scalar(select(AttendanceCode).where(AttendanceCode.mark == "kk")) is None
    assert as_user("nauczyciel").get(URL).status_code == 403


def test_teachers_use_school_codes_and_statistics_count_the_kind(as_user: Callable[[str], Web], week: Week,
                                                                 seed: Seed, db: Database) -> None:
    ids = add_codes(as_user("sekretariat"), db)
    teacher = as_user("nauczyciel")
    ill, competition, truant = week.pupils_1a[0], week.pupils_1a[1], week.pupils_1a[2]
    page = text(teacher.get(lesson_url(week)))
    assert f'value="{ids["zaw"]}"' in page and "zawody sportowe (nieobecność z przyczyn szkolnych)" in page
    for key in ("1a-1", "1a-2"):
        assert teacher.post(lesson_url(week, key), {
            "topic": "Ułamki", "realised": "y", f"code-{ill}": ids["ch"], f"code-{competition}": ids["zaw"],
            f"code-{truant}": ids["wag"]}).status_code == 302
    bad = teacher.post(lesson_url(week), {"topic": "Ułamki", "realised": "y", f"code-{ill}": "no-such-code"})
    assert bad.status_code == 422 and "wybierz jeden z kodów obecności" in text(bad)
    with db.read_session() as session:
        stored = {(a.pupil_id, a.code, a.school_code_id) for a in session.scalars(select(Attendance))}
        per_pupil, _per_subject = queries.month_tallies(session, seed.class_ids["1a"], week.monday)
        days = queries.month_days(session, seed.class_ids["1a"], week.monday)
        outbox = [json.loads(c.data) for c in session.scalars(select(OutboxChange).where(
            OutboxChange.entity.in_(["attendance", "attendance_code"])))]
    assert (ill, "excused", ids["ch"]) in stored and (truant, "absent", ids["wag"]) in stored
    # by kind: ch is an excused absence, zaw counts as present (school business), wag unexcused
    assert (per_pupil[ill].present, per_pupil[ill].absent, per_pupil[ill].unexcused) == (0, 2, 0)
    assert per_pupil[competition].percent == 100
    assert per_pupil[truant].unexcused == 2
    # the flag counts them by kind: the truant missed the whole (only) class day without excuse
    assert compulsory_flag(days[truant]) is True and compulsory_flag(days[ill]) is False
    # synced: the codes themselves and the records carrying both the kind and the school's code
    assert {r["mark"] for r in outbox if "mark" in r} == {"ch", "zaw", "wag"}
    assert {"code": "absent", "school_code_id": ids["wag"]}.items() <= next(
        r for r in outbox if r.get("pupil_id") == truant).items()
    # reopening the lesson shows the school's code chosen
    assert f'value="{ids["wag"]}" checked' in text(teacher.get(lesson_url(week)))


def test_a_used_code_keeps_its_kind_and_excuses_return_to_the_standard_code(
        as_user: Callable[[str], Web], week: Week, seed: Seed, db: Database) -> None:
    office = as_user("sekretariat")
    ids = add_codes(office, db)
    truant = week.pupils_1a[0]
    as_user("nauczyciel").post(lesson_url(week), {"topic": "Ułamki", "realised": "y", f"code-{truant}": ids["wag"]})
    changed = office.post(f"{URL}?code={ids['wag']}", {"mark": "wag", "name": "wagary", "kind": "excused",
                                                      "active": "y"})
    assert changed.status_code == 422
    assert "Rodzaj standardowy: kod jest już użyty na lekcjach; wyłącz go z użycia i dodaj nowy kod" in text(changed)
    # taken out of use: no longer offered for new lessons, still shown where it was used
    assert office.post(f"{URL}?code={ids['wag']}", {"mark": "wag", "name": "wagary", "kind": "absent"}
                       ).status_code == 302
    assert f'value="{ids["wag"]}"' not in text(as_user("nauczyciel").get(lesson_url(week, "1a-2")))
    assert f'value="{ids["wag"]}" checked' in text(as_user("nauczyciel").get(lesson_url(week)))
    tutor = as_user("nauczyciel")
    with db.read_session() as session:
        record = session.scalar(select(Attendance).where(Attendance.pupil_id == truant))
    assert tutor.post(f"/attendance/class/{seed.class_ids['1a']}/excuses", {"excuse": record.id}).status_code == 302
    with db.read_session() as session:
        excused = session.get(Attendance, record.id)
        assert (excused.code, excused.school_code_id) == ("excused", None)
