"""A transferred pupil's grades and attendance from the previous school are shown read-only at the
receiving school (from the handover package; figures worked out by hand)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable

import pytest
from flask import Flask

from node_agent.transfers.history import summarize
from node_agent.transfers.models import IncomingTransfer
from tests.node.conftest import app, as_user, make_app, template_db  # noqa: F401 - shared fixtures
from tests.node.web_factories import Web, text

A = "100101"


def _id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, name))


def package() -> dict:  # type: ignore[type-arg]
    """A handover package as hub/transfers/package.py builds it: the pupil's grades and attendance at school A.

    Attendance in October 2026: Monday 5th absent at both lessons (nb, nb), Tuesday 6th present and
    late (ob, sp), Wednesday 7th excused at one lesson and released from the other (u, zw):
    5 counted lessons, 2 present → 40 %; class days 3, of them 1 of unexcused absence.
    """
    pupil = _id("pupil")
    lessons = [{"id": _id(f"lesson{i}"), "lesson_date": day, "_school": A}
               for i, day in enumerate(["2026-10-05", "2026-10-05", "2026-10-06", "2026-10-06", "2026-10-07",
                                        "2026-10-07"])]
    codes = ["absent", "absent", "present", "late", "excused", "released"]
    return {
        "transfer_id": _id("transfer"), "pupil_id": pupil, "from_rspo": A, "from_name": "SP 1",
        "transfer_on": "2026-11-02", "schools": {A: "Szkoła Podstawowa nr 1"},
        "records": {
            "pupil": [{"id": pupil, "first_name": "Ola", "last_name": "Nowak", "_school": A}],
            "subject": [{"id": _id("mat"), "code": "MAT", "name": "matematyka", "_school": A}],
            "teaching_assignment": [{"id": _id("ta"), "subject_id": _id("mat"), "_school": A}],
            "grade_category": [{"id": _id("spr"), "name": "sprawdzian", "_school": A}],
            "grade": [{"id": _id(f"g{i}"), "pupil_id": pupil, "assignment_id": _id("ta"), "category_id": _id("spr"),
                       "symbol": symbol, "given_on": day, "_school": A}
                      for i, (symbol, day) in enumerate([("4+", "2026-10-09"), ("3", "2026-09-20")])],
            "term_grade": [{"id": _id("t"), "pupil_id": pupil, "assignment_id": _id("ta"), "period": "term",
                            "stage": "proposed", "value": 4, "_school": A}],
            "behaviour_grade": [{"id": _id("b"), "pupil_id": pupil, "period": "term", "stage": "proposed",
                                 "value": "very_good", "given_on": "2026-10-20", "_school": A}],
            "lesson": lessons,
            "attendance": [{"id": _id(f"a{i}"), "pupil_id": pupil, "lesson_id": lesson["id"], "code": code,
                            "_school": A} for i, (lesson, code) in enumerate(zip(lessons, codes, strict=True))],
        },
    }


def test_summary_of_grades_and_attendance() -> None:
    history = summarize(package())
    (maths,) = history.grades
    assert (maths["school"], maths["subject"]) == ("Szkoła Podstawowa nr 1", "matematyka")
    assert [(g["symbol"], g["given_on"]) for g in maths["grades"]] == [("3", "2026-09-20"), ("4+", "2026-10-09")]
    assert maths["term"] == {("term", "proposed"): 4}
    (october,) = history.attendance
    assert october["month"] == "10.2026"
    assert october["codes"] == {"present": 1, "absent": 2, "excused": 1, "late": 1, "late_excused": 0,
                                "school_reason": 0, "released": 1}
    assert (october["tally"].counted, october["tally"].percent) == (5, 40)
    assert (october["days"].class_days, october["days"].unexcused_days) == (3, 1)
    assert history.others == []  # every record of the package is shown


@pytest.fixture
def offer(app: Flask) -> str:  # noqa: F811
    body = package()
    with app.extensions["zszo_db"].transaction() as session:
        session.add(IncomingTransfer(id=body["transfer_id"], from_rspo=A, from_name="SP 1", pupil_id=body["pupil_id"],
                                     pupil_name="Ola Nowak", transfer_on=dt.date(2026, 11, 2), hub_seq=1,
                                     package=json.dumps(body), status="pending"))
    return body["transfer_id"]


def test_the_receiving_school_sees_them_read_only(as_user: Callable[[str], Web], offer: str) -> None:  # noqa: F811
    page = text(as_user("sekretariat").get(f"/transfers/offers/{offer}"))
    assert "<caption>Oceny w poprzednich szkołach</caption>" in page
    assert "<caption>Frekwencja w poprzednich szkołach</caption>" in page
    assert ">4+<span class=\"visually-hidden\"> (sprawdzian, 2026-10-09)</span>" in page
    assert "<td>40,0%</td>" in page and "<td>1 z 3</td>" in page
    assert "Przewidywana ocena śródroczna: bardzo dobre" in page
    assert "<form" not in page.split("Oceny w poprzednich szkołach")[1].split("</table>")[0]  # nothing to edit
