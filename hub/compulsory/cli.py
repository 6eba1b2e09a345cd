"""``zszo hub compulsory …``: import the population register and print the control's counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click


@click.group()
def compulsory() -> None:
    """Compulsory-schooling control: the register of resident children and its matching."""


@compulsory.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Date of the register (default: today).")
@click.option("--by", "imported_by", default="cli", show_default=True, help="Who imports it (kept).")
@click.pass_context
def import_register(ctx: click.Context, file: Path, as_of: dt.datetime | None, imported_by: str) -> None:
    """Import the population register's CSV: good rows in, each bad row printed with line, field and reason."""
    from hub.cli import _runtime
    from hub.compulsory.operations import ControlError, log_access, save_import
    from hub.compulsory.register import parse_register
    from hub.warehouse.pseudonym import load_or_create_key
    from zszo.i18n import gettext_for

    runtime = _runtime(ctx)
    text = gettext_for(runtime.settings["web.locale"])
    parsed = parse_register(file.read_bytes(), load_or_create_key(runtime.settings["paths.pseudonym_key"]))
    for problem in parsed.errors:
        click.echo(f"line {problem.line}: {problem.error.render(text)}", err=True)
    try:
        with runtime.db.transaction() as session:
            snapshot = save_import(session, parsed, as_of=(as_of or dt.datetime.now()).date(), file_name=file.name,
                                   by=imported_by)
            log_access(session, username=imported_by, role="cli", pupil_key=None, action="import",
                       purpose="population_register")
            imported = snapshot.rows_imported
    except ControlError as exc:
        raise click.ClickException("; ".join(e.render(text) for e in exc.errors)) from None
    click.echo(f"imported {imported} of {parsed.rows_read} rows, {len(parsed.errors)} problems")
    if parsed.errors:
        ctx.exit(3)  # imported, but some rows need fixing at the source


@compulsory.command("counts")
@click.option("--school-year", required=True, help="e.g. 2026/2027")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Reference day (default: today).")
@click.pass_context
def counts_cmd(ctx: click.Context, school_year: str, day: dt.datetime | None) -> None:
    """Print how many children of compulsory age are enrolled, deferred, elsewhere, nowhere or twice."""
    from hub.cli import _runtime
    from hub.compulsory.control import counts, run_control
    from hub.compulsory.operations import ControlError, check_school_year

    try:
        check_school_year(school_year)
    except ControlError:
        raise click.UsageError("--school-year must look like 2026/2027") from None
    runtime = _runtime(ctx, warehouse=True)
    with runtime.db.reading() as session:
        findings = run_control(session, runtime.warehouse.cursor(), school_year, (day or dt.datetime.now()).date())
    for status, count in counts(findings).items():
        click.echo(f"{status:22} {count:>7}")
