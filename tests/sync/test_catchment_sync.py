"""A primary school's catchment list reaches the city: the node captures each child's status in the
same transaction as the write, the hub merges it (pupil key, birth year, status; no name, PESEL or
address in the warehouse), and the city's compulsory-schooling control counts a deferral decided at
the school and schooling elsewhere reported there instead of listing the child as enrolled nowhere."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from hub.compulsory import operations as compulsory_ops
from hub.compulsory.control import run_control
from hub.compulsory.register import parse_register
from hub.fleet import operations as fleet
from hub.warehouse.pseudonym import load_or_create_key, pupil_key
from node_agent.catchment import operations as catchment_ops
from node_agent.catchment.models import CatchmentChild
from node_agent.db import utcnow
from node_agent.records import ValidationFailed
from protocol import pesel
from protocol.resident_register import parse_resident_register
from tests.hub.web_factories import start_test_hub
from tests.sync.helpers import make_node

YEAR, DAY, RSPO, NAME = "2026/2027", dt.date(2026, 10, 1), "100911", "Szkoła Podstawowa nr 11"
BORN = dt.date(2019, 4, 1)  # turns 7 in 2026: due to start school in 2026/2027
KIDS = {"Ola": 31, "Piotr": 32, "Rysiek": 33}  # deferred at the school, elsewhere, nothing known


def _csv() -> bytes:
    lines = ["pesel;first_name;last_name;birth_date;street;postal_code;city"]
    lines += [f"{pesel.generate(BORN, 'F', serial)};{name};Kowalska-Żak;{BORN.isoformat()};ul. Długa 7;26-600;Radom"
              for name, serial in KIDS.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_deferrals_and_schooling_elsewhere_reach_the_citys_control(tmp_path: Path) -> None:
    hub = start_test_hub(tmp_path / "hub")
    with hub.db.transaction() as session:
        fleet.add_institution(session, rspo=RSPO, name=NAME, kind="primary", district="Śródmieście")
    node = make_node(tmp_path / "node", rspo=RSPO, name=NAME, hub_url=hub.url)
    try:
        with node.db.transaction() as session:
            result = catchment_ops.load_children(session, parse_resident_register(_csv()), YEAR, utcnow())
            assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
            children = {c.first_name: c for c in session.scalars(select(CatchmentChild))}
            catchment_ops.set_status(session, children["Ola"], {"status": "deferred", "decision_number": "12/2026"})
            catchment_ops.set_status(session, children["Piotr"], {
                "status": "elsewhere", "other_school": "Szkoła Podstawowa w Jedlni", "other_school_address":
                "Jedlnia 1, 26-630 Jedlnia"})
        # a refused status writes nothing, so nothing is queued for it either
        before = len(node.outbox())
        with node.db.transaction() as session:
            rysiek = session.scalar(select(CatchmentChild).where(CatchmentChild.first_name == "Rysiek"))
            try:
                catchment_ops.set_status(session, rysiek, {"status": "deferred", "decision_number": ""})
            except ValidationFailed as exc:
                assert [e.code for e in exc.errors] == ["required"]
        assert len(node.outbox()) == before
        queued = [row for row in node.outbox() if row[1] == "catchment_child"]
        assert len(queued) == 5  # three children loaded, then two status changes: each write captured
        node.enrol(hub.url, hub.issue_token(RSPO))
        assert node.sync().ok
    finally:
        node.close()
    try:
        report = hub.merge()
        assert report.rejected == 0
        cur = hub.warehouse.cursor()
        columns = {row[0] for row in cur.execute("DESCRIBE catchment_child").fetchall()}
        assert not {"pesel", "document_number", "first_name", "last_name", "street"} & columns
        key = load_or_create_key(hub.settings["paths.pseudonym_key"])
        keys = {name: pupil_key(key, pesel.generate(BORN, "F", serial), None, None) for name, serial in KIDS.items()}
        rows = cur.execute("SELECT pupil_key, status, decision_number, other_school FROM catchment_child "
                           "ORDER BY status").fetchall()
        assert sorted(rows) == sorted([(keys["Ola"], "deferred", "12/2026", None),
                                       (keys["Piotr"], "elsewhere", None, "Szkoła Podstawowa w Jedlni"),
                                       (keys["Rysiek"], "unknown", None, None)])

        with hub.db.transaction() as session:
            compulsory_ops.save_import(session, parse_register(_csv(), key), as_of=dt.date(2026, 9, 30),
                                       file_name="ewidencja.csv", by="test")
        with hub.db.reading() as session:
            findings = {f.child.first_name: f for f in run_control(session, hub.warehouse.cursor(), YEAR, DAY)}
        assert {name: f.status for name, f in findings.items()} == {
            "Ola": "deferred", "Piotr": "exempt", "Rysiek": "not_enrolled"}
        assert [(r.rspo, r.school, r.decision_number) for r in findings["Ola"].reports] == [(RSPO, NAME, "12/2026")]
        assert [(r.other_school, r.other_school_address) for r in findings["Piotr"].reports] == [
            ("Szkoła Podstawowa w Jedlni", "Jedlnia 1, 26-630 Jedlnia")]
        # another school year's report does not count for this one
        with hub.db.reading() as session:
            later = {f.child.first_name: f.status for f in run_control(session, hub.warehouse.cursor(), "2027/2028",
                                                                       dt.date(2027, 10, 1))}
        assert later["Ola"] == "not_enrolled"
    finally:
        hub.close()
