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

The outcome depends only on the content of the input, never on its order: class and candidate
order, dict order and the order in which proposals are processed cannot change it.
This module must never read a database, the clock or global random state.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from heapq import heappush, heapreplace
from itertools import accumulate, chain, count, repeat
from operator import or_
from typing import Any

from protocol.i18n import N_

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
    """Validated input in array form (index order = input order); built by :func:`prepare`.

    ``order[i]`` is candidate i's strict tie order: ``(lottery rank, id rank)`` with a lottery,
    ``(id rank,)`` without. The lottery rank is dense (equal numbers, equal rank), so only the id
    rank, which is never law, separates exact ties; :mod:`hub.recruitment.ties` checks whether it
    mattered. ``by_id_rank`` maps an id rank back to the candidate index.

    ``entries[i][q]`` is the same comparison as ``keys[i][q] + order[i]`` as one int, so the
    algorithm compares machine-size ints instead of tuples of Decimals: the key's rank among all
    distinct keys (sorted once) shifted left by ``tie_bits``, plus the candidate's position in the
    strict tie order (``by_tie[position]`` is the candidate). Keys are compared only within a
    class, so one ranking of every distinct key serves all classes.
    """

    class_ids: list[str]
    seats: list[int]
    candidate_ids: list[str]
    prefs: list[list[int]]      # class indices, best first
    keys: list[list[tuple]]     # the key for each listed class, same order as prefs
    lottery: list[int] | None
    order: list[tuple[int, ...]]
    by_id_rank: list[int]
    entries: list[list[int]]    # keys[i][q] + order[i] encoded as one int (see above)
    by_tie: list[int]           # candidate index by position in the strict tie order
    tie_bits: int


def _candidate_where(index: int, candidate_id: object) -> str:
    return f"candidates[{index}] ({candidate_id!r})" if isinstance(candidate_id, str) else f"candidates[{index}]"


def _check_classes(classes: Sequence[ClassSeats]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, cls in enumerate(classes):
        if not isinstance(cls.id, str) or not cls.id:
            raise AllocationInputError(f"classes[{i}].id", N_("a class id must be non-empty text"))
        if cls.id in index:
            raise AllocationInputError(f"classes[{i}].id", N_("class {id!r} appears twice"), id=cls.id)
        if type(cls.seats) is not int:
            raise AllocationInputError(f"classes[{i}].seats", N_("seats must be a whole number"))
        if cls.seats < 0:
            raise AllocationInputError(f"classes[{i}].seats", N_("seats cannot be negative"))
        index[cls.id] = i
    return index


def _check_key(key: object, where: str) -> None:
    if not isinstance(key, tuple) or not key:
        raise AllocationInputError(where, N_("a key must be a non-empty list of numbers"))
    for number in key:
        if type(number) not in KEY_NUMBER_TYPES:
            raise AllocationInputError(where, N_("a key must contain only exact numbers (whole or decimal)"))
        if isinstance(number, Decimal) and not number.is_finite():
            raise AllocationInputError(where, N_("a key must contain only finite numbers"))


def _raise_first_error(classes: Sequence[ClassSeats], candidates: Sequence[Applicant]) -> None:
    """Walk the whole input in order and raise its first error (the slow path that explains)."""
    class_index = _check_classes(classes)
    seen: set[str] = set()
    key_length: dict[str, tuple[int, str]] = {}
    for i, cand in enumerate(candidates):
        where = _candidate_where(i, cand.id)
        if not isinstance(cand.id, str) or not cand.id:
            raise AllocationInputError(f"{where}.id", N_("a candidate id must be non-empty text"))
        if cand.id in seen:
            raise AllocationInputError(f"{where}.id", N_("candidate {id!r} appears twice"), id=cand.id)
        seen.add(cand.id)
        if not isinstance(cand.preferences, tuple | list):
            raise AllocationInputError(f"{where}.preferences", N_("preferences must be a list of class ids"))
        if not isinstance(cand.keys, Mapping):
            raise AllocationInputError(f"{where}.keys", N_("keys must map class ids to keys"))
        listed: set[str] = set()
        for p, class_id in enumerate(cand.preferences):
            if not isinstance(class_id, str) or class_id not in class_index:
                raise AllocationInputError(f"{where}.preferences[{p}]", N_("unknown class {id!r}"), id=class_id)
            if class_id in listed:
                raise AllocationInputError(f"{where}.preferences[{p}]", N_("class {id!r} is listed twice"),
                                           id=class_id)
            listed.add(class_id)
        for class_id in cand.keys:
            if class_id not in class_index:
                raise AllocationInputError(f"{where}.keys", N_("key for an unknown class {id!r}"), id=class_id)
        for class_id in cand.preferences:
            if class_id not in cand.keys:
                raise AllocationInputError(f"{where}.keys", N_("no key for the listed class {id!r}"), id=class_id)
            key = cand.keys[class_id]
            _check_key(key, f"{where}.keys[{class_id!r}]")
            first = key_length.setdefault(class_id, (len(key), where))
            if first[0] != len(key):
                raise AllocationInputError(
                    f"{where}.keys[{class_id!r}]",
                    N_("keys for class {id!r} must all have the same length ({length}, as in {first})"),
                    id=class_id, length=first[0], first=first[1])


def prepare(classes: Sequence[ClassSeats], candidates: Sequence[Applicant],
            lottery_seed: int | None = None) -> Prepared:
    """Validate the input and turn it into arrays; raise AllocationInputError on the first error.

    The checks run in bulk (C-level passes such as ``map`` over all keys, because 100k candidates
    × 12 classes is over a million keys); only when one fails is the input walked slowly, in
    order, to name the first error and where it is.
    """
    with _without_cyclic_gc():
        return _prepare(classes, candidates, lottery_seed)


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic lists and tuples are built.

    Its generation scans would otherwise walk every key again and again (a third of the time of
    ``prepare`` on 100k × 12); nothing built here forms a cycle, so pausing it leaks nothing.
    It is switched back on only if it was on (another caller may have paused it on purpose).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _prepare(classes: Sequence[ClassSeats], candidates: Sequence[Applicant], lottery_seed: int | None) -> Prepared:
    if lottery_seed is not None and type(lottery_seed) is not int:
        raise AllocationInputError("lottery_seed", N_("the lottery seed must be a whole number or null"))
    class_index = _check_classes(classes)
    class_of, known = class_index.__getitem__, class_index.keys()
    prefs: list[list[int]] = []
    keys: list[list[tuple]] = []
    try:
        ids = [cand.id for cand in candidates]
        if set(map(type, ids)) - {str} or len(set(ids)) != len(ids) or "" in ids:
            raise LookupError
        for cand in candidates:
            listed = list(map(class_of, cand.preferences))
            mapping = cand.keys
            own = list(map(mapping.__getitem__, cand.preferences))
            if len(set(listed)) != len(listed) or not mapping.keys() <= known:
                raise LookupError
            prefs.append(listed)
            keys.append(own)
        all_keys = list(chain.from_iterable(keys))
        numbers = chain.from_iterable
        if (set(map(type, all_keys)) - {tuple}
                or set(map(type, numbers(all_keys))) - set(KEY_NUMBER_TYPES)
                or not all(map(Decimal.is_finite, filter(Decimal.__instancecheck__, numbers(all_keys))))):
            raise LookupError
        lengths = set(map(len, all_keys))
        if 0 in lengths:
            raise LookupError
        if len(lengths) > 1:  # different lengths are fine across classes, never within one
            per_class: dict[int, int] = {}
            for listed, own in zip(prefs, keys, strict=True):
                for c, key in zip(listed, own, strict=True):
                    if per_class.setdefault(c, len(key)) != len(key):
                        raise LookupError
    except (LookupError, TypeError, AttributeError, ArithmeticError, ValueError):
        _raise_first_error(classes, candidates)
        raise AssertionError("the bulk checks failed but no error was found") from None  # pragma: no cover
    by_id_rank = sorted(range(len(ids)), key=ids.__getitem__)
    id_rank = [0] * len(ids)
    for rank, i in enumerate(by_id_rank):
        id_rank[i] = rank
    if lottery_seed is None:
        lottery = None
        order = [(rank,) for rank in id_rank]
        by_tie = by_id_rank
    else:
        lottery = lottery_numbers(lottery_seed, ids)
        dense = {number: rank for rank, number in enumerate(sorted(set(lottery)))}
        order = [(dense[number], rank) for number, rank in zip(lottery, id_rank, strict=True)]
        by_tie = sorted(range(len(ids)), key=order.__getitem__)
    entries, tie_bits = _encode(keys, all_keys, by_tie)
    return Prepared([c.id for c in classes], [c.seats for c in classes], ids, prefs, keys, lottery, order,
                    by_id_rank, entries, by_tie, tie_bits)


def _encode(keys: list[list[tuple]], all_keys: list[tuple], by_tie: list[int]) -> tuple[list[list[int]], int]:
    """Each application's ``key + tie order`` as one int: (rank of the key) << bits | tie position.

    One pass over the keys gives every distinct key the index of its first application; only the
    distinct keys are sorted. Equal keys (``1`` and ``Decimal("1.0")`` too) get one rank; tuples of
    different lengths (other classes) sort among them harmlessly: an int is only compared within
    its class. All loops over applications are C-level ``map`` passes.
    """
    tie_bits = max(1, len(by_tie).bit_length())
    first_at: dict[tuple, int] = {}
    first = list(map(first_at.setdefault, all_keys, count()))
    distinct = list(first_at)
    rank_at = [0] * len(all_keys)
    for rank, j in enumerate(sorted(range(len(distinct)), key=distinct.__getitem__)):
        rank_at[first_at[distinct[j]]] = rank << tie_bits
    tie_of = [0] * len(by_tie)
    for position, i in enumerate(by_tie):
        tie_of[i] = position
    lengths = list(map(len, keys))
    flat = list(map(or_, map(rank_at.__getitem__, first), chain.from_iterable(map(repeat, tie_of, lengths))))
    ends = list(accumulate(lengths))
    return list(map(flat.__getitem__, map(slice, chain((0,), ends), ends))), tie_bits


def deferred_acceptance(p: Prepared) -> tuple[list[list[int]], list[int]]:
    """Student-proposing deferred acceptance on prepared input: (heap per class, list position per candidate).

    Heap entries are the candidates' int-encoded entries (:attr:`Prepared.entries`): the lowest
    admitted one is on top, and its low ``tie_bits`` bits name the candidate. ``position[i]`` is
    the index in candidate i's list of the class holding them, or the list's length when they hold
    none. Each candidate proposes down their list; a displaced candidate continues from where they
    stopped (a loop, not recursion). Each application is tried at most once, at O(log seats).
    """
    seats = p.seats
    heaps: list[list[int]] = [[] for _ in seats]
    next_choice = [0] * len(p.prefs)
    prefs, entries, by_tie, mask = p.prefs, p.entries, p.by_tie, (1 << p.tie_bits) - 1
    for start in range(len(prefs)):
        i = start
        while i >= 0:
            listed, own = prefs[i], entries[i]
            held, displaced = len(listed), -1  # held = len(listed): ran off the list, holds nothing
            for q in range(next_choice[i], len(listed)):
                c = listed[q]
                heap = heaps[c]
                if len(heap) < seats[c]:
                    heappush(heap, own[q])
                    held = q
                    break
                if heap and own[q] > heap[0]:
                    displaced = by_tie[heapreplace(heap, own[q]) & mask]
                    held = q
                    break
            next_choice[i] = held + 1
            i = displaced
    return heaps, [n - 1 for n in next_choice]


def holder(p: Prepared, entry: int) -> int:
    """The candidate (index) of a heap entry."""
    return p.by_tie[entry & ((1 << p.tie_bits) - 1)]


def allocate(classes: Sequence[ClassSeats], candidates: Sequence[Applicant],
             lottery_seed: int | None = None) -> Allocation:
    """Allocate seats (validation, deferred acceptance, cut-offs, tie check); raise AllocationInputError."""
    return solve(prepare(classes, candidates, lottery_seed))


def solve(p: Prepared) -> Allocation:
    """Allocate seats for input already validated by :func:`prepare`."""
    from hub.recruitment.ties import find_ties  # ties builds on this module's types

    heaps, position = deferred_acceptance(p)
    return build_allocation(p, heaps, position, find_ties(p, heaps, position))


def build_allocation(p: Prepared, heaps: list[list[int]], position: list[int], ties: list[Tie]) -> Allocation:
    """Turn the algorithm's arrays into the public result, ordered by id (never by input order)."""
    ids, class_ids = p.candidate_ids, p.class_ids
    assignments: dict[str, str | None] = {}
    for i in p.by_id_rank:
        listed, q = p.prefs[i], position[i]
        assignments[ids[i]] = class_ids[listed[q]] if q < len(listed) else None
    cutoffs: dict[str, tuple | None] = {}
    for c in sorted(range(len(class_ids)), key=class_ids.__getitem__):
        heap = heaps[c]
        full = p.seats[c] > 0 and len(heap) == p.seats[c]
        if full:
            i = holder(p, heap[0])
            cutoffs[class_ids[c]] = public_key(p, i, position[i])
        else:
            cutoffs[class_ids[c]] = None
    lottery = None if p.lottery is None else {ids[i]: p.lottery[i] for i in p.by_id_rank}
    return Allocation(assignments, cutoffs, lottery, sorted(ties, key=lambda t: (t.class_id, t.kind, t.candidate_ids)))


def format_key(key: tuple | None) -> str:
    """A key as people read it in messages: ``[0, 154.45, 0, 1]`` (``null`` for no key)."""
    return "null" if key is None else "[" + ", ".join(str(number) for number in key) + "]"


def public_key(p: Prepared, i: int, q: int) -> tuple:
    """The key people see for candidate i's q-th listed class: their key, plus their lottery number if one was used."""
    key = p.keys[i][q]
    return key if p.lottery is None else (*key, p.lottery[i])
