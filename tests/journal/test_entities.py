"""The journal entities' own rules (protocol/entities_journal.py): what the hub would reject too,
whatever wrote the record, and what the analytical warehouse keeps of them."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.entities import ENTITIES
from protocol.fields import Privacy
from tests.protocol.test_fields import valid


def codes(entity: str, record: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in ENTITIES[entity].validate(record)]


@pytest.mark.parametrize(("entity", "overrides", "expected"), [
    ("homework", {"due_on": "2026-10-04"}, [("due_on", "date_order")]),
    ("homework", {"due_on": "2026-10-05"}, []),  # due the day it is set
    ("announcement", {"valid_to": "2026-10-04"}, [("valid_to", "date_order")]),
    ("behaviour_note", {"kind": "praise"}, [("kind", "choice")]),
    ("behaviour_note", {"audience": "everyone"}, [("audience", "choice")]),
    ("behaviour_note", {"text": "x" * 1001}, [("text", "too_long")]),
    ("behaviour_note", {"text": None}, [("text", "required")]),
    ("announcement", {"scope": "city"}, [("scope", "choice")]),
])
def test_record_rules(entity: str, overrides: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    found = codes(entity, valid(entity, **overrides))
    assert found == expected


def test_free_text_about_people_stays_out_of_the_warehouse() -> None:
    dropped = {(name, f.name) for name in ("behaviour_note", "homework", "announcement", "announcement_class")
               for f in ENTITIES[name].fields if f.privacy is Privacy.DROP}
    assert dropped == {("behaviour_note", "text"), ("announcement", "body")}
    assert not any(name.startswith("message") for name in ENTITIES)  # staff messages are never synced
