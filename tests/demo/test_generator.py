"""Demo generator: determinism, plan order, scaling and the name rules (small inputs)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zszo.demo import names
from zszo.demo.generator import generate_city, generate_school
from zszo.demo.plan import INSTITUTIONS, city_plan

ROOT = Path(__file__).resolve().parents[2]
_DIGEST = """
import hashlib, json
from zszo.demo.generator import generate_city
data = [(s.records, s.logins) for s in generate_city(schools=3, scale=0.2)]
print(hashlib.sha256(json.dumps(data, ensure_ascii=False, default=repr).encode()).hexdigest())
"""


def _dump(schools) -> str:
    return json.dumps([(s.records, s.logins) for s in schools], ensure_ascii=False, default=repr)


def test_same_seed_gives_identical_records():
    first = [generate_school(plan, scale=0.2) for plan in city_plan()[:3]]
    again = [generate_school(plan, scale=0.2) for plan in city_plan()[:3]]
    assert _dump(first) == _dump(again)


def test_identical_across_processes_with_different_hash_seeds():
    """No output depends on set or dict-of-str iteration order (PYTHONHASHSEED)."""
    digests = set()
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", _DIGEST], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=True)
        digests.add(out.stdout.strip())
    here = hashlib.sha256(_dump(generate_city(schools=3, scale=0.2)).encode()).hexdigest()
    assert digests == {here}


def test_other_seed_gives_another_city():
    assert _dump(generate_city(schools=2, scale=0.2)) != _dump(generate_city(seed=7, schools=2, scale=0.2))


def test_first_n_schools_are_the_full_citys_first_n():
    three = list(generate_city(schools=3, scale=0.1))
    plans = city_plan()
    assert len(plans) == INSTITUTIONS
    assert _dump(three) == _dump(generate_school(p, scale=0.1) for p in plans[:3])


def test_plan_starts_with_one_institution_of_each_type():
    types = [p.type for p in city_plan()[:7]]
    assert types == ["primary", "preschool", "liceum", "zespol", "special", "cku", "mos"]


def test_scale_shrinks_classes_but_keeps_them():
    plan = city_plan()[0]
    full, small = generate_school(plan), generate_school(plan, scale=0.05)
    assert len(small.records["class_unit"]) == len(full.records["class_unit"])
    assert 0 < small.pupils < full.pupils * 0.1
    # every class still has a distinct tutor, so teachers never drop below the number of classes
    assert small.teachers >= len(small.records["class_unit"])


@pytest.mark.parametrize(("male", "sex", "expected"), [
    ("Kowalski", "F", "Kowalska"), ("Nowicki", "F", "Nowicka"), ("Zawadzki", "F", "Zawadzka"),
    ("Nowak", "F", "Nowak"), ("Kowalski", "M", "Kowalski"), ("Nowak-Żółtowski", "F", "Nowak-Żółtowska"),
    ("D'Amico", "F", "D'Amico"),
])
def test_gendered_surnames(male, sex, expected):
    assert names.gendered(male, sex) == expected


@pytest.mark.parametrize(("text", "slug"), [("Łukasz", "lukasz"), ("D'Amico", "damico"), ("Zoë", "zoe"),
                                            ("Søren", "soren"), ("Nowak-Żółtowska", "nowakzoltowska")])
def test_ascii_slug_for_email_addresses(text, slug):
    assert names.ascii_slug(text) == slug
