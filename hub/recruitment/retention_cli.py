"""``zszo recruitment purge``: delete non-admitted candidates' data one year after their campaign.

Unlike ``allocate`` and ``verify`` this command works on a hub's database, so it reads the hub's
configuration (``-c hub.toml`` or ``ZSZO_HUB_CONFIG``). It is safe to run every day (cron or the
hub's scheduler calling :func:`hub.recruitment.retention.purge_expired`): what is not due yet, or is
flagged with a complaint, stays. Exit codes: 0 done, 2 bad configuration.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from protocol.i18n import N_


@click.command("purge")
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), envvar="ZSZO_HUB_CONFIG",
              help="Hub configuration file (default: ./hub.toml if present; env ZSZO_HUB_CONFIG).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Count the year up to this day (default: today).")
@click.option("--dry-run", is_flag=True, help="Only report what would be deleted.")
def purge(config_path: Path | None, today: dt.datetime | None, dry_run: bool) -> None:
    """Delete non-admitted candidates' data one year after their campaign ended (unless a complaint is flagged)."""
    from hub import config
    from hub.db import Database, prepare
    from hub.recruitment.retention import purge_expired
    from zszo.i18n import gettext_for
    from zszo.settings import SettingsError
    from zszo.web.i18n import TIMEZONE

    path = config_path or (Path("hub.toml") if Path("hub.toml").exists() else None)
    try:
        settings = config.load(path)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    gettext = gettext_for(settings["web.locale"])
    day = today.date() if today is not None else dt.datetime.now(TIMEZONE).date()
    database = Database(settings["paths.database"])
    try:
        prepare(database, settings["paths.backups"])
        with database.transaction() as session:
            report = purge_expired(session, day, dry_run=dry_run, by="cli")  # a dry run writes nothing
    finally:
        database.dispose()
    message = N_("Would delete {applications} applications and {candidates} candidates of {campaigns} campaigns; "
                 "kept because of complaints: {kept}.") if dry_run else \
        N_("Deleted {applications} applications and {candidates} candidates of {campaigns} campaigns; "
           "kept because of complaints: {kept}.")
    click.echo(gettext(message).format(applications=report.applications, candidates=report.candidates,
                                       campaigns=len(report.campaigns), kept=report.kept_for_complaints))
