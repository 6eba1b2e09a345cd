"""Properties of the allocation on random instances (issue 6, "Must show").

Feasibility, no justified envy, non-wastefulness, the cut-off certificate, the same result for any
input order, equality with an independent textbook deferred acceptance and with the `matching`
package's hospital-resident solver on tie-free instances, and the tie rule: a result is
publishable exactly when every strict order of its exact ties gives the same seats (brute force).
"""

from __future__ import annotations

import itertools
import random
import warnings
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.recruitment.allocation import (
    AllocationInputError,
    Applicant,
    ClassSeats,
    allocate,
    lottery_number,
    prepare,
)
from hub.recruitment.certificate import certificate_violations
from hub.recruitment.encoding import raise_first_error

PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

small_numbers = st.one_of(st.integers(0, 3), st.sampled_from([Decimal("1.5"), Decimal("2.25"), Decimal("0")]))


@st.composite
def instances(draw: Any, max_candidates: int = 8, max_classes: int = 4, strict: bool = False,
              min_seats: int = 0) -> tuple[list[ClassSeats], list[Applicant]]:
    """Random classes and candidates; small key values make exact ties frequent unless ``strict``."""
    n_classes = draw(st.integers(1, max_classes))
    class_ids = [f"C{c}" for c in range(n_classes)]
    classes = [ClassSeats(c, draw(st.integers(min_seats, 3))) for c in class_ids]
    key_length = {c: draw(st.integers(1, 2)) for c in class_ids}
    n = draw(st.integers(0, max_candidates))
    # Strict: every class ranks its applicants by a permutation, so no two keys are equal.
    ranks = {c: draw(st.permutations(range(n))) for c in class_ids} if strict else {}
    candidates = []
    for i in range(n):
        prefs = draw(st.lists(st.sampled_from(class_ids), unique=True, max_size=n_classes))
        keys = {}
        for c in prefs:
            if strict:
                keys[c] = (ranks[c][i],) * key_length[c]
            else:
                keys[c] = tuple(draw(small_numbers) for _ in range(key_length[c]))
        candidates.append(Applicant(f"k{i}", tuple(prefs), keys))
    return classes, candidates


def textbook_da(classes: list[ClassSeats], candidates: list[Applicant],
                priority: Callable[[str, Applicant], Any]) -> dict[str, str | None]:
    """Round-based Gale-Shapley (all free candidates propose at once), written independently as an oracle."""
    seats = {c.id: c.seats for c in classes}
    held: dict[str, list[Applicant]] = {c.id: [] for c in classes}
    nxt = {a.id: 0 for a in candidates}
    free = list(candidates)
    while free:
        proposals: dict[str, list[Applicant]] = defaultdict(list)
        for a in free:
            if nxt[a.id] < len(a.preferences):
                proposals[a.preferences[nxt[a.id]]].append(a)
                nxt[a.id] += 1
        free = []
        for c, new in proposals.items():
            pool = sorted(held[c] + new, key=lambda a, c=c: priority(c, a), reverse=True)
            held[c], rejected = pool[:seats[c]], pool[seats[c]:]
            free.extend(rejected)
    result: dict[str, str | None] = {a.id: None for a in candidates}
    for c, holders in held.items():
        for a in holders:
            result[a.id] = c
    return result


def check_stable(classes, candidates, result, extended: Callable[[Applicant, str], tuple]) -> None:
    """Feasibility, no justified envy and non-wastefulness, straight from their definitions."""
    seats = {c.id: c.seats for c in classes}
    holders: dict[str, list[Applicant]] = defaultdict(list)
    assert set(result.assignments) == {a.id for a in candidates}
    for a in candidates:
        held = result.assignments[a.id]
        if held is not None:
            assert held in a.preferences                      # only a listed class
            holders[held].append(a)
    for c, held in holders.items():
        assert len(held) <= seats[c]                         # capacity
    for a in candidates:
        held = result.assignments[a.id]
        better = a.preferences if held is None else a.preferences[:a.preferences.index(held)]
        for c in better:
            assert len(holders[c]) == seats[c]               # non-wasteful: what a prefers is full
            assert all(extended(a, c) <= extended(h, c) for h in holders[c])  # no justified envy


@PROPS
@given(instances(), st.booleans())
def test_feasible_envy_free_non_wasteful_and_certified(instance, with_lottery):
    classes, candidates = instance
    seed = 99 if with_lottery else None
    result = allocate(classes, candidates, seed)

    def extended(a: Applicant, c: str) -> tuple:
        return a.keys[c] if seed is None else (*a.keys[c], lottery_number(seed, a.id))

    check_stable(classes, candidates, result, extended)
    if result.publishable:
        assert certificate_violations(classes, candidates, result, seed) == []
    for c, cutoff in result.cutoffs.items():
        admitted = [extended(a, c) for a in candidates if result.assignments[a.id] == c]
        seats = next(x.seats for x in classes if x.id == c)
        assert cutoff == (min(admitted) if seats and len(admitted) == seats else None)


@PROPS
@given(instances(), st.booleans(), st.data())
def test_the_same_result_for_any_input_order(instance, with_lottery, data):
    classes, candidates = instance
    seed = 5 if with_lottery else None
    shuffled_classes = data.draw(st.permutations(classes))
    shuffled = [Applicant(a.id, a.preferences, dict(data.draw(st.permutations(list(a.keys.items())))))
                for a in data.draw(st.permutations(candidates))]
    assert allocate(shuffled_classes, shuffled, seed) == allocate(classes, candidates, seed)


@PROPS
@given(instances(max_candidates=10))
def test_with_a_lottery_equals_the_textbook_algorithm(instance):
    classes, candidates = instance
    result = allocate(classes, candidates, lottery_seed=2026)
    expected = textbook_da(classes, candidates, lambda c, a: (*a.keys[c], lottery_number(2026, a.id)))
    assert result.assignments == expected
    assert result.publishable


@PROPS
@given(instances(max_candidates=12, max_classes=5, strict=True, min_seats=1))
def test_equals_the_matching_package_on_tie_free_instances(instance):
    from matching.games import HospitalResident

    classes, candidates = instance
    result = allocate(classes, candidates)
    assert result.publishable
    residents = {a.id: list(a.preferences) for a in candidates if a.preferences}
    applicants: dict[str, list[Applicant]] = defaultdict(list)
    for a in candidates:
        for c in a.preferences:
            applicants[c].append(a)
    hospitals = {c: [a.id for a in sorted(group, key=lambda a, c=c: a.keys[c], reverse=True)]
                 for c, group in applicants.items()}
    expected: dict[str, str | None] = {a.id: None for a in candidates}
    if residents:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # matching warns about what it considers odd input; none here
            game = HospitalResident.create_from_dictionaries(
                residents, hospitals, {c: next(x.seats for x in classes if x.id == c) for c in hospitals})
            for hospital, matched in game.solve(optimal="resident").items():
                for resident in matched:
                    expected[resident.name] = hospital.name
    assert result.assignments == expected


def tie_orders(classes: list[ClassSeats], candidates: list[Applicant], limit: int) -> list[dict[str, dict[str, int]]]:
    """Every strict order of the exact ties, per class (None when there are more than ``limit``)."""
    per_class = []
    for cls in classes:
        groups: dict[tuple, list[str]] = defaultdict(list)
        for a in candidates:
            if cls.id in a.keys and cls.id in a.preferences:
                groups[a.keys[cls.id]].append(a.id)
        options = [list(itertools.permutations(g)) for g in groups.values()]
        per_class.append([{cid: rank for perm in choice for rank, cid in enumerate(perm)}
                          for choice in itertools.product(*options)])
    total = 1
    for options in per_class:
        total *= len(options)
    if total > limit:
        return None
    return [{cls.id: order for cls, order in zip(classes, combo, strict=True)}
            for combo in itertools.product(*per_class)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_candidates=5, max_classes=3))
def test_publishable_exactly_when_no_order_of_the_ties_changes_a_seat(instance):
    classes, candidates = instance
    orders = tie_orders(classes, candidates, limit=400)
    if orders is None:
        return
    outcomes = {tuple(sorted(textbook_da(classes, candidates, lambda c, a, o=o: (a.keys[c], o[c][a.id])).items(),
                             key=lambda kv: kv[0]))
                for o in orders}
    result = allocate(classes, candidates)
    assert result.publishable == (len(outcomes) == 1)
    if result.publishable:
        assert outcomes == {tuple(sorted(result.assignments.items()))}


@PROPS
@given(instances(max_candidates=6), st.data())
def test_the_fast_checks_accept_only_what_the_careful_walk_accepts(instance, data):
    classes, candidates = instance
    corruptions: list[Callable[[Applicant], Applicant]] = [
        lambda a: Applicant(a.id, (*a.preferences, "ZZ"), a.keys),
        lambda a: Applicant(a.id, a.preferences + a.preferences[:1], a.keys),
        lambda a: Applicant(a.id, a.preferences, {**a.keys, "ZZ": (1,)}),
        lambda a: Applicant(a.id, a.preferences, {c: k + (1,) for c, k in a.keys.items()}),
        lambda a: Applicant(a.id, a.preferences, {c: (Decimal("NaN"),) for c in a.keys}),
        lambda a: Applicant(a.id, a.preferences, {c: (1.0,) for c in a.keys}),
        lambda a: Applicant(a.id, a.preferences, dict(list(a.keys.items())[1:])),
        lambda a: Applicant("", a.preferences, a.keys),
        lambda a: a,
    ]
    if candidates:
        i = data.draw(st.integers(0, len(candidates) - 1))
        candidates = [*candidates[:i], data.draw(st.sampled_from(corruptions))(candidates[i]), *candidates[i + 1:]]
    try:
        prepare(classes, candidates)
    except AllocationInputError as fast:
        with pytest.raises(AllocationInputError) as careful:
            raise_first_error(classes, candidates)
        assert str(careful.value) == str(fast)
    else:
        raise_first_error(classes, candidates)  # must find nothing either


def test_chain_ties_found_at_random_are_real():
    """Chain ties are rare in random instances, so look for them on purpose (seeded) and brute-force each."""
    rng = random.Random(5)
    chains = 0
    for _ in range(4000):
        classes = [ClassSeats(f"C{c}", rng.randint(1, 2)) for c in range(rng.randint(2, 4))]
        candidates = []
        for i in range(rng.randint(3, 6)):
            prefs = rng.sample([c.id for c in classes], rng.randint(1, len(classes)))
            candidates.append(Applicant(f"k{i}", tuple(prefs), {c: (rng.randint(0, 4),) for c in prefs}))
        result = allocate(classes, candidates)
        if not any(t.kind == "chain" for t in result.ties):
            continue
        orders = tie_orders(classes, candidates, limit=3000)
        if orders is None:
            continue
        chains += 1
        outcomes = {tuple(sorted(textbook_da(classes, candidates, lambda c, a, o=o: (a.keys[c], o[c][a.id])).items()))
                    for o in orders}
        assert len(outcomes) > 1, (classes, candidates)
        assert certificate_violations(classes, candidates, result) == []
    assert chains >= 5
