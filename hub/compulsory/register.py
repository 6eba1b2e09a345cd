"""Reading the population register's CSV for the compulsory-schooling control: the shared parser
(:mod:`protocol.resident_register`) plus each child's pupil key, to match enrolments in the warehouse.
"""

from __future__ import annotations

import datetime as dt

from hub.warehouse.pseudonym import pupil_key
from protocol.resident_register import (
    COLUMNS,
    MAX_BYTES,
    REQUIRED_COLUMNS,
    ParsedRegister,
    RowError,
    parse_resident_register,
)

__all__ = ["COLUMNS", "MAX_BYTES", "REQUIRED_COLUMNS", "ParsedRegister", "RowError", "as_of_default",
           "parse_register"]


def parse_register(data: bytes, key: bytes) -> ParsedRegister:
    """Check every row of ``data``; ``key`` is the warehouse's pseudonym key (to match enrolments)."""
    result = parse_resident_register(data)
    for child in result.children:
        child["pupil_key"] = pupil_key(key, child["pesel"], child["document_type"], child["document_number"])
    return result


def as_of_default() -> dt.date:
    """The register date when the office does not give one: today."""
    return dt.date.today()
