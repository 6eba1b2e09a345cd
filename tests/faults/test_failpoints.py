"""The failpoint facility itself (zszo/failpoints.py): armed points kill, unarmed ones do nothing,
misspelt names stop the process at start, every point exists in the code and in the docs; and
what a merge killed at its failpoint leaves behind is cleared when the warehouse opens again."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hub.warehouse.merger import Warehouse
from tests.faults.network import Crash, armed
from zszo import failpoints

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, points: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ZSZO_FAILPOINTS"}
    if points is not None:
        env["ZSZO_FAILPOINTS"] = points
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)


REACH = "from zszo.failpoints import failpoint; failpoint('merger.mid_transaction'); print('survived')"


def test_an_armed_point_kills_the_process_with_sigkill():
    result = _python(REACH, "node.after_send_before_ack, merger.mid_transaction")
    assert result.returncode == -signal.SIGKILL and result.stdout == ""


def test_an_unarmed_point_does_nothing():
    assert _python(REACH, "node.after_send_before_ack").stdout == "survived\n"
    assert _python(REACH, None).stdout == "survived\n"


def test_a_misspelt_point_stops_the_process_at_start():
    result = _python(REACH, "merger.mid_transacton")
    assert result.returncode == 1
    assert "ZSZO_FAILPOINTS names unknown failpoints ['merger.mid_transacton']" in result.stderr


def test_every_point_is_placed_in_the_code_exactly_once_and_documented():
    calls: dict[str, int] = {}
    for path in [*ROOT.glob("hub/**/*.py"), *ROOT.glob("node_agent/**/*.py"), *ROOT.glob("zszo/**/*.py")]:
        for name in re.findall(r'\bfailpoint\("([a-z_.]+)"\)', path.read_text(encoding="utf-8")):
            calls[name] = calls.get(name, 0) + 1
    assert calls == dict.fromkeys(failpoints.POINTS, 1)
    docs = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert [name for name in failpoints.POINTS if f"`{name}`" not in docs] == []


def test_in_process_tests_turn_the_kill_into_an_exception():
    with armed("merger.mid_transaction"), pytest.raises(Crash):
        failpoints.failpoint("merger.mid_transaction")
    failpoints.failpoint("merger.mid_transaction")  # disarmed again


def test_work_files_of_a_killed_merge_are_cleared_when_the_warehouse_opens(tmp_path):
    """Regression: a merger killed mid-cycle left tmp/merge-* behind, one more at every crash."""
    path = tmp_path / "warehouse.duckdb"
    Warehouse(path, b"k" * 32).close()
    stale = tmp_path / "tmp" / "merge-abc123"
    stale.mkdir()
    (stale / "17.jsonl").write_text('{"seq": 1}\n')
    other = tmp_path / "tmp" / "export-keep"
    other.mkdir()
    Warehouse(path, b"k" * 32).close()
    assert not stale.exists() and other.exists()
