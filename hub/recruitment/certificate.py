"""The cut-off certificate: an independent check that an allocation result is right for its input.

A result (seat per candidate, cut-off per class) is certified when:

* every candidate named in the input appears once; a seat is only in a listed class;
  no class holds more candidates than seats;
* a class's cut-off is the lowest key it admitted when it is full, and empty (None) otherwise;
* with a lottery, every number is the one the published seed gives (and without one, none);
* every candidate holds exactly the best class on their list whose cut-off they reach
  (seats > 0 and no cut-off, or key ≥ cut-off), and nothing when they reach none.

Together these imply feasibility, no justified envy and no wasted seat, and they are what an
appeal justification quotes (the candidate's key against the class cut-off). The check is O(L)
and shares nothing with the algorithm except the input validation, so a commission can run it
on a published result (``zszo recruitment verify``). It must never repair or change a result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.recruitment.allocation import (
    Allocation,
    Applicant,
    ClassSeats,
    Prepared,
    format_key,
    prepare,
    public_key,
)
from protocol.i18n import N_


@dataclass(frozen=True)
class Violation:
    """One finding: where in the result, and an English message id with its params."""

    where: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, gettext: Any = lambda s: s) -> str:
        """Return "where: finding" translated with ``gettext``."""
        return f"{self.where}: {gettext(self.message).format(**self.params)}"


def certificate_violations(classes: Sequence[ClassSeats], candidates: Sequence[Applicant], result: Allocation,
                           lottery_seed: int | None = None) -> list[Violation]:
    """Every way ``result`` breaks the cut-off certificate for this input (an empty list: certified).

    Raises AllocationInputError when the input itself is invalid.
    """
    return certify(prepare(classes, candidates, lottery_seed), result)


def certify(p: Prepared, result: Allocation) -> list[Violation]:
    """:func:`certificate_violations` on input already validated by :func:`prepare`.

    It compares the candidates' own keys (plus their lottery numbers, recomputed from the seed by
    ``prepare``) with the result's cut-offs as given: nothing from the algorithm's internals.
    """
    found: list[Violation] = []
    ids = p.candidate_ids
    if set(result.assignments) != set(ids) or len(result.assignments) != len(ids):
        found.append(Violation("assignments", N_("the result must name every candidate of the input exactly once")))
        return found
    if set(result.cutoffs) != set(p.class_ids):
        found.append(Violation("cutoffs", N_("the result must give a cut-off (or null) for every class of the input")))
        return found
    lottery = p.lottery
    if lottery is None:
        if result.lottery is not None:
            found.append(Violation("lottery", N_("the input has no lottery seed, but the result has lottery numbers")))
    else:
        given = result.lottery or {}
        for cid, number in zip(ids, lottery, strict=True):
            if given.get(cid) != number:
                found.append(Violation(f"lottery[{cid!r}]", N_("the number is not the one the seed gives")))
    if found:
        return found

    # Keys are compared as prepare() encoded them, without the id order (allocation.weak): equal
    # exactly when key and lottery number are equal, and ordered as they are.
    listed, entries, starts, group, names = p.listed, p.entries, p.starts, p.group, p.class_ids
    mask = (1 << p.tie_bits) - 1
    high = ~mask
    class_at = {cid: c for c, cid in enumerate(names)}
    count = [0] * len(names)
    lowest: list[int | None] = [None] * len(names)   # the lowest admitted (weak) key per class
    lowest_at: list[tuple[int, int]] = [(-1, -1)] * len(names)
    held_at: list[int] = [-1] * len(ids)
    for i, (cid, held) in enumerate(zip(ids, map(result.assignments.__getitem__, ids), strict=True)):
        if held is None:
            continue
        c = class_at.get(held)
        try:
            j = listed.index(c, starts[i], starts[i + 1]) if c is not None else -1
        except ValueError:
            j = -1
        if j < 0:
            found.append(Violation(f"assignments[{cid!r}]", N_("class {id!r} is not on the candidate's list"),
                                   {"id": held}))
            continue
        held_at[i] = c
        count[c] += 1
        key = entries[j] & high | group[entries[j] & mask]
        if lowest[c] is None or key < lowest[c]:
            lowest[c], lowest_at[c] = key, (i, j)

    never = math.inf  # above every key: a class with no seats is reached by nobody
    cutoffs: list[float] = []
    for c, class_id in enumerate(names):
        seats, given_cut = p.seats[c], result.cutoffs[class_id]
        if count[c] > seats:
            found.append(Violation(f"assignments ({class_id!r})", N_("{count} candidates hold the {seats} seats"),
                                   {"count": count[c], "seats": seats}))
        full = seats > 0 and count[c] >= seats
        expected = public_key(p, *lowest_at[c]) if full else None
        if (None if given_cut is None else tuple(given_cut)) != expected:
            found.append(Violation(f"cutoffs[{class_id!r}]", N_("the cut-off must be {expected}"),
                                   {"expected": format_key(expected)}))
        cutoffs.append(lowest[c] if full else -1 if seats > 0 else never)  # type: ignore[arg-type]
    if found:
        return found

    for i, start in enumerate(starts[:-1]):
        best = None
        for j in range(start, starts[i + 1]):
            if entries[j] >= cutoffs[listed[j]]:  # seats and no cut-off, or key ≥ cut-off
                best = listed[j]
                break
        if held_at[i] != (-1 if best is None else best):
            reaches = N_("the best listed class whose cut-off the candidate reaches is {expected}")
            found.append(Violation(f"assignments[{ids[i]!r}]", reaches,
                                   {"expected": "null" if best is None else repr(names[best])}))
    return found
