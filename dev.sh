#!/usr/bin/env bash
# One entry point for developers and CI on a fresh Debian machine with Python 3.11:
#   ./dev.sh demo        set everything up, then run the demo city (hub + school nodes on localhost)
#   ./dev.sh test [ARGS] set everything up, then run the whole test suite (ARGS go to pytest)
#   ./dev.sh setup       only create/refresh the virtual environment
# It creates .venv, installs the project with its dev dependencies, and (for tests) Debian's
# chromium for the browser tests. System packages need root or sudo.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "need root (or sudo) to run: $*" >&2; return 1; fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || { echo "please install: $*" >&2; return 1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

ensure_python() {
  if ! command -v "$PYTHON" >/dev/null 2>&1; then apt_install python3 python3-venv; fi
  "$PYTHON" - <<'PY' || { echo "ZSZO needs Python >= 3.11 (found $($PYTHON --version 2>&1))" >&2; exit 2; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
  if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    apt_install "python3-venv"
  fi
}

setup() {
  ensure_python
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.zszo-installed"
  local want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[dev]"
    echo "$want" > "$stamp"
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    apt_install chromium || echo "warning: chromium not installed; browser tests will be skipped" >&2
  fi
}

cmd=${1:-help}
shift || true
case "$cmd" in
  setup) setup ;;
  demo) setup; exec "$VENV/bin/zszo" demo run "$@" ;;
  test) setup; ensure_chromium
        # one worker per core (ZSZO_TEST_WORKERS=0 runs in this process); a module stays on one worker
        exec "$VENV/bin/python" -m pytest -n "${ZSZO_TEST_WORKERS:-auto}" --dist loadfile "$@" ;;
  *) sed -n '2,8p' "$0"; exit 2 ;;
esac
