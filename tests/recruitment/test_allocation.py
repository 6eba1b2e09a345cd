"""Allocation by deferred acceptance: hand-checked examples, exact ties, the lottery and bad input."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

import pytest

from hub.recruitment.allocation import (
    Allocation,
    AllocationInputError,
    Applicant,
    ClassSeats,
    Tie,
    allocate,
    lottery_number,
)
from hub.recruitment.certificate import certificate_violations
from zszo.i18n import gettext_for


def cand(cid: str, *prefs_and_keys: tuple[str, tuple]) -> Applicant:
    """A candidate from (class id, key) pairs, best first."""
    return Applicant(cid, tuple(c for c, _ in prefs_and_keys), dict(prefs_and_keys))


def test_each_candidate_gets_the_best_class_their_key_reaches():
    classes = [ClassSeats("1A-mat", 2), ClassSeats("1B-hum", 1), ClassSeats("1C-bio", 1)]
    candidates = [
        cand("Ala", ("1A-mat", (0, Decimal("150.5"))), ("1B-hum", (0, Decimal("148.5")))),
        cand("Bartek", ("1A-mat", (0, Decimal("170"))), ("1C-bio", (0, Decimal("169")))),
        cand("Celina", ("1A-mat", (0, Decimal("160"))), ("1B-hum", (0, Decimal("161")))),
        cand("Damian", ("1B-hum", (0, Decimal("140"))), ("1C-bio", (0, Decimal("141")))),
        cand("Ewa", ("1A-mat", (1, Decimal("90")))),  # olympiad laureate: admitted first
    ]
    result = allocate(classes, candidates)
    # 1A-mat (2 seats): Ewa (laureate) and Bartek (170); Celina (160) and Ala (150.5) fall through.
    # 1B-hum (1 seat): Celina 161 beats Ala 148.5 and Damian 140. 1C-bio: Damian.
    assert result == Allocation(
        assignments={"Ala": None, "Bartek": "1A-mat", "Celina": "1B-hum", "Damian": "1C-bio", "Ewa": "1A-mat"},
        cutoffs={"1A-mat": (0, Decimal("170")), "1B-hum": (0, Decimal("161")), "1C-bio": (0, Decimal("141"))},
        lottery=None, ties=[],
    )
    assert result.publishable
    assert certificate_violations(classes, candidates, result) == []


def test_a_class_that_is_not_full_has_no_cutoff_and_zero_seats_admit_nobody():
    classes = [ClassSeats("A", 3), ClassSeats("Z", 0)]
    candidates = [cand("k1", ("Z", (5,)), ("A", (1,))), cand("k2", ("Z", (9,)))]
    result = allocate(classes, candidates)
    assert result.assignments == {"k1": "A", "k2": None}
    assert result.cutoffs == {"A": None, "Z": None}
    assert certificate_violations(classes, candidates, result) == []


def test_no_candidates_and_no_classes():
    assert allocate([], []) == Allocation({}, {}, None, [])


def test_a_tie_across_the_cutoff_is_reported_and_blocks_publication():
    classes = [ClassSeats("A", 1)]
    candidates = [cand("k2", ("A", (0, Decimal("150")))), cand("k1", ("A", (0, Decimal("150"))))]
    result = allocate(classes, candidates)
    assert result.ties == [Tie("A", (0, Decimal("150")), ("k1", "k2"), "cutoff")]
    assert not result.publishable
    # The tentative result breaks the certificate: one of them reaches the cut-off but has no seat.
    assert certificate_violations(classes, candidates, result) != []


def test_ties_inside_a_class_or_below_its_cutoff_do_not_matter():
    classes = [ClassSeats("A", 2), ClassSeats("B", 1)]
    candidates = [cand("k1", ("A", (7,))), cand("k2", ("A", (7,))),          # both admitted
                  cand("k3", ("B", (9,))), cand("k4", ("B", (3,))), cand("k5", ("B", (3,)))]  # both out
    result = allocate(classes, candidates)
    assert result.publishable
    assert result.assignments == {"k1": "A", "k2": "A", "k3": "B", "k4": None, "k5": None}


def test_a_chain_tie_is_reported_even_though_nobody_stands_at_a_cutoff():
    # c (1 seat): h 10, a 5, b 5.  d (1 seat): a 9, h 3.  h prefers d, a prefers c.
    # Run with b before a: h gets c, a gets d, nobody reaches a cut-off (c 10, d 9). Run with a
    # before b: a gets c, h gets d: everyone on the cycle is better off. The a/b tie decides.
    classes = [ClassSeats("c", 1), ClassSeats("d", 1)]
    candidates = [cand("h", ("d", (3,)), ("c", (10,))), cand("a", ("c", (5,)), ("d", (9,))), cand("b", ("c", (5,)))]
    result = allocate(classes, candidates)
    assert result.ties == [Tie("c", (5,), ("a", "b"), "chain")]
    assert not result.publishable
    assert certificate_violations(classes, candidates, result) == []


def test_the_lottery_is_hmac_sha256_of_the_seed_and_the_id():
    digest = hmac.new(b"2026", "Zoë-Łucja".encode(), hashlib.sha256).digest()
    assert lottery_number(2026, "Zoë-Łucja") == int.from_bytes(digest[:8], "big") >> 11
    assert lottery_number(2026, "a") != lottery_number(2027, "a")
    assert 0 <= lottery_number(1, "x") < 2 ** 53


def test_the_lottery_breaks_exact_ties_reproducibly():
    classes = [ClassSeats("A", 1)]
    candidates = [cand("k1", ("A", (150,))), cand("k2", ("A", (150,)))]
    result = allocate(classes, candidates, lottery_seed=7)
    numbers = {"k1": lottery_number(7, "k1"), "k2": lottery_number(7, "k2")}
    winner = max(numbers, key=numbers.__getitem__)
    assert result.lottery == numbers
    assert result.assignments[winner] == "A"
    assert result.cutoffs == {"A": (150, numbers[winner])}
    assert result.publishable
    assert allocate(classes, list(reversed(candidates)), lottery_seed=7) == result
    assert certificate_violations(classes, candidates, result, lottery_seed=7) == []


def test_the_lottery_only_breaks_exact_ties():
    classes = [ClassSeats("A", 1)]
    candidates = [cand("k1", ("A", (150,))), cand("k2", ("A", (151,)))]
    for seed in range(20):
        assert allocate(classes, candidates, lottery_seed=seed).assignments == {"k1": None, "k2": "A"}


def test_a_displacement_chain_of_5000_candidates_needs_no_recursion():
    # k1…k(n-1) first hold their first choices c1…c(n-1); then k0 takes c1 from k1, who takes c2
    # from k2 (k1's key there is higher), and so on: one chain of n rejections.
    n = 5_000
    classes = [ClassSeats(f"c{j:05d}", 1) for j in range(1, n + 1)]
    candidates = [Applicant(f"k{i:05d}", (f"c{i:05d}", f"c{i + 1:05d}"), {f"c{i:05d}": (1,), f"c{i + 1:05d}": (2,)})
                  for i in range(1, n)]
    candidates.append(Applicant("k00000", ("c00001",), {"c00001": (2,)}))
    result = allocate(classes, candidates)
    assert all(result.assignments[f"k{i:05d}"] == f"c{i + 1:05d}" for i in range(n))
    assert result.publishable


PL = gettext_for("pl")
GOOD = {"id": "k1", "preferences": ("A",), "keys": {"A": (1,)}}


def bad(**changes) -> list[Applicant]:
    fields = {**GOOD, **changes}
    return [Applicant("k0", ("A",), {"A": (0,)}), Applicant(fields["id"], fields["preferences"], fields["keys"])]


@pytest.mark.parametrize(("classes", "candidates", "where", "polish"), [
    ([ClassSeats("A", -1)], [], "classes[0].seats", "liczba miejsc nie może być ujemna"),
    ([ClassSeats("A", 2.5)], [], "classes[0].seats", "liczba miejsc musi być liczbą całkowitą"),
    ([ClassSeats("A", True)], [], "classes[0].seats", "liczba miejsc musi być liczbą całkowitą"),
    ([ClassSeats("A", 1), ClassSeats("A", 2)], [], "classes[1].id", "oddział 'A' występuje dwa razy"),
    ([ClassSeats("", 1)], [], "classes[0].id", "identyfikator oddziału musi być niepustym tekstem"),
    ([ClassSeats("A", 1)], bad(preferences=("A", "X")), "candidates[1] ('k1').preferences[1]",
     "nieznany oddział 'X'"),
    ([ClassSeats("A", 1)], bad(preferences=("A", "A")), "candidates[1] ('k1').preferences[1]",
     "oddział 'A' jest na liście dwa razy"),
    ([ClassSeats("A", 1), ClassSeats("B", 1)], bad(preferences=("A", "B")), "candidates[1] ('k1').keys",
     "brak klucza dla oddziału 'B' z listy"),
    ([ClassSeats("A", 1)], bad(keys={"A": (1,), "Q": (2,)}), "candidates[1] ('k1').keys",
     "klucz dla nieznanego oddziału 'Q'"),
    ([ClassSeats("A", 1)], bad(keys={"A": ()}), "candidates[1] ('k1').keys['A']",
     "klucz musi być niepustą listą liczb"),
    ([ClassSeats("A", 1)], bad(keys={"A": [1]}), "candidates[1] ('k1').keys['A']",
     "klucz musi być niepustą listą liczb"),
    ([ClassSeats("A", 1)], bad(keys={"A": (1.5,)}), "candidates[1] ('k1').keys['A']",
     "klucz może zawierać tylko liczby dokładne (całkowite lub dziesiętne)"),
    ([ClassSeats("A", 1)], bad(keys={"A": (True,)}), "candidates[1] ('k1').keys['A']",
     "klucz może zawierać tylko liczby dokładne (całkowite lub dziesiętne)"),
    ([ClassSeats("A", 1)], bad(keys={"A": (Decimal("NaN"),)}), "candidates[1] ('k1').keys['A']",
     "klucz może zawierać tylko liczby skończone"),
    ([ClassSeats("A", 1)], bad(keys={"A": (Decimal("-Infinity"),)}), "candidates[1] ('k1').keys['A']",
     "klucz może zawierać tylko liczby skończone"),
    ([ClassSeats("A", 1)], bad(keys={"A": (1, 2)}), "candidates[1] ('k1').keys['A']",
     "wszystkie klucze dla oddziału 'A' muszą mieć tę samą długość (1, jak w candidates[0] ('k0'))"),
    ([ClassSeats("A", 1)], bad(id="k0"), "candidates[1] ('k0').id", "kandydat 'k0' występuje dwa razy"),
    ([ClassSeats("A", 1)], bad(id=7), "candidates[1].id", "identyfikator kandydata musi być niepustym tekstem"),
])
def test_bad_input_names_what_and_where(classes, candidates, where, polish):
    with pytest.raises(AllocationInputError) as caught:
        allocate(classes, candidates)
    assert caught.value.where == where
    assert caught.value.render(PL) == f"{where}: {polish}"


def test_bad_lottery_seed():
    with pytest.raises(AllocationInputError) as caught:
        allocate([], [], lottery_seed="7")
    assert caught.value.render(PL) == "lottery_seed: ziarno losowania musi być liczbą całkowitą lub null"


def test_the_english_reason_is_kept_for_logs():
    with pytest.raises(AllocationInputError) as caught:
        allocate([ClassSeats("A", 1)], bad(preferences=("A", "X")))
    assert caught.value.reason == "unknown class 'X'"
    assert str(caught.value) == "candidates[1] ('k1').preferences[1]: unknown class 'X'"
