"""The Debian packages: hardened units, the right layout, conffiles, maintainer scripts, a working venv.

The fast tests build both packages around a bare virtual environment (the layout, control data
and units are what they check); the slow one builds the real thing from a wheelhouse, as a
release does, and runs the packaged interpreter.
"""

from __future__ import annotations

import configparser
import importlib.util
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "packaging" / "systemd"
HARDENING = {
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes", "ProtectHome": "yes",
    "UMask": "0077", "CapabilityBoundingSet": "", "StateDirectory": "zszo", "ConfigurationDirectory": "zszo",
    "User": "zszo", "Group": "zszo",
}
needs_dpkg = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb is not installed here")


def _build_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("zszo_packaging_build", ROOT / "packaging" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keep systemd's key case
    parser.read(path)
    return parser


@pytest.mark.parametrize(("name", "command", "config"), [
    ("zszo-node.service", "zszo node serve", "ZSZO_NODE_CONFIG=/etc/zszo/node.toml"),
    ("zszo-hub.service", "zszo hub serve", "ZSZO_HUB_CONFIG=/etc/zszo/hub.toml"),
])
def test_unit_runs_the_right_command_hardened(name, command, config):
    unit = _unit(UNITS / name)
    service = unit["Service"]
    assert service["ExecStart"] == f"/opt/zszo/bin/{command}"
    assert service["Environment"] == config
    assert service["Restart"] == "on-failure"
    for key, value in HARDENING.items():
        assert service[key] == value, key
    role = name.split("-")[1].split(".")[0]
    assert unit["Unit"]["AssertPathExists"] == f"/var/lib/zszo/{role}.sqlite"  # never a fresh empty store


@pytest.mark.parametrize("role", ["node", "hub"])
def test_backup_units_run_a_verified_rotated_backup_offline(role):
    service = _unit(UNITS / f"zszo-{role}-backup.service")["Service"]
    assert service["ExecStart"] == f"/opt/zszo/bin/zszo {role} backup --keep ${{ZSZO_BACKUP_KEEP}} --verify"
    assert service["PrivateNetwork"] == "yes" and service["Type"] == "oneshot"
    for key, value in HARDENING.items():
        assert service[key] == value, key
    timer = _unit(UNITS / f"zszo-{role}-backup.timer")
    assert timer["Timer"]["Persistent"] == "true" and timer["Install"]["WantedBy"] == "timers.target"


def _verify_problems(paths: list[Path]) -> list[str]:
    result = subprocess.run(["systemd-analyze", "verify", *map(str, paths)], capture_output=True, text=True)
    # The binary and the service user do not exist on the build machine; anything else is a problem.
    return [line for line in result.stderr.splitlines()
            if "zszo" in line and "/opt/zszo/bin/zszo" not in line and "user" not in line.lower()]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_analyze_verify():
    assert _verify_problems(sorted(UNITS.iterdir())) == []


@pytest.fixture(scope="module")
def bare_debs(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Both packages built around a bare venv (no packages in it): seconds instead of a minute."""
    build = _build_module()
    work = tmp_path_factory.mktemp("deb")
    venv = work / "venv" / "opt" / "zszo"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    debs = build.package_debs(venv, work, work / "out", version="9.9.9-1", compression="gzip", level=1)
    return {path.name.split("_")[0].removeprefix("zszo-"): path for path in debs}


def _dpkg(*args: str | Path) -> str:
    return subprocess.run(["dpkg-deb", *map(str, args)], check=True, capture_output=True, text=True).stdout


@needs_dpkg
@pytest.mark.parametrize("role", ["node", "hub"])
def test_package_control_data_and_conffiles(bare_debs, role):
    deb = bare_debs[role]
    assert deb.name == f"zszo-{role}_9.9.9-1_amd64.deb"
    fields = dict(line.split(": ", 1) for line in _dpkg("-f", deb).splitlines() if ": " in line)
    other = "hub" if role == "node" else "node"
    assert (fields["Package"], fields["Version"], fields["Architecture"]) == (f"zszo-{role}", "9.9.9-1", "amd64")
    assert fields["Conflicts"] == f"zszo-{other}"
    assert "python3.11" in fields["Depends"] and "adduser" in fields["Depends"]
    info = _dpkg("-I", deb)
    for member in ("conffiles", "control", "md5sums", "postinst", "prerm", "postrm"):
        assert f" {member} " in info, member
    assert _dpkg("-I", deb, "conffiles") == f"/etc/zszo/{role}.toml\n"
    postinst = _dpkg("-I", deb, "postinst")
    assert f"ROLE={role}" in postinst and "STATE=/var/lib/zszo\n" in postinst
    assert "runuser -u zszo" in postinst and "zszo $ROLE migrate" in postinst  # backup + lock inside migrate


@needs_dpkg
@pytest.mark.parametrize("role", ["node", "hub"])
def test_package_contents(bare_debs, role, tmp_path):
    deb = bare_debs[role]
    listing = {line.split()[-1].removeprefix("./"): line.split()[0] for line in _dpkg("-c", deb).splitlines()}
    for unit in (f"zszo-{role}.service", f"zszo-{role}-backup.service", f"zszo-{role}-backup.timer"):
        assert listing[f"lib/systemd/system/{unit}"] == "-rw-r--r--"
    assert listing[f"etc/zszo/{role}.toml"] == "-rw-r--r--"
    assert listing[f"usr/bin/zszo-{role}"] == "-rwxr-xr-x"
    assert f"usr/share/doc/zszo-{role}/operations.md" in listing
    assert "opt/zszo/pyvenv.cfg" in listing
    assert not [name for name in listing if name.startswith(("var/", "etc/zszo/")) and name.endswith(".sqlite")]

    _dpkg("-x", deb, tmp_path)
    config = tomllib.loads((tmp_path / f"etc/zszo/{role}.toml").read_text())
    assert config["paths"]["data_dir"] == "/var/lib/zszo"
    wrapper = (tmp_path / f"usr/bin/zszo-{role}").read_text()
    assert f"ZSZO_{role.upper()}_CONFIG:-/etc/zszo/{role}.toml" in wrapper
    assert f"exec runuser -u zszo -- /opt/zszo/bin/zszo {role}" in wrapper
    if shutil.which("systemd-analyze"):
        assert _verify_problems(sorted((tmp_path / "lib/systemd/system").iterdir())) == []


@pytest.mark.slow
@needs_dpkg
@pytest.mark.skipif(not Path("/usr/bin/python3.11").exists(), reason="Debian's python3.11 is the packages' target")
def test_release_build_installs_a_working_venv(tmp_path):
    """`build.py wheelhouse` then `build.py deb`, as a release does (about 45 s here), then run the venv."""
    wheelhouse, out = tmp_path / "wheelhouse", tmp_path / "dist"
    script = ROOT / "packaging" / "build.py"
    subprocess.run([sys.executable, script, "wheelhouse", "--out", wheelhouse], check=True, capture_output=True)
    wheels = {path.name.split("-")[0].lower() for path in wheelhouse.glob("*.whl")}
    assert {"zszo", "flask", "sqlalchemy", "duckdb", "cryptography", "setuptools"} <= wheels
    subprocess.run([sys.executable, script, "deb", "--wheelhouse", wheelhouse, "--out", out, "--compression", "gzip",
                    "--level", "1"], check=True, capture_output=True)
    node = out / "zszo-node_0.1.0-1_amd64.deb"
    _dpkg("-x", node, tmp_path / "root")
    venv = tmp_path / "root" / "opt" / "zszo"
    assert (venv / "bin" / "zszo").read_text().startswith("#!/opt/zszo/bin/python\n")  # relocated
    assert "/tmp" not in (venv / "pyvenv.cfg").read_text()
    result = subprocess.run([venv / "bin" / "python", "-c", "import node_agent.app, hub.app, zszo; "
                             "print(zszo.__version__)"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0.1.0"
    compiled = list((venv / "lib").rglob("node_agent/__pycache__/*.pyc"))
    assert compiled  # shipped: ProtectSystem=strict forbids writing them at run time
