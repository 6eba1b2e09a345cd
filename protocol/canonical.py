"""Canonical JSON: the one byte form of a JSON object that is signed and bound into encryption."""

from __future__ import annotations

import json
from typing import Any


def dumps(obj: Any) -> bytes:
    """Serialise ``obj`` canonically: sorted keys, no spaces, UTF-8, no floats allowed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def loads_strict(data: bytes) -> Any:
    """Parse ``data`` and insist it was canonical; raise ValueError otherwise.

    Accepting only the canonical form removes any freedom to re-encode a signed object.
    """
    try:
        obj = json.loads(data.decode("utf-8"), parse_float=_no_floats, parse_constant=_no_floats)
        again = dumps(obj)
    except RecursionError:
        # Deeply nested input ("[[[[...") exhausts the stack; to the caller it is just bad JSON.
        raise ValueError("JSON nested too deeply") from None
    if again != data:
        raise ValueError("not canonical JSON")
    return obj


def _no_floats(value: str) -> Any:
    raise ValueError(f"floating point value {value!r} not allowed")
