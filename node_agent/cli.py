"""``zszo node …``: set up, enrol, serve, sync, import, back up a school node."""

from __future__ import annotations

import gc
import logging
import signal
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import click
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from node_agent import config
from node_agent.db import Database, prepare
from zszo import sqlite as zsqlite
from zszo.settings import Settings, SettingsError, render_toml

DEFAULT_CONFIG = Path("node.toml")


def _load(config_path: Path | None) -> Settings:
    path = config_path
    if path is None and DEFAULT_CONFIG.exists():
        path = DEFAULT_CONFIG
    try:
        return config.load(path)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


@click.group()
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), envvar="ZSZO_NODE_CONFIG",
              help="Node configuration file (default: ./node.toml if present; env ZSZO_NODE_CONFIG).")
@click.pass_context
def node(ctx: click.Context, config_path: Path | None) -> None:
    """Run a school node: the school's own server."""
    ctx.obj = SimpleNamespace(config_path=config_path, _settings=None, _db=None)


def _settings(ctx: click.Context) -> Settings:
    if ctx.obj._settings is None:
        ctx.obj._settings = _load(ctx.obj.config_path)
    return ctx.obj._settings


def _db(ctx: click.Context) -> Database:
    """The prepared node database (migrated, triggers installed, pragmas verified)."""
    if ctx.obj._db is None:
        settings = _settings(ctx)
        db = Database(settings["paths.database"])
        try:
            prepare(db, settings["paths.backups"])
        except zsqlite.StorageError as exc:
            raise click.ClickException(f"database problem: {exc}") from None
        except (OperationalError, sqlite3.OperationalError, OSError) as exc:
            # A full disk or a failing one: say so in the school's language, with the code for IT.
            from node_agent.sync.messages import message_for
            from zszo.i18n import gettext_for

            text = gettext_for(settings["web.locale"])(message_for("node_storage"))
            raise click.ClickException(f"{text} [node_storage] {exc}") from None
        ctx.obj._db = db
        ctx.call_on_close(db.dispose)
    return ctx.obj._db


@node.command()
@click.option("--data-dir", type=click.Path(path_type=Path), help="Where the node keeps its data (required unless "
              "--keep-config).")
@click.option("--keep-config", is_flag=True, help="Use the existing -c file (written by the package or Ansible) "
              "instead of writing one; its paths.data_dir is used.")
@click.option("--rspo", required=True, help="The school's RSPO number.")
@click.option("--name", required=True, help="The school's full name.")
@click.option("--kind", type=click.Choice(["preschool", "primary", "secondary", "special", "centre"]), required=True)
@click.option("--admin-username", default="admin", show_default=True)
@click.option("--admin-password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Password of the node's first admin account (at least 10 characters).")
@click.option("--hub-url", help="Enrol at this hub right away (needs --token).")
@click.option("--token", help="One-time enrolment token from the city hub.")
@click.option("--port", type=int, default=8080, show_default=True, help="Web port written to the config.")
@click.pass_context
def init(ctx: click.Context, data_dir: Path | None, keep_config: bool, rspo: str, name: str, kind: str,
         admin_username: str, admin_password: str, hub_url: str | None, token: str | None, port: int) -> None:
    """Create a node: config file, database, keys, the school record and the first admin."""
    from node_agent.auth.operations import AccountError, create_user
    from node_agent.records import ValidationFailed, apply_record
    from node_agent.school.models import School
    from node_agent.sync import identity
    from protocol.fields import new_id

    if bool(hub_url) != bool(token):
        raise click.UsageError("--hub-url and --token go together")
    if keep_config:
        config_path = ctx.obj.config_path
        if config_path is None or not config_path.exists():
            raise click.UsageError("--keep-config needs an existing configuration file (-c)")
        data_dir = Path(_settings(ctx)["paths.data_dir"])
    elif data_dir is None:
        raise click.UsageError("--data-dir is required (or --keep-config with an existing -c file)")
    else:
        data_dir = data_dir.resolve()
        config_path = ctx.obj.config_path or data_dir / "node.toml"
        if config_path.exists():
            raise click.ClickException(f"{config_path} already exists: this node is set up")
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
        values = {"paths.data_dir": str(data_dir), "web.port": port, "sync.hub_url": hub_url}
        config_path.write_text(render_toml(config.OPTIONS, values), encoding="utf-8")
        ctx.obj.config_path = config_path
    db = _db(ctx)
    settings = _settings(ctx)
    with db.read_session() as session:
        if keep_config and session.scalar(select(School)) is not None:
            raise click.ClickException(f"the database in {data_dir} already has a school: this node is set up")
    keys = identity.load_or_create_keys(settings["paths.keys"])
    try:
        with db.transaction() as session:
            if session.scalar(select(School)) is None:
                apply_record(session, School, {"id": new_id(), "rspo": rspo, "name": name, "kind": kind})
            create_user(session, username=admin_username, display_name="Administrator", role="admin",
                        password=admin_password)
            identity.state(session)
    except (ValidationFailed, AccountError) as exc:
        if not keep_config:
            config_path.unlink()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Node created in {data_dir} (config {config_path}).")
    click.echo(f"Node key fingerprint: {keys.public.fingerprint}")
    if hub_url and token:
        ctx.invoke(enrol, hub_url=hub_url, token=token)


@node.command()
@click.option("--hub-url", required=True, help="Base URL of the city hub.")
@click.option("--token", required=True, help="One-time enrolment token from the city hub.")
@click.option("--root-fingerprint", help="Fingerprint of the city's root key (from the city IT department): "
              "the hub's key list must be signed by it.")
@click.pass_context
def enrol(ctx: click.Context, hub_url: str, token: str, root_fingerprint: str | None) -> None:
    """Register this node's public key at the hub (compare the fingerprints shown on both sides)."""
    from node_agent.sync.client import SyncError
    from node_agent.sync.client import enrol as do_enrol

    try:
        result = do_enrol(_settings(ctx), _db(ctx), hub_url=hub_url, token=token, root_fingerprint=root_fingerprint)
    except SyncError as exc:
        raise click.ClickException(f"enrolment failed: {exc}") from None
    click.echo(f"Enrolled as node {result['node_id']}.")
    click.echo(f"Node key fingerprint: {result['node_fingerprint']}  (the hub shows the same)")
    click.echo(f"Hub key fingerprint:  {result['hub_fingerprint']}  (compare with the hub's page)")


@node.command()
@click.option("--trigger", default="manual", hidden=True)
@click.pass_context
def sync(ctx: click.Context, trigger: str) -> None:
    """Send waiting changes to the hub now and fetch messages from it."""
    from node_agent.sync.client import run_sync
    from node_agent.sync.messages import message_for, notices_for
    from zszo.i18n import gettext_for

    settings = _settings(ctx)
    report = run_sync(settings, _db(ctx), trigger)
    text = gettext_for(settings["web.locale"])
    click.echo(f"sent {report.sent_changes} changes in {report.sent_batches} batches, "
               f"received {report.received_messages} messages, {report.backlog} changes waiting")
    for notice in notices_for(",".join(report.notices)):
        click.echo(f"note: {text(notice)}")
    if not report.ok:
        # The school's IT person reads this: the reason in the UI language, then the code and detail.
        raise click.ClickException(f"sync failed: {text(message_for(report.error_code))} "
                                   f"[{report.error_code}] {report.error or ''}".rstrip())


@node.command("trust-root")
@click.argument("fingerprint")
@click.pass_context
def trust_root(ctx: click.Context, fingerprint: str) -> None:
    """Pin the city's root key on a node enrolled without one (the hub's trust document must verify)."""
    from node_agent.sync.client import SyncError, pin_root
    from node_agent.sync.messages import message_for
    from zszo.i18n import gettext_for

    settings = _settings(ctx)
    try:
        document = pin_root(settings, _db(ctx), fingerprint)
    except SyncError as exc:
        text = gettext_for(settings["web.locale"])(message_for(exc.code))
        raise click.ClickException(f"root key not pinned: {text} [{exc.code}] {exc.detail}".rstrip()) from None
    click.echo(f"root key pinned; trust document version {document.version}, "
               f"hub key {document.current_hub_key.kid}")


@node.command("rotate-key")
@click.pass_context
def rotate_key(ctx: click.Context) -> None:
    """Replace this server's key pair at the hub (routine rotation, signed by the old and the new key)."""
    from node_agent.sync.client import SyncError
    from node_agent.sync.client import rotate_key as rotate
    from node_agent.sync.messages import message_for
    from zszo.i18n import gettext_for

    settings = _settings(ctx)
    try:
        result = rotate(settings, _db(ctx))
    except SyncError as exc:
        text = gettext_for(settings["web.locale"])(message_for(exc.code))
        raise click.ClickException(f"key rotation failed: {text} [{exc.code}] {exc.detail}".rstrip()) from None
    click.echo(f"old key {result['old_kid']} ({result['old_fingerprint']}) replaced")
    click.echo(f"new key {result['new_kid']}, fingerprint {result['new_fingerprint']}  (the hub shows the same)")


@node.command("new-epoch")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def new_epoch(ctx: click.Context, yes: bool) -> None:
    """After restoring this server's database from a backup: start a new sync epoch."""
    from node_agent.sync import identity

    if not yes:
        click.confirm("Start a new sync epoch (only after restoring the database from a backup)?", abort=True)
    with _db(ctx).transaction() as session:
        old, new = identity.new_epoch(session)
    click.echo(f"epoch {old} -> {new}; the queue will be sent again in the new epoch at the next sync")


@node.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show the node's identity and sync state."""
    from node_agent.school.models import School
    from node_agent.sync import identity
    from node_agent.sync.models import OutboxChange

    db = _db(ctx)
    with db.read_session() as session:
        school = session.scalar(select(School))
        row = identity.state(session)
        backlog = session.scalar(select(func.count()).select_from(OutboxChange))
        click.echo(f"school:         {school.name if school else '-'} (RSPO {school.rspo if school else '-'})")
        click.echo(f"node id:        {row.node_id or 'not enrolled'}")
        click.echo(f"hub:            {row.hub_url or '-'}")
        click.echo(f"epoch:          {row.epoch}")
        click.echo(f"acked through:  {row.acked_through}")
        click.echo(f"waiting:        {backlog} changes")
        click.echo(f"last success:   {row.last_success_at or '-'}")
        click.echo(f"last error:     {row.last_error or '-'}")


@node.command()
@click.option("--no-scheduler", is_flag=True, help="Do not run the background sync scheduler.")
@click.pass_context
def serve(ctx: click.Context, no_scheduler: bool) -> None:
    """Run the web app and the sync scheduler (one process; stop with Ctrl+C or SIGTERM)."""
    from waitress.server import create_server

    from node_agent.app import create_app
    from node_agent.sync.scheduler import SyncScheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings, db = _settings(ctx), _db(ctx)
    app = create_app(settings, db=db)
    scheduler = None
    if settings["sync.enabled"] and not no_scheduler:
        scheduler = SyncScheduler(settings, db)
        if scheduler.start():
            scheduler.run_now()
    server = create_server(app, host=settings["web.host"], port=settings["web.port"],
                           threads=settings["web.threads"], ident="zszo-node")
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    freeze_startup_objects()
    click.echo(f"ZSZO node serving on http://{settings['web.host']}:{server.effective_port}/", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        if scheduler is not None:
            scheduler.shutdown()
        server.close()


@node.command()
@click.option("--to", "target", type=click.Path(path_type=Path), help="Backup file (default: backups dir).")
@click.option("--keep", type=click.IntRange(min=1), help="Then delete all but the newest N backups in the backups dir.")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="Check the copy: integrity_check and every table's row count equal to the source's.")
@click.pass_context
def backup(ctx: click.Context, target: Path | None, keep: int | None, verify: bool) -> None:
    """Write a consistent, verified copy of the database (SQLite backup API, safe while running)."""
    from zszo import backup as backups

    settings = _settings(ctx)
    _db(ctx)  # migrated and checked first: a backup of a database this version cannot open is no backup
    try:
        report = backups.take(settings["paths.database"], settings["paths.backups"], "node", target=target,
                              verify_copy=verify, keep=keep, required_table="sync_state")
    except (backups.BackupError, FileExistsError, OSError) as exc:
        raise click.ClickException(f"backup failed: {exc}") from None
    click.echo(str(report.path))
    rows = sum(report.tables.values())
    click.echo(f"{report.size} bytes, {len(report.tables)} tables, {rows} rows"
               f"{', verified' if report.verified else ''}", err=True)
    for path in report.removed:
        click.echo(f"removed old backup {path}", err=True)


@node.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def restore(ctx: click.Context, source: Path, yes: bool) -> None:
    """Replace the database with a verified backup and start a new sync epoch (the node must be stopped;
    the old file is kept aside)."""
    from zszo import backup as backups

    settings = _settings(ctx)
    database: Path = settings["paths.database"]
    if not yes:
        click.confirm(f"Replace {database} with {source}?", abort=True)
    data_dir = Path(settings["paths.data_dir"])
    try:
        # The scheduler lock is held by a running `serve`; the migrate lock by anyone preparing the file.
        with backups.exclusive(data_dir / "scheduler.lock", "zszo node serve"), \
                backups.exclusive(database.with_suffix(".migrate.lock"), "another zszo node command"):
            moved = backups.restore(source, database, required_table="sync_state")
    except (backups.BackupError, FileExistsError, OSError) as exc:
        raise click.ClickException(f"restore failed: {exc}") from None
    if moved:
        click.echo(f"previous database kept as {moved}")
    click.echo(f"restored {source} to {database}")
    # A restored database has numbered changes the hub may already hold with other content: it
    # must never send under those numbers again, so it starts a new epoch at once (nothing to forget).
    from node_agent.sync import identity

    with _db(ctx).transaction() as session:
        old, new = identity.new_epoch(session)
    click.echo(f"epoch {old} -> {new}: the restored database syncs as a new stream (no sequence number reused)")


@node.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Back up and migrate the database to this version's schema now (what `serve` does at start)."""
    settings = _settings(ctx)
    db = Database(settings["paths.database"])
    try:
        click.echo(prepare(db, settings["paths.backups"]))
    except zsqlite.StorageError as exc:
        raise click.ClickException(f"database problem: {exc}") from None
    finally:
        db.dispose()


@node.command("rebuild-summaries")
@click.pass_context
def rebuild_summaries(ctx: click.Context) -> None:
    """Recompute the derived monthly attendance counts of the overview pages from the attendance records."""
    from node_agent.attendance import summary

    with _db(ctx).transaction() as session:
        wrong = len(summary.differences(session))
        rows = summary.rebuild(session)
    click.echo(f"attendance_month_count: {rows} rows; {wrong} differed from the records before the rebuild")


@node.group()
def user() -> None:
    """Manage staff accounts."""


@user.command("add")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True, help="Full name shown in the app.")
@click.option("--role", type=click.Choice(["admin", "secretary", "director", "teacher"]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.pass_context
def user_add(ctx: click.Context, username: str, display_name: str, role: str, password: str) -> None:
    """Create a staff account (TOTP is set up at the first login)."""
    from node_agent.auth.operations import AccountError, create_user

    try:
        with _db(ctx).transaction() as session:
            create_user(session, username=username, display_name=display_name, role=role, password=password)
    except AccountError as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from None
    click.echo(f"user {username} created")


def _attach_imports() -> None:
    try:
        from node_agent.imports.cli import import_group
    except ImportError:  # the importer is optional only while it is being built
        return

    @node.group("import", help=import_group.help, invoke_without_command=False)
    @click.pass_context
    def import_cmd(ctx: click.Context) -> None:
        ctx.obj = SimpleNamespace(settings=_settings(ctx), db=_db(ctx))

    for name, command in import_group.commands.items():
        import_cmd.add_command(command, name)


_attach_imports()


def _attach_ejournal() -> None:
    from node_agent.ejournal.cli import attach

    attach(node, _settings, _db)


_attach_ejournal()


def freeze_startup_objects() -> None:
    """Move everything alive after start-up out of the garbage collector's reach (``gc.freeze``).

    The app, SQLAlchemy's mappers and the libraries are ~200k objects that live as long as the
    process; without this, every full collection walks them all (≈100-200 ms of CPU on a loaded
    two-core server), about once per dozen page views, which is what a page's p95 then measures
    (bench/bench_overview.py). Reference counting still frees anything of theirs that dies.
    """
    gc.collect()
    gc.freeze()


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    """Turn SIGTERM (systemd stop, supervisors) into the same clean shutdown as Ctrl+C."""
    raise KeyboardInterrupt
