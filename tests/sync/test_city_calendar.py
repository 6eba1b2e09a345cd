"""The city's school-year calendar travels hub → node as a signed, encrypted downlink dictionary."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from sqlalchemy import select

from hub.dictionaries.operations import publish_calendar
from hub.sync import downlink as hub_downlink
from node_agent.dictionaries.queries import calendar_for, city_calendar, school_years
from node_agent.sync.models import DownlinkMessage
from protocol.calendar import CalendarInvalid, standard_calendar
from tests.integration.harness import PASSWORD, run
from tests.sync.helpers import NAME_B, RSPO_B, HubServer, SchoolNode

D = dt.date


def _publish(hub: HubServer, body: dict) -> int:
    with hub.db.transaction() as session:
        return publish_calendar(session, body, by="test")[1]


def _received(node: SchoolNode) -> list[tuple[str, str]]:
    with node.db.read_session() as session:
        return [tuple(r) for r in session.execute(select(DownlinkMessage.kind, DownlinkMessage.outcome)
                                                  .order_by(DownlinkMessage.hub_seq))]


def test_a_published_calendar_reaches_enrolled_nodes_and_later_enrolments(hub, node, node_factory):
    calendar = standard_calendar(2026, D(2027, 1, 18))
    assert _publish(hub, calendar.to_body()) == 1  # the one node enrolled so far
    assert node.sync().ok
    with node.db.read_session() as session:
        assert city_calendar(session, "2026/2027") == calendar
        assert calendar_for(session, D(2027, 3, 26)) == calendar and calendar_for(session, D(2027, 9, 1)) is None
    assert _received(node) == [("city_subjects", "applied"), ("city_calendar", "applied")]

    later = node_factory("node-b", rspo=RSPO_B, name=NAME_B, hub_url=hub.url)
    later.enrol(hub.url, hub.issue_token(RSPO_B))
    assert later.sync().ok
    with later.db.read_session() as session:
        assert city_calendar(session, "2026/2027") == calendar  # queued at its enrolment


def test_publishing_again_replaces_the_year_and_keeps_other_years(hub, node):
    first = standard_calendar(2026, D(2027, 1, 18))
    changed = {**first.to_body(), "breaks": [*first.to_body()["breaks"], {
        "kind": "city_day_off", "name": "Święto Miasta", "starts_on": "2027-05-10", "ends_on": "2027-05-10"}]}
    _publish(hub, first.to_body())
    _publish(hub, standard_calendar(2027, D(2028, 1, 17)).to_body())
    _publish(hub, changed)
    assert node.sync().ok
    with node.db.read_session() as session:
        assert school_years(session) == ["2027/2028", "2026/2027"]
        names = [b.name for b in city_calendar(session, "2026/2027").breaks]
        assert names[-1] == "Święto Miasta" and len(names) == 4


def test_an_invalid_calendar_is_never_queued(hub, node):
    body = {**standard_calendar(2026, D(2027, 1, 18)).to_body(), "ends_on": "2027-06-30"}
    with pytest.raises(CalendarInvalid):
        _publish(hub, body)
    assert node.sync().ok and _received(node) == [("city_subjects", "applied")]


def test_a_bad_calendar_in_the_downlink_is_recorded_and_does_not_block_later_messages(hub, node):
    with hub.db.transaction() as session:  # as a buggy hub release might queue it
        hub_downlink.broadcast(session, "city_calendar", {"school_year": "2026/2027", "breaks": "none"})
    _publish(hub, standard_calendar(2026, D(2027, 1, 18)).to_body())
    assert node.sync().ok
    assert _received(node) == [("city_subjects", "applied"), ("city_calendar", "rejected"),
                               ("city_calendar", "applied")]
    with node.db.read_session() as session:
        assert city_calendar(session, "2026/2027") is not None


def test_cli_prints_publishes_and_refuses_with_reasons(tmp_path):
    hub_dir = tmp_path / "hub"
    config = hub_dir / "hub.toml"
    run(["hub", "-c", str(config), "init", "--data-dir", str(hub_dir), "--admin-password", PASSWORD])
    env = {k: v for k, v in os.environ.items() if k != "ZSZO_HUB_CONFIG"}
    printed = run(["hub", "-c", str(config), "calendar", "standard", "--year", "2026",
                   "--winter-holidays", "2027-01-18"], env=env).stdout
    body = json.loads(printed)
    assert body["lessons_end_on"] == "2027-06-25" and body["breaks"][1]["name"] == "Ferie zimowe"
    good = tmp_path / "kalendarz.json"
    good.write_text(printed, encoding="utf-8")
    result = run(["hub", "-c", str(config), "calendar", "publish", str(good), "--by", "wydzial"], env=env)
    assert result.stdout.strip() == "calendar 2026/2027 published: 3 breaks, queued for 0 school servers"
    listed = run(["hub", "-c", str(config), "calendar", "list"], env=env).stdout
    assert listed.startswith("2026/2027: lessons 2026-09-01 – 2027-06-25, 3 breaks, published ")
    assert listed.rstrip().endswith("by wydzial")
    bad = tmp_path / "zly.json"
    bad.write_text(json.dumps({**body, "starts_on": "2026-09-02"}), encoding="utf-8")
    refused = run(["hub", "-c", str(config), "calendar", "publish", str(bad)], env=env, check=False)
    assert refused.returncode == 1
    assert "the calendar was not published:\n  Data rozpoczęcia: rok szkolny zaczyna się 1 września" in refused.stderr
    broken = tmp_path / "nie-json.json"
    broken.write_text("{ferie", encoding="utf-8")
    refused = run(["hub", "-c", str(config), "calendar", "publish", str(broken)], env=env, check=False)
    assert refused.returncode == 1 and "not a calendar JSON object" in refused.stderr
    assert run(["hub", "-c", str(config), "calendar", "list"], env=env).stdout.count("2026/2027") == 1


