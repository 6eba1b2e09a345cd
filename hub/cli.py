"""``zszo hub …``: set up and run the city hub, manage institutions and node enrolment."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import SimpleNamespace

import click
from sqlalchemy import select

from hub import config
from zszo.settings import Settings, SettingsError, render_toml

DEFAULT_CONFIG = Path("hub.toml")


@click.group()
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), envvar="ZSZO_HUB_CONFIG",
              help="Hub configuration file (default: ./hub.toml if present; env ZSZO_HUB_CONFIG).")
@click.pass_context
def hub(ctx: click.Context, config_path: Path | None) -> None:
    """Run the city hub: sync inbox, warehouse, dashboards."""
    ctx.obj = SimpleNamespace(config_path=config_path, settings=None, runtime=None)


def _settings(ctx: click.Context) -> Settings:
    if ctx.obj.settings is None:
        path = ctx.obj.config_path or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
        try:
            ctx.obj.settings = config.load(path)
        except SettingsError as exc:
            raise click.UsageError(str(exc)) from None
    return ctx.obj.settings


def _runtime(ctx: click.Context, *, warehouse: bool = False):  # type: ignore[no-untyped-def]
    from hub.runtime import build

    if ctx.obj.runtime is None:
        try:
            ctx.obj.runtime = build(_settings(ctx), open_warehouse=warehouse)
        except Exception as exc:  # duckdb.IOException when another process holds the warehouse
            if "lock" in str(exc).lower():
                raise click.ClickException(
                    "the warehouse is in use by a running `zszo hub serve`; stop it or use the web app") from None
            raise
        ctx.call_on_close(ctx.obj.runtime.close)
    return ctx.obj.runtime


@hub.command()
@click.option("--data-dir", type=click.Path(path_type=Path), help="Where the hub keeps its data (required unless "
              "--keep-config).")
@click.option("--keep-config", is_flag=True, help="Use the existing -c file (written by the package or Ansible) "
              "instead of writing one; its paths.data_dir is used.")
@click.option("--port", type=int, default=8000, show_default=True, help="Web port written to the config.")
@click.option("--admin-username", default="admin", show_default=True)
@click.option("--admin-password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Password of the first city admin (at least 10 characters).")
@click.pass_context
def init(ctx: click.Context, data_dir: Path | None, keep_config: bool, port: int, admin_username: str,
         admin_password: str) -> None:
    """Create a hub: config file, stores, keys, pseudonym key and the first city admin."""
    from hub.auth.models import HubUser
    from hub.auth.operations import AccountError, create_user

    if keep_config:
        config_path = ctx.obj.config_path
        if config_path is None or not config_path.exists():
            raise click.UsageError("--keep-config needs an existing configuration file (-c)")
        data_dir = Path(_settings(ctx)["paths.data_dir"])
    elif data_dir is None:
        raise click.UsageError("--data-dir is required (or --keep-config with an existing -c file)")
    else:
        data_dir = data_dir.resolve()
        config_path = ctx.obj.config_path or data_dir / "hub.toml"
        if config_path.exists():
            raise click.ClickException(f"{config_path} already exists: this hub is set up")
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
        config_path.write_text(render_toml(config.OPTIONS, {"paths.data_dir": str(data_dir), "web.port": port}))
        ctx.obj.config_path = config_path
    runtime = _runtime(ctx, warehouse=True)
    with runtime.db.reading() as session:
        if keep_config and session.scalar(select(HubUser.id).limit(1)) is not None:
            raise click.ClickException(f"the hub in {data_dir} already has accounts: this hub is set up")
    try:
        with runtime.db.transaction() as session:
            create_user(session, username=admin_username, display_name="Administrator", role="admin",
                        password=admin_password)
    except AccountError as exc:
        if not keep_config:
            config_path.unlink()
        raise click.ClickException(f"{exc.field}: {exc}") from None
    click.echo(f"Hub created in {data_dir} (config {config_path}).")
    click.echo(f"Hub id: {runtime.keys.hub_id}")
    click.echo(f"Hub key fingerprint: {runtime.keys.current.public.fingerprint}")


@hub.command()
@click.option("--no-merger", is_flag=True, help="Do not run the warehouse merger in this process.")
@click.pass_context
def serve(ctx: click.Context, no_merger: bool) -> None:
    """Run the hub web server (sync API, dashboards) and the warehouse merger."""
    from waitress.server import create_server

    from hub.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = _settings(ctx)
    runtime = _runtime(ctx, warehouse=True)
    app = create_app(settings, runtime=runtime, start_merger=settings["merge.enabled"] and not no_merger)
    server = create_server(app, host=settings["web.host"], port=settings["web.port"],
                           threads=settings["web.threads"], ident="zszo-hub",
                           max_request_body_size=runtime.limits.max_envelope + 4096,
                           # Keep request bodies in memory: waitress spools larger ones to a temp
                           # file, and on a full disk it then resets the connection instead of
                           # letting the API answer 503 + Retry-After.
                           inbuf_overflow=runtime.limits.max_envelope + 4096)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    click.echo(f"ZSZO hub serving on http://{settings['web.host']}:{server.effective_port}/", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


@hub.command("institution")
@click.option("--rspo", required=True)
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(["preschool", "primary", "secondary", "special", "centre"]), required=True)
@click.option("--district")
@click.pass_context
def institution(ctx: click.Context, rspo: str, name: str, kind: str, district: str | None) -> None:
    """Register (or update) an institution whose node may enrol."""
    from hub.fleet.operations import FleetError, add_institution

    try:
        with _runtime(ctx).db.transaction() as session:
            add_institution(session, rspo=rspo, name=name, kind=kind, district=district)
    except FleetError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"institution {rspo} saved")


@hub.command("enrolment-token")
@click.option("--rspo", required=True, help="The institution whose node will use the token.")
@click.option("--hours", type=int, help="Validity (default: setting sync.token_hours).")
@click.option("--by", "created_by", default="cli", show_default=True, help="Who issued it (kept with the token).")
@click.pass_context
def enrolment_token(ctx: click.Context, rspo: str, hours: int | None, created_by: str) -> None:
    """Issue a one-time enrolment token for an institution's node (printed once, stored hashed)."""
    from hub.fleet.operations import FleetError, issue_token

    runtime = _runtime(ctx)
    try:
        with runtime.db.transaction() as session:
            token = issue_token(session, rspo=rspo, created_by=created_by,
                                hours=hours or runtime.settings["sync.token_hours"])
    except FleetError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(token)


@hub.command()
@click.pass_context
def nodes(ctx: click.Context) -> None:
    """List enrolled nodes: institution, status, fingerprint, acknowledged sequence, last contact."""
    from hub.fleet.models import Node
    from hub.sync.models import NodeContact, NodeSyncState

    with _runtime(ctx).db.reading() as session:
        for node in session.scalars(select(Node).order_by(Node.rspo)):
            contact = session.get(NodeContact, node.id)
            acked = session.scalar(select(NodeSyncState.acked_through).where(
                NodeSyncState.node_id == node.id, NodeSyncState.epoch == (contact.current_epoch if contact else "")))
            click.echo(f"{node.rspo:>8}  {node.status:8}  {node.id}  {node.fingerprint}  acked={acked or 0}  "
                       f"last={contact.last_contact_at if contact else '-'}")


@hub.command("revoke-node")
@click.argument("node_id")
@click.option("--reason", required=True, help="Why (kept in the record), e.g. \"server stolen 2026-11-27\".")
@click.pass_context
def revoke_node(ctx: click.Context, node_id: str, reason: str) -> None:
    """Revoke a node's key (stolen or retired server): refused and quarantined from its next request on."""
    from hub.fleet.operations import FleetError
    from hub.fleet.operations import revoke_node as revoke

    try:
        with _runtime(ctx).db.transaction() as session:
            node = revoke(session, node_id, reason)
            revoked_at = node.revoked_at
    except FleetError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"node {node_id} revoked at {revoked_at:%Y-%m-%d %H:%M:%S} UTC")
    click.echo("its requests are refused from now on; batches it sends are kept in quarantine, and its batches "
               f"not merged yet are quarantined at the merger's next cycle (`zszo hub quarantine {node_id}`)")


hub.add_command(revoke_node, "revoke")  # the command's earlier name, kept for existing scripts


class _QuarantineGroup(click.Group):
    """``zszo hub quarantine [NODE_ID]`` lists (as before the subcommands existed); a subcommand acts."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@hub.group(cls=_QuarantineGroup)
def quarantine() -> None:
    """Batches of revoked nodes kept aside: list them, release them after an investigation, or discard them."""


@quarantine.command("list")
@click.argument("node_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of a table.")
@click.option("--pending", is_flag=True, help="Only batches not released or discarded yet.")
@click.pass_context
def quarantine_list(ctx: click.Context, node_id: str | None, as_json: bool, pending: bool) -> None:
    """List quarantined batches (of one node, or all), oldest first, with the decision taken on each."""
    import json

    from hub.sync import quarantine as quarantined

    with _runtime(ctx).db.reading() as session:
        rows = [quarantined.summary(b) for b in quarantined.batches(session, node_id, pending_only=pending)]
    for row in rows:
        if as_json:
            click.echo(json.dumps(row, sort_keys=True))
        else:
            where = f"inbox {row['inbox_id']}" if row["inbox_id"] is not None else f"{row['envelope_bytes']} bytes"
            decided = (f"  {row['resolution']} {row['resolved_at']} by {row['resolved_by']}" if row["resolution"]
                       else "  pending")
            click.echo(f"#{row['id']}  {row['received_at']}  {row['node_id']}  {row['reason']:22}  seq "
                       f"{row['first_seq']}-{row['last_seq']} ({row['count']} changes)  {where}{decided}")
    if not as_json:
        click.echo(f"{len(rows)} quarantined batches", err=True)


def _resolve(ctx: click.Context, decision: str, batch_ids: tuple[str, ...], node_id: str | None, by: str,
             reason: str) -> None:
    from hub.sync import quarantine as quarantined

    if bool(batch_ids) == bool(node_id):
        raise click.UsageError("name the batches (# numbers from `zszo hub quarantine`) or give --node, not both")
    numbers = [number.removeprefix("#") for number in batch_ids]
    bad = [number for number in numbers if not number.isdigit()]
    if bad:
        raise click.UsageError(f"{bad[0]!r} is not a quarantined batch number (e.g. 12 or #12)")
    try:
        with _runtime(ctx).db.transaction() as session:
            rows = quarantined.resolve(session, decision=decision, by=by, note=reason,
                                       batch_ids=[int(number) for number in numbers], node_id=node_id)
            done = [(row.id, row.first_seq, row.last_seq, row.count) for row in rows]
    except quarantined.QuarantineError as exc:
        raise click.ClickException(str(exc)) from None
    for number, first, last, count in done:
        click.echo(f"#{number} seq {first}-{last} ({count} changes) {decision}")
    if decision == quarantined.RELEASED:
        click.echo("the merger merges them at its next cycle (merge.interval_seconds)")


def _decision(name: str, decision: str, node_help: str, doc: str) -> None:
    """Add ``zszo hub quarantine <name>``: take ``decision`` on the named batches or a node's pending ones."""

    @quarantine.command(name, help=doc)
    @click.argument("batch_ids", nargs=-1)
    @click.option("--node", "node_id", help=node_help)
    @click.option("--by", default="cli", show_default=True, help="Who decided (kept in the audit record).")
    @click.option("--reason", required=True, help="What the investigation found (kept in the audit record).")
    @click.pass_context
    def command(ctx: click.Context, batch_ids: tuple[str, ...], node_id: str | None, by: str, reason: str) -> None:
        _resolve(ctx, decision, batch_ids, node_id, by, reason)


_decision("release", "released", "Every pending batch queued at the revocation of this node.",
          "Merge quarantined batches after all (queued ones only, once the school has a trusted node again).")
_decision("discard", "discarded", "Every pending batch of this node.",
          "Never merge quarantined batches; the record stays as the audit trail.")


@hub.command("rotate-key")
@click.option("--grace-days", type=click.IntRange(min=1), help="Days the old key keeps working "
              "(default: setting sync.hub_key_grace_days).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def rotate_key(ctx: click.Context, grace_days: int | None, yes: bool) -> None:
    """Make a new hub key current; the old one keeps working for a grace period (then sign the trust data)."""
    import datetime as dt

    from hub.fleet import keyring

    runtime = _runtime(ctx)
    keys_path: Path = runtime.settings["paths.keys"]
    days = grace_days or runtime.settings["sync.hub_key_grace_days"]
    if not yes:
        click.confirm(f"Make a new hub key current (the old one works {days} more days)?", abort=True)
    with runtime.db.transaction() as session:
        old, new = keyring.rotate(session, keys_path, grace=dt.timedelta(days=days))
    keyring.promote(keys_path, new)
    with runtime.db.transaction() as session:
        for path in keyring.prune(session, keys_path):
            click.echo(f"removed the expired key file {path}", err=True)
    click.echo(f"new hub key {new.public.kid}, fingerprint {new.public.fingerprint}")
    click.echo(f"old hub key {old.public.kid} accepted for {days} more days")
    click.echo("next: sign a trust document so that nodes learn the new key: zszo hub root sign --key ROOT_KEY_FILE")


@hub.group()
def root() -> None:
    """The city's root key, which signs the hub's key list for the nodes (keep it offline)."""


@root.command("init")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the new root key (must not exist; e.g. a USB stick kept in a safe).")
def root_init(out: Path) -> None:
    """Create the city's root key file (mode 0600) and print its fingerprint for node enrolment."""
    from protocol.trust import RootKey
    from zszo import keyfiles

    key = RootKey.generate()
    try:
        keyfiles.write_private(out, key.to_json())
    except FileExistsError:
        raise click.ClickException(f"{out} already exists: a root key is never overwritten") from None
    click.echo(f"Root key written to {out}.")
    click.echo(f"Root fingerprint: {key.fingerprint}  (give it to every node: zszo node enrol --root-fingerprint)")


@root.command("sign")
@click.option("--key", "key_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="The root key file written by `zszo hub root init`.")
@click.option("--days", type=click.IntRange(min=1, max=3650), default=365, show_default=True,
              help="Validity of the document: nodes stop believing it afterwards.")
@click.pass_context
def root_sign(ctx: click.Context, key_path: Path, days: int) -> None:
    """Sign the hub's current key list (with keys in their grace period) as the next trust document."""
    from hub.fleet import trust as trust_ops
    from protocol.trust import RootKey, format_time

    try:
        key = RootKey.from_json(key_path.read_text())
    except ValueError as exc:
        raise click.ClickException(f"{key_path}: {exc}") from None
    runtime = _runtime(ctx)
    runtime.refresh_keys(force=True)
    try:
        with runtime.db.transaction() as session:
            document = trust_ops.sign(session, runtime.keys, key, days=days)
    except trust_ops.TrustSigningError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"trust document version {document.version} signed by root {key.fingerprint}, "
               f"valid until {format_time(document.expires_at)}")
    for entry in document.hub_keys:
        until = f" until {format_time(entry.valid_until)}" if entry.valid_until else ""
        click.echo(f"  hub key {entry.keys.kid} {entry.status}{until}")


@hub.group("ejournal")
def ejournal_group() -> None:
    """Schools' e-journal archive files."""


@ejournal_group.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def ejournal_verify(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Check schools' signed e-journal files with the node keys the hub knows. Exit 1 if any fails."""
    from hub.archive.ejournal import verify_file
    from protocol import ejournal

    runtime = _runtime(ctx)
    failed = 0
    with runtime.db.reading() as session:
        for path in files:
            verdict = verify_file(session, path.read_bytes())
            for line in ejournal.report(verdict, str(path)):
                click.echo(line)
            failed += not verdict.ok
    if failed:
        raise click.ClickException(f"{failed} of {len(files)} files failed verification")


@hub.command()
@click.pass_context
def merge(ctx: click.Context) -> None:
    """Merge pending inbox batches into the warehouse now (when `serve` is not running)."""
    import duckdb
    from sqlalchemy.exc import SQLAlchemyError

    runtime = _runtime(ctx, warehouse=True)
    try:
        report = runtime.warehouse.merge_pending(runtime.db, max_changes=runtime.settings["merge.max_changes"])
    except (duckdb.Error, SQLAlchemyError, OSError) as exc:  # e.g. a full disk: each cycle is one transaction
        raise click.ClickException(
            f"merge failed; nothing was merged by the failed cycle (the warehouse is merged up to inbox "
            f"{runtime.warehouse.merged_through()}): {exc}") from None
    click.echo(f"merged {report.batches} batches, {report.changes} changes ({report.rejected} rejected) "
               f"up to inbox {report.merged_through} in {report.seconds:.1f}s")


def _refuse_if_in_use(path: Path) -> None:
    """Stop unless no other process has the warehouse open.

    Unlinking a file another process holds open succeeds on Linux: `serve` would go on merging
    into the deleted file while the rebuild writes a new one. DuckDB's file lock tells; a damaged
    file (the usual reason to rebuild) fails to open with another error and may be deleted.
    """
    import duckdb

    if not path.exists():
        return
    try:
        duckdb.connect(str(path)).close()
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise click.ClickException(
                "the warehouse is in use by a running `zszo hub serve`; stop it first") from None


@hub.command("rebuild-warehouse")
@click.pass_context
def rebuild_warehouse(ctx: click.Context) -> None:
    """Delete the DuckDB warehouse and rebuild it from the inbox (when `serve` is not running)."""
    from hub.warehouse.merger import Warehouse
    from hub.warehouse.pseudonym import load_or_create_key

    settings = _settings(ctx)
    runtime = _runtime(ctx, warehouse=False)
    path: Path = settings["paths.warehouse"]
    _refuse_if_in_use(path)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    runtime.warehouse = Warehouse(path, load_or_create_key(settings["paths.pseudonym_key"]))
    report = runtime.warehouse.merge_pending(runtime.db, max_changes=settings["merge.max_changes"])
    click.echo(f"rebuilt from {report.batches} batches, {report.changes} changes in {report.seconds:.1f}s")


@hub.command()
@click.option("--keep", type=click.IntRange(min=1), help="Then delete all but the newest N backups of each kind.")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="Check each copy: integrity (SQLite) and every table's row count equal to the source's.")
@click.option("--warehouse", is_flag=True,
              help="Also copy the DuckDB warehouse (only while `serve` is stopped; it can be rebuilt anyway).")
@click.pass_context
def backup(ctx: click.Context, keep: int | None, verify: bool, warehouse: bool) -> None:
    """Write consistent, verified copies of the OLTP store (and the warehouse) into paths.backups."""
    from hub.backup import backup_warehouse
    from zszo import backup as backups

    settings = _settings(ctx)
    _runtime(ctx)  # migrated and checked first
    directory: Path = settings["paths.backups"]
    try:
        report = backups.take(settings["paths.database"], directory, "hub", verify_copy=verify, keep=keep,
                              required_table="inbox_batch")
        click.echo(str(report.path))
        for path in report.removed:
            click.echo(f"removed old backup {path}", err=True)
        if warehouse:
            copy, removed = backup_warehouse(settings["paths.warehouse"], directory, keep=keep, verify=verify)
            click.echo(str(copy))
            for path in removed:
                click.echo(f"removed old backup {path}", err=True)
    except (backups.BackupError, FileExistsError, OSError) as exc:
        raise click.ClickException(f"backup failed: {exc}") from None


@hub.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def restore(ctx: click.Context, source: Path, yes: bool) -> None:
    """Replace the OLTP store with a verified backup (hub stopped); the warehouse is set aside for a rebuild."""
    from hub.backup import set_aside
    from zszo import backup as backups

    settings = _settings(ctx)
    database: Path = settings["paths.database"]
    warehouse: Path = settings["paths.warehouse"]
    if not yes:
        click.confirm(f"Replace {database} with {source}?", abort=True)
    _refuse_if_in_use(warehouse)
    try:
        with backups.exclusive(database.with_suffix(".migrate.lock"), "another zszo hub command"):
            moved = backups.restore(source, database, required_table="inbox_batch")
    except (backups.BackupError, FileExistsError, OSError) as exc:
        raise click.ClickException(f"restore failed: {exc}") from None
    if moved:
        click.echo(f"previous database kept as {moved}")
    # The warehouse may hold batches the restored inbox does not: it is rebuilt from the inbox.
    for aside in set_aside(warehouse):
        click.echo(f"warehouse set aside as {aside}")
    click.echo(f"restored {source} to {database}; now run `zszo hub rebuild-warehouse`")


@hub.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Back up and migrate the OLTP store to this version's schema now (what `serve` does at start)."""
    from hub.db import Database, prepare
    from zszo import sqlite as zsqlite

    settings = _settings(ctx)
    db = Database(settings["paths.database"])
    try:
        click.echo(prepare(db, settings["paths.backups"]))
    except zsqlite.StorageError as exc:
        raise click.ClickException(f"database problem: {exc}") from None
    finally:
        db.dispose()


@hub.command("export-parquet")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite TARGET if it is not empty.")
@click.pass_context
def export_parquet(ctx: click.Context, target: Path, replace: bool) -> None:
    """Export the analytical layer (no names, no PESEL) as Parquet partitioned by school."""
    from hub.warehouse.export import export_parquet as export

    try:
        tables = export(_runtime(ctx, warehouse=True).warehouse.cursor(), target, replace=replace)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from None
    for table in tables:
        click.echo(f"{table.name:20} {table.rows:>9} rows in {table.partitions} school partitions")


@hub.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Verify the warehouse: every row id unique per table; exit 1 if not."""
    from protocol.entities import ENTITIES

    cur = _runtime(ctx, warehouse=True).warehouse.cursor()
    bad = 0
    for name in ENTITIES:
        dupes = cur.execute(
            f"SELECT count(*) FROM (SELECT id FROM {name} GROUP BY id HAVING count(*) > 1)").fetchone()[0]
        rows = cur.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        click.echo(f"{name:16} {rows:>9} rows  {dupes} duplicated ids")
        bad += dupes
    if bad:
        raise click.ClickException("duplicate ids found")


@hub.group()
def admin() -> None:
    """Manage city office accounts."""


@admin.command("add")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice(["admin", "analyst", "officer"]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.pass_context
def admin_add(ctx: click.Context, username: str, display_name: str, role: str, password: str) -> None:
    """Create a city office account (TOTP is set up at the first login)."""
    from hub.auth.operations import AccountError, create_user

    try:
        with _runtime(ctx).db.transaction() as session:
            create_user(session, username=username, display_name=display_name, role=role, password=password)
    except AccountError as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from None
    click.echo(f"user {username} created")


def _attach_feature_groups() -> None:
    """Command groups that live with their feature packages."""
    from hub.compulsory.cli import compulsory
    from hub.dictionaries.cli import calendar

    hub.add_command(calendar)
    hub.add_command(compulsory)


_attach_feature_groups()


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    """Turn SIGTERM (systemd stop, supervisors) into the same clean shutdown as Ctrl+C."""
    raise KeyboardInterrupt
