"""Catchment areas (obwody) of primary schools, and whether a child's address lies in one: pure functions.

Children living in a school's obwód are admitted to its grade 1 on a notification (zgłoszenie),
with no recruitment (art. 133 ust. 1 Prawo oświatowe); the grade-1 recruitment covers only the
others. The city council's resolution describes each obwód as streets, whole or by house numbers.
The office types it as one street a line, under the locality the streets are in:

* ``Radom:`` — a line ending with a colon names the locality of the lines below it: the town
  (``Radom:``), the postal code (``26-600:``) or both (``26-600 Radom:``); every street line needs
  one above it, because a "Długa 5" exists in many towns;
* ``Długa`` — the whole street;
* ``Długa 1-25`` — numbers 1 to 25;
* ``Długa 2-40 parzyste`` / ``Długa 1-39 nieparzyste`` — only even / odd numbers in the range;
* ``Długa parzyste`` — every even number.

Street names are compared without case, dots and the usual prefixes (``ul.``, ``al.``, ``pl.``,
``os.`` …); a house number ``12a`` or ``12/3`` counts as 12. An address without a number is in the
obwód only where the whole street is. An address is in the obwód when its street and number match
a line *and* its town (compared without case and diacritics) or its postal code is that line's
locality.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hub.recruitment.errors import error
from protocol.fields import FieldError
from protocol.i18n import N_

MAX_LINES = 2000
_PREFIXES = ("ulica", "ul", "aleja", "aleje", "al", "plac", "pl", "osiedle", "os", "rondo", "skwer", "bulwar")
_RULE = re.compile(r"(?P<street>.+?)(?:\s+(?P<first>[0-9]{1,5})\s*-\s*(?P<last>[0-9]{1,5}))?"
                   r"(?:\s+(?P<parity>parzyste|nieparzyste))?", re.IGNORECASE)
_LOCALITY = re.compile(r"(?P<postcode>[0-9]{2}-[0-9]{3})?\s*(?P<town>[^:]*?)\s*:")
_LETTER = re.compile(r"[^\W\d_]")  # a street name has at least one letter
_ADDRESS = re.compile(r"(?P<street>.*?)[\s,]+(?P<number>[0-9]{1,5})\s*[a-zA-Z]?\s*(?:[/m].*)?", re.IGNORECASE)


@dataclass(frozen=True)
class StreetRule:
    """One line of an obwód: a street, optionally a range of numbers and their parity."""

    street: str  # normalised
    first: int | None = None
    last: int | None = None
    parity: str | None = None  # "even", "odd" or None
    town: str | None = None  # normalised (:func:`normalise_town`); the line's locality is this town …
    postcode: str | None = None  # … or this postal code (either matches when both are given)

    def in_locality(self, town: str | None, postcode: str | None) -> bool:
        """True when an address in ``town`` with ``postcode`` is in this line's locality."""
        return bool((self.town and town and normalise_town(town) == self.town)
                    or (self.postcode and postcode and postcode.strip() == self.postcode))

    def covers(self, number: int | None) -> bool:
        """True when the house ``number`` (None: no number) of this street is in the obwód."""
        whole = self.first is None and self.parity is None
        if number is None:
            return whole
        if self.first is not None and not self.first <= number <= (self.last or self.first):
            return False
        return self.parity is None or (number % 2 == 0) == (self.parity == "even")


def normalise_street(name: str) -> str:
    """Lower case, no dots, no leading ``ul.``/``al.``/…, single spaces.

    ``"ul. Jana  Pawła II"`` → ``"jana pawła ii"``.
    """
    words = name.replace(".", " ").casefold().split()
    while len(words) > 1 and words[0] in _PREFIXES:
        words = words[1:]
    return " ".join(words)


def normalise_town(name: str) -> str:
    """Lower case, no diacritics, single spaces: ``"Wola  Kroguliecka"`` and ``"wola kroguliecka"`` match."""
    decomposed = unicodedata.normalize("NFKD", name.casefold().replace("ł", "l"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).replace("-", " ").split())


def parse_rules(text: str) -> tuple[list[StreetRule], list[FieldError]]:
    """The rules of an obwód typed one a line, and the errors (naming the line) of lines that are not."""
    rules: list[StreetRule] = []
    errors: list[FieldError] = []
    lines = [line.strip() for line in text.splitlines()]
    if len(lines) > MAX_LINES:
        return [], [error("streets", "too_many", N_("at most {max} lines"), N_("streets of the catchment area"),
                          max=MAX_LINES)]
    town: str | None = None
    postcode: str | None = None
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        locality = _LOCALITY.fullmatch(line)
        if locality is not None:
            postcode = locality.group("postcode")
            town = normalise_town(locality.group("town")) or None
            if (postcode is None and town is None) or not _LETTER.search(town or "x") or len(town or "") > 100:
                errors.append(error("streets", "locality", N_("line {line}: write the town, the postal code "
                                                              "(e.g. “26-600”) or both, then a colon"),
                                    N_("streets of the catchment area"), line=number))
                town = postcode = None
            continue
        match = _RULE.fullmatch(line)
        street = normalise_street(match.group("street")) if match else ""
        if match is None or not _LETTER.search(street) or len(street) > 150:
            errors.append(error("streets", "line", N_("line {line}: write a street, optionally numbers “1-25” and "
                                                      "“parzyste” or “nieparzyste”"),
                                N_("streets of the catchment area"), line=number))
            continue
        if town is None and postcode is None:
            errors.append(error("streets", "no_locality", N_("line {line}: name the street's town above it, on a line "
                                                             "of its own ending with a colon (e.g. “Radom:”)"),
                                N_("streets of the catchment area"), line=number))
            continue
        first = int(match.group("first")) if match.group("first") else None
        last = int(match.group("last")) if match.group("last") else None
        if first is not None and last is not None and first > last:
            errors.append(error("streets", "range", N_("line {line}: the first number is larger than the last"),
                                N_("streets of the catchment area"), line=number))
            continue
        parity = {"parzyste": "even", "nieparzyste": "odd"}.get((match.group("parity") or "").casefold())
        rules.append(StreetRule(street, first, last, parity, town, postcode))
    return rules, errors


def split_address(street_line: str) -> tuple[str, int | None]:
    """``"ul. Długa 5/3"`` → ``("długa", 5)``; an address without a number → (street, None)."""
    match = _ADDRESS.fullmatch(street_line.strip())
    if match is None or not match.group("street").strip():
        return normalise_street(street_line), None
    return normalise_street(match.group("street")), int(match.group("number"))


def in_catchment(rules: list[StreetRule], street_line: str, town: str | None, postcode: str | None) -> bool:
    """True when the address (street and number as the parent wrote it, the town, the postal code) lies in the obwód."""
    street, number = split_address(street_line)
    return any(rule.street == street and rule.covers(number) and rule.in_locality(town, postcode) for rule in rules)
