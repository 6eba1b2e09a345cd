"""The systemd units are hardened and point at the right commands."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parent.parent / "packaging" / "systemd"
HARDENING = {
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes", "ProtectHome": "yes",
    "UMask": "0077", "Restart": "on-failure", "CapabilityBoundingSet": "",
}


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keep systemd's key case
    parser.read(UNITS / name)
    return parser


@pytest.mark.parametrize(("name", "command", "config"), [
    ("zszo-node.service", "zszo node serve", "ZSZO_NODE_CONFIG=/etc/zszo-node/node.toml"),
    ("zszo-hub.service", "zszo hub serve", "ZSZO_HUB_CONFIG=/etc/zszo-hub/hub.toml"),
])
def test_unit_runs_the_right_command_hardened(name, command, config):
    service = _unit(name)["Service"]
    assert service["ExecStart"].endswith(command)
    assert service["Environment"] == config
    assert service["User"] == "zszo"
    for key, value in HARDENING.items():
        assert service[key] == value, key
    state = name.removesuffix(".service")
    assert service["StateDirectory"] == state and service["ConfigurationDirectory"] == state


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
@pytest.mark.parametrize("name", ["zszo-node.service", "zszo-hub.service"])
def test_systemd_analyze_verify(name, tmp_path):
    result = subprocess.run(["systemd-analyze", "verify", str(UNITS / name)], capture_output=True, text=True)
    problems = [line for line in result.stderr.splitlines()
                if "/opt/zszo/bin/zszo" not in line and "zszo" in line]  # the binary is not installed here
    assert problems == []
