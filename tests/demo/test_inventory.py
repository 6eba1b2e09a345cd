"""`zszo demo inventory`: the demo city as an Ansible inventory, rewritten in place, hand-kept files left alone."""

from __future__ import annotations

import yaml
from click.testing import CliRunner

from zszo.cli import main
from zszo.demo.plan import city_plan


def test_inventory_lists_the_hub_and_each_school_with_its_variables(tmp_path):
    out = tmp_path / "inventory"
    (out / "group_vars").mkdir(parents=True)
    (out / "group_vars" / "schools.yml").write_text("zszo_node_web_port: 8443\n")
    result = CliRunner().invoke(main, ["demo", "inventory", "--out", str(out), "--schools", "3"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Inwentarz Ansible: {out / 'hosts.yml'} (serwery szkół: 3 oraz serwer miejski)\n"

    plans = city_plan()[:3]
    hosts = yaml.safe_load((out / "hosts.yml").read_text())["all"]["children"]
    assert list(hosts["hub"]["hosts"]) == ["hub-miasto"]
    assert list(hosts["schools"]["hosts"]) == [f"szkola-{plan.rspo}" for plan in plans]
    for index, plan in enumerate(plans, start=1):
        assert yaml.safe_load((out / "host_vars" / f"szkola-{plan.rspo}.yml").read_text(encoding="utf-8")) == {
            "ansible_host": f"10.20.{index}.10", "zszo_node_rspo": plan.rspo, "zszo_node_school_name": plan.name,
            "zszo_node_school_kind": plan.kind, "zszo_node_district": plan.district,
            "zszo_node_web_host": f"10.20.{index}.10", "zszo_node_intranet": [f"10.20.{index}.0/24"],
        }
        assert f"szkola-{plan.rspo}" in hosts["schools"]["children"][f"schools_{plan.kind}"]["hosts"]
    assert (out / "group_vars" / "schools.yml").read_text() == "zszo_node_web_port: 8443\n"  # not ours: untouched

    again = CliRunner().invoke(main, ["demo", "inventory", "--out", str(out), "--schools", "3"])
    assert again.exit_code == 0 and sorted(p.name for p in (out / "host_vars").iterdir()) == sorted(
        f"szkola-{plan.rspo}.yml" for plan in plans)
