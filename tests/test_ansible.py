"""The Ansible roles and playbooks: they lint clean, and they really provision a hub and a school.

The provisioning test (slow: 2-5 minutes) runs hub.yml, then (with that hub serving on 127.0.0.1) site.yml, with a
local connection into a temporary root: ZSZO is the test's own install, services and the
firewall are written but not started or loaded (there is no systemd here). The school server
ends up enrolled and synced, and a second run of site.yml changes nothing. Then backup.yml fetches
backups, the school's server "dies" and restore.yml brings it back on a new machine (new keys, new
epoch), and upgrade.yml goes through both.
"""

from __future__ import annotations

import grp
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.integration.harness import Service, free_port, run, services

ANSIBLE = Path(__file__).resolve().parent.parent / "ansible"
BIN = Path(sys.executable).parent
PLAYBOOKS = ["site.yml", "hub.yml", "node.yml", "enrol.yml", "upgrade.yml", "backup.yml", "restore.yml",
             "revoke.yml", "rotate-keys.yml"]
needs_ansible = pytest.mark.skipif(not (BIN / "ansible-playbook").exists(),
                                   reason="ansible-core is not installed in this environment")
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)
RSPO = "100101"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "ZSZO_"))}
    env.update(ANSIBLE_CONFIG=str(ANSIBLE / "ansible.cfg"), ANSIBLE_HOME=str(tmp_path / "ansible-home"),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    return env


def _playbook(tmp_path: Path, inventory: Path, name: str, *extra: str) -> dict[str, tuple[int, int, int, int]]:
    result = subprocess.run([BIN / "ansible-playbook", "-i", inventory, name, *extra], cwd=ANSIBLE,
                            env=_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return {host: tuple(map(int, counts)) for host, *counts in RECAP.findall(result.stdout)}


# ansible-lint takes 30-90 s on this machine: part of the default run, because the issue asks CI to lint
@needs_ansible
def test_ansible_lint_production_profile_passes(tmp_path):
    result = subprocess.run([BIN / "ansible-lint", "--profile", "production", "--nocolor"], cwd=ANSIBLE,
                            env=_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


@needs_ansible
def test_playbooks_syntax_against_the_demo_inventory(tmp_path):
    assert sorted(PLAYBOOKS) == sorted(path.name for path in ANSIBLE.glob("*.yml"))
    result = subprocess.run([BIN / "ansible-playbook", "--syntax-check", *PLAYBOOKS], cwd=ANSIBLE,
                            env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_fleet_playbooks_go_in_batches_and_stop_at_the_first_failure():
    plays = yaml.safe_load((ANSIBLE / "upgrade.yml").read_text())
    schools = next(play for play in plays if play["hosts"] == "schools")
    hub = next(play for play in plays if play["hosts"] == "hub")
    assert plays.index(hub) < plays.index(schools)  # the hub first
    assert (schools["serial"], schools["max_fail_percentage"]) == ("10%", 0)
    assert hub["max_fail_percentage"] == 0


def test_demo_inventory_is_the_demo_city():
    from zszo.demo.inventory import HUB_HOST, school_hosts

    inventory = yaml.safe_load((ANSIBLE / "inventories/demo/hosts.yml").read_text())
    groups = inventory["all"]["children"]
    assert list(groups["hub"]["hosts"]) == [HUB_HOST]
    expected = school_hosts()
    assert list(groups["schools"]["hosts"]) == list(expected) and len(expected) == 97
    for name, variables in expected.items():  # the committed files are what the command writes
        assert yaml.safe_load((ANSIBLE / "inventories/demo/host_vars" / f"{name}.yml").read_text()) == variables
    by_kind = sum(len(group["hosts"]) for group in groups["schools"]["children"].values())
    assert by_kind == 97


def _status(text: str, label: str) -> str:
    """One value of `zszo node status`."""
    return re.search(rf"^{label}:\s+(.+)$", text, re.MULTILINE).group(1).strip()


@pytest.fixture
def fleet(tmp_path):  # type: ignore[no-untyped-def]
    """An inventory of one hub and one school, both local, each in its own directories under tmp_path."""
    hub_port, node_port = free_port(), free_port()
    group = grp.getgrgid(os.getgid()).gr_name
    common = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
              "ansible_become": False}
    hub_root, node_root = tmp_path / "hub-root", tmp_path / "node-root"
    hub_vars = {
        **common, "zszo_hub_install": "none", "zszo_hub_prefix": sys.prefix,
        "zszo_hub_config_dir": str(hub_root / "etc/zszo"), "zszo_hub_state_dir": str(hub_root / "var/lib/zszo"),
        "zszo_hub_manage_user": False, "zszo_hub_become": False, "zszo_hub_manage_services": False,
        "zszo_hub_user": "root", "zszo_hub_group": group, "zszo_hub_web_port": hub_port,
        "zszo_hub_require_totp": False, "zszo_hub_secure_cookies": False,
        "zszo_hub_admin_password": "ansible-hub-pass-1", "zszo_hub_firewall_apply": False,
        "zszo_hub_nftables_dir": str(hub_root / "etc/nftables.d"),
    }
    node_vars = {
        **common, "zszo_node_install": "none", "zszo_node_prefix": sys.prefix,
        "zszo_node_config_dir": str(node_root / "etc/zszo"), "zszo_node_state_dir": str(node_root / "var/lib/zszo"),
        "zszo_node_manage_user": False, "zszo_node_become": False, "zszo_node_manage_services": False,
        "zszo_node_user": "root", "zszo_node_group": group, "zszo_node_web_port": node_port,
        "zszo_node_hub_url": f"http://127.0.0.1:{hub_port}", "zszo_node_rspo": RSPO,
        "zszo_node_school_name": "Szkoła Podstawowa nr 7 w Radomiu", "zszo_node_school_kind": "primary",
        "zszo_node_district": "Śródmieście", "zszo_node_admin_password": "ansible-node-pass-1",
        "zszo_node_intranet": ["10.20.7.0/24", "fd00:20:7::/64"], "zszo_node_firewall_apply": False,
        "zszo_node_nftables_dir": str(node_root / "etc/nftables.d"),
    }
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"children": {
        "hub": {"hosts": {"hub-test": hub_vars}},
        "schools": {"hosts": {f"szkola-{RSPO}": node_vars}},
    }}}, allow_unicode=True))
    return inventory, hub_root, node_root, hub_port


@pytest.mark.slow  # 2-5 min: nine playbook runs and a real hub
@pytest.mark.integration
@needs_ansible
@pytest.mark.skipif(os.geteuid() != 0, reason="the roles give configuration files to root, as on a server")
def test_site_provisions_enrols_and_syncs_a_school_and_a_second_run_changes_nothing(fleet, tmp_path):
    inventory, hub_root, node_root, hub_port = fleet
    first_hub = _playbook(tmp_path, inventory, "hub.yml")
    assert first_hub["hub-test"][1] > 0 and first_hub["hub-test"][3] == 0
    hub_config = hub_root / "etc/zszo/hub.toml"
    assert tomllib.loads(hub_config.read_text())["paths"]["data_dir"] == str(hub_root / "var/lib/zszo")

    env = {k: v for k, v in os.environ.items() if not k.startswith("ZSZO_")}
    hub = Service("hub", ["hub", "-c", str(hub_config), "serve"], hub_port, tmp_path / "hub.log", env=env)
    with services(hub):
        hub.start()
        first = _playbook(tmp_path, inventory, "site.yml")
        assert first[f"szkola-{RSPO}"][1] > 0 and first["hub-test"][3] == 0

        again = _playbook(tmp_path, inventory, "site.yml")
        assert {host: counts[1] for host, counts in again.items()} == {"hub-test": 0, f"szkola-{RSPO}": 0}

        node_config = str(node_root / "etc/zszo/node.toml")
        status = run(["node", "-c", node_config, "status"], env=env).stdout
        assert re.search(r"^node id:\s+[0-9a-f-]{36}$", status, re.MULTILINE), status
        assert re.search(r"^waiting:\s+0 changes$", status, re.MULTILINE), status
        acked = int(re.search(r"^acked through:\s+(\d+)$", status, re.MULTILINE).group(1))
        assert acked > 0  # the school record and its first admin reached the hub
        nodes = run(["hub", "-c", str(hub_config), "nodes"], env=env).stdout.splitlines()
        assert len(nodes) == 1 and nodes[0].split()[:2] == [RSPO, "active"] and f"acked={acked}" in nodes[0]
        old_node, old_epoch = _status(status, "node id"), _status(status, "epoch")

        # backup.yml: a verified backup on each server, fetched to the controller.
        store = tmp_path / "store"
        _playbook(tmp_path, inventory, "backup.yml", "-e", f"zszo_backup_store={store}")
        [school_backup] = (store / f"szkola-{RSPO}").glob("node-*.sqlite")
        assert [p.name[:4] for p in (store / "hub-test").iterdir()] == ["hub-"]

        # The school's server dies; its key is revoked; a new machine is provisioned with node.yml and
        # restore.yml restores the backup there, enrols it with the new machine's keys and syncs.
        run(["hub", "-c", str(hub_config), "revoke", old_node, "--reason", "server died"], env=env)
        shutil.rmtree(node_root)
        _playbook(tmp_path, inventory, "node.yml")
        restored = _playbook(tmp_path, inventory, "restore.yml", "--limit", f"szkola-{RSPO}", "-e",
                             f"zszo_restore_file={school_backup}", "-e", "zszo_restore_new_machine=true")
        assert restored[f"szkola-{RSPO}"][3] == 0
        status = run(["node", "-c", node_config, "status"], env=env).stdout
        assert _status(status, "node id") != old_node and _status(status, "epoch") != old_epoch
        assert _status(status, "waiting") == "0 changes"
        nodes = sorted(line.split()[1] for line in run(["hub", "-c", str(hub_config), "nodes"], env=env).stdout
                       .splitlines())
        assert nodes == ["active", "revoked"]

        # upgrade.yml (the same release here): backup, migrate, sync, nothing fails.
        upgraded = _playbook(tmp_path, inventory, "upgrade.yml")
        assert {host: counts[3] for host, counts in upgraded.items()} == {"hub-test": 0, f"szkola-{RSPO}": 0}
        assert len(list((node_root / "var/lib/zszo/backups").glob("node-*.sqlite"))) == 1

    settings = tomllib.loads((node_root / "etc/zszo/node.toml").read_text())
    assert settings["sync"]["hub_url"] == f"http://127.0.0.1:{hub_port}"
    assert (node_root / "etc/zszo/node.toml").stat().st_mode & 0o777 == 0o640
    assert (node_root / "var/lib/zszo").stat().st_mode & 0o777 == 0o750
    rules = (node_root / "etc/nftables.d/zszo-node.nft").read_text()
    port = settings["web"]["port"]
    assert "elements = { 10.20.7.0/24 }" in rules and "elements = { fd00:20:7::/64 }" in rules
    assert f"ip saddr @intranet4 tcp dport {port} accept" in rules
    assert rules.rstrip().splitlines()[-3].strip() == f"tcp dport {port} counter drop"  # the last rule
    if shutil.which("nft"):
        assert subprocess.run(["nft", "-c", "-f", node_root / "etc/nftables.d/zszo-node.nft"]).returncode == 0
