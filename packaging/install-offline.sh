#!/bin/sh
# Install ZSZO from this offline bundle, for machines that reach only the city's mirror (or nothing):
#   sudo ./install-offline.sh [--prefix /opt/zszo] [--python python3.11] [--units node|hub]
# It makes a virtual environment at PREFIX and installs zszo from ./wheels with --no-index (nothing is
# downloaded). With --units ROLE (as root, on systemd) it also installs that role's systemd units, the
# default /etc/zszo/ROLE.toml (an existing one is never overwritten), the user `zszo` and the state
# directory. Debian machines should prefer the .deb packages (same layout, upgrades through apt).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=/opt/zszo
python=python3.11
role=
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --python) python=$2; shift 2 ;;
    --units) role=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
case "$role" in ""|node|hub) ;; *) echo "--units takes node or hub" >&2; exit 2 ;; esac

version=$(cat "$here/VERSION")
"$python" -m venv "$prefix"
PIP_CONFIG_FILE=/dev/null "$prefix/bin/python" -m pip install --quiet --no-index \
  --find-links "$here/wheels" "zszo==$version"
"$prefix/bin/zszo" --version

if [ -n "$role" ]; then
  getent group zszo >/dev/null || groupadd --system zszo
  getent passwd zszo >/dev/null || useradd --system --gid zszo --home-dir /nonexistent --no-create-home \
    --shell /usr/sbin/nologin zszo
  install -d -o zszo -g zszo -m 0750 /var/lib/zszo /var/lib/zszo/backups
  install -d -m 0755 /etc/zszo
  [ -e "/etc/zszo/$role.toml" ] || install -m 0644 "$here/config/$role.toml" "/etc/zszo/$role.toml"
  for unit in "zszo-$role.service" "zszo-$role-backup.service" "zszo-$role-backup.timer"; do
    sed "s#/opt/zszo/#$prefix/#g" "$here/systemd/$unit" > "/etc/systemd/system/$unit"
  done
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable "zszo-$role.service" "zszo-$role-backup.timer"
  fi
  echo "next: zszo $role -c /etc/zszo/$role.toml init --keep-config … (as user zszo), then systemctl start zszo-$role"
fi
