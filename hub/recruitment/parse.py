"""Reading form values (text as typed) into typed values, collecting one error per field.

Every recruitment operation takes the raw values a form or a test sends and validates them here
first; if anything is wrong it raises one :class:`RecruitmentError` listing every field, before
writing anything. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.recruitment.errors import REQUIRED, TOO_LONG, RecruitmentError, error
from protocol.fields import FORMATS
from protocol.i18n import N_

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE_PL = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_DATE_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class Fields:
    """Typed reads of ``data`` that remember every problem; :meth:`check` raises them all at once."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: list = []

    def raw(self, name: str) -> str:
        """The value as sent, stripped ('' when missing)."""
        value = self.data.get(name)
        return "" if value is None else str(value).strip()

    def add(self, name: str, code: str, message: str, label: str, **params: object) -> None:
        """Record a problem with ``name``."""
        self.errors.append(error(name, code, message, label, **params))

    def text(self, name: str, label: str, *, required: bool = True, max_length: int = 200,
             fmt: str | None = None, params: Mapping[str, object] | None = None) -> str | None:
        """Text without control characters; None when empty and optional."""
        value = self.raw(name)
        if not value:
            if required:
                self.add(name, "required", REQUIRED, label, **(params or {}))
            return None
        if len(value) > max_length:
            self.add(name, "too_long", TOO_LONG, label, max=max_length, **(params or {}))
        elif _CONTROL.search(value):
            self.add(name, "control", N_("contains characters that cannot be stored"), label, **(params or {}))
        elif fmt is not None and not FORMATS[fmt][0].fullmatch(value):
            self.add(name, "format", FORMATS[fmt][1], label, **(params or {}))
        else:
            return value
        return None

    def integer(self, name: str, label: str, *, minimum: int, maximum: int, required: bool = True,
                params: Mapping[str, object] | None = None) -> int | None:
        """A whole number within bounds."""
        value = self.raw(name)
        if not value:
            if required:
                self.add(name, "required", REQUIRED, label, **(params or {}))
            return None
        if not re.fullmatch(r"-?[0-9]{1,9}", value):
            self.add(name, "int", N_("enter a whole number"), label, **(params or {}))
            return None
        number = int(value)
        if not minimum <= number <= maximum:
            self.add(name, "range", N_("enter a number from {min} to {max}"), label, min=minimum, max=maximum,
                     **(params or {}))
            return None
        return number

    def day(self, name: str, label: str, *, required: bool = True) -> dt.date | None:
        """A date written 2027-03-01 (date field) or 01.03.2027."""
        value = self.raw(name)
        if not value:
            if required:
                self.add(name, "required", REQUIRED, label)
            return None
        match = _DATE_ISO.fullmatch(value)
        parts = (match.group(1), match.group(2), match.group(3)) if match else None
        if parts is None and (match := _DATE_PL.fullmatch(value)):
            parts = (match.group(3), match.group(2), match.group(1))
        try:
            if parts is None:
                raise ValueError(value)
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            self.add(name, "date", N_("enter a real date, e.g. 01.03.2027"), label)
            return None

    def percent(self, name: str, label: str) -> Decimal | None:
        """An exam result 0-100 with at most two decimal places (comma or point); None when empty."""
        value = self.raw(name).replace(",", ".")
        if not value:
            return None
        try:
            number = Decimal(value) if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,2})?", value) else None
        except InvalidOperation:
            number = None
        if number is None or number > 100:
            self.add(name, "percent", N_("enter a percentage from 0 to 100, e.g. 78 or 78,5"), label)
            return None
        return number

    def flag(self, name: str) -> bool:
        """A checkbox: sent means yes."""
        return self.raw(name).lower() in ("y", "yes", "on", "true", "1")

    def choice(self, name: str, label: str, choices: tuple[str, ...] | list[str] | set[str], *,
               required: bool = True, params: Mapping[str, object] | None = None) -> str | None:
        """One of ``choices``."""
        value = self.raw(name)
        if not value:
            if required:
                self.add(name, "required", N_("choose one of the options"), label, **(params or {}))
            return None
        if value not in choices:
            self.add(name, "choice", N_("choose one of the options"), label, **(params or {}))
            return None
        return value

    def check(self) -> None:
        """Raise every collected problem at once."""
        if self.errors:
            raise RecruitmentError(self.errors)
