"""``zszo demo …``: the demo city: generate its data, run a hub and school nodes, sync the full city.

Commands only parse options, show progress and print results in Polish; the work lives in
:mod:`zszo.demo.load`. Exit codes: 0 done, 1 the work failed (message on stderr), 2 wrong usage.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from protocol.i18n import N_
from zszo.demo.plan import INSTITUTIONS
from zszo.i18n import gettext_for

_ = gettext_for("pl")
ROLE_LABELS = {"admin": N_("administrator"), "secretary": N_("secretary's office"), "director": N_("director"),
               "teacher": N_("teacher")}


def city_subset(command):  # type: ignore[no-untyped-def]
    """The options choosing which part of which demo city: ``--schools N`` and ``--seed``."""
    command = click.option("--seed", type=int, default=2026, show_default=True, help="Same seed, same city.")(command)
    return click.option("--schools", type=click.IntRange(1, INSTITUTIONS), default=None,
                        help=f"Only the first N institutions of the city (default: all {INSTITUTIONS}).")(command)


def term_option(default: str):  # type: ignore[no-untyped-def]
    """``--term-weeks``: how much of the school term (timetable, lessons, attendance, grades) to generate."""
    return click.option(
        "--term-weeks", "term_weeks", default=default, show_default=True, callback=_term_weeks,
        help="Lessons, attendance and grades for the last N weeks before the demo's today (28.11.2026); "
             "'all' from 1 September, 0 none. Bigger is slower to generate and to sync.")


def _term_weeks(_ctx: click.Context, _param: click.Parameter, value: str) -> int | None:
    if value == "all":
        return None
    if value.isdigit() and int(value) <= 14:
        return int(value)
    raise click.BadParameter(_("enter a number of weeks from 0 to 14, or 'all'"))


@click.group()
def demo() -> None:
    """Demo city: generate data, run a hub and nodes on localhost."""


@demo.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory for the node databases and city.json (must not hold a demo yet).")
@city_subset
@click.option("--scale", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Shrink every class to this fraction (at least one pupil) for quick runs.")
@click.option("--jobs", type=click.IntRange(1, 32), default=min(4, os.cpu_count() or 1), show_default=True,
              help="Worker processes building node databases in parallel.")
@term_option("0")
def generate(out_dir: Path, schools: int | None, seed: int, scale: float, jobs: int, term_weeks: int | None) -> None:
    """Generate the city's node databases and city.json (demo logins) under OUT."""
    from zszo.demo.load import MANIFEST, DemoExists, write_city

    label, stderr = _("Generating the demo city"), sys.stderr  # looked up now: CliRunner swaps it
    try:
        with click.progressbar(length=schools or INSTITUTIONS, label=label, file=stderr) as bar:

            def advance(_entry: dict[str, Any]) -> None:
                bar.update(1)

            manifest = write_city(out_dir, schools=schools, seed=seed, scale=scale, jobs=jobs,
                                  on_school=advance, term_weeks=term_weeks)
    except DemoExists:
        raise click.ClickException(
            _("{path} already holds a demo city: choose another --out directory or delete it").format(
                path=out_dir)) from None
    totals = manifest["totals"]
    click.echo(_("Institutions: {count}").format(count=totals["institutions"]))
    click.echo(_("Pupils: {count}").format(count=totals["pupils"]))
    click.echo(_("Teachers: {count}").format(count=totals["teachers"]))
    click.echo(_("Guardians: {count}").format(count=totals["counts"]["guardian"]))
    click.echo(_("Classes: {count}").format(count=totals["counts"]["class_unit"]))
    click.echo(_("Manifest with demo logins: {path}").format(path=out_dir / MANIFEST))


@demo.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Inventory directory: hosts.yml and host_vars/ are (re)written, group_vars/ left alone.")
@city_subset
def inventory(out_dir: Path, schools: int | None, seed: int) -> None:
    """Write an Ansible inventory of the demo city: the hub and one school server per institution."""
    from zszo.demo.inventory import write_inventory

    written = write_inventory(out_dir, seed=seed, schools=schools)
    click.echo(_("Ansible inventory: {path} ({count} school servers and the hub)").format(
        path=out_dir / "hosts.yml", count=written["schools"]))


def _prepare(out_dir: Path, schools: int | None, seed: int, scale: float, jobs: int, hub_port: int,
             node_port: int, sync_interval: int, term_weeks: int | None):  # type: ignore[no-untyped-def]
    from zszo.demo.load import MANIFEST
    from zszo.demo.run import prepare_city

    if (out_dir / MANIFEST).exists():
        click.echo(_("Using the demo city already in {path}").format(path=out_dir), err=True)
        return prepare_city(out_dir, schools=schools, seed=seed, scale=scale, jobs=jobs, hub_port=hub_port,
                            node_port=node_port, sync_interval=sync_interval, term_weeks=term_weeks)
    with click.progressbar(length=schools or INSTITUTIONS, label=_("Generating the demo city"),
                           file=sys.stderr) as bar:
        return prepare_city(out_dir, schools=schools, seed=seed, scale=scale, jobs=jobs, hub_port=hub_port,
                            node_port=node_port, sync_interval=sync_interval, on_school=lambda _e: bar.update(1),
                            term_weeks=term_weeks)


def _check_ports(ports: list[int]) -> None:
    from zszo.demo.run import port_free

    busy = [p for p in ports if not port_free(p)]
    if busy:
        raise click.ClickException(_("These ports are in use: {ports}. Stop what uses them or choose other "
                                     "ports (--hub-port, --node-port).").format(ports=", ".join(map(str, busy))))


def _wait_forever(procs: list[Any]) -> None:
    import signal
    import time

    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_a: stop.update(now=True))
    try:
        while not stop["now"]:
            dead = [p for p in procs if p.poll() is not None]
            if dead:
                raise click.ClickException(_("A demo process stopped unexpectedly; see the logs in the demo "
                                             "directory."))
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass


@demo.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-data"),
              show_default=True, help="Directory of the demo (created on the first run, reused later).")
@click.option("--schools", type=click.IntRange(1, INSTITUTIONS), default=3, show_default=True,
              help="How many institutions get a running node (the first N of the city).")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--scale", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True)
@click.option("--hub-port", type=int, default=8000, show_default=True)
@click.option("--node-port", type=int, default=8081, show_default=True, help="Port of the first node; +1 each.")
@click.option("--sync-interval", type=click.IntRange(5, 3600), default=30, show_default=True,
              help="Seconds between the nodes' automatic syncs.")
@term_option("4")
def run(out_dir: Path, schools: int, seed: int, scale: float, hub_port: int, node_port: int,
        sync_interval: int, term_weeks: int | None) -> None:
    """Start a hub and school nodes on 127.0.0.1, enrol and sync them; stop with Ctrl+C."""
    from zszo.demo.run import HUB_ADMIN, enrol_nodes, process, wait_for, wait_merged

    city = _prepare(out_dir, schools, seed, scale, 2, hub_port, node_port, sync_interval, term_weeks)
    _check_ports([city.hub_port] + [n.port for n in city.nodes])
    logs = out_dir / "logs"
    with contextlib.ExitStack() as stack:
        hub = stack.enter_context(process(["hub", "-c", str(city.hub_config), "serve"], logs / "hub.log"))
        wait_for(city.hub_url)
        enrol_nodes(city)
        procs = [hub]
        for install in city.nodes:
            procs.append(stack.enter_context(process(["node", "-c", str(install.config), "serve"],
                                                     logs / f"node-{install.rspo}.log")))
        for install in city.nodes:
            wait_for(install.url.rstrip("/"))
        click.echo(_("Waiting for the first sync of every school..."), err=True)
        _wait_first_sync(city)
        wait_merged(city.hub_url)
        click.echo("")
        click.echo(_("ZSZO demo city is running (stop with Ctrl+C)."))
        click.echo(_("City hub: {url}  login: {user} / {password}").format(
            url=city.hub_url + "/", user=HUB_ADMIN[0], password=HUB_ADMIN[1]))
        for install in city.nodes:
            click.echo(f"\n{install.name}")
            click.echo(f"  {install.url}")
            for login in install.logins:
                role = _(ROLE_LABELS.get(login["role"], login["role"]))
                click.echo(f"  {role:14} {login['username']} / {login['password']}")
        click.echo("\n" + _("Logs: {path}").format(path=logs))
        _wait_forever(procs)


def _wait_first_sync(city: Any, timeout: float = 300) -> None:
    import json
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    pending = list(city.nodes)
    while pending and time.monotonic() < deadline:
        still = []
        for install in pending:
            try:
                with urllib.request.urlopen(install.url + "healthz", timeout=2) as response:  # noqa: S310 - our 127.0.0.1 node
                    health = json.loads(response.read())
            except OSError:
                health = {"backlog": 1}
            if health.get("backlog", 1) > 0 or not health.get("enrolled"):
                still.append(install)
        pending = still
        time.sleep(1)
    if pending:
        raise click.ClickException(_("Some schools did not finish their first sync; see the logs."))


@demo.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-city"),
              show_default=True, help="Directory of the full city (created on the first run, reused later).")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--scale", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True)
@click.option("--jobs", type=click.IntRange(1, 32), default=min(4, os.cpu_count() or 1), show_default=True)
@click.option("--hub-port", type=int, default=8000, show_default=True)
@click.option("--keep-running/--no-keep-running", default=True, show_default=True,
              help="Keep the hub running afterwards so the dashboard can be browsed.")
@term_option("0")
def city(out_dir: Path, seed: int, scale: float, jobs: int, hub_port: int, keep_running: bool,
         term_weeks: int | None) -> None:
    """Load the full 97-institution city and sync every node into a real hub, one after another."""
    from zszo.demo.run import HUB_ADMIN, enrol_nodes, process, sync_city, wait_for, wait_merged

    city_install = _prepare(out_dir, None, seed, scale, jobs, hub_port, 9001, 300, term_weeks)
    _check_ports([city_install.hub_port])
    with process(["hub", "-c", str(city_install.hub_config), "serve"], out_dir / "logs" / "hub.log") as hub:
        wait_for(city_install.hub_url)
        with click.progressbar(length=len(city_install.nodes), label=_("Enrolling the schools' nodes"),
                               file=sys.stderr) as bar:
            enrol_nodes(city_install, on_node=lambda _n: bar.update(1))
        with click.progressbar(length=len(city_install.nodes), label=_("Syncing the schools into the hub"),
                               file=sys.stderr) as bar:
            result = sync_city(city_install, on_node=lambda _n, _r: bar.update(1))
        health = wait_merged(city_install.hub_url, timeout=1800)
        totals = city_install.manifest["totals"]
        click.echo(_("Institutions: {count}").format(count=totals["institutions"]))
        click.echo(_("Pupils: {count}").format(count=totals["pupils"]))
        click.echo(_("Changes sent: {count} in {seconds:.1f} s").format(count=result["changes"],
                                                                       seconds=result["seconds"]))
        click.echo(_("Inbox batches merged: {count}").format(count=health["merged_through"]))
        for rspo, error in result["failures"]:
            click.echo(_("Sync failed for {rspo}: {error}").format(rspo=rspo, error=error), err=True)
        if keep_running:
            click.echo(_("City hub: {url}  login: {user} / {password}").format(
                url=city_install.hub_url + "/", user=HUB_ADMIN[0], password=HUB_ADMIN[1]))
            click.echo(_("Stop with Ctrl+C."))
            _wait_forever([hub])
    if result["failures"]:
        raise SystemExit(1)
