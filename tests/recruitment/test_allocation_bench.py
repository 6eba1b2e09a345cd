"""A smoke run of bench/bench_allocation.py on tiny workloads (the real run is by hand: see docs/recruitment.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_allocation.py"


@pytest.mark.timeout(120)
def test_the_benchmark_runs_every_workload_and_agrees_with_matching(capsys, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_allocation", BENCH)
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_allocation", bench)  # dataclasses look their module up
    spec.loader.exec_module(bench)

    assert bench.main(["--scale", "0.004", "--matching-max", "200"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == {"radom", "pl20k", "warsaw", "stress", "preschool", "preschool-no-lottery", "common"}
    assert all("!!" not in line for line in lines)
    assert rows["radom"][-1].endswith("x")                 # matching ran and the ratio is printed
    assert rows["preschool-no-lottery"][-1] == "-"          # no lottery: ties, so no comparison
    assert int(rows["preschool-no-lottery"][-3]) > 0        # … and the ties are reported
