"""Field types and the validation rules of entity records.

A record travels as a JSON object whose values are plain JSON: UUIDs and dates as strings
(ISO ``YYYY-MM-DD``), integers, booleans (``true``/``false`` or SQLite's ``1``/``0``), text.
Validation is deterministic (it never looks at today's date or the machine's clock) so that the
hub rebuilding its warehouse from the inbox reaches exactly the same verdicts as the first time.
The hub's merger repeats these rules in SQL (``hub.warehouse.checks``); a property test keeps the
two in agreement.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from protocol import pesel as pesel_rules
from protocol.i18n import N_


class FieldType(enum.StrEnum):
    """Wire types of entity fields."""

    UUID = "uuid"
    TEXT = "text"
    INT = "int"
    DATE = "date"
    BOOL = "bool"
    ENUM = "enum"


class Privacy(enum.StrEnum):
    """What the hub's analytical warehouse keeps of a field (BRIEF §3.4)."""

    KEEP = "keep"            # not personal, or needed as is (ids, levels, dates of enrolment)
    DROP = "drop"            # names, contact details, addresses: never in the analytical layer
    YEAR = "year"            # a date reduced to its year (birth dates)
    IDENTIFIER = "identifier"  # PESEL / document: only as the HMAC pupil key, never in clear


MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2199, 12, 31)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What Python's str.strip() removes, spelled out so the hub's SQL (RE2) can use the same class.
WHITESPACE = r" \t\n\r\f\v\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# Named format rules: (regex the whole value must match, message id).
FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "postal_code": (re.compile(r"[0-9]{2}-[0-9]{3}"), N_("use the format 00-000")),
    "email": (
        re.compile(rf"[^@{WHITESPACE}]{{1,64}}@[^@.{WHITESPACE}]+(\.[^@.{WHITESPACE}]+)+"),
        N_("this is not a valid e-mail address"),
    ),
    "phone": (re.compile(r"\+?[0-9][0-9 \-]{6,18}[0-9]"), N_("use digits only, e.g. 600 100 200")),
    "rspo": (re.compile(r"[0-9]{1,10}"), N_("the RSPO number has 1-10 digits")),
    "school_year": (
        re.compile(r"(19|20|21)[0-9]{2}/(19|20|21)[0-9]{2}"),
        N_("use the format 2026/2027"),
    ),
    "time": (re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]"), N_("use the format 08:00")),
    "document_number": (
        re.compile(r"[0-9A-Za-z][0-9A-Za-z /\-]{1,29}"),
        N_("letters, digits, spaces, '/' and '-' only (2-30 characters)"),
    ),
}


@dataclass(frozen=True)
class FieldError:
    """One validation failure: which field, a stable code, and an i18n message with params.

    ``message`` is an English message id for the reason; ``params`` fill it after translation
    and hold ``label``, the field's own message id, so a UI can show "Label: reason".
    """

    field: str
    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, gettext: Callable[[str], str] = lambda s: s) -> str:
        """Return "Label: reason", both translated with ``gettext`` and the params filled in."""
        params = {k: v for k, v in self.params.items() if k != "label"}
        label = str(self.params.get("label", self.field))
        # gettext("") returns the catalogue's header, never a label (an unknown field may be named "").
        label = gettext(label) if label else label
        reason = gettext(self.message).format(**params)
        return f"{label[:1].upper()}{label[1:]}: {reason}"

    def reason(self, gettext: Callable[[str], str] = lambda s: s) -> str:
        """Return only the translated reason (for inline errors next to a labelled field)."""
        params = {k: v for k, v in self.params.items() if k != "label"}
        return gettext(self.message).format(**params)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly form (used in acks and rejection reports)."""
        return {"field": self.field, "code": self.code, "message": self.message, "params": dict(self.params)}


@dataclass(frozen=True)
class Field:
    """One field of an entity as it travels between node and hub."""

    name: str
    type: FieldType
    label: str
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    ref: str | None = None
    check: str | None = None
    min_value: int | None = None
    max_value: int | None = None
    privacy: Privacy = Privacy.KEEP

    def validate(self, value: Any) -> FieldError | None:
        """Return the first rule ``value`` breaks, or None. ``None``/"" mean "not given"."""
        label = {"label": self.label}
        if value is None or value == "":
            if self.required:
                return FieldError(self.name, "required", N_("this field is required"), label)
            return None
        checker = _TYPE_CHECKS[self.type]
        error = checker(self, value)
        if error is not None:
            return error
        if self.check == "pesel":
            try:
                pesel_rules.parse(value)
            except pesel_rules.PeselError as exc:
                return FieldError(self.name, exc.code, exc.message, label)
        elif self.check is not None:
            pattern, message = FORMATS[self.check]
            if not pattern.fullmatch(value):
                return FieldError(self.name, self.check, message, label)
        return None


def _check_text(f: Field, value: Any) -> FieldError | None:
    label = {"label": f.label}
    if not isinstance(value, str):
        return FieldError(f.name, "type", N_("expected text"), label)
    if f.max_length is not None and len(value) > f.max_length:
        return FieldError(
            f.name,
            "too_long",
            N_("at most {max} characters allowed, {length} given"),
            {**label, "max": f.max_length, "length": len(value)},
        )
    if _CONTROL.search(value):
        return FieldError(f.name, "control_chars", N_("contains invisible control characters"), label)
    if value != value.strip():
        return FieldError(f.name, "whitespace", N_("remove spaces at the beginning or end"), label)
    return None


def _check_uuid(f: Field, value: Any) -> FieldError | None:
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        return FieldError(f.name, "type", N_("not a valid identifier"), {"label": f.label})
    return None


def _check_int(f: Field, value: Any) -> FieldError | None:
    label = {"label": f.label}
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**63) <= value < 2**63:
        return FieldError(f.name, "type", N_("expected a whole number"), label)
    if (f.min_value is not None and value < f.min_value) or (f.max_value is not None and value > f.max_value):
        return FieldError(
            f.name,
            "out_of_range",
            N_("must be between {min} and {max}"),
            {**label, "min": f.min_value, "max": f.max_value},
        )
    return None


def parse_date(value: str) -> dt.date | None:
    """Return the date of an ISO ``YYYY-MM-DD`` string in the supported range, else None."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if MIN_DATE <= parsed <= MAX_DATE else None


def _check_date(f: Field, value: Any) -> FieldError | None:
    if parse_date(value) is None:
        return FieldError(
            f.name, "date", N_("not a valid date (use YYYY-MM-DD, e.g. 2015-09-01)"), {"label": f.label}
        )
    return None


def _check_bool(f: Field, value: Any) -> FieldError | None:
    if value not in (True, False, 0, 1) or isinstance(value, float):
        return FieldError(f.name, "type", N_("expected yes or no"), {"label": f.label})
    return None


def _check_enum(f: Field, value: Any) -> FieldError | None:
    if value not in f.choices:
        return FieldError(
            f.name,
            "choice",
            N_("choose one of the listed options"),
            {"label": f.label, "choices": ", ".join(f.choices)},
        )
    return None


_TYPE_CHECKS: dict[FieldType, Callable[[Field, Any], FieldError | None]] = {
    FieldType.TEXT: _check_text,
    FieldType.UUID: _check_uuid,
    FieldType.INT: _check_int,
    FieldType.DATE: _check_date,
    FieldType.BOOL: _check_bool,
    FieldType.ENUM: _check_enum,
}


def new_id() -> str:
    """Return a new random entity id (UUID4 string, generated where the record is created)."""
    return str(uuid.uuid4())
