"""The city verifies a school's archive files with the node keys the hub registered at enrolment."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub import config as hub_config
from hub.fleet.models import RetiredNodeKey
from hub.fleet.operations import add_institution, enrol_node, issue_token, revoke_node
from hub.runtime import build
from node_agent import config
from protocol.keys import KeyPair, b64
from tests.ejournal.factories import Journal
from tests.ejournal.test_export import export_1a, node_config  # noqa: F401 - fixture
from zszo.cli import main


@pytest.fixture
def hub_cfg(tmp_path: Path) -> Path:
    result = CliRunner().invoke(main, ["hub", "init", "--data-dir", str(tmp_path / "hub"),
                                       "--admin-password", "haslo-testowe-1"])
    assert result.exit_code == 0, result.output
    return tmp_path / "hub" / "hub.toml"


def hub_verify(hub_cfg: Path, path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["hub", "-c", str(hub_cfg), "ejournal", "verify", str(path)])
    return result.exit_code, result.output


def test_hub_trusts_the_schools_enrolled_keys_only(hub_cfg: Path, node_config: Path, tmp_path: Path,  # noqa: F811
                                                   journal: Journal) -> None:
    path = export_1a(node_config, tmp_path / "out")
    code, output = hub_verify(hub_cfg, path)
    assert code == 1
    assert "  - the hub knows no active node of the school with RSPO 123456" in output.splitlines()
    node_keys = KeyPair.from_json(config.load(node_config)["paths.keys"].read_text()).public
    runtime = build(hub_config.load(hub_cfg), open_warehouse=False)
    try:
        with runtime.db.transaction() as session:
            add_institution(session, rspo="123456", name="SP 7", kind="primary")
            # another school's node must not vouch for this school's file
            add_institution(session, rspo="654321", name="SP 8", kind="primary")
            enrol_node(session, token=issue_token(session, rspo="654321", created_by="t", hours=1), rspo="654321",
                       name="SP 8", keys=node_keys)
    finally:
        runtime.close()
    code, output = hub_verify(hub_cfg, path)
    assert code == 1 and "which is not a key this verifier trusts for the school" in output
    runtime = build(hub_config.load(hub_cfg), open_warehouse=False)
    try:
        with runtime.db.transaction() as session:
            other = KeyPair.generate().public  # SP 7's node has rotated since: the file's key is retired
            node = enrol_node(session, token=issue_token(session, rspo="123456", created_by="t", hours=1),
                              rspo="123456", name="SP 7", keys=other)
            session.add(RetiredNodeKey(kid=node_keys.kid, node_id=node.id, sign_key=b64(node_keys.sign_raw),
                                       kex_key=b64(node_keys.kex_raw), fingerprint=node_keys.fingerprint,
                                       replaced_by=other.kid))
            node_id = node.id
    finally:
        runtime.close()
    code, output = hub_verify(hub_cfg, path)
    assert code == 0, output
    assert output.startswith(f"OK: {path}: e-journal of class 1a")
    data = path.read_bytes()
    path.write_bytes(data.replace(b'symbol="4+"', b'symbol="6"'))
    code, output = hub_verify(hub_cfg, path)
    assert code == 1 and "  - part <grades> was changed after signing" in output.splitlines()
    path.write_bytes(data)
    runtime = build(hub_config.load(hub_cfg), open_warehouse=False)
    try:
        with runtime.db.transaction() as session:
            revoke_node(session, node_id, "server stolen")
    finally:
        runtime.close()
    code, output = hub_verify(hub_cfg, path)  # a revoked node's keys vouch for nothing
    assert code == 1 and "the hub knows no active node of the school with RSPO 123456" in output
