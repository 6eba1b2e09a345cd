"""Validation of the allocation input and its encoding into flat int arrays (:class:`Prepared`).

The checks run in bulk (C-level passes such as ``map`` over all applications, because 100k
candidates × 12 classes is over a million keys); only when one fails is the input walked slowly,
in order, to name the first error and where it is (:func:`raise_first_error`). The keys are
encoded in the same pass that gathers them: each application's key is looked up in a table of
the distinct keys (a dict, so one hash per application), and only the distinct keys are checked
further and sorted, once, for every class at the same time.

This module must never change the input, and never accept what :func:`raise_first_error` refuses.
"""

from __future__ import annotations

import gc
from array import array
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from itertools import accumulate, chain, repeat
from operator import attrgetter, getitem, or_

from hub.recruitment.allocation import (
    KEY_NUMBER_TYPES,
    AllocationInputError,
    Applicant,
    ClassSeats,
    Prepared,
    lottery_numbers,
)
from protocol.i18n import N_

_NUMBER_TYPES = set(KEY_NUMBER_TYPES)
ARRAY_BITS = 62  # entries wider than this stay a list of ints (array("q") holds 63 bits and a sign)


class _Refused(Exception):
    """A bulk check failed: walk the input slowly to say what and where."""


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic lists and tuples are built.

    Its generation scans would otherwise walk every key again and again (a third of the time of
    ``prepare`` on 100k × 12, and most of the time of parsing the input file); nothing built
    here forms a cycle, so pausing it leaks nothing. It is switched back on only if it was on
    (another caller may have paused it on purpose).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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


def raise_first_error(classes: Sequence[ClassSeats], candidates: Sequence[Applicant]) -> None:
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


def encode(classes: Sequence[ClassSeats], candidates: Sequence[Applicant], lottery_seed: int | None) -> Prepared:
    """Validate the input and turn it into :class:`Prepared`; raise AllocationInputError on the first error."""
    if lottery_seed is not None and type(lottery_seed) is not int:
        raise AllocationInputError("lottery_seed", N_("the lottery seed must be a whole number or null"))
    class_index = _check_classes(classes)
    with without_cyclic_gc():
        try:
            ids, lengths, listed, key_ids, distinct = _gather(class_index, candidates)
        except (_Refused, LookupError, TypeError, AttributeError, ArithmeticError, ValueError):
            raise_first_error(classes, candidates)
            raise AssertionError("the bulk checks failed but no error was found") from None  # pragma: no cover
        by_tie, group, lottery, by_id_rank = _tie_order(ids, lottery_seed)
        entries, tie_bits = _entries(key_ids, distinct, by_tie, lengths)
    return Prepared([c.id for c in classes], [c.seats for c in classes], candidates, ids, [0, *accumulate(lengths)],
                    listed, entries, lottery, by_id_rank, by_tie, group, tie_bits)


def _all_subclasses(values: list, kind) -> bool:  # type: ignore[no-untyped-def]
    """Whether every value is a ``kind`` (one isinstance per distinct type, not per value)."""
    return all(issubclass(t, kind) for t in set(map(type, values)))


def _gather(class_index: dict[str, int], candidates: Sequence[Applicant]):  # type: ignore[no-untyped-def]
    """The bulk checks, and per application its class and the id of its key in the table of distinct keys."""
    ids = list(map(attrgetter("id"), candidates))
    if not _all_subclasses(ids, str) or len(set(ids)) != len(ids) or "" in ids:
        raise _Refused
    prefs = list(map(attrgetter("preferences"), candidates))
    maps = list(map(attrgetter("keys"), candidates))
    if not _all_subclasses(prefs, tuple | list) or not _all_subclasses(maps, Mapping):
        raise _Refused
    lengths = list(map(len, prefs))
    flat_prefs = list(chain.from_iterable(prefs))
    listed = array("i", map(class_index.__getitem__, flat_prefs))  # KeyError: an unknown class
    if sum(map(len, map(set, prefs))) != len(flat_prefs):
        raise _Refused  # a class listed twice
    known = class_index.keys()
    if list(map(len, maps)) != lengths:  # a key beyond the list: it must at least be for a known class
        if not all(m.keys() <= known for m, n in zip(maps, lengths, strict=True) if len(m) != n):
            raise _Refused
    keys = list(map(getitem, chain.from_iterable(map(repeat, maps, lengths)), flat_prefs))  # KeyError: no key
    # Every key and number is type-checked (a float or bool equal to a valid number must not hide
    # behind it in the table); everything else only once per distinct key.
    if not _all_subclasses(keys, tuple) or set(map(type, chain.from_iterable(keys))) - _NUMBER_TYPES:
        raise _Refused
    table: dict[tuple, int] = {}
    # map() takes len(table) before setdefault runs, so a new key gets the next id: 0, 1, 2, ...
    key_ids = list(map(table.setdefault, keys, map(len, repeat(table))))
    distinct = list(table)
    if not all(map(Decimal.is_finite, filter(Decimal.__instancecheck__, chain.from_iterable(distinct)))):
        raise _Refused
    key_lengths = set(map(len, distinct))
    if 0 in key_lengths:
        raise _Refused
    if len(key_lengths) > 1:  # different lengths are fine across classes, never within one
        per_class: dict[int, int] = {}
        for c, length in zip(listed, map(len, keys), strict=True):
            if per_class.setdefault(c, length) != length:
                raise _Refused
    return ids, lengths, listed, key_ids, distinct


def _tie_order(ids: list[str], lottery_seed: int | None):  # type: ignore[no-untyped-def]
    """The strict tie order (by_tie), its lottery groups, the lottery numbers and the id order."""
    n = len(ids)
    by_id_rank = sorted(range(n), key=ids.__getitem__)
    if lottery_seed is None:
        return by_id_rank, [0] * n, None, by_id_rank
    lottery = lottery_numbers(lottery_seed, ids)
    id_rank = [0] * n
    for rank, i in enumerate(by_id_rank):
        id_rank[i] = rank
    shift = max(1, n.bit_length())
    by_tie = sorted(range(n), key=[number << shift | rank for number, rank in zip(lottery, id_rank, strict=True)]
                    .__getitem__)
    group, first, previous = [], 0, None
    for position, i in enumerate(by_tie):
        if lottery[i] != previous:
            first, previous = position, lottery[i]
        group.append(first)
    return by_tie, group, lottery, by_id_rank


def _entries(key_ids: list[int], distinct: list[tuple], by_tie: list[int],
             lengths: list[int]) -> tuple[array | list, int]:
    """Each application's ``(rank of its key) << tie_bits | tie position``: one sort of the distinct keys."""
    tie_bits = max(1, len(by_tie).bit_length())
    shifted = [0] * len(distinct)
    for rank, k in enumerate(sorted(range(len(distinct)), key=distinct.__getitem__)):
        shifted[k] = rank << tie_bits
    tie_of = [0] * len(by_tie)
    for position, i in enumerate(by_tie):
        tie_of[i] = position
    values = map(or_, map(shifted.__getitem__, key_ids), chain.from_iterable(map(repeat, tie_of, lengths)))
    fits = (len(distinct) << tie_bits).bit_length() <= ARRAY_BITS
    return (array("q", values) if fits else list(values)), tie_bits
