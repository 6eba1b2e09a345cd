"""Node capture overhead: write transactions with and without the capture triggers, same run.

Two node databases are prepared identically; one has its capture triggers dropped (the
baseline). The same write transactions run against both, alternating, through a plain sqlite3
connection with the node's pragmas (WAL, synchronous=FULL). Prints the time per transaction,
the difference (target: at most 0.1 ms added per write transaction) and the ratio.

    python bench/bench_capture.py [--transactions 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from node_agent.db import Database, prepare  # noqa: E402
from node_agent.sync.capture import PREFIX  # noqa: E402
from protocol import pesel  # noqa: E402
from zszo.sqlite import connect_raw  # noqa: E402

COLUMNS = ("id", "pesel", "first_name", "last_name", "birth_date", "sex", "city", "postal_code", "street")


def _setup(path: Path, with_triggers: bool):
    db = Database(path)
    prepare(db, path.parent / "backups")
    db.dispose()
    conn = connect_raw(path)
    conn.isolation_level = None
    if not with_triggers:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND name LIKE ?",
                                    (PREFIX + "%",)).fetchall():
            conn.execute(f"DROP TRIGGER {name}")
    return conn


def _pupil(i: int) -> tuple:
    birth = dt.date(2015, 1, 1) + dt.timedelta(days=i % 3000)
    sex = "F" if i % 2 else "M"
    return (str(uuid.uuid4()), pesel.generate(birth, sex, (i // 3000) % 5000), "Zofia", "Wiśniewska",
            birth.isoformat(), sex, "Radom", "26-600", "ul. Żeromskiego 5")


INSERT = f"INSERT INTO pupil ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


def _insert_txn(conn, i: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(INSERT, _pupil(i))
    conn.execute("COMMIT")


def _update_txn(conn, ids: list[str], i: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE pupil SET street = ? WHERE id = ?", (f"ul. Słowackiego {i}", ids[i % len(ids)]))
    conn.execute("COMMIT")


def _bulk_txn(conn, base: int, rows: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(INSERT, [_pupil(base + k) for k in range(rows)])
    conn.execute("COMMIT")


def measure(transactions: int) -> dict[str, tuple[float, float]]:
    """Return {workload: (µs per txn with capture, µs per txn without)}."""
    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        conns = {True: _setup(Path(tmp) / "with" / "node.sqlite", True),
                 False: _setup(Path(tmp) / "without" / "node.sqlite", False)}
        timings: dict[tuple[str, bool], list[float]] = {}

        def timed(name: str, flag: bool, fn) -> None:  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            fn()
            timings.setdefault((name, flag), []).append(time.perf_counter() - start)

        for i in range(transactions):  # alternate A/B so drift hits both equally
            for flag in (True, False) if i % 2 else (False, True):
                timed("insert 1 row", flag, lambda c=conns[flag], i=i: _insert_txn(c, i))
        ids = {flag: [r[0] for r in conns[flag].execute("SELECT id FROM pupil LIMIT 500")] for flag in conns}
        for i in range(transactions):
            for flag in (True, False) if i % 2 else (False, True):
                timed("update 1 row", flag, lambda c=conns[flag], i=i, f=flag: _update_txn(c, ids[f], i))
        base = 10_000_000
        for i in range(max(20, transactions // 50)):
            for flag in (True, False) if i % 2 else (False, True):
                timed("insert 100 rows", flag, lambda c=conns[flag], i=i: _bulk_txn(c, base + i * 100, 100))
        outbox = conns[True].execute("SELECT count(*) FROM sync_outbox").fetchone()[0]
        rows = conns[True].execute("SELECT count(*) FROM pupil").fetchone()[0]
        assert outbox == rows + transactions, "every write must have its change record"
        for conn in conns.values():
            conn.close()
    for (name, flag), values in timings.items():
        median = statistics.median(values) * 1e6
        with_, without = results.get(name, (0.0, 0.0))
        results[name] = (median, without) if flag else (with_, median)
    return results


def main() -> None:
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=2000)
    args = parser.parse_args()
    results = measure(args.transactions)
    print("Node capture overhead (median per write transaction, SQLite WAL + synchronous=FULL)")
    print(f"{'workload':18} {'with capture':>14} {'baseline':>12} {'added':>10} {'ratio':>7}")
    for name, (with_, without) in results.items():
        print(f"{name:18} {with_:11.1f} µs {without:9.1f} µs {with_ - without:7.1f} µs {with_ / without:6.3f}x")
    added = results["insert 1 row"][0] - results["insert 1 row"][1]
    print(f"target: ≤ 100 µs added per write transaction -> {'met' if added <= 100 else 'NOT met'} ({added:.1f} µs)")


if __name__ == "__main__":
    main()
