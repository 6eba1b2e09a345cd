"""PESEL, the Polish national identification number (BRIEF §4).

Plain functions without framework imports, shared by node forms, imports, the hub's merge
checks and the demo generator. ``stdnum.pl.pesel`` implements the same checksum; our tests
cross-check against it, but we keep our own parser because we must reject inputs stdnum
normalises silently (spaces, non-ASCII digits) and report *which* rule failed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from protocol.i18n import N_

WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
_ASCII_11 = re.compile(r"[0-9]{11}")

# (first month code, century) pairs: month codes 81-92 → 1800s, 01-12 → 1900s, 21-32 → 2000s, ...
_CENTURY_OFFSETS = ((80, 1800), (0, 1900), (20, 2000), (40, 2100), (60, 2200))


class PeselError(ValueError):
    """A PESEL failed one rule; ``code`` says which, ``message`` (an i18n id) says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PeselInfo:
    """What a valid PESEL encodes."""

    pesel: str
    birth_date: dt.date
    sex: str  # "F" or "M"


def check_digit(first_ten: str) -> int:
    """Return the check digit for the first ten digits of a PESEL."""
    total = sum(int(d) * w for d, w in zip(first_ten, WEIGHTS, strict=True))
    return (10 - total % 10) % 10


def decode_birth_date(pesel: str) -> dt.date:
    """Return the birth date encoded in ``pesel`` (month carries the century)."""
    yy, mm, dd = int(pesel[0:2]), int(pesel[2:4]), int(pesel[4:6])
    for offset, century in _CENTURY_OFFSETS:
        if offset + 1 <= mm <= offset + 12:
            try:
                return dt.date(century + yy, mm - offset, dd)
            except ValueError:
                raise PeselError("pesel_date", N_("the date encoded in it does not exist")) from None
    raise PeselError("pesel_month", N_("the month digits are impossible (they also encode the century)"))


def encode_date(birth_date: dt.date) -> str:
    """Return the six-digit YYMMDD part of a PESEL for ``birth_date``."""
    for offset, century in _CENTURY_OFFSETS:
        if century <= birth_date.year < century + 100:
            return f"{birth_date.year % 100:02d}{birth_date.month + offset:02d}{birth_date.day:02d}"
    raise ValueError(f"PESEL cannot encode year {birth_date.year}")


def parse(value: str) -> PeselInfo:
    """Validate ``value`` as a PESEL and return what it encodes, or raise :class:`PeselError`.

    Only exactly eleven ASCII digits are accepted: full-width or other Unicode digits and
    spaces are rejected, not normalised, so what is stored is what was checked.
    """
    if not isinstance(value, str):
        raise PeselError("pesel_format", N_("must be text of 11 digits"))
    if len(value) != 11:
        raise PeselError("pesel_length", N_("must have exactly 11 digits"))
    if not _ASCII_11.fullmatch(value):
        raise PeselError("pesel_digits", N_("may contain only the digits 0-9"))
    if check_digit(value[:10]) != int(value[10]):
        raise PeselError("pesel_checksum", N_("the check digit is wrong (a typing error?)"))
    birth_date = decode_birth_date(value)
    sex = "F" if int(value[9]) % 2 == 0 else "M"
    return PeselInfo(value, birth_date, sex)


def is_valid(value: str) -> bool:
    """Return True if ``value`` is a valid PESEL."""
    try:
        parse(value)
    except PeselError:
        return False
    return True


def generate(birth_date: dt.date, sex: str, serial: int) -> str:
    """Build a valid PESEL for ``birth_date`` and ``sex`` ("F"/"M") from a serial 0..4999.

    Used by the demo generator and tests; the serial makes numbers unique per birth date.
    """
    if not 0 <= serial < 5000:
        raise ValueError("serial must be in 0..4999")
    zzz, parity = divmod(serial, 5)
    sex_digit = parity * 2 + (1 if sex == "M" else 0)
    first_ten = f"{encode_date(birth_date)}{zzz:03d}{sex_digit}"
    return first_ten + str(check_digit(first_ten))
