"""Pure rules of the catchment area (obwód) and the intake summary: no database, no framework.

An address is in the obwód when one of the school's rules names its street and its house number
falls in the rule's range (both ends inclusive, either end open) with the rule's parity (all, odd
or even numbers). Street names are compared without case, diacritics, the "ul."/"al."/"os."/"pl."
prefixes and punctuation, so "ul. Długa" and "DLUGA" are the same street.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

PARITIES = ("all", "odd", "even")
STATUSES = ("unknown", "enrolled", "deferred", "elsewhere")
_PREFIX = re.compile(r"^(ul|ulica|al|aleja|aleje|os|osiedle|pl|plac)\.?\s+", re.IGNORECASE)
# "Długa 7", "Długa 7a", "Długa 7/3", "Długa 7 m. 3", "Długa 7 lok. 2"
_ADDRESS = re.compile(r"^(?P<street>.*?\D)\s*(?P<number>[0-9]+)\s*[A-Za-z]?\s*(?:(?:/|m\.?|lok\.?)\s*\S+)?$")


def street_key(name: str) -> str:
    """The comparison key of a street name."""
    text = _PREFIX.sub("", name.strip())
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ł", "l"))
    return " ".join("".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c)).split())


def split_address(address: str) -> tuple[str, int | None]:
    """(street key, house number) of "ul. Długa 7 m. 3"; the number is None when the text has none."""
    match = _ADDRESS.match(address.strip())
    if match is None:
        return street_key(address), None
    return street_key(match.group("street")), int(match.group("number"))


@dataclass(frozen=True)
class StreetRule:
    """A street (or part of it) in the obwód."""

    street: str
    number_from: int | None = None
    number_to: int | None = None
    parity: str = "all"

    def covers(self, street: str, number: int | None) -> bool:
        """True if the address (street key, house number) falls under this rule."""
        if street_key(self.street) != street:
            return False
        whole_street = self.number_from is None and self.number_to is None and self.parity == "all"
        if number is None:
            return whole_street
        if self.number_from is not None and number < self.number_from:
            return False
        if self.number_to is not None and number > self.number_to:
            return False
        return self.parity == "all" or (number % 2 == 1) == (self.parity == "odd")


def in_catchment(address: str | None, rules: Iterable[StreetRule]) -> bool:
    """True if ``address`` ("street and number") is in the obwód described by ``rules``."""
    if not address:
        return False
    street, number = split_address(address)
    return any(rule.covers(street, number) for rule in rules)


@dataclass(frozen=True)
class IntakeSummary:
    """The numbers the city needs for its compulsory-schooling control, for one school year's intake."""

    listed: int
    enrolled: int
    deferred: int
    elsewhere: int
    unknown: int
    outside_catchment: int

    @property
    def accounted_for(self) -> int:
        """Children whose schooling is known (enrolled here, deferred, or elsewhere)."""
        return self.enrolled + self.deferred + self.elsewhere


def summarise(children: Iterable[tuple[str, bool]]) -> IntakeSummary:
    """The summary of ``(status, address in the obwód)`` pairs, one per listed child."""
    counts = dict.fromkeys(STATUSES, 0)
    outside = listed = 0
    for status, inside in children:
        listed += 1
        counts[status] += 1
        outside += not inside
    return IntakeSummary(listed, counts["enrolled"], counts["deferred"], counts["elsewhere"], counts["unknown"],
                         outside)


def intake_year(school_year: str) -> int:
    """The birth year of children due to start school in ``school_year`` ("2027/2028" → 2020: they turn 7 in 2027)."""
    return int(school_year[:4]) - 7
