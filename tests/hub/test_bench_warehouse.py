"""bench/bench_warehouse.py at a tiny scale: it generates, refreshes the layer and reports every query.

Marked slow (it is a benchmark, CPU heavy even when small): ``./dev.sh test -m slow``. The full-scale
run is by hand, ``nice -n 19 python bench/bench_warehouse.py --scale 1`` (docs/warehouse.md).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_warehouse.py"
pytestmark = pytest.mark.slow


def test_bench_reports_generation_refresh_and_every_query_with_its_baseline() -> None:
    result = subprocess.run([sys.executable, str(BENCH), "--scale", "0.01", "--repeat", "2", "--baseline-repeat",
                             "1"], capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"^scale 0\.01: school 2, class_unit \d+, pupil \d+, .* attendance [\d,]+, grade [\d,]+$", out,
                     re.M), out
    assert re.search(r"^generation \(bulk load into the merged tables\): \d+\.\d s$", out, re.M)
    assert re.search(r"^analytical layer refresh: \d+\.\d s \(dim_school 2, ", out, re.M)
    lines = re.findall(r"^  (.+?) +p50 +[\d.]+ ms +p95 +[\d.]+ ms(  baseline p50 +[\d.]+ ms +ratio +[\d.]+x)?$",
                       out, re.M)
    assert len(lines) == 10
    assert sum(1 for _name, baseline in lines if baseline) == 4
    assert "target: every dashboard query p95 < 1 s: met" in out
