#!/usr/bin/env python3
"""Build ZSZO's release artefacts: a wheelhouse, the Debian packages, and the offline bundle.

    python packaging/build.py wheelhouse --out dist/wheelhouse            # online or the city's mirror
    python packaging/build.py deb --wheelhouse dist/wheelhouse --out dist  # offline from here on
    python packaging/build.py bundle --wheelhouse dist/wheelhouse --out dist

``deb`` builds ``zszo-node`` and ``zszo-hub``: each holds a virtual environment under /opt/zszo
made with Debian's own python3.11 (so it runs on Debian 12 without anything from PyPI at install
time), the systemd units, ``/etc/zszo/<role>.toml`` as a conffile, the ``zszo-<role>`` wrapper and
maintainer scripts (packaging/debian). The two conflict: a school server is never the hub.
Packages are put together with ``dpkg-deb`` alone (no nfpm/debhelper needed).

It must never install anything on the build machine outside its temporary directory and
``--out``, and never fetch anything in ``deb``/``bundle`` (they install with ``--no-index``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
PREFIX = "/opt/zszo"
ROLES = ("node", "hub")
TARGET_PYTHON = "/usr/bin/python3.11"  # Debian 12's interpreter: the venv links to it
BUILD_REQUIREMENTS = ("setuptools>=69", "wheel")  # to rebuild zszo's own wheel offline
DESCRIPTIONS = {
    "node": ("ZSZO school node (school server: web app and sync with the city hub)",
             "The school's own server: pupil register, gradebook and attendance for the school's staff,\n"
             " working offline, syncing signed and encrypted change batches with the city hub."),
    "hub": ("ZSZO city hub (sync inbox, warehouse, dashboards)",
            "The city's hub: receives the school nodes' batches into an append-only inbox, merges them\n"
            " into a DuckDB warehouse and serves the city office's dashboards and portal."),
}


def project_version() -> str:
    """The version in pyproject.toml."""
    return tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["version"]


def _run(args: list[str], **kwargs) -> None:  # type: ignore[no-untyped-def]
    print("+", " ".join(str(a) for a in args), flush=True)
    started = time.monotonic()
    subprocess.run([str(a) for a in args], check=True, **kwargs)
    print(f"  ({time.monotonic() - started:.1f} s)", flush=True)


def _isolated_env() -> dict[str, str]:
    """Environment for offline pip runs: no user or machine pip configuration, no extra indexes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


# ----------------------------------------------------------------------------------------------
# wheelhouse


def build_wheelhouse(out: Path, *, find_links: list[Path] = (), offline: bool = False) -> list[Path]:  # type: ignore[assignment]
    """Put a wheel of zszo and of every dependency (and the build requirements) into ``out``.

    Online it uses pip's configured index (PyPI or the city's mirror); ``offline`` uses only
    ``find_links`` directories. The result installs with ``pip install --no-index --find-links``.
    """
    out.mkdir(parents=True, exist_ok=True)
    links = [arg for d in find_links for arg in ("--find-links", str(d))]
    env = _isolated_env() if offline else None
    index = ["--no-index"] if offline else []
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", *index, *links, "--wheel-dir", out, PROJECT], env=env)
    _run([sys.executable, "-m", "pip", "download", "--quiet", *index, *links, "--only-binary", ":all:",
          "--dest", out, *BUILD_REQUIREMENTS], env=env)
    return sorted(out.glob("*.whl"))


# ----------------------------------------------------------------------------------------------
# the virtual environment


def build_venv(wheelhouse: Path, stage: Path, *, python: str = TARGET_PYTHON) -> Path:
    """Install zszo from ``wheelhouse`` into ``stage`` + /opt/zszo, rewritten to run from /opt/zszo."""
    if not Path(python).exists():
        raise SystemExit(f"{python} is missing: the packages are built with Debian's python3.11 "
                         "(apt-get install python3.11-venv)")
    root = stage / PREFIX.lstrip("/")
    _run([python, "-m", "venv", "--without-pip", root])
    version = project_version()
    _run([sys.executable, "-m", "pip", "--python", root / "bin" / "python", "install", "--quiet", "--no-index",
          "--no-compile", "--find-links", wheelhouse, f"zszo=={version}"], env=_isolated_env())
    _relocate(root, str(root), PREFIX)
    # Ship bytecode compiled for the final paths: under ProtectSystem=strict Python cannot write it.
    _run([python, "-m", "compileall", "-q", "-j", "0", "-s", str(stage), "-p", "/",
          "--invalidation-mode", "unchecked-hash", root / "lib"])
    return root


def _relocate(root: Path, built: str, final: str) -> None:
    """Rewrite the build path to the install path in scripts' shebangs, activate scripts and pyvenv.cfg."""
    for path in [*sorted((root / "bin").iterdir()), root / "pyvenv.cfg"]:
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if built.encode() in data:
            path.write_bytes(data.replace(built.encode(), final.encode()))


# ----------------------------------------------------------------------------------------------
# Debian packages


def default_config(role: str) -> str:
    """The packaged /etc/zszo/<role>.toml: every option with its help, state under /var/lib/zszo."""
    sys.path.insert(0, str(PROJECT))
    from zszo.settings import render_toml

    if role == "node":
        from node_agent.config import OPTIONS
    else:
        from hub.config import OPTIONS
    head = (f"# ZSZO {role} configuration (a conffile: your changes are kept across upgrades).\n"
            f"# Every setting, its type and environment override: /usr/share/doc/zszo-{role}/configuration.md\n\n")
    return head + render_toml(OPTIONS, {"paths.data_dir": "/var/lib/zszo"})


def _template(name: str, role: str) -> str:
    text = (HERE / "debian" / name).read_text()
    return text.replace("@ROLE_UPPER@", role.upper()).replace("@ROLE@", role)


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def _installed_size_kib(root: Path) -> int:
    total = sum(p.lstat().st_size for p in root.rglob("*") if not p.is_dir() or p.is_symlink())
    return (total + 1023) // 1024


def _md5sums(root: Path) -> str:
    lines = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("DEBIAN/") or path.is_symlink() or not path.is_file():
            continue
        lines.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {rel}")  # noqa: S324 - dpkg's format
    return "\n".join(lines) + "\n"


def stage_package(role: str, venv: Path, work: Path, version: str) -> Path:
    """Lay out ``zszo-<role>`` in ``work``/<role> (hard links to the shared venv) and return the root."""
    root = work / role
    shutil.copytree(venv, root / PREFIX.lstrip("/"), symlinks=True, copy_function=os.link)
    units = HERE / "systemd"
    for name in (f"zszo-{role}.service", f"zszo-{role}-backup.service", f"zszo-{role}-backup.timer"):
        _write(root / "lib/systemd/system" / name, (units / name).read_text())
    _write(root / f"etc/zszo/{role}.toml", default_config(role))
    _write(root / f"usr/bin/zszo-{role}", _template("wrapper", role), 0o755)
    doc = root / f"usr/share/doc/zszo-{role}"
    for name in ("operations.md", "configuration.md", "cli.md", "packaging.md"):
        if (PROJECT / "docs" / name).exists():
            _write(doc / name, (PROJECT / "docs" / name).read_text())
    _write(doc / "copyright", "ZSZO\nLicense: AGPL-3.0-or-later\n")
    other = "hub" if role == "node" else "node"
    summary, long = DESCRIPTIONS[role]
    control = (
        f"Package: zszo-{role}\nVersion: {version}\nArchitecture: amd64\nMaintainer: ZSZO <it@zszo.example>\n"
        f"Section: misc\nPriority: optional\n"
        f"Depends: python3.11, libc6 (>= 2.34), adduser, util-linux (>= 2.33)\n"
        f"Conflicts: zszo-{other}\nInstalled-Size: {_installed_size_kib(root)}\n"
        f"Homepage: https://zszo.example/\nDescription: {summary}\n {long}\n"
    )
    _write(root / "DEBIAN/control", control)
    _write(root / "DEBIAN/conffiles", f"/etc/zszo/{role}.toml\n")
    for script in ("postinst", "prerm", "postrm"):
        _write(root / "DEBIAN" / script, _template(script, role), 0o755)
    _write(root / "DEBIAN/md5sums", _md5sums(root))
    return root


def build_debs(wheelhouse: Path, out: Path, *, version: str | None = None, roles: tuple[str, ...] = ROLES,
               compression: str = "xz", level: int | None = None, python: str = TARGET_PYTHON) -> list[Path]:
    """Build ``zszo-<role>_<version>_amd64.deb`` for each role into ``out``; return their paths."""
    with tempfile.TemporaryDirectory(prefix="zszo-deb-") as tmp:
        work = Path(tmp)
        venv = build_venv(wheelhouse, work / "venv", python=python)
        return package_debs(venv, work, out, version=version, roles=roles, compression=compression, level=level)


def package_debs(venv: Path, work: Path, out: Path, *, version: str | None = None, roles: tuple[str, ...] = ROLES,
                 compression: str = "xz", level: int | None = None) -> list[Path]:
    """Lay out and ``dpkg-deb --build`` each role's package around an already built ``venv``."""
    version = version or f"{project_version()}-1"
    out.mkdir(parents=True, exist_ok=True)
    built = []
    for role in roles:
        root = stage_package(role, venv, work, version)
        target = out / f"zszo-{role}_{version}_amd64.deb"
        target.unlink(missing_ok=True)
        squeeze = [f"-z{level}"] if level is not None else []
        _run(["dpkg-deb", "--root-owner-group", f"-Z{compression}", *squeeze, "--build", root, target],
             stdout=subprocess.DEVNULL)
        built.append(target)
    return built


# ----------------------------------------------------------------------------------------------
# offline bundle


def build_bundle(wheelhouse: Path, out: Path) -> Path:
    """``zszo-offline-<version>.tar.gz``: the wheels, install-offline.sh, the units and default configs."""
    version = project_version()
    name = f"zszo-offline-{version}"
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="zszo-bundle-") as tmp:
        root = Path(tmp) / name
        shutil.copytree(wheelhouse, root / "wheels")
        shutil.copy2(HERE / "install-offline.sh", root / "install-offline.sh")
        shutil.copytree(HERE / "systemd", root / "systemd")
        for role in ROLES:
            _write(root / "config" / f"{role}.toml", default_config(role))
        _write(root / "VERSION", version + "\n")
        with tarfile.open(target, "w:gz") as tar:
            tar.add(root, arcname=name)
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: ``wheelhouse``, ``deb`` or ``bundle``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    wh = sub.add_parser("wheelhouse", help="collect wheels of zszo and all its dependencies")
    wh.add_argument("--out", type=Path, required=True)
    wh.add_argument("--find-links", type=Path, action="append", default=[])
    wh.add_argument("--offline", action="store_true", help="use only --find-links directories")
    deb = sub.add_parser("deb", help="build zszo-node and zszo-hub .deb files (offline)")
    deb.add_argument("--wheelhouse", type=Path, required=True)
    deb.add_argument("--out", type=Path, required=True)
    deb.add_argument("--version", help="Debian version (default: <project version>-1)")
    deb.add_argument("--role", choices=ROLES, action="append", help="only this package (repeatable)")
    deb.add_argument("--compression", default="xz", choices=("xz", "zstd", "gzip"))
    deb.add_argument("--level", type=int, help="compression level")
    deb.add_argument("--python", default=TARGET_PYTHON, help="the target's interpreter (default: %(default)s)")
    bundle = sub.add_parser("bundle", help="the offline bundle: wheels + install-offline.sh + units")
    bundle.add_argument("--wheelhouse", type=Path, required=True)
    bundle.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.command == "wheelhouse":
        made = build_wheelhouse(args.out, find_links=args.find_links, offline=args.offline)
    elif args.command == "deb":
        made = build_debs(args.wheelhouse, args.out, version=args.version, roles=tuple(args.role or ROLES),
                          compression=args.compression, level=args.level, python=args.python)
    else:
        made = [build_bundle(args.wheelhouse, args.out)]
    for path in made:
        print(f"{path}  {path.stat().st_size / 1e6:.1f} MB")
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
