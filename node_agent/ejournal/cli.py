"""``zszo node ejournal …``: export the yearly e-journal archive (signed XML per class) and verify files."""

from __future__ import annotations

from pathlib import Path

import click

from protocol import ejournal


def _trusted_keys(settings, extra: tuple[str, ...]) -> list:  # type: ignore[no-untyped-def]
    """This node's signing key (when its key file exists) plus the ``--public-key`` values."""
    from protocol.keys import KeyPair

    keys = []
    path: Path = settings["paths.keys"]
    if path.exists():
        keys.append(KeyPair.from_json(path.read_text()).public.sign)
    for text in extra:
        candidate = Path(text)
        try:
            keys.append(ejournal.public_key_from_text(candidate.read_text() if candidate.is_file() else text))
        except (ValueError, KeyError) as exc:
            raise click.BadParameter(f"not an Ed25519 public key ({exc})", param_hint="--public-key") from None
    return keys


def attach(node: click.Group, settings_of, db_of) -> None:  # type: ignore[no-untyped-def]
    """Add the ``ejournal`` group to the ``zszo node`` group (``settings_of``/``db_of`` read the context)."""

    @node.group("ejournal")
    def group() -> None:
        """The yearly e-journal archive: one signed XML file per class."""

    @group.command("export")
    @click.option("--school-year", "year_label", required=True, help="School year label, e.g. 2025/2026.")
    @click.option("--class", "class_ref", help="Only this class (its name such as 4b, or its id).")
    @click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
                  help="Directory for the files (created if missing; existing files of the same class are replaced).")
    @click.pass_context
    def export_cmd(ctx: click.Context, year_label: str, class_ref: str | None, out_dir: Path) -> None:
        """Write each class's e-journal of the school year as XML signed with this node's key."""
        from node_agent.ejournal import archive
        from node_agent.ejournal.build import ExportError
        from node_agent.sync import identity

        settings = settings_of(ctx)
        keys = identity.load_or_create_keys(settings["paths.keys"])
        with db_of(ctx).read_session() as session:
            try:
                files = archive.export(session, keys, year_label=year_label, class_ref=class_ref, out_dir=out_dir)
            except ExportError as exc:
                raise click.UsageError(str(exc)) from None
        for item in files:
            click.echo(f"{item.class_name}\t{item.path}\t{item.size} bytes")
        click.echo(f"{len(files)} files signed with key {keys.public.kid} (fingerprint {keys.public.fingerprint})",
                   err=True)

    @group.command("verify")
    @click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--public-key", "public_keys", multiple=True,
                  help="Also trust this Ed25519 public key (base64 of 32 bytes, or a file with it or with a node's "
                       "public keys JSON), e.g. the node's key before a rotation. Repeatable.")
    @click.pass_context
    def verify_cmd(ctx: click.Context, files: tuple[Path, ...], public_keys: tuple[str, ...]) -> None:
        """Check archive files: intact and signed by this node's key (or a --public-key). Exit 1 if any is not."""
        trusted = _trusted_keys(settings_of(ctx), public_keys)
        if not trusted:
            raise click.UsageError("no key to verify against: this node has no key file; give --public-key")
        failed = 0
        for path in files:
            verdict = ejournal.verify(path.read_bytes(), trusted)
            for line in ejournal.report(verdict, str(path)):
                click.echo(line)
            failed += not verdict.ok
        if failed:
            raise click.ClickException(f"{failed} of {len(files)} files failed verification")
