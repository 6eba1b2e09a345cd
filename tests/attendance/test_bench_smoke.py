"""A smoke run of bench/bench_attendance.py at a tiny scale (the real run is by hand: see docs/guide-teacher.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_attendance.py"


def test_bench_runs_and_reports_every_variant_and_the_ratio() -> None:
    result = subprocess.run([sys.executable, str(BENCH), "--lessons", "2"], capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for variant in ("request", "operation", r"write \(lock\)", "naive"):
        assert re.search(rf"^  {variant} +median +\d+\.\d\d ms +p95 +\d+\.\d\d ms +CPU +\d+\.\d\d ms/save$", out,
                         re.M), out
    assert re.search(r"naive / operation \(median\): \d+\.\d\dx", out)
    assert "target: request p95 <= 50 ms:" in out
