"""Loading demo institutions into real node databases (small scale): counts, outbox, logins, refusals."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import pytest

from node_agent.auth.operations import check_password
from node_agent.db import Database
from node_agent.records import ValidationFailed
from zszo.demo.generator import generate_school
from zszo.demo.load import DemoExists, load_school, node_path, write_city
from zszo.demo.plan import city_plan


@pytest.fixture(scope="module")
def small_city(tmp_path_factory):
    """The first five institutions (one of each kind) at 5% size, written by write_city."""
    out = tmp_path_factory.mktemp("city")
    return out, write_city(out, schools=5, scale=0.05)


def _rows(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_loaded_counts_equal_generated_counts(small_city):
    out, manifest = small_city
    assert [s["index"] for s in manifest["schools"]] == [0, 1, 2, 3, 4]
    for entry, plan in zip(manifest["schools"], city_plan()[:5], strict=True):
        school = generate_school(plan, scale=0.05)
        path = out / entry["db"]
        assert path == node_path(out, plan.rspo)
        assert entry["counts"] == school.counts()
        for name, expected in school.counts().items():
            assert _rows(path, f"SELECT count(*) FROM {name}") == [(expected,)]


def test_outbox_holds_one_upsert_per_row_equal_to_the_wire_record(small_city):
    out, manifest = small_city
    for entry, plan in zip(manifest["schools"], city_plan()[:5], strict=True):
        school = generate_school(plan, scale=0.05)
        outbox = _rows(out / entry["db"], "SELECT entity, pk, op, data FROM sync_outbox ORDER BY seq")
        assert {op for _e, _pk, op, _d in outbox} == {"upsert"}
        captured = {(entity, pk): json.loads(data) for entity, pk, _op, data in outbox}
        assert len(captured) == len(outbox) == sum(school.counts().values())
        for name, records in school.records.items():
            for record in records:
                assert captured[(name, record["id"])] == record


def test_manifest_lists_schools_logins_and_totals(small_city):
    out, manifest = small_city
    on_disk = json.loads((out / "city.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert manifest["totals"]["institutions"] == 5
    assert manifest["totals"]["pupils"] == sum(s["pupils"] for s in manifest["schools"])
    assert manifest["totals"]["kinds"] == {"primary": 1, "preschool": 1, "secondary": 2, "special": 1}
    first = manifest["schools"][0]
    assert first["name"].startswith("Publiczna Szkoła Podstawowa nr ")
    assert {x["username"]: x["password"] for x in first["logins"]} == {
        "admin": "demo-admin-2026", "sekretariat": "demo-sekretariat-2026",
        "dyrektor": "demo-dyrektor-2026", "nauczyciel": "demo-nauczyciel-2026"}


def test_demo_logins_work_and_the_teacher_is_a_tutor(small_city):
    out, manifest = small_city
    db = Database(out / manifest["schools"][0]["db"])
    try:
        with db.transaction() as session:
            teacher = check_password(session, "nauczyciel", "demo-nauczyciel-2026").user
            assert teacher is not None and teacher.role == "teacher" and not teacher.totp_enabled
            assert check_password(session, "dyrektor", "demo-dyrektor-2026").user.role == "director"
        tutor_of = _rows(db.path, "SELECT level, letter FROM class_unit WHERE tutor_id = "
                                  f"'{teacher.staff_member_id}'")
        assert len(tutor_of) == 1
    finally:
        db.dispose()


def test_write_city_refuses_an_existing_demo(small_city):
    out, _manifest = small_city
    before = (out / "city.json").read_bytes()
    with pytest.raises(DemoExists):
        write_city(out, schools=1, scale=0.05)
    assert (out / "city.json").read_bytes() == before


def test_load_school_refuses_an_existing_database(tmp_path):
    school = generate_school(city_plan()[1], scale=0.05)
    path = tmp_path / "node.sqlite"
    load_school(path, school, backups=tmp_path / "backups")
    with pytest.raises(DemoExists):
        load_school(path, school, backups=tmp_path / "backups")
    assert _rows(path, "SELECT count(*) FROM school") == [(1,)]


def test_an_invalid_record_writes_nothing(tmp_path):
    school = generate_school(city_plan()[1], scale=0.05)
    pupils = [dict(p) for p in school.records["pupil"]]
    good = pupils[0]["pesel"]
    pupils[0]["pesel"] = good[:10] + str((int(good[10]) + 1) % 10)
    broken = dataclasses.replace(school, records={**school.records, "pupil": pupils})
    path = tmp_path / "node.sqlite"
    with pytest.raises(ValidationFailed) as failure:
        load_school(path, broken, backups=tmp_path / "backups")
    assert [(e.field, e.code) for e in failure.value.errors] == [("pesel", "pesel_checksum")]
    assert not path.exists()


def test_parallel_jobs_write_the_same_city(small_city, tmp_path):
    _out, manifest = small_city
    assert write_city(tmp_path / "parallel", schools=5, scale=0.05, jobs=2) == manifest
