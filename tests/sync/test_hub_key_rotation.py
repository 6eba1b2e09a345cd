"""Hub key rotation with a grace period: the old key keeps working until the grace ends, nodes that
pinned the city's root learn the new key from the signed trust document, and nothing is lost."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable

import pytest
import requests
from sqlalchemy import select, update

from hub.fleet import keyring
from hub.fleet import trust as trust_ops
from hub.sync.models import HubKeyRecord, InboxBatch
from node_agent.sync import client
from node_agent.sync.messages import message_for
from protocol import trust
from protocol.keys import KeyPair
from tests.integration.harness import run
from tests.sync.helpers import NAME_B, RSPO_A, RSPO_B, HubServer, SchoolNode, fill_register
from zszo.i18n import gettext_for

PL = gettext_for("pl")


def _to_kids(hub: HubServer) -> list[str]:
    with hub.db.reading() as session:
        return [json.loads(h)["to_kid"] for h in session.scalars(select(InboxBatch.header).order_by(InboxBatch.id))]


def _pinned_kid(node: SchoolNode) -> str:
    return json.loads(node.state()["hub_keys"])["kid"]


def _rotate(hub: HubServer, days: int = 30) -> tuple[KeyPair, KeyPair]:
    keys_path = hub.settings["paths.keys"]
    with hub.db.transaction() as session:
        old, new = keyring.rotate(session, keys_path, grace=dt.timedelta(days=days))
    keyring.promote(keys_path, new)
    hub.runtime.refresh_keys(force=True)
    return old, new


@pytest.fixture
def root(hub: HubServer) -> trust.RootKey:
    key = trust.RootKey.generate()
    with hub.db.transaction() as session:
        trust_ops.sign(session, hub.runtime.keys, key, days=365)
    return key


@pytest.fixture
def pinned(hub: HubServer, root: trust.RootKey, node_factory: Callable[..., SchoolNode]) -> SchoolNode:
    school = node_factory("node-pinned", rspo=RSPO_A, hub_url=hub.url)
    client.enrol(school.settings, school.db, hub_url=hub.url, token=hub.issue_token(RSPO_A),
                 root_fingerprint=root.fingerprint)
    return school


@pytest.fixture
def unpinned(hub: HubServer, node_factory: Callable[..., SchoolNode]) -> SchoolNode:
    school = node_factory("node-b", rspo=RSPO_B, name=NAME_B, hub_url=hub.url)
    school.enrol(hub.url, hub.issue_token(RSPO_B))
    return school


def test_old_key_works_through_the_grace_and_pinned_nodes_move_to_the_new_key(
        hub: HubServer, root: trust.RootKey, pinned: SchoolNode, unpinned: SchoolNode) -> None:
    assert pinned.sync().ok and unpinned.sync().ok
    old, new = _rotate(hub)
    assert hub.public.kid == new.public.kid
    # Not signed by the root yet: both nodes go on with the old key, answered with the old key.
    for school in (pinned, unpinned):
        fill_register(school, pupils=1, doc_only=0, serial_base=len(hub.inbox()) * 10)
        report = school.sync()
        assert report.ok, report.error
        assert _pinned_kid(school) == old.public.kid and school.outbox() == []
    # The root signs the new list: the pinned node adopts the new key at its next sync.
    with hub.db.transaction() as session:
        document = trust_ops.sign(session, hub.runtime.keys, root, days=365)
    assert [(k.keys.kid, k.status) for k in document.hub_keys] == [(new.public.kid, "current"),
                                                                   (old.public.kid, "retiring")]
    before = len(hub.inbox())
    fill_register(pinned, pupils=1, doc_only=0, serial_base=70)
    report = pinned.sync()
    assert report.ok, report.error
    assert _pinned_kid(pinned) == new.public.kid and pinned.outbox() == []
    assert set(_to_kids(hub)[before:]) == {new.public.kid}  # sealed to the new key
    # The grace period ends: the old key is refused, the node that never learnt the new one is told why.
    with hub.db.transaction() as session:
        session.execute(update(HubKeyRecord).values(valid_until=dt.datetime(2000, 1, 1)))
    hub.runtime.refresh_keys(force=True)
    assert list(hub.runtime.keys.usable()) == [new.public.kid]
    fill_register(unpinned, pupils=1, doc_only=0, serial_base=90)
    waiting = unpinned.outbox()
    report = unpinned.sync()
    assert (report.ok, report.error_code) == (False, "wrong_recipient")
    assert unpinned.outbox() == waiting
    assert PL(message_for("wrong_recipient")).startswith("Serwer miejski nie przyjmuje już znanego temu serwerowi")
    fill_register(pinned, pupils=1, doc_only=0, serial_base=95)
    assert pinned.sync().ok
    with hub.db.transaction() as session:
        removed = keyring.prune(session, hub.settings["paths.keys"])
    assert removed == [keyring.key_file(hub.settings["paths.keys"], old.public.kid)] and not removed[0].exists()


def test_an_interrupted_rotation_loads_the_key_the_database_names(hub: HubServer) -> None:
    keys_path = hub.settings["paths.keys"]
    with hub.db.transaction() as session:
        old, new = keyring.rotate(session, keys_path, grace=dt.timedelta(days=3))
    # Crash before promote(): paths.keys still holds the old pair, the database names the new one.
    with hub.db.reading() as session:
        loaded = keyring.load_identity(session, keys_path)
    assert loaded.current.public.kid == new.public.kid and old.public.kid in loaded.usable()
    for path in (keys_path, keyring.key_file(keys_path, old.public.kid), keyring.key_file(keys_path, new.public.kid)):
        assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_cli_rotation_is_picked_up_by_the_running_hub(hub: HubServer) -> None:
    old = hub.public
    env = {**os.environ, "ZSZO_HUB_PATHS_DATA_DIR": str(hub.settings["paths.data_dir"])}
    env.pop("ZSZO_HUB_CONFIG", None)
    result = run(["hub", "rotate-key", "--yes", "--grace-days", "10"], env=env)
    new = KeyPair.from_json(hub.settings["paths.keys"].read_text()).public
    assert result.stdout.splitlines() == [
        f"new hub key {new.kid}, fingerprint {new.fingerprint}",
        f"old hub key {old.kid} accepted for 10 more days",
        "next: sign a trust document so that nodes learn the new key: zszo hub root sign --key ROOT_KEY_FILE"]
    deadline = time.monotonic() + keyring.REFRESH_SECONDS + 5
    while time.monotonic() < deadline:
        hello = requests.get(hub.url + "/api/v1/hello", timeout=10).json()
        if hello["keys"]["kid"] == new.kid:
            break
        time.sleep(0.5)
    assert hello["keys"]["kid"] == new.kid and hello["fingerprint"] == new.fingerprint
    assert set(hub.runtime.keys.usable()) == {old.kid, new.kid}
