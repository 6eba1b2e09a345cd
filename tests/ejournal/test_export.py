"""The yearly e-journal archive: what the XML of a hand-built class holds, and that verification
accepts the intact file and names what was altered in a changed one (or a wrong key)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from defusedxml.ElementTree import parse as safe_parse
from flask import Flask

from node_agent import config
from protocol import ejournal
from protocol.keys import KeyPair, b64
from tests.attendance.factories import Week
from tests.ejournal.factories import Journal
from tests.node.conftest import TODAY
from tests.node.web_factories import Seed, school_year_dates
from zszo.cli import main
from zszo.settings import render_toml

YEAR = school_year_dates(TODAY)[0]


@pytest.fixture
def node_config(app: Flask, tmp_path: Path) -> Path:
    """A node.toml for the CLI pointing at the test app's data directory."""
    settings = app.config["ZSZO_SETTINGS"]
    path = tmp_path / "node.toml"
    path.write_text(render_toml(config.OPTIONS, {"paths.data_dir": str(settings["paths.data_dir"]),
                                                 "web.require_totp": False}), encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def export_1a(node_config: Path, out: Path) -> Path:
    code, output = run("node", "-c", str(node_config), "ejournal", "export", "--school-year", YEAR, "--class", "1a",
                       "--out", str(out))
    assert code == 0, output
    files = sorted(out.glob("*.xml"))
    assert len(files) == 1 and files[0].name.startswith(f"dziennik-{YEAR.replace('/', '-')}-1a-")
    return files[0]


def test_export_holds_the_class_year(node_config: Path, tmp_path: Path, journal: Journal, week: Week,
                                     seed: Seed) -> None:
    path = export_1a(node_config, tmp_path / "out")
    root = safe_parse(path).getroot()
    assert (root.tag, root.get("format"), root.get("version")) == ("e-journal-archive", "zszo-ejournal", "1")
    j = root.find("journal")
    assert j.find("school").attrib["rspo"] == "123456"
    assert j.find("school-year").get("label") == YEAR
    assert (j.find("class").get("name"), j.find("class").get("tutor")) == ("1a", seed.staff_ids["anna"])
    pupils = j.findall("pupils/pupil")
    # every pupil ever in the class, numbered in class-list order, with the register number where there is one
    assert [p.get("number") for p in pupils] == [str(n) for n in range(1, len(pupils) + 1)]
    assert {p.get("id") for p in pupils} >= set(week.pupils_1a)
    names = [(p.get("last-name"), p.get("first-name")) for p in pupils]
    assert names == sorted(names)
    assert all(p.find("enrolment").get("starts-on") for p in pupils)
    assert [(e.get("weekday"), e.get("lesson-number")) for e in j.findall("timetable/entry")] == [
        ("1", "1"), ("1", "2"), ("1", "3")]
    assert [b.get("starts-at") for b in j.findall("bell-times/bell")] == ["08:00", "08:55", "09:50"]
    lessons = j.findall("lessons/lesson")
    assert [(x.get("id"), x.get("date"), x.get("number"), x.find("topic").text) for x in lessons] == [
        (journal.lessons[0], week.monday.isoformat(), "1", "Dodawanie ułamków"),
        (journal.lessons[1], week.monday.isoformat(), "2", "Odejmowanie ułamków\nćwiczenia")]
    first = {a.get("pupil"): a.get("code") for a in lessons[0].findall("attendance")}
    p = week.pupils_1a
    assert first == {p[0]: "absent", p[1]: "late", **{x: "present" for x in p[2:]}}
    assignment = j.find("grades/assignment")
    assert (assignment.get("id"), assignment.get("subject")) == (journal.assignment, week.subjects["MAT"])
    grades = {g.get("pupil"): (g.get("symbol"), g.get("teacher"), g.get("description"))
              for g in assignment.findall("grade")}
    anna = seed.staff_ids["anna"]
    assert grades == {p[0]: ("5", anna, "Ułamki"), p[1]: ("4+", anna, "Ułamki")}
    terms = {(t.get("pupil"), t.get("period"), t.get("stage")): t.get("value")
             for t in assignment.findall("term-grade")}
    assert terms == {(p[0], "term", "proposed"): "5", (p[1], "term", "proposed"): "4"}
    assert [(b.get("pupil"), b.get("value")) for b in j.findall("behaviour-grades/behaviour-grade")] == [
        (p[0], "very_good")]
    assert [d.text for d in j.findall("descriptive-assessments/descriptive-assessment")] == [
        "Czyta płynnie & chętnie <3"]
    changes = [(c.get("entity"), c.get("record"), c.get("action"), c.get("username"), c.get("author"))
               for c in j.findall("grade-history/change")]
    assert (("grade", journal.corrected, "update", "anna", anna) in changes
            and ("grade", journal.deleted, "delete", "anna", anna) in changes)
    assert [a for e, _r, a, *_ in changes if e == "grade"].count("create") == 3
    corrected = next(c for c in j.findall("grade-history/change")
                     if c.get("record") == journal.corrected and c.get("action") == "update")
    assert (json.loads(corrected.find("before").text)["symbol"],
            json.loads(corrected.find("after").text)["symbol"]) == ("3", "4+")
    assert {s.get("code") for s in j.findall("subjects/subject")} == {"MAT", "POL"}
    assert {x.get("id") for x in j.findall("staff/person")} == {anna, seed.staff_ids["bogdan"]}


def test_intact_file_verifies(node_config: Path, tmp_path: Path, journal: Journal) -> None:
    path = export_1a(node_config, tmp_path / "out")
    code, output = run("node", "-c", str(node_config), "ejournal", "verify", str(path))
    assert code == 0, output
    assert output.startswith(f"OK: {path}: e-journal of class 1a, school year {YEAR}, Szkoła Podstawowa nr 7")
    assert "intact, signed by key" in output


@pytest.mark.parametrize(("old", "new", "part"), [
    (b'symbol="4+"', b'symbol="5"', "grades"),  # a grade raised after signing
    ("Dodawanie ułamków".encode(), "Dodawanie ułamkó".encode() + b"x", "lessons"),  # one changed letter
    (b'code="absent"', b'code="excused"', "lessons"),
    (b'value="very_good"', b'value="exemplary"', "behaviour-grades"),
])
def test_altered_file_fails_naming_the_part(node_config: Path, tmp_path: Path, journal: Journal, old: bytes,
                                            new: bytes, part: str) -> None:
    path = export_1a(node_config, tmp_path / "out")
    data = path.read_bytes()
    assert data.count(old) == 1
    path.write_bytes(data.replace(old, new))
    code, output = run("node", "-c", str(node_config), "ejournal", "verify", str(path))
    assert code == 1
    assert output.splitlines()[0].startswith(f"ALTERED: {path}: e-journal of class 1a")
    assert f"  - part <{part}> was changed after signing" in output.splitlines()
    assert "1 of 1 files failed verification" in output


def test_removed_part_and_forged_digest_fail(node_config: Path, tmp_path: Path, journal: Journal) -> None:
    path = export_1a(node_config, tmp_path / "out")
    root = safe_parse(path).getroot()
    j = root.find("journal")
    j.remove(j.find("behaviour-grades"))
    verdict = ejournal.verify(ET.tostring(root), [ejournal_key(node_config)])
    assert not verdict.ok and verdict.problems == ["part <behaviour-grades> was removed after signing"]
    # recomputing a digest after a change does not help: the signature covers the digests
    root = safe_parse(path).getroot()
    digest = root.find("signature/signed-info/digest[@part='grades']")
    digest.set("sha256", "0" * 64)
    verdict = ejournal.verify(ET.tostring(root), [ejournal_key(node_config)])
    assert verdict.problems[0] == ("the signature does not match the signed digests: the <signature> element was "
                                   "altered")


def ejournal_key(node_config: Path):  # type: ignore[no-untyped-def]
    settings = config.load(node_config)
    return KeyPair.from_json(settings["paths.keys"].read_text()).public.sign


def test_wrong_key_fails_and_the_right_public_key_passes(node_config: Path, tmp_path: Path, journal: Journal) -> None:
    path = export_1a(node_config, tmp_path / "out")
    settings = config.load(node_config)
    node_public = KeyPair.from_json(settings["paths.keys"].read_text()).public
    # another node (or a forger who re-signed the file with their own key) is not trusted
    other = KeyPair.generate()
    verdict = ejournal.verify(path.read_bytes(), [other.public.sign])
    assert not verdict.ok
    assert verdict.problems == [f"signed with key {node_public.kid} (fingerprint {node_public.fingerprint}), which "
                                "is not a key this verifier trusts for the school"]
    # a verifier elsewhere, given the node's public key by hand
    other_config = tmp_path / "other.toml"
    other_config.write_text(render_toml(config.OPTIONS, {"paths.data_dir": str(tmp_path / "elsewhere")}),
                            encoding="utf-8")
    code, output = run("node", "-c", str(other_config), "ejournal", "verify", str(path))
    assert code == 2 and "no key to verify against" in output
    code, output = run("node", "-c", str(other_config), "ejournal", "verify", "--public-key",
                       b64(other.public.sign_raw), str(path))
    assert code == 1 and "which is not a key this verifier trusts" in output
    code, output = run("node", "-c", str(other_config), "ejournal", "verify", "--public-key",
                       b64(node_public.sign_raw), str(path))
    assert code == 0 and output.startswith("OK:")


def test_resigned_file_with_another_key_fails(node_config: Path, tmp_path: Path, journal: Journal) -> None:
    path = export_1a(node_config, tmp_path / "out")
    root = safe_parse(path).getroot()
    j = root.find("journal")
    j.find("grades/assignment/grade").set("symbol", "6")
    forger = KeyPair.generate()
    forged = ejournal.sign(j, forger.sign, forger.public, signed_at=ejournal_dt())
    assert ejournal.verify(forged, [forger.public.sign]).ok  # well-formed, but…
    verdict = ejournal.verify(forged, [ejournal_key(node_config)])
    assert not verdict.ok and "which is not a key this verifier trusts" in verdict.problems[0]


def ejournal_dt():  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(("data", "problem"), [
    (b"<e-journal-archive", "not a well-formed XML file"),
    (b"<other/>", "not a ZSZO e-journal archive file"),
    (b'<e-journal-archive format="zszo-ejournal" version="1"><journal/></e-journal-archive>',
     "the file is not signed (no complete <signature> element)"),
    (b'<!DOCTYPE e [<!ENTITY a "aaaa">]><e-journal-archive format="zszo-ejournal" version="1"/>',
     "not an archive file: it declares a DTD or entities"),
])
def test_not_an_archive(data: bytes, problem: str) -> None:
    verdict = ejournal.verify(data, [KeyPair.generate().public.sign])
    assert not verdict.ok and verdict.problems[0].startswith(problem)


def test_unknown_year_or_class_is_a_usage_error(node_config: Path, tmp_path: Path, journal: Journal) -> None:
    code, output = run("node", "-c", str(node_config), "ejournal", "export", "--school-year", "1999/2000",
                       "--out", str(tmp_path / "out"))
    assert code == 2 and f"no school year '1999/2000' on this node (known: {YEAR})" in output
    code, output = run("node", "-c", str(node_config), "ejournal", "export", "--school-year", YEAR, "--class", "9z",
                       "--out", str(tmp_path / "out"))
    assert code == 2 and f"no class '9z' in school year {YEAR} (classes: 1a, 2b, 3c)" in output
    assert not (tmp_path / "out").exists()


def test_whole_year_one_file_per_class(node_config: Path, tmp_path: Path, journal: Journal) -> None:
    code, output = run("node", "-c", str(node_config), "ejournal", "export", "--school-year", YEAR,
                       "--out", str(tmp_path / "out"))
    assert code == 0, output
    files = sorted((tmp_path / "out").glob("*.xml"))
    assert [safe_parse(f).getroot().find("journal/class").get("name") for f in files] == ["1a", "2b", "3c"]
    code, output = run("node", "-c", str(node_config), "ejournal", "verify", *map(str, files))
    assert code == 0 and output.count("OK: ") == 3
