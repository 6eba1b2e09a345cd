"""Allocation of candidates to classes: student-proposing deferred acceptance (BRIEF §4, issue 6).

Each candidate lists classes best first; each class compares its applicants by their *key* for
that class (a tuple of numbers, compared lexicographically, higher is better: e.g. olympiad
priority, points, tie stages). The result places every candidate in the best listed class their
key reaches, with no class over its seats: the student-optimal stable matching, computed with a
heap per class (the lowest admitted key on top) in O(L log seats) for L applications, iteratively.

Exact ties. The law has no final tie-breaker, so this module never invents one. When the city has
adopted a lottery, its published seed gives every candidate one reproducible number
(:func:`lottery_number`) appended to all of that candidate's keys. Without a lottery, an internal
order (by candidate id) only lets the algorithm run; the result is then checked for whether that
order mattered, and every tie that did is reported (:class:`Tie`) and the result is not
publishable (:attr:`Allocation.publishable`): see :mod:`hub.recruitment.ties`.

The input is validated and encoded by :mod:`hub.recruitment.encoding` (:func:`prepare`).
The outcome depends only on the content of the input, never on its order: class and candidate
order, dict order and the order in which proposals are processed cannot change it.
This module must never read a database, the clock or global random state.
"""

from __future__ import annotations

import hashlib
import hmac
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from heapq import heappush, heapreplace
from typing import Any

LOTTERY_BITS = 53  # numbers stay exact in every JSON reader (IEEE doubles hold 53-bit integers)
KEY_NUMBER_TYPES = (int, Decimal)


@dataclass(frozen=True)
class ClassSeats:
    """A class (or preschool group) on offer and its number of seats."""

    id: str
    seats: int


@dataclass(frozen=True)
class Applicant:
    """A candidate: classes best first, and the candidate's key for each listed class."""

    id: str
    preferences: tuple[str, ...]
    keys: Mapping[str, tuple]


@dataclass(frozen=True)
class Tie:
    """Candidates with exactly equal keys whose order decides a seat of ``class_id``.

    ``kind`` is ``"cutoff"`` when they stand on both sides of the class's cut-off, or ``"chain"``
    when they are tied first in line just below it and the order among them decides a chain of
    seat exchanges (see docs/recruitment.md). ``key`` includes the lottery number when one was used.
    """

    class_id: str
    key: tuple
    candidate_ids: tuple[str, ...]
    kind: str = "cutoff"


@dataclass(frozen=True)
class Allocation:
    """The result: seat per candidate (None = none), cut-off per class (None = not full), ties."""

    assignments: dict[str, str | None]
    cutoffs: dict[str, tuple | None]
    lottery: dict[str, int] | None
    ties: list[Tie]

    @property
    def publishable(self) -> bool:
        """True when no exact tie decides any seat: the result may be published as it is."""
        return not self.ties


class AllocationInputError(ValueError):
    """Input the allocation refuses: ``where`` (a path into the input) and ``reason`` (English).

    ``message`` is the English message id and ``params`` fill it; ``render(gettext)`` gives the
    translated "where: reason" for the web and the command line.
    """

    def __init__(self, where: str, message: str, **params: Any) -> None:
        self.where = where
        self.message = message
        self.params = params
        self.reason = message.format(**params)
        super().__init__(f"{where}: {self.reason}")

    def render(self, gettext: Any = lambda s: s) -> str:
        """Return "where: reason" with the reason translated by ``gettext``."""
        return f"{self.where}: {gettext(self.message).format(**self.params)}"


def lottery_number(seed: int, candidate_id: str) -> int:
    """The candidate's lottery number: the first 53 bits of HMAC-SHA256(key=str(seed), msg=id).

    Anyone can recompute it from the published seed; it is a fair, reproducible draw, not a secret.
    """
    return lottery_numbers(seed, [candidate_id])[0]


def lottery_numbers(seed: int, candidate_ids: Sequence[str]) -> list[int]:
    """:func:`lottery_number` for many candidates (the keyed HMAC state is set up once)."""
    keyed = hmac.new(str(seed).encode("ascii"), digestmod=hashlib.sha256)
    numbers = []
    for candidate_id in candidate_ids:
        mac = keyed.copy()
        mac.update(candidate_id.encode("utf-8"))
        numbers.append(int.from_bytes(mac.digest()[:8], "big") >> (64 - LOTTERY_BITS))
    return numbers


@dataclass
class Prepared:
    """Validated input as flat arrays over the applications; built by :func:`prepare`.

    Candidate i (input order) has the applications ``starts[i]`` to ``starts[i + 1] - 1``, best
    first: ``listed[j]`` is the class (index) of application j and ``entries[j]`` its key plus the
    candidate's tie order as one int, so the algorithm compares machine-size ints instead of tuples
    of Decimals: ``rank << tie_bits | position``, where rank is the key's rank among all distinct
    keys (sorted once; equal keys, ``1`` and ``Decimal("1.0")`` too, share a rank; keys are only
    compared within a class, so one ranking serves every class) and position is the candidate's
    place in the strict tie order, ``by_tie[position]`` being the candidate.

    The strict tie order is (lottery number, id) with a lottery and (id) without. Only the id,
    which is never law, separates exact ties: ``group[position]`` is the first position with the
    same lottery number (0 for everyone without a lottery), so :func:`weak` of an entry, its key
    plus lottery number without the id, is ``entry`` with its position replaced by its group's
    first; :mod:`hub.recruitment.ties` checks whether the id order mattered. ``candidates`` is the
    input as given: cut-offs and ties quote the keys from there, in their original form.
    """

    class_ids: list[str]
    seats: list[int]
    candidates: Sequence[Applicant]
    candidate_ids: list[str]
    starts: list[int]
    listed: array          # class index per application
    entries: array | list  # key rank << tie_bits | tie position, per application (a list if over 63 bits)
    lottery: list[int] | None
    by_id_rank: list[int]  # candidate index by rank of their id
    by_tie: list[int]      # candidate index by position in the strict tie order
    group: list[int]       # first position of each position's lottery group
    tie_bits: int


def prepare(classes: Sequence[ClassSeats], candidates: Sequence[Applicant],
            lottery_seed: int | None = None) -> Prepared:
    """Validate the input and encode it as arrays; raise AllocationInputError on the first error."""
    from hub.recruitment.encoding import encode  # encoding builds on this module's types

    return encode(classes, candidates, lottery_seed)


def deferred_acceptance(p: Prepared) -> tuple[list[list[int]], list[int]]:
    """Student-proposing deferred acceptance on prepared input: (heap per class, held application per candidate).

    Heap entries are the applications' entries (:attr:`Prepared.entries`): the lowest admitted one
    is on top, and its low ``tie_bits`` bits name the candidate. ``held[i]`` is the application
    (index into the flat arrays) that candidate i holds, or ``starts[i + 1]`` when they hold none.
    Each candidate proposes down their list; a displaced candidate continues from where they
    stopped (a loop, not recursion). Each application is tried at most once, at O(log seats).
    """
    seats = p.seats
    heaps: list[list[int]] = [[] for _ in seats]
    listed, entries, starts, by_tie, mask = p.listed, p.entries, p.starts, p.by_tie, (1 << p.tie_bits) - 1
    next_at = starts[:-1]  # the next application each candidate would make
    for start in range(len(next_at)):
        i = start
        while i >= 0:
            j, end, displaced = next_at[i], starts[i + 1], -1
            while j < end:
                c = listed[j]
                heap = heaps[c]
                if len(heap) < seats[c]:
                    heappush(heap, entries[j])
                    break
                if heap and entries[j] > heap[0]:
                    displaced = by_tie[heapreplace(heap, entries[j]) & mask]
                    break
                j += 1
            next_at[i] = j + 1  # j = end: ran off the list, holds nothing
            i = displaced
    return heaps, [j - 1 for j in next_at]


def holder(p: Prepared, entry: int) -> int:
    """The candidate (index) of a heap entry."""
    return p.by_tie[entry & ((1 << p.tie_bits) - 1)]


def weak(p: Prepared, entry: int) -> int:
    """The entry without the id order: equal exactly when the keys and lottery numbers are equal.

    Monotone like the entries: ``entry >= weak(p, cut)`` says the key reaches the cut-off.
    """
    mask = (1 << p.tie_bits) - 1
    return entry & ~mask | p.group[entry & mask]


def allocate(classes: Sequence[ClassSeats], candidates: Sequence[Applicant],
             lottery_seed: int | None = None) -> Allocation:
    """Allocate seats (validation, deferred acceptance, cut-offs, tie check); raise AllocationInputError."""
    return solve(prepare(classes, candidates, lottery_seed))


def solve(p: Prepared) -> Allocation:
    """Allocate seats for input already validated by :func:`prepare`."""
    from hub.recruitment.ties import find_ties  # ties builds on this module's types

    heaps, held = deferred_acceptance(p)
    return build_allocation(p, heaps, held, find_ties(p, heaps, held))


def build_allocation(p: Prepared, heaps: list[list[int]], held: list[int], ties: list[Tie]) -> Allocation:
    """Turn the algorithm's arrays into the public result, ordered by id (never by input order)."""
    ids, class_ids, listed, starts = p.candidate_ids, p.class_ids, p.listed, p.starts
    names = [*class_ids, None]  # index -1: no seat
    seat_of = [listed[j] if j < end else -1 for j, end in zip(held, starts[1:], strict=True)]
    by_id = p.by_id_rank
    assignments = dict(zip(map(ids.__getitem__, by_id), map(names.__getitem__, map(seat_of.__getitem__, by_id)),
                           strict=True))
    cutoffs: dict[str, tuple | None] = {}
    for c in sorted(range(len(class_ids)), key=class_ids.__getitem__):
        heap = heaps[c]
        if p.seats[c] > 0 and len(heap) == p.seats[c]:
            i = holder(p, heap[0])
            cutoffs[class_ids[c]] = public_key(p, i, held[i])
        else:
            cutoffs[class_ids[c]] = None
    lottery = None if p.lottery is None else dict(zip(map(ids.__getitem__, by_id),
                                                      map(p.lottery.__getitem__, by_id), strict=True))
    return Allocation(assignments, cutoffs, lottery, sorted(ties, key=lambda t: (t.class_id, t.kind, t.candidate_ids)))


def format_key(key: tuple | None) -> str:
    """A key as people read it in messages: ``[0, 154.45, 0, 1]`` (``null`` for no key)."""
    return "null" if key is None else "[" + ", ".join(str(number) for number in key) + "]"


def public_key(p: Prepared, i: int, j: int) -> tuple:
    """The key people see for candidate i's application j: their key as given, plus their lottery number if any."""
    key = p.candidates[i].keys[p.class_ids[p.listed[j]]]
    return key if p.lottery is None else (*key, p.lottery[i])
