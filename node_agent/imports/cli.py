"""``zszo node import pupils|guardians|staff|qualifications FILE``: the command-line face of the importer.

The node CLI attaches these commands and passes ``ctx.obj`` with ``settings`` (the node's
:class:`~zszo.settings.Settings`) and ``db`` (a prepared :class:`~node_agent.db.Database`).
The command owns the transaction: one per import, committed at the end (a dry run commits
nothing because the importer rolls its preview back). Exit codes: 0 every row imported,
1 some rows rejected (the good ones are imported), 2 the file was rejected (nothing imported).
This module only prints; it never decides what is valid.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

from node_agent.imports.guardians import import_guardians
from node_agent.imports.pupils import import_pupils
from node_agent.imports.qualifications import import_qualifications
from node_agent.imports.report import ImportReport
from node_agent.imports.staff import import_staff
from zszo.i18n import gettext_for

EXIT_OK, EXIT_ROWS_REJECTED, EXIT_FILE_REJECTED = 0, 1, 2

_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


@click.group("import")
def import_group() -> None:
    """Import pupils, guardians, staff or staff qualifications from a CSV or XLSX file (errors listed per row)."""


def _run(ctx: click.Context, do_import: Callable[[Session], ImportReport]) -> None:
    obj: Any = ctx.obj
    if obj is None or not hasattr(obj, "db") or not hasattr(obj, "settings"):
        raise click.UsageError("run this as `zszo node import …` (no node database given)")
    gettext = gettext_for(obj.settings["web.locale"])
    with obj.db.transaction() as session:
        report = do_import(session)
    for line in report.lines(gettext):
        click.echo(line)
    if report.file_errors:
        ctx.exit(EXIT_FILE_REJECTED)
    ctx.exit(EXIT_ROWS_REJECTED if report.rejected else EXIT_OK)


def _add_command(name: str, importer: Callable[..., ImportReport], help_text: str) -> None:
    """``zszo node import NAME FILE [--dry-run] [--sheet NAME]`` running ``importer``."""

    @import_group.command(name, help=help_text)
    @click.argument("file", type=_FILE)
    @click.option("--dry-run", is_flag=True, help="Check the file and show the report without saving anything.")
    @click.option("--sheet", metavar="NAME", help="XLSX sheet to read (default: the first one).")
    @click.pass_context
    def command(ctx: click.Context, file: Path, dry_run: bool, sheet: str | None) -> None:
        _run(ctx, lambda session: importer(session, file, dry_run=dry_run, sheet=sheet))


for _name, _importer, _help in (
    ("pupils", import_pupils, "Import pupils (with class and up to two guardians) from FILE (.csv or .xlsx)."),
    ("guardians", import_guardians, "Link guardians to pupils already in the register, from FILE (.csv or .xlsx)."),
    ("staff", import_staff,
     "Import staff (position, promotion grade, employment, subjects) from FILE (.csv or .xlsx)."),
    ("qualifications", import_qualifications,
     "Import staff qualifications (kind, field of study, institution, date) from FILE (.csv or .xlsx)."),
):
    _add_command(_name, _importer, _help)
