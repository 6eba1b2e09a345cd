"""The encoded fast path against a straightforward reference (issue 6).

prepare() ranks the distinct keys once and the algorithm, the tie check and the certificate
compare ints; the allocation file is read in bulk. Here a textbook deferred acceptance that
compares the keys themselves as tuples (plus lottery number, then id: the same strict order)
must give the same seats, and the cut-offs must be quoted in the keys' original form: ``1``,
``Decimal("1.0")`` and ``Decimal("1.00")`` are equal keys, but a cut-off shows the one its
candidate gave. Inputs are random and full of exact ties.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.recruitment import encoding
from hub.recruitment.allocation import Allocation, Applicant, ClassSeats, allocate, lottery_number, prepare, solve
from hub.recruitment.audit_io import _candidate, _candidates_at_once, parse_json, read_input, write_output
from hub.recruitment.certificate import certify

# Equal numbers in different forms, negative and large ones: exact ties, and every form must survive.
NUMBERS = (0, 1, Decimal("1.0"), Decimal("1.00"), Decimal("1.5"), Decimal("1.50"), 2, -1, Decimal("-0.5"),
           10**20, Decimal("1E+20"))


def reference(classes: list[ClassSeats], candidates: list[Applicant], seed: int | None) -> Allocation:
    """One proposal at a time, comparing (key, lottery number, id) tuples; cut-offs as the holder gave them."""
    lottery = {a.id: lottery_number(seed, a.id) for a in candidates} if seed is not None else None
    seats = {c.id: c.seats for c in classes}

    def priority(a: Applicant, class_id: str) -> tuple:
        return (a.keys[class_id], 0 if lottery is None else lottery[a.id], a.id)

    held: dict[str, list[Applicant]] = {c.id: [] for c in classes}
    next_choice = {a.id: 0 for a in candidates}
    free = list(reversed(candidates))
    while free:
        a = free.pop()
        while next_choice[a.id] < len(a.preferences):
            class_id = a.preferences[next_choice[a.id]]
            next_choice[a.id] += 1
            if seats[class_id] == 0:
                continue
            held[class_id].append(a)
            if len(held[class_id]) <= seats[class_id]:
                break
            worst = min(held[class_id], key=lambda h, c=class_id: priority(h, c))
            held[class_id].remove(worst)
            if worst is not a:
                free.append(worst)
                break
    assignments: dict[str, str | None] = {a.id: None for a in sorted(candidates, key=lambda a: a.id)}
    cutoffs: dict[str, tuple | None] = {}
    for class_id in sorted(held):
        for a in held[class_id]:
            assignments[a.id] = class_id
        full = seats[class_id] > 0 and len(held[class_id]) == seats[class_id]
        lowest = min(held[class_id], key=lambda h, c=class_id: priority(h, c)) if full else None
        cutoffs[class_id] = None if lowest is None else (
            lowest.keys[class_id] if lottery is None else (*lowest.keys[class_id], lottery[lowest.id]))
    return Allocation(assignments, cutoffs, lottery and dict(sorted(lottery.items())), [])


@st.composite
def tied_instances(draw, max_candidates: int = 14, max_classes: int = 5):  # type: ignore[no-untyped-def]
    n_classes = draw(st.integers(1, max_classes))
    class_ids = [f"C{c}" for c in range(n_classes)]
    classes = [ClassSeats(c, draw(st.integers(0, 3))) for c in class_ids]
    length = {c: draw(st.integers(1, 3)) for c in class_ids}  # different lengths in different classes
    candidates = []
    for i in range(draw(st.integers(0, max_candidates))):
        prefs = draw(st.lists(st.sampled_from(class_ids), unique=True, max_size=n_classes))
        keys = {c: tuple(draw(st.sampled_from(NUMBERS)) for _ in range(length[c])) for c in prefs}
        candidates.append(Applicant(f"k{draw(st.integers(0, 99)):02d}-{i}", tuple(prefs), keys))
    return classes, candidates


def assert_same_as_reference(classes, candidates, seed) -> None:  # type: ignore[no-untyped-def]
    result = allocate(classes, candidates, seed)
    expected = reference(classes, candidates, seed)
    assert result.assignments == expected.assignments
    assert list(result.assignments) == list(expected.assignments)  # ordered by id
    assert repr(result.cutoffs) == repr(expected.cutoffs)         # the same forms, not only equal values
    assert result.lottery == expected.lottery
    if result.publishable:  # a cut-off tie is exactly what the certificate refuses
        prepared = prepare(classes, candidates, seed)
        assert certify(prepared, solve(prepared)) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tied_instances(), st.booleans())
def test_the_encoded_path_equals_the_reference_on_tied_inputs(instance, with_lottery):
    classes, candidates = instance
    assert_same_as_reference(classes, candidates, 7 if with_lottery else None)


@pytest.mark.parametrize("seed", [None, 2026])
def test_the_encoded_path_equals_the_reference_on_larger_random_inputs(seed):
    rng = random.Random(f"encoding:{seed}")
    for _ in range(5):
        classes = [ClassSeats(f"K{c:02d}", rng.randint(0, 12)) for c in range(25)]
        candidates = []
        for i in range(400):
            prefs = rng.sample([c.id for c in classes], rng.randint(0, 8))
            candidates.append(Applicant(f"c{i:04d}", tuple(prefs), {
                c: (rng.choice((0, 0, 0, 1)), Decimal(rng.randint(0, 40)) / 4, rng.choice(NUMBERS)) for c in prefs}))
        rng.shuffle(candidates)
        assert_same_as_reference(classes, candidates, seed)


def test_entries_too_wide_for_an_array_stay_ints(monkeypatch):
    classes = [ClassSeats("A", 2), ClassSeats("B", 1)]
    candidates = [Applicant(f"k{i}", ("A", "B"), {"A": (i % 3,), "B": (Decimal(i) / 2,)}) for i in range(7)]
    monkeypatch.setattr(encoding, "ARRAY_BITS", 1)
    assert isinstance(prepare(classes, candidates).entries, list)
    assert_same_as_reference(classes, candidates, None)
    assert_same_as_reference(classes, candidates, 3)


def as_json(value: object) -> str:
    """JSON with every decimal written in its own digits ("1.50", "1E+20"), as a hub export would."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {as_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(as_json, value)) + "]"
    return str(value) if isinstance(value, Decimal) else json.dumps(value)


@settings(max_examples=100, deadline=None)
@given(tied_instances(max_candidates=8), st.sampled_from([None, 11]))
def test_the_file_read_in_bulk_gives_what_the_careful_reading_gives(instance, seed):
    classes, candidates = instance
    doc = {"classes": [{"id": c.id, "seats": c.seats} for c in classes],
           "candidates": [{"id": a.id, "preferences": list(a.preferences), "keys": dict(a.keys)} for a in candidates],
           "lottery_seed": seed}
    text = as_json(doc)
    items = parse_json(text)["candidates"]
    assert _candidates_at_once(items) == [_candidate(i, item) for i, item in enumerate(items)]
    data = read_input(text)
    result = allocate(data.classes, data.candidates, data.lottery_seed)
    if result.publishable:
        assert write_output(result) == write_output(reference(data.classes, data.candidates, seed))
