"""Catchment area rules and the intake summary (node_agent.catchment.rules): pure, hand-checked values."""

from __future__ import annotations

import pytest

from node_agent.catchment.rules import StreetRule, in_catchment, intake_year, split_address, street_key, summarise

OBWOD = [
    StreetRule("ul. Długa", 1, 29, "odd"),
    StreetRule("ul. Długa", 2, 40, "even"),
    StreetRule("Krótka"),                      # the whole street
    StreetRule("al. Jana Pawła II", 100, None),  # from 100 to the end
    StreetRule("Polna", None, 10),             # up to 10
]


@pytest.mark.parametrize(("address", "expected"), [
    ("ul. Długa 7", True),
    ("DLUGA 29 m. 4", True),
    ("ul. Długa 31", False),     # odd beyond 29
    ("ul. Długa 40/2", True),
    ("ul. Długa 42", False),
    ("Krótka 1000", True),
    ("ul. Krótka", True),        # no number, whole street
    ("ul. Długa", False),        # no number, only part of the street is in the obwód
    ("Aleja Jana Pawła II 100a", True),
    ("al. Jana Pawła II 99", False),
    ("Polna 10", True),
    ("Polna 11", False),
    ("Łąkowa 1", False),
    ("", False),
    (None, False),
])
def test_addresses(address, expected) -> None:
    assert in_catchment(address, OBWOD) is expected


def test_street_keys_and_addresses() -> None:
    assert street_key("ul. Długa") == street_key("DŁUGA") == "dluga"
    assert split_address("os. Na Stoku 12 lok. 3") == ("na stoku", 12)
    assert split_address("Pl. Wolności 1/2") == ("wolnosci", 1)
    assert split_address("Rynek") == ("rynek", None)


def test_summary_hand_counted() -> None:
    children = [("enrolled", True), ("enrolled", True), ("deferred", True), ("elsewhere", False),
                ("unknown", True), ("unknown", False), ("enrolled", False)]
    summary = summarise(children)
    assert (summary.listed, summary.enrolled, summary.deferred, summary.elsewhere, summary.unknown,
            summary.outside_catchment, summary.accounted_for) == (7, 3, 1, 1, 2, 3, 5)


def test_children_due_to_start_turn_seven_in_the_first_year() -> None:
    assert intake_year("2027/2028") == 2020
