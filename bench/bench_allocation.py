"""Recruitment allocation on seeded workloads: time, peak memory, and the ratio to `matching`.

Workloads (reference/recruitment-anchors.md §5, all seeded, so every run allocates the same input):

* ``radom``     5k candidates, classes of 30, seats = 1.1 × candidates, ≤ 3 schools each;
* ``pl20k``     the same shape at 20k candidates (the size of the ≥ 100× target against `matching`);
* ``warsaw``    40k candidates, 1,466 classes, lists of ~10 classes (a tail to 50) over 1-8 schools,
  Zipf(0.8) popularity;
* ``stress``    100k candidates × 12 preferences each (1.2M applications);
* ``preschool`` 10k children, 3-5 preferences, key (statutory criteria met, municipal points ≤ 99):
  massive exact ties, broken by the lottery (and, without one, reported: ``preschool-no-lottery``);
* ``common``    20k candidates with the same list order (adversarial: every class fills from the top).

Secondary keys are (olympiad priority, points, health priority, statutory criteria) with points
N(120, 30) clipped to [0, 200] in hundredths, each class adding 0-4 for its subjects, 0.5%
olympiad laureates; every workload except ``preschool-no-lottery`` uses a published lottery seed.

Reported per workload: ``core`` = deferred acceptance on validated arrays; ``full`` = allocate()
(validation, deferred acceptance, cut-offs, tie check) plus the cut-off certificate;
peak memory of ``full`` (tracemalloc, in a separate run so it does not slow the timing);
`matching` 1.4.3's HospitalResident end to end (building the game from dictionaries + solving),
with a check that it gives the same seats, and the ratio, measured in the same run, on the
workloads no larger than ``--matching-max`` candidates.

    python bench/bench_allocation.py [--only stress,radom] [--scale 1.0] [--matching-max 20000]
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
import tracemalloc
import warnings
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.recruitment.allocation import (  # noqa: E402
    Applicant,
    ClassSeats,
    deferred_acceptance,
    lottery_number,
    prepare,
    solve,
)
from hub.recruitment.certificate import certify  # noqa: E402

SEED = 20260515
LOTTERY_SEED = 424242


@dataclass
class Workload:
    name: str
    classes: list[ClassSeats]
    candidates: list[Applicant]
    lottery_seed: int | None

    @property
    def applications(self) -> int:
        return sum(len(c.preferences) for c in self.candidates)


def _zipf_weights(count: int, exponent: float) -> list[float]:
    return [1.0 / (rank ** exponent) for rank in range(1, count + 1)]


def _secondary(name: str, n: int, schools: int, classes_per_school: int, max_schools: int,
               list_length, seats: int = 30, zipf: float = 0.8, seed: int = SEED) -> Workload:  # type: ignore[no-untyped-def]
    rng = random.Random(f"{seed}:{name}")
    school_classes = [[f"S{s:04d}-{k}" for k in range(classes_per_school)] for s in range(schools)]
    classes = [ClassSeats(cid, seats) for group in school_classes for cid in group]
    subject_pair = {cid: rng.randrange(10) for cid in (c.id for c in classes)}
    weights = _zipf_weights(schools, zipf)
    school_ids = list(range(schools))
    candidates = []
    for i in range(n):
        wanted = list_length(rng)
        fewest = min(max_schools, schools, -(-wanted // classes_per_school))
        picked: list[int] = []
        target = rng.randint(fewest, min(max_schools, schools))
        while len(picked) < target:
            s = rng.choices(school_ids, weights)[0]
            if s not in picked:
                picked.append(s)
        pool = [cid for s in picked for cid in school_classes[s]]
        prefs = tuple(rng.sample(pool, min(len(pool), wanted)))
        base = min(20000, max(0, round(rng.gauss(12000, 3000))))
        olympiad = int(rng.random() < 0.005)
        health = int(rng.random() < 0.01)
        statutory = rng.choice((0, 0, 0, 0, 1, 1, 2))
        subject_bonus = [rng.randint(0, 400) for _ in range(10)]
        keys = {cid: (olympiad, Decimal(min(20000, base + subject_bonus[subject_pair[cid]])) / 100, health,
                      statutory) for cid in prefs}
        candidates.append(Applicant(f"K{i:06d}", prefs, keys))
    return Workload(name, classes, candidates, LOTTERY_SEED)


def _preschool(name: str, n: int, groups: int, lottery: bool, seed: int = SEED) -> Workload:
    rng = random.Random(f"{seed}:preschool")
    classes = [ClassSeats(f"P{g:03d}", 25) for g in range(groups)]
    weights = _zipf_weights(groups, 0.8)
    candidates = []
    for i in range(n):
        prefs: list[str] = []
        wanted = min(len(classes), rng.randint(3, 5))
        while len(prefs) < wanted:
            cid = rng.choices(classes, weights)[0].id
            if cid not in prefs:
                prefs.append(cid)
        stage1 = min(7, int(rng.expovariate(1.5)))
        stage2 = rng.choice((0, 10, 20, 30, 40, 50, 60))
        candidates.append(Applicant(f"D{i:06d}", tuple(prefs), dict.fromkeys(prefs, (stage1, stage2))))
    return Workload(name, classes, candidates, LOTTERY_SEED if lottery else None)


def _common(name: str, n: int, classes_count: int, seed: int = SEED) -> Workload:
    rng = random.Random(f"{seed}:common")
    classes = [ClassSeats(f"C{c:03d}", 30) for c in range(classes_count)]
    order = tuple(c.id for c in classes)
    candidates = []
    for i in range(n):
        points = Decimal(rng.randint(0, 20000)) / 100
        candidates.append(Applicant(f"K{i:06d}", order[:10], dict.fromkeys(order[:10], (0, points, 0, 0))))
    return Workload(name, classes, candidates, LOTTERY_SEED)


def workloads(scale: float = 1.0) -> dict[str, object]:
    """Builders of every workload by name (``scale`` shrinks them for a smoke run)."""
    def size(n: int) -> int:
        return max(20, int(n * scale))

    def classes_for(n: int) -> int:
        return max(2, round(size(n) * 1.1 / 30 / 5))

    return {
        "radom": lambda: _secondary("radom", size(5000), classes_for(5000), 5, 3, lambda r: r.randint(1, 8)),
        "pl20k": lambda: _secondary("pl20k", size(20000), classes_for(20000), 5, 3, lambda r: r.randint(1, 8)),
        "warsaw": lambda: _secondary("warsaw", size(40000), max(2, round(1466 * scale / 6)), 6, 8,
                                     lambda r: min(50, 1 + int(r.expovariate(1 / 9)))),
        "stress": lambda: _secondary("stress", size(100000), max(3, round(3666 * scale / 6)), 6, 12,
                                     lambda r: 12),
        "preschool": lambda: _preschool("preschool", size(10000), max(2, round(440 * scale)), True),
        "preschool-no-lottery": lambda: _preschool("preschool-no-lottery", size(10000), max(2, round(440 * scale)),
                                                   False),
        "common": lambda: _common("common", size(20000), max(10, round(700 * scale))),
    }


def run_core(w: Workload) -> float:
    """Seconds of deferred acceptance alone, on input validated beforehand."""
    prepared = prepare(w.classes, w.candidates, w.lottery_seed)
    started = time.process_time()
    deferred_acceptance(prepared)
    return time.process_time() - started


def run_full(w: Workload):  # type: ignore[no-untyped-def]
    """What `zszo recruitment allocate` does: validate, allocate, check ties, certify: (seconds, result, findings)."""
    started = time.process_time()
    prepared = prepare(w.classes, w.candidates, w.lottery_seed)
    result = solve(prepared)
    findings = certify(prepared, result) if result.publishable else []
    return time.process_time() - started, result, findings


def peak_memory_mb(w: Workload) -> float:
    tracemalloc.start()
    try:
        run_full(w)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def run_matching(w: Workload):  # type: ignore[no-untyped-def]
    """`matching`'s HospitalResident end to end on the same input (strict: key + lottery number)."""
    from matching.games import HospitalResident

    lottery = {c.id: lottery_number(w.lottery_seed, c.id) for c in w.candidates}
    resident_prefs = {c.id: list(c.preferences) for c in w.candidates}
    applicants: dict[str, list[tuple]] = {cls.id: [] for cls in w.classes}
    for c in w.candidates:
        for cid in c.preferences:
            applicants[cid].append((c.keys[cid], lottery[c.id], c.id))
    hospital_prefs = {cid: [e[-1] for e in sorted(entries, reverse=True)] for cid, entries in applicants.items()}
    capacities = {cls.id: cls.seats for cls in w.classes}
    outcome: dict[str, object] = {}

    def solve() -> None:
        started = time.thread_time()
        with warnings.catch_warnings():  # one warning per class nobody listed would flood the table
            warnings.simplefilter("ignore")
            game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
            matching = game.solve(optimal="resident")
        outcome["seconds"] = time.thread_time() - started
        outcome["assignments"] = {r.name: None for r in game.residents}
        for hospital, residents in matching.items():
            for r in residents:
                outcome["assignments"][r.name] = hospital.name

    # matching deep-copies its players recursively (its issue #139): give it room.
    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1 << 29)
    try:
        worker = threading.Thread(target=solve)
        worker.start()
        worker.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated workload names (default: all)")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink or grow every workload")
    parser.add_argument("--matching-max", type=int, default=20000,
                        help="run `matching` on workloads with at most this many candidates (0: never)")
    args = parser.parse_args(argv)
    builders = workloads(args.scale)
    names = [n for n in args.only.split(",") if n] or list(builders)
    print(f"{'workload':22} {'cands':>7} {'classes':>7} {'apps':>8} {'core s':>8} {'full s':>8} {'peak MB':>8} "
          f"{'placed':>7} {'ties':>5} {'matching s':>10} {'ratio':>7}")
    failures = 0
    for name in names:
        w = builders[name]()
        core = run_core(w)
        full, result, findings = run_full(w)
        peak = peak_memory_mb(w)
        placed = sum(1 for v in result.assignments.values() if v is not None)
        failures += bool(findings)
        m_seconds = ratio = "-"
        if w.lottery_seed is not None and 0 < len(w.candidates) <= args.matching_max:
            m = run_matching(w)
            if "seconds" in m:
                m_seconds, ratio = f"{m['seconds']:.2f}", f"{m['seconds'] / full:.0f}x"
                if m["assignments"] != result.assignments:
                    print(f"  !! {name}: matching gives different seats")
                    failures += 1
            else:
                m_seconds = "failed"
        print(f"{name:22} {len(w.candidates):>7} {len(w.classes):>7} {w.applications:>8} {core:>8.3f} {full:>8.3f} "
              f"{peak:>8.1f} {placed:>7} {len(result.ties):>5} {m_seconds:>10} {ratio:>7}")
        if findings:
            print(f"  !! {name}: the result fails the cut-off certificate: {findings[0].render()}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
