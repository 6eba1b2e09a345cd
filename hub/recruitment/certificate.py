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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.recruitment.allocation import Allocation, Applicant, ClassSeats, Prepared, format_key, prepare
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

    def extended(i: int, q: int) -> tuple:
        key = p.keys[i][q]
        return key if lottery is None else (*key, lottery[i])

    class_at = {cid: c for c, cid in enumerate(p.class_ids)}
    holders: list[list[tuple]] = [[] for _ in p.class_ids]
    held_at: list[int | None] = [None] * len(ids)
    for i, cid in enumerate(ids):
        held = result.assignments[cid]
        if held is None:
            continue
        c = class_at.get(held)
        if c is None or c not in p.prefs[i]:
            found.append(Violation(f"assignments[{cid!r}]", N_("class {id!r} is not on the candidate's list"),
                                   {"id": held}))
            continue
        held_at[i] = c
        holders[c].append(extended(i, p.prefs[i].index(c)))

    cutoffs: list[tuple | None] = []
    for c, class_id in enumerate(p.class_ids):
        seats, admitted, given_cut = p.seats[c], holders[c], result.cutoffs[class_id]
        if len(admitted) > seats:
            found.append(Violation(f"assignments ({class_id!r})", N_("{count} candidates hold the {seats} seats"),
                                   {"count": len(admitted), "seats": seats}))
        expected = min(admitted) if seats > 0 and len(admitted) >= seats else None
        if (None if given_cut is None else tuple(given_cut)) != expected:
            found.append(Violation(f"cutoffs[{class_id!r}]", N_("the cut-off must be {expected}"),
                                   {"expected": format_key(expected)}))
        cutoffs.append(expected)
    if found:
        return found

    seats = p.seats
    for i, listed in enumerate(p.prefs):
        best = None
        for q, c in enumerate(listed):
            cut = cutoffs[c]
            if seats[c] > 0 and (cut is None or extended(i, q) >= cut):
                best = c
                break
        if held_at[i] != best:
            reaches = N_("the best listed class whose cut-off the candidate reaches is {expected}")
            found.append(Violation(f"assignments[{ids[i]!r}]", reaches,
                                   {"expected": "null" if best is None else repr(p.class_ids[best])}))
    return found
