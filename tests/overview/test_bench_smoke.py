"""A smoke run of bench/bench_overview.py at its short size (the real run is by hand: see docs/guide-teacher.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_overview.py"


def test_bench_runs_and_reports_every_page() -> None:
    result = subprocess.run([sys.executable, str(BENCH), "--short", "--requests", "2"], capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    for page in ("class", "pupil", "school"):
        pattern = rf"^{page} +wall p50 +\d+\.\d ms +p95 +\d+\.\d ms +CPU p50"
        assert re.search(pattern, result.stdout, re.M), result.stdout
