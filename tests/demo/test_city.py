"""The full demo city (generation only): BRIEF §5 totals, protocol validity, PESELs, ages, references."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from stdnum.pl import pesel as stdnum_pesel

from protocol import pesel
from protocol.entities import ENTITIES

YEAR_START = dt.date(2026, 9, 1)
TODAY = dt.date(2026, 11, 28)


def _all(city, entity):
    return [r for school in city for r in school.records[entity]]


def test_totals_match_the_brief(city):
    assert len(city) == 97
    kinds = Counter(s.plan.kind for s in city)
    assert kinds == {"preschool": 40, "primary": 28, "secondary": 20, "special": 5, "centre": 4}
    pupils = sum(s.pupils for s in city)
    teachers = sum(s.teachers for s in city)
    assert abs(pupils - 38_600) <= 38_600 * 0.02, pupils
    assert abs(teachers - 4_400) <= 4_400 * 0.03, teachers


def test_every_record_passes_protocol_validation(city):
    failures = [(name, record["id"], [e.render() for e in errors])
                for school in city for name, records in school.records.items()
                for record in records if (errors := ENTITIES[name].validate(record))]
    assert failures == []


def test_records_carry_every_wire_field(city):
    for name, entity in ENTITIES.items():
        assert all(tuple(r) == entity.field_names for r in _all(city, name)), name


def test_ids_rspo_and_names_are_unique(city):
    ids = [r["id"] for school in city for records in school.records.values() for r in records]
    assert len(ids) == len(set(ids))
    rspos = [s.school["rspo"] for s in city]
    assert len(set(rspos)) == 97 and all(re.fullmatch(r"[1-9][0-9]{4,5}", r) for r in rspos)
    assert len({s.school["name"] for s in city}) == 97


def test_pesels_valid_unique_and_consistent(city):
    pupils = _all(city, "pupil")
    with_pesel = [p for p in pupils if p["pesel"]]
    assert len({p["pesel"] for p in with_pesel}) == len(with_pesel)
    for p in with_pesel:
        info = pesel.parse(p["pesel"])
        assert info.birth_date.isoformat() == p["birth_date"] and info.sex == p["sex"]
        assert stdnum_pesel.is_valid(p["pesel"])
        assert stdnum_pesel.get_birth_date(p["pesel"]).isoformat() == p["birth_date"]
        assert stdnum_pesel.get_gender(p["pesel"]) == p["sex"]


def test_about_one_percent_identified_by_a_document(city):
    pupils = _all(city, "pupil")
    without = [p for p in pupils if not p["pesel"]]
    assert 0.005 <= len(without) / len(pupils) <= 0.015
    assert {p["document_type"] for p in without} == {"passport", "residence_card"}
    documents = [(p["document_type"], p["document_number"]) for p in without]
    assert len(set(documents)) == len(documents)


def _birth_years(kind: str, level: int, profile: str | None) -> range | None:
    """Allowed birth years for a class, stated independently of the generator (None: adults)."""
    profile = profile or ""
    if kind == "preschool":
        return range(2019, 2024)  # 3-6-year-olds, a deferred 7-year-old now and then
    if kind == "primary":
        return range(2019, 2022) if level == 0 else range(2019 - level, 2022 - level)
    if kind == "secondary":
        on_time = 2012 - level  # level 1 of a secondary school: born 2011
        if profile.startswith("branżowa"):
            return range(on_time - 2, on_time + 1)
        return range(on_time - 1, on_time + 2)
    if kind == "special":
        if level == 0:
            return range(2018, 2024)
        if "przysposabiająca" in profile:
            return range(2011 - level - 3, 2011 - level + 1)
        if profile.startswith("branżowa"):
            return range(2012 - level - 2, 2012 - level + 1)
        return range(2020 - level - 3, 2020 - level + 1)
    if "socjoterapeutyczny" in profile:
        return range(2020 - level - 2, 2020 - level + 1)
    return None


def test_ages_fit_class_levels(city):
    on_time = Counter()
    for school in city:
        classes = {c["id"]: c for c in school.records["class_unit"]}
        first_class = {}
        for e in school.records["enrolment"]:
            first_class.setdefault(e["pupil_id"], classes[e["class_id"]])
        for p in school.records["pupil"]:
            c = first_class[p["id"]]
            born = dt.date.fromisoformat(p["birth_date"])
            allowed = _birth_years(school.plan.kind, c["level"], c["profile"])
            if allowed is None:  # adult education: 18 or older when the year starts
                assert born <= dt.date(2008, 9, 1), (school.plan.name, p)
                continue
            assert born.year in allowed, (school.plan.name, c["level"], c["profile"], p["birth_date"])
            if school.plan.kind == "primary" and c["level"] >= 1:
                on_time[born.year == 2020 - c["level"]] += 1
    share = on_time[True] / (on_time[True] + on_time[False])
    assert 0.93 <= share <= 0.99  # ~3% deferred, ~1% early


def test_references_resolve_within_each_school(city):
    for school in city:
        r = school.records
        year_ids = {y["id"] for y in r["school_year"]}
        teachers = {s["id"] for s in r["staff_member"] if s["position"] == "teacher"}
        class_ids = {c["id"] for c in r["class_unit"]}
        pupil_ids = {p["id"] for p in r["pupil"]}
        guardian_ids = {g["id"] for g in r["guardian"]}
        tutors = [c["tutor_id"] for c in r["class_unit"]]
        assert all(c["school_year_id"] in year_ids for c in r["class_unit"])
        assert set(tutors) <= teachers and len(set(tutors)) == len(tutors)
        assert all(e["class_id"] in class_ids and e["pupil_id"] in pupil_ids for e in r["enrolment"])
        assert all(link["pupil_id"] in pupil_ids and link["guardian_id"] in guardian_ids
                   for link in r["pupil_guardian"])
        assert {e["pupil_id"] for e in r["enrolment"]} == pupil_ids
        assert {g["guardian_id"] for g in r["pupil_guardian"]} == guardian_ids
        assert len({(c["level"], c["letter"]) for c in r["class_unit"]}) == len(class_ids)


def test_enrolments_tell_a_plausible_school_year(city):
    enrolments = _all(city, "enrolment")
    reasons = Counter(e["admission_reason"] for e in enrolments)
    assert set(reasons) == {"promotion", "recruitment", "catchment_area", "transfer_in", "from_abroad",
                            "class_change", "other"}
    for e in enrolments:
        starts = dt.date.fromisoformat(e["starts_on"])
        assert YEAR_START <= starts < TODAY
        late = ("transfer_in", "from_abroad", "class_change")
        assert starts == YEAR_START or e["admission_reason"] in late
        if e["ends_on"]:
            assert starts <= dt.date.fromisoformat(e["ends_on"]) < TODAY
            assert e["leaving_reason"] in ("transfer_out", "class_change")
    left = [e for e in enrolments if e["leaving_reason"] == "transfer_out"]
    assert 0.002 <= len(left) / len(enrolments) <= 0.008
    open_per_pupil = Counter(e["pupil_id"] for e in enrolments if e["ends_on"] is None)
    assert max(open_per_pupil.values()) == 1


def test_guardians_families_and_siblings(city):
    for school in city:
        links = Counter(link["pupil_id"] for link in school.records["pupil_guardian"])
        adults = school.plan.type == "cku"
        for p in school.records["pupil"]:
            assert links[p["id"]] == 0 if adults else 1 <= links[p["id"]] <= 2, (school.plan.name, p)
    pupils_of_guardian = Counter(link["guardian_id"] for link in _all(city, "pupil_guardian"))
    with_sibling = {link["pupil_id"] for link in _all(city, "pupil_guardian")
                    if pupils_of_guardian[link["guardian_id"]] > 1}
    assert 0.10 <= len(with_sibling) / len(_all(city, "pupil")) <= 0.20
    relations = Counter(link["relation"] for link in _all(city, "pupil_guardian"))
    assert relations["mother"] > relations["father"] > relations["legal_guardian"] > 0
    assert relations["foster_parent"] > 0
    guardians = _all(city, "guardian")
    with_email = sum(1 for g in guardians if g["email"]) / len(guardians)
    assert 0.65 <= with_email <= 0.75
    reserved = re.compile(r"[^@]+@([a-z]+\.example|example\.(com|org|net))")  # RFC 2606: nobody gets mail
    assert all(g["email"] is None or reserved.fullmatch(g["email"]) for g in guardians)


def test_names_are_gendered_and_exercise_escaping(city):
    pupils = _all(city, "pupil")
    for p in pupils:
        if p["sex"] == "F":
            assert not any(part.endswith(("ski", "cki", "dzki")) for part in p["last_name"].split("-")), p
    surnames = {p["last_name"] for p in pupils}
    firsts = {p["first_name"] for p in pupils}
    assert any("'" in s for s in surnames)
    assert any("-" in s for s in surnames)
    assert firsts & {"Zoë", "Chloé", "Noémi", "Léa", "Maëlle", "Björn", "Jérôme", "Søren", "Ángel", "Théo"}
    second = sum(1 for p in pupils if p["second_name"]) / len(pupils)
    assert 0.25 <= second <= 0.33
    assert all(len(p["register_number"]) <= 20 for p in pupils)
    for school in city:
        numbers = [p["register_number"] for p in school.records["pupil"]]
        assert len(set(numbers)) == len(numbers)


def test_every_school_has_demo_logins_for_each_role(city):
    for school in city:
        logins = {x.username: x for x in school.logins}
        assert sorted(logins) == ["admin", "dyrektor", "nauczyciel", "sekretariat"]
        assert all(len(x.password) >= 10 for x in school.logins)
        staff = {s["id"]: s for s in school.records["staff_member"]}
        assert staff[logins["dyrektor"].staff_member_id]["position"] == "director"
        assert staff[logins["nauczyciel"].staff_member_id]["position"] == "teacher"
        tutors = {c["tutor_id"] for c in school.records["class_unit"]}
        if tutors:
            assert logins["nauczyciel"].staff_member_id in tutors
