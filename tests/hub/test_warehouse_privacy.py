"""The analytical warehouse holds no PESEL and no names (BRIEF §3.4), checked on every text column.

The test city (tests/hub/web_factories.py) was synced from real node databases holding pupils with
valid PESEL numbers, names with diacritics, guardians and staff with e-mail addresses.
"""

from __future__ import annotations

import re

from stdnum.pl import pesel as stdnum_pesel

from tests.hub.web_factories import City

ELEVEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{11}(?![0-9])")


def _text_values(city: City) -> dict[tuple[str, str], list[str]]:
    cur = city.hub.warehouse.cursor()
    columns = cur.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND data_type IN ('VARCHAR', 'JSON') ORDER BY table_name, column_name").fetchall()
    return {(table, column): [v for (v,) in cur.execute(f'SELECT DISTINCT "{column}" FROM "{table}" '
                                                         f'WHERE "{column}" IS NOT NULL').fetchall()]
            for table, column in columns}


def _known_pesels(city: City) -> set[str]:
    """Every PESEL the school nodes hold (pupils, catchment children, admissions)."""
    found: set[str] = set()
    for node in city.nodes.values():
        with node.raw() as con:
            for table in ("pupil", "catchment_child", "pending_admission"):
                if con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone():
                    found |= {p for (p,) in con.execute(f"SELECT pesel FROM {table} WHERE pesel IS NOT NULL")}
    return found


def test_no_text_in_the_warehouse_is_a_valid_pesel(city: City):
    values = _text_values(city)
    assert sum(len(v) for v in values.values()) > 100  # the check reads real data
    known = _known_pesels(city)
    assert len(known) >= 10  # the test city holds pupils with valid PESEL numbers
    # A value that is a PESEL, or any PESEL the schools hold anywhere inside a text. (Eleven digits
    # inside a random hex key may pass the PESEL checksum by chance: that is not a leak.)
    found = [(where, match) for where, texts in values.items() for text in texts
             for match in ELEVEN_DIGITS.findall(str(text))
             if (match == str(text) and stdnum_pesel.is_valid(match)) or match in known]
    assert found == []
    leaked = [(where, text) for where, texts in values.items() for text in texts
              if any(pesel in str(text) for pesel in known)]
    assert leaked == []


def test_no_names_contacts_or_addresses_reach_the_warehouse(city: City):
    node = next(iter(city.nodes.values()))
    with node.raw() as con:
        people = con.execute("SELECT first_name, last_name FROM pupil UNION SELECT first_name, last_name "
                             "FROM staff_member").fetchall()
        emails = [e for (e,) in con.execute("SELECT email FROM staff_member WHERE email IS NOT NULL")]
    assert people and emails
    last_names = {last for _first, last in people}
    texts = [str(t) for texts in _text_values(city).values() for t in texts]
    assert [t for t in texts if any(name in t for name in last_names)] == []
    assert [t for t in texts if any(email in t for email in emails)] == []
