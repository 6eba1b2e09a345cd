"""Trust data signed by the city's root key: every refusal code, root pinning at enrolment, and a
node refusing a document that is older, expired, foreign or altered while talking to the hub."""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.fleet import trust as trust_ops
from node_agent.sync import client
from node_agent.sync.messages import message_for
from protocol import canonical, trust
from protocol.keys import KeyPair
from tests.integration.harness import run
from tests.sync.helpers import RSPO_A, FakeHub, HubServer, SchoolNode, fill_register
from zszo.i18n import gettext_for

PL = gettext_for("pl")
NOW = dt.datetime(2026, 11, 29, 8, 0, 0)
HUB_ID = "hub-1"


def _document(root: trust.RootKey, *, version: int = 1, hub_id: str = HUB_ID, days: int = 30,
              issued: dt.datetime = NOW, keys: KeyPair | None = None) -> bytes:
    entry = trust.HubKey((keys or KeyPair.generate()).public, "current", issued, None)
    return trust.sign(trust.body_of(hub_id=hub_id, version=version, issued_at=issued,
                                    expires_at=issued + dt.timedelta(days=days), hub_keys=[entry]), root)


ROOT = trust.RootKey.generate()
GOOD = _document(ROOT, version=5)
KNOWN = trust.verify(GOOD, root=ROOT.public_raw, now=NOW)


def _tampered() -> bytes:
    outer = canonical.loads_strict(GOOD)
    outer["body"]["hub_id"] = "hub-2"
    return canonical.dumps(outer)


REFUSALS = [
    ("trust_wrong_root", lambda: _document(trust.RootKey.generate(), version=6), {}),
    ("trust_bad_signature", _tampered, {}),
    ("trust_rollback", lambda: _document(ROOT, version=4), {}),
    ("trust_conflict", lambda: _document(ROOT, version=5), {}),
    ("trust_expired", lambda: _document(ROOT, version=6, issued=NOW - dt.timedelta(days=31)), {}),
    ("trust_wrong_hub", lambda: _document(ROOT, version=6, hub_id="hub-2"), {}),
    ("trust_malformed", lambda: b'{"body": 1}', {}),
    ("trust_malformed", lambda: _signed_anyway({**canonical.loads_strict(GOOD)["body"], "version": 6, "hub_keys": []}),
     {}),
]


def _signed_anyway(body: dict) -> bytes:
    """A body trust.sign() would refuse, signed by the right root all the same."""
    signature = ROOT.private.sign(trust.DOMAIN + canonical.dumps(body))
    return canonical.dumps({"body": body, "root": base64.b64encode(ROOT.public_raw).decode(),
                            "sig": base64.b64encode(signature).decode()})


@pytest.mark.parametrize(("code", "make", "extra"), REFUSALS, ids=[r[0] + str(i) for i, r in enumerate(REFUSALS)])
def test_each_refusal_has_its_code(code: str, make: Callable[[], bytes], extra: dict) -> None:
    with pytest.raises(trust.TrustError) as refused:
        trust.verify(make(), root=ROOT.public_raw, now=NOW, hub_id=HUB_ID, known_version=KNOWN.version,
                     known_sha256=KNOWN.sha256, **extra)
    assert refused.value.code == code


def test_a_newer_document_and_the_same_one_again_are_accepted() -> None:
    newer = trust.verify(_document(ROOT, version=6), root=ROOT.public_raw, now=NOW, hub_id=HUB_ID,
                         known_version=KNOWN.version, known_sha256=KNOWN.sha256)
    same = trust.verify(GOOD, root=ROOT.public_raw, now=NOW, hub_id=HUB_ID, known_version=KNOWN.version,
                        known_sha256=KNOWN.sha256)
    assert (newer.version, same.sha256) == (6, KNOWN.sha256)


def test_fingerprints_are_typed_loosely_but_compared_exactly() -> None:
    fingerprint = ROOT.fingerprint
    assert trust.normalise_fingerprint(fingerprint.lower().replace("-", " ")) == fingerprint
    with pytest.raises(ValueError, match="32 characters"):
        trust.normalise_fingerprint(fingerprint[:-1])


# -- at the hub and on the node, over HTTP ---------------------------------------------------------


def _hub_env(hub: HubServer) -> dict[str, str]:
    env = {**os.environ, "ZSZO_HUB_PATHS_DATA_DIR": str(hub.settings["paths.data_dir"])}
    env.pop("ZSZO_HUB_CONFIG", None)
    return env


def make_root(hub: HubServer, tmp_path: Path, *, days: int = 365) -> trust.RootKey:
    """`zszo hub root init` then `zszo hub root sign`, as the runbook says."""
    path = tmp_path / "usb" / "root.json"
    out = run(["hub", "root", "init", "--out", str(path)], env=_hub_env(hub)).stdout
    key = trust.RootKey.from_json(path.read_text())
    assert f"Root fingerprint: {key.fingerprint}" in out and oct(path.stat().st_mode & 0o777) == "0o600"
    again = run(["hub", "root", "init", "--out", str(path)], env=_hub_env(hub), check=False)
    assert again.returncode == 1 and "never overwritten" in again.stderr
    signed = run(["hub", "root", "sign", "--key", str(path), "--days", str(days)], env=_hub_env(hub)).stdout
    assert signed.startswith(f"trust document version 1 signed by root {key.fingerprint}")
    assert f"hub key {hub.public.kid} current" in signed
    return key


@pytest.fixture
def root(hub: HubServer) -> trust.RootKey:
    """A root key that signed version 1 of the hub's trust document (in-process: the CLI has its own test)."""
    key = trust.RootKey.generate()
    with hub.db.transaction() as session:
        trust_ops.sign(session, hub.runtime.keys, key, days=365)
    return key


def test_root_init_and_sign_commands(hub: HubServer, tmp_path: Path) -> None:
    make_root(hub, tmp_path)


@pytest.fixture
def pinned(hub: HubServer, root: trust.RootKey, node_factory: Callable[..., SchoolNode]) -> SchoolNode:
    school = node_factory("node-pinned", rspo=RSPO_A, hub_url=hub.url)
    client.enrol(school.settings, school.db, hub_url=hub.url, token=hub.issue_token(RSPO_A),
                 root_fingerprint=root.fingerprint.lower())
    return school


def test_enrolment_pins_the_root_and_the_hub_key_it_signed(hub: HubServer, root: trust.RootKey,
                                                           pinned: SchoolNode) -> None:
    with pinned.db.read_session() as session:
        from node_agent.sync import identity
        row = identity.state(session)
        assert (row.trust_version, row.root_key is not None) == (1, True)
    assert hub.public.kid in pinned.state()["hub_keys"]
    fill_register(pinned, pupils=1, doc_only=0)
    assert pinned.sync().ok


def test_enrolment_with_another_root_fingerprint_sends_nothing(hub: HubServer, root: trust.RootKey,
                                                               node_db: SchoolNode) -> None:
    token = hub.issue_token(RSPO_A)
    with pytest.raises(client.SyncError) as refused:
        client.enrol(node_db.settings, node_db.db, hub_url=hub.url, token=token,
                     root_fingerprint=trust.RootKey.generate().fingerprint)
    assert refused.value.code == "trust_wrong_root"
    assert node_db.state()["node_id"] is None
    node_db.enrol(hub.url, token)  # the token was not used by the refused attempt


def test_enrolment_with_a_root_fingerprint_needs_a_signed_document(hub: HubServer, node_db: SchoolNode) -> None:
    with pytest.raises(client.SyncError) as refused:
        client.enrol(node_db.settings, node_db.db, hub_url=hub.url, token=hub.issue_token(RSPO_A),
                     root_fingerprint=trust.RootKey.generate().fingerprint)
    assert refused.value.code == "trust_malformed"


def test_signing_with_another_root_is_refused(hub: HubServer, root: trust.RootKey) -> None:
    with hub.db.transaction() as session, pytest.raises(trust_ops.TrustSigningError, match="nodes trust only"):
        trust_ops.sign(session, hub.runtime.keys, trust.RootKey.generate(), days=30)


@pytest.mark.parametrize("code", ["trust_wrong_root", "trust_rollback", "trust_bad_signature"])
def test_node_refuses_a_bad_document_from_the_hub_and_sends_nothing(hub: HubServer, root: trust.RootKey,
                                                                     pinned: SchoolNode, fake_hub: FakeHub,
                                                                     code: str) -> None:
    with hub.db.transaction() as session:  # the node has seen version 2
        trust_ops.sign(session, hub.runtime.keys, root, days=30)
    assert pinned.sync().ok
    real = hub.runtime.keys.current
    forged = {
        "trust_wrong_root": lambda: _document(trust.RootKey.generate(), version=9, hub_id=hub.runtime.keys.hub_id),
        "trust_rollback": lambda: _document(root, version=1, hub_id=hub.runtime.keys.hub_id, keys=real,
                                            issued=dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)),
        "trust_bad_signature": lambda: _tampered_from(hub),
    }[code]()
    hello = fake_hub.on_hello()
    fake_hub.on_hello = lambda: {**hello, "trust": forged.decode()}
    posted: list[bytes] = []
    fake_hub.on_batch = lambda data: posted.append(data) or (_ for _ in ()).throw(AssertionError("sent"))
    fill_register(pinned, pupils=1, doc_only=0)
    pinned.set_state(hub_url=fake_hub.url)
    report = pinned.sync()
    assert (report.ok, report.error_code) == (False, code) and posted == []
    assert PL(message_for(code)) != PL(message_for("error"))  # its own Polish message
    assert pinned.state()["last_error"] == code


def _tampered_from(hub: HubServer) -> bytes:
    with hub.db.reading() as session:
        outer = canonical.loads_strict(trust_ops.latest(session).document)
    outer["body"]["version"] = 7
    return canonical.dumps(outer)


def test_an_expired_document_is_not_adopted_and_the_school_is_told(hub: HubServer, root: trust.RootKey,
                                                                   pinned: SchoolNode) -> None:
    with hub.db.transaction() as session:
        trust_ops.sign(session, hub.runtime.keys, root, days=1, now=NOW - dt.timedelta(days=3))
    report = pinned.sync()
    assert report.ok and report.notices == ["trust_expired"]
    with pinned.db.read_session() as session:
        from node_agent.sync import identity
        assert identity.state(session).trust_version == 1


def test_trust_root_pins_an_already_enrolled_node(hub: HubServer, root: trust.RootKey, node: SchoolNode) -> None:
    with pytest.raises(client.SyncError) as refused:
        client.pin_root(node.settings, node.db, trust.RootKey.generate().fingerprint)
    assert refused.value.code == "trust_wrong_root"
    node.close()
    env = {**os.environ, "ZSZO_NODE_PATHS_DATA_DIR": str(node.settings["paths.data_dir"])}
    env.pop("ZSZO_NODE_CONFIG", None)
    result = run(["node", "trust-root", root.fingerprint], env=env)
    assert result.stdout == f"root key pinned; trust document version 1, hub key {hub.public.kid}\n"
