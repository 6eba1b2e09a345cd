"""The allocation file format (docs/recruitment.md, "Allocation file format"), read and written exactly.

Input: ``{"classes": [{"id", "seats"}], "candidates": [{"id", "preferences", "keys"}],
"lottery_seed": int or null}``. Output: ``{"assignments", "cutoffs"[, "lottery"]}``.

Numbers are read exactly: whole numbers as ``int``, decimals as ``Decimal`` (never binary
floats, so 154.45 compares as 154.45). A decimal must be written back exactly, so at most 15
significant digits are accepted. Everything the format does not define is refused (unknown
fields, duplicate names in an object, NaN/Infinity, non-UTF-8 text), always with where and what,
because a file that means something other than it seems to must not be allocated silently.
This module parses and formats only; it must never allocate, repair or guess.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from json.encoder import encode_basestring  # what json.dumps(text, ensure_ascii=False) calls
from operator import itemgetter
from typing import Any

from hub.recruitment.allocation import Allocation, AllocationInputError, Applicant, ClassSeats
from hub.recruitment.encoding import without_cyclic_gc
from protocol.i18n import N_


@dataclass(frozen=True)
class AllocationInput:
    """A parsed input file."""

    classes: list[ClassSeats]
    candidates: list[Applicant]
    lottery_seed: int | None


class _JSONValueError(Exception):
    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params


def _number(text: str) -> Decimal:
    value = Decimal(text)
    as_float = float(value)
    if not math.isfinite(as_float) or Decimal(repr(as_float)) != value:
        raise _JSONValueError(N_("the number {text} cannot be kept exactly (use at most 15 significant digits)"),
                              text=text)
    return value


def _constant(text: str) -> None:
    raise _JSONValueError(N_("{text} is not a number"), text=text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _JSONValueError(N_("the name {name!r} appears twice in one object"), name=name)
            seen.add(name)
    return result


class _Numbers(dict):
    """Decimals by their text, each checked and made once: equal texts share one object.

    A million keys hold a few thousand distinct numbers, so this skips most of the work per
    number, and shared objects make the allocation's table of distinct keys compare by identity.
    """

    def __missing__(self, text: str) -> Decimal:
        value = self[text] = _number(text)
        return value


def parse_json(data: bytes | str) -> Any:
    """Parse JSON text exactly (see the module docstring); raise AllocationInputError with a position."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise AllocationInputError(f"byte {exc.start + 1}", N_("the file is not UTF-8 text")) from None
    try:
        with without_cyclic_gc():
            return json.loads(data, parse_float=_Numbers().__getitem__, parse_constant=_constant,
                              object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise AllocationInputError(f"line {exc.lineno}, column {exc.colno}", N_("malformed JSON: {problem}"),
                                   problem=exc.msg) from None
    except _JSONValueError as exc:
        raise AllocationInputError("JSON", exc.message, **exc.params) from None


def _fields(value: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise AllocationInputError(where or "JSON", N_("expected a JSON object"))
    for name in value:
        if name not in required and name not in optional:
            raise AllocationInputError(f"{where}.{name}" if where else name, N_("unknown field"))
    for name in required:
        if name not in value:
            raise AllocationInputError(where or "JSON", N_("missing field {name!r}"), name=name)
    return value


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise AllocationInputError(where, N_("expected a JSON object"))
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise AllocationInputError(where, N_("expected a JSON list"))
    return value


def _key(value: Any, where: str) -> tuple:
    if not isinstance(value, list) or not value:
        raise AllocationInputError(where, N_("a key must be a non-empty list of numbers"))
    return tuple(value)


def read_input(data: bytes | str) -> AllocationInput:
    """Read an allocation input file; raise AllocationInputError saying what is wrong and where."""
    top = _fields(parse_json(data), "", ("classes", "candidates"), ("lottery_seed",))
    classes = []
    for i, item in enumerate(_list(top["classes"], "classes")):
        fields = _fields(item, f"classes[{i}]", ("id", "seats"))
        classes.append(ClassSeats(fields["id"], fields["seats"]))
    items = _list(top["candidates"], "candidates")
    with without_cyclic_gc():
        candidates = _candidates_at_once(items)
        if candidates is None:
            candidates = [_candidate(i, item) for i, item in enumerate(items)]
    return AllocationInput(classes, candidates, top.get("lottery_seed"))


_CANDIDATE_FIELDS = frozenset(("id", "preferences", "keys"))


def _candidates_at_once(items: list[Any]) -> list[Applicant] | None:
    """The candidates when every one is well formed (bulk checks, no message built); None otherwise."""
    if set(map(type, items)) - {dict} or not all(map(_CANDIDATE_FIELDS.__eq__, map(frozenset, items))):
        return None
    prefs = list(map(itemgetter("preferences"), items))
    maps = list(map(itemgetter("keys"), items))
    if set(map(type, prefs)) - {list} or set(map(type, maps)) - {dict}:
        return None
    keys = list(chain.from_iterable(map(dict.values, maps)))
    if set(map(type, keys)) - {list} or not all(keys):
        return None
    return list(map(Applicant, map(itemgetter("id"), items), map(tuple, prefs), map(_key_tuples, maps)))


def _key_tuples(keys: dict[str, list]) -> dict[str, tuple]:
    return dict(zip(keys, map(tuple, keys.values()), strict=True))


def _candidate(i: int, item: Any) -> Applicant:
    """One candidate, checked field by field (the path that names the first problem)."""
    where = f"candidates[{i}]"
    fields = _fields(item, where, ("id", "preferences", "keys"))
    if isinstance(fields["id"], str):
        where = f"{where} ({fields['id']!r})"
    keys = _mapping(fields["keys"], f"{where}.keys")
    return Applicant(
        fields["id"],
        tuple(_list(fields["preferences"], f"{where}.preferences")),
        {class_id: _key(key, f"{where}.keys[{class_id!r}]") for class_id, key in keys.items()},
    )


def json_number(value: int | Decimal) -> int | float:
    """A key number as JSON writes it: ints as they are, decimals as the float with the same digits."""
    if isinstance(value, Decimal):
        as_float = float(value)
        if Decimal(repr(as_float)) != value:
            raise ValueError(f"{value} cannot be written exactly as a JSON number")
        return as_float
    return value


def json_key(key: tuple) -> list[int | float]:
    """A key (or cut-off) as a JSON list."""
    return [json_number(x) for x in key]


def write_output(result: Allocation) -> str:
    """The output file: assignments, cut-offs and, when a lottery was used, the lottery numbers.

    One entry per line (each value written as ``json.dumps(value, ensure_ascii=False)`` writes it,
    with json's own string encoder called directly for the 100k-entry sections), so a diff of two
    runs reads well.
    """
    sections: dict[str, tuple[dict[str, Any], Callable[[Any], str]]] = {
        "assignments": (result.assignments, _text_or_null),
        "cutoffs": ({c: None if key is None else json_key(key) for c, key in result.cutoffs.items()}, _dumps),
    }
    if result.lottery is not None:
        sections["lottery"] = (result.lottery, int.__repr__)
    blocks = []
    for name, (entries, value) in sections.items():
        lines = ",\n".join(map("  {}: {}".format, map(encode_basestring, entries), map(value, entries.values())))
        blocks.append(f" {json.dumps(name)}: {{\n{lines}\n }}" if entries else f" {json.dumps(name)}: {{}}")
    return "{\n" + ",\n".join(blocks) + "\n}\n"


def _text_or_null(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _output_value(value: Any, where: str, convert: Callable[[Any, str], Any]) -> Any:
    return None if value is None else convert(value, where)


def read_output(data: bytes | str) -> Allocation:
    """Read a published output file back (for ``zszo recruitment verify``); ties are not part of it."""
    top = _fields(parse_json(data), "", ("assignments", "cutoffs"), ("lottery",))
    assignments = _mapping(top["assignments"], "assignments")
    cutoffs = _mapping(top["cutoffs"], "cutoffs")
    for cid, held in assignments.items():
        if held is not None and not isinstance(held, str):
            raise AllocationInputError(f"assignments[{cid!r}]", N_("expected a class id or null"))
    lottery = top.get("lottery")
    if lottery is not None:
        lottery = _mapping(lottery, "lottery")
        for cid, number in lottery.items():
            if type(number) is not int:
                raise AllocationInputError(f"lottery[{cid!r}]", N_("expected a whole number"))
    return Allocation(
        assignments=dict(assignments),
        cutoffs={c: _output_value(key, f"cutoffs[{c!r}]", _key) for c, key in cutoffs.items()},
        lottery=lottery,
        ties=[],
    )
