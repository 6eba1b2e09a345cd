"""``zszo hub calendar …``: the city's school-year calendar, written as JSON, published to every node."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click


@click.group()
def calendar() -> None:
    """The city's school-year calendar (breaks common to all schools), sent to every node."""


@calendar.command("standard")
@click.option("--year", type=int, required=True, help="First year of the school year, e.g. 2026 for 2026/2027.")
@click.option("--winter-holidays", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Monday the voivodeship's two-week winter holidays start (YYYY-MM-DD).")
def standard(year: int, winter_holidays: dt.datetime) -> None:
    """Print the statutory calendar of a school year as JSON, to edit and then publish."""
    from protocol.calendar import standard_calendar

    body = standard_calendar(year, winter_holidays.date()).to_body()
    click.echo(json.dumps(body, ensure_ascii=False, indent=2))


@calendar.command("publish")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path, allow_dash=True))
@click.option("--by", "published_by", default="cli", show_default=True, help="Who publishes it (kept).")
@click.pass_context
def publish(ctx: click.Context, file: Path, published_by: str) -> None:
    """Check a calendar file (JSON) and queue it for every school server; later enrolments get it too."""
    from hub.cli import _runtime
    from hub.dictionaries.operations import publish_calendar
    from protocol.calendar import CalendarInvalid
    from zszo.i18n import gettext_for

    text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    try:
        body = json.loads(text)
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
    except ValueError as exc:
        raise click.ClickException(f"{file}: not a calendar JSON object ({exc})") from None
    runtime = _runtime(ctx)
    translate = gettext_for(runtime.settings["web.locale"])
    try:
        with runtime.db.transaction() as session:
            calendar_, sent = publish_calendar(session, body, by=published_by)
    except CalendarInvalid as exc:
        lines = [err.render(translate) for err in exc.errors]
        raise click.ClickException(f"{file}: the calendar was not published:\n  " + "\n  ".join(lines)) from None
    click.echo(f"calendar {calendar_.school_year} published: {len(calendar_.breaks)} breaks, "
               f"queued for {sent} school servers")


@calendar.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """Show the current calendar of each school year."""
    from hub.cli import _runtime
    from hub.dictionaries.operations import current

    with _runtime(ctx).db.reading() as session:
        rows = current(session, "city_calendar")
        for row in rows:
            body = json.loads(row.body)
            click.echo(f"{row.key}: lessons {body['lessons_start_on']} – {body['lessons_end_on']}, "
                       f"{len(body['breaks'])} breaks, published {row.published_at:%Y-%m-%d %H:%M} by "
                       f"{row.published_by}")
        if not rows:
            click.echo("no calendar published yet")
