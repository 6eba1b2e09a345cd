"""``zszo demo …``: the demo city (generate its data; running hub and nodes is added here too).

Commands only parse options, show progress and print results in Polish; the work lives in
:mod:`zszo.demo.load`. Exit codes: 0 done, 1 the work failed (message on stderr), 2 wrong usage.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from zszo.demo.plan import INSTITUTIONS
from zszo.i18n import gettext_for

_ = gettext_for("pl")


@click.group()
def demo() -> None:
    """Demo city: generate data, run a hub and nodes on localhost."""


@demo.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory for the node databases and city.json (must not hold a demo yet).")
@click.option("--schools", type=click.IntRange(1, INSTITUTIONS), default=None,
              help=f"Only the first N institutions of the city (default: all {INSTITUTIONS}).")
@click.option("--seed", type=int, default=2026, show_default=True, help="Same seed, same city.")
@click.option("--scale", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Shrink every class to this fraction (at least one pupil) for quick runs.")
@click.option("--jobs", type=click.IntRange(1, 32), default=min(4, os.cpu_count() or 1), show_default=True,
              help="Worker processes building node databases in parallel.")
def generate(out_dir: Path, schools: int | None, seed: int, scale: float, jobs: int) -> None:
    """Generate the city's node databases and city.json (demo logins) under OUT."""
    from zszo.demo.load import MANIFEST, DemoExists, write_city

    label, stderr = _("Generating the demo city"), sys.stderr  # looked up now: CliRunner swaps it
    try:
        with click.progressbar(length=schools or INSTITUTIONS, label=label, file=stderr) as bar:

            def advance(_entry: dict[str, Any]) -> None:
                bar.update(1)

            manifest = write_city(out_dir, schools=schools, seed=seed, scale=scale, jobs=jobs,
                                  on_school=advance)
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
