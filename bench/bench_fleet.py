"""The city fleet's day at the hub, in one run: ingest, merge into a 10M-row warehouse, a school day, a catch-up.

BRIEF §5 targets: ingest >= 50k changes/s; merge into 10M-row tables >= 100k changes/s; the whole
city's school day (~0.5M changes) ingested and merged in < 60 s; a large school's catch-up after
14 days offline < 2 min.

Steps (one process, one machine):

1. A hub with ``--nodes`` enrolled school nodes (97: the city). Its warehouse is preloaded with
   ``--rows`` attendance marks (10M) and the pupils, lessons and teachers they reference,
   spread over the nodes as their own rows — written straight into DuckDB, as a warehouse
   holding a school year so far would be (the merger is what is measured, not the preload).
2. A school day: ``--day`` attendance changes (0.5M) from all nodes, 30% of them corrections of
   marks already in the warehouse, the rest new marks of the schools' own pupils and lessons,
   sealed by each node in batches of 5,000 (the node default: signed, encrypted).
3. Hub ingest (verify, decrypt, inflate, parse, sequence and scope checks, durable SQLite inbox,
   signed ack) in changes/s; then the merge (SQL validation, ownership, references against the
   10M-row table, delete + insert) in changes/s, next to two baselines on the same rows:
   (a) a naive per-row upsert (DELETE + INSERT per change, autocommit), timed on a sample of
   ``--naive-sample`` changes because the full day would take hours; (b) a plain DuckDB append
   of the same change lines into one table (the ceiling: no validation, no dedupe).
4. The school day end to end at the hub: ingest + merge seconds.
5. Catch-up after 14 days offline of a large school: 14 days of its changes sealed, ingested
   and merged in one go (node sealing included: it is part of the school's wait).

    nice -n 19 python bench/bench_fleet.py            # full scale: 10M rows, 0.5M changes
    python bench/bench_fleet.py --quick               # ~1 minute: 200k rows, 20k changes
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from hub import config as hub_config  # noqa: E402
from hub.fleet.operations import add_institution, enrol_node, issue_token  # noqa: E402
from hub.runtime import build  # noqa: E402
from hub.sync.models import InboxBatch  # noqa: E402
from hub.warehouse.merger import CHANGE_COLUMNS  # noqa: E402
from protocol import envelope  # noqa: E402
from protocol.changes import Change  # noqa: E402
from protocol.entities import ENTITIES, schema_set  # noqa: E402
from protocol.keys import KeyPair  # noqa: E402

BATCH = 5000  # the node default (sync.batch_max_changes)
PUPILS, LESSONS, TEACHERS = 400, 2000, 40  # per node, preloaded
CODES = ENTITIES["attendance"].fields[3].choices
ATTENDANCE_VERSION = ENTITIES["attendance"].version  # the nodes run this build
TS = 1_790_000_000_000


def uid(kind: int, node: int, number: int) -> str:
    """A deterministic UUID (the SQL preload builds the same with printf)."""
    return f"{node:08x}-{kind:04x}-4000-8000-{number:012x}"


def _sql_uid(kind: int, node: str, number: str) -> str:
    return f"CAST(printf('%08x-{kind:04x}-4000-8000-%012x', {node}, {number}) AS UUID)"


class Fleet:
    """The hub, its enrolled nodes (key pairs, epochs, next sequence numbers)."""

    def __init__(self, tmp: Path, nodes: int) -> None:
        settings = hub_config.load(overrides={"paths.data_dir": str(tmp / "hub"), "merge.max_changes": 500_000})
        self.runtime = build(settings)
        self.nodes: list[tuple[str, KeyPair, str]] = []  # (node id, keys, rspo)
        self.epoch = {k: str(uuid.uuid4()) for k in range(nodes)}
        self.next_seq = dict.fromkeys(range(nodes), 1)
        with self.runtime.db.transaction() as session:
            for k in range(nodes):
                rspo = f"{200000 + k}"
                add_institution(session, rspo=rspo, name=f"Szkoła Podstawowa nr {k + 1}", kind="primary")
                keys = KeyPair.generate()
                token = issue_token(session, rspo=rspo, created_by="bench", hours=1)
                node = enrol_node(session, token=token, rspo=rspo, name=f"SP {k + 1}", keys=keys.public)
                self.nodes.append((node.id, keys, rspo))

    def preload(self, rows: int) -> float:
        """Write the warehouse's pupils, lessons, teachers and ``rows`` attendance marks directly."""
        con = self.runtime.warehouse.cursor()
        started = time.perf_counter()
        n = len(self.nodes)
        con.execute("CREATE TEMP TABLE _nodes (k INTEGER, node_id VARCHAR, rspo VARCHAR)")
        con.executemany("INSERT INTO _nodes VALUES (?, ?, ?)", [(k, nid, rspo) for k, (nid, _, rspo) in
                                                               enumerate(self.nodes)])
        for table, kind, count in (("pupil", 1, PUPILS), ("lesson", 2, LESSONS), ("staff_member", 3, TEACHERS)):
            con.execute(f"INSERT INTO {table} (id, _node_id, _rspo, _inbox_id, _seq, _ts) "
                        f"SELECT {_sql_uid(kind, 'k', 'i')}, node_id, rspo, 0, 0, {TS} "
                        f"FROM _nodes, range({count}) r(i)")
        per_node = rows // n
        con.execute(f"""
            INSERT INTO attendance (id, lesson_id, pupil_id, code, excused_by, _node_id, _rspo, _inbox_id, _seq, _ts)
            SELECT {_sql_uid(4, 'k', 'i')}, {_sql_uid(2, 'k', f'i % {LESSONS}')}, {_sql_uid(1, 'k', f'i % {PUPILS}')},
                   'present', NULL, node_id, rspo, 0, 0, {TS}
            FROM _nodes, range({per_node}) r(i)
        """)
        con.execute("DROP TABLE _nodes")
        con.execute("CHECKPOINT")
        self.preloaded = per_node
        return time.perf_counter() - started

    def changes(self, k: int, count: int, rng: random.Random, fresh_from: int) -> list[str]:
        """``count`` attendance changes of node ``k``: 30% corrections of preloaded marks, the rest new."""
        lines = []
        seq = self.next_seq[k]
        for i in range(count):
            if rng.random() < 0.3:
                pk = uid(4, k, rng.randrange(self.preloaded))
            else:
                pk = uid(5, k, fresh_from + i)
            excused = uid(3, k, rng.randrange(TEACHERS)) if rng.random() < 0.1 else None
            data = {"id": pk, "lesson_id": uid(2, k, rng.randrange(LESSONS)),
                    "pupil_id": uid(1, k, rng.randrange(PUPILS)), "code": rng.choice(CODES), "excused_by": excused,
                    "school_code_id": None}
            lines.append(Change(seq=seq + i, entity="attendance", v=ATTENDANCE_VERSION, pk=pk, op="upsert",
                                ts=TS + seq + i, data=data).to_json())
        self.next_seq[k] = seq + count
        return lines

    def seal(self, k: int, lines: list[str]) -> list[tuple[bytes, int]]:
        """The node's envelopes for ``lines`` (batches of BATCH changes)."""
        node_id, keys, _ = self.nodes[k]
        hub = self.runtime.keys.current.public
        out = []
        for start in range(0, len(lines), BATCH):
            chunk = lines[start:start + BATCH]
            first = int(chunk[0].split(',"entity"', 1)[0].removeprefix('{"seq":'))
            payload = ("\n".join(chunk) + "\n").encode()
            out.append((envelope.seal(kind="uplink", sender_id=node_id, sender_keys=keys,
                                      recipient_id=self.runtime.keys.hub_id, recipient_kid=hub.kid,
                                      recipient_kex=hub.kex, payload=payload, epoch=self.epoch[k], first_seq=first,
                                      last_seq=first + len(chunk) - 1, count=len(chunk), schema=schema_set()),
                        len(chunk)))
        return out

    def ingest(self, envelopes: list[tuple[bytes, int]]) -> float:
        started = time.perf_counter()
        for data, _ in envelopes:
            self.runtime.ingestor.ingest(data)
        return time.perf_counter() - started


def _payload_files(fleet: Fleet, tmp: Path, after: int) -> list[str]:
    files = []
    with fleet.runtime.db.reading() as session:
        for inbox_id, payload in session.execute(select(InboxBatch.id, InboxBatch.payload_zlib)
                                                 .where(InboxBatch.id > after)):
            path = tmp / f"day-{inbox_id}.jsonl"
            path.write_bytes(zlib.decompress(payload))
            files.append(str(path))
    return files


def _append_baseline(fleet: Fleet, files: list[str]) -> float:
    """(b) The ceiling: the same change lines appended to one DuckDB table, no checks."""
    con = fleet.runtime.warehouse.cursor()
    con.execute("CREATE TABLE _bench_append (seq BIGINT, entity VARCHAR, v INTEGER, pk VARCHAR, op VARCHAR, "
                "ts BIGINT, data JSON)")
    started = time.perf_counter()
    con.execute(f"INSERT INTO _bench_append SELECT * FROM read_json(?, format = 'newline_delimited', "
                f"columns = {CHANGE_COLUMNS})", [files])  # the merger's own reading of the lines
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    con.execute("DROP TABLE _bench_append")
    return seconds


def _naive_baseline(fleet: Fleet, sample: list[str]) -> float:
    """(a) Per-row upsert: parse each change in Python, DELETE + INSERT it, one commit per change."""
    import json

    con = fleet.runtime.warehouse.cursor()
    node_id, _, rspo = fleet.nodes[0]
    started = time.perf_counter()
    for line in sample:
        change = json.loads(line)
        d = change["data"]
        con.execute("DELETE FROM attendance WHERE id = ?", [d["id"]])
        con.execute("INSERT INTO attendance (id, lesson_id, pupil_id, code, excused_by, _node_id, _rspo, _inbox_id, "
                    "_seq, _ts) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                    [d["id"], d["lesson_id"], d["pupil_id"], d["code"], d["excused_by"], node_id, rspo,
                     change["seq"], change["ts"]])
    return time.perf_counter() - started


def main() -> None:
    """Run every step and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small scale (200k rows, 20k changes)")
    parser.add_argument("--nodes", type=int, default=97)
    parser.add_argument("--rows", type=int, help="attendance rows preloaded (default 10,000,000; quick 200,000)")
    parser.add_argument("--day", type=int, help="changes in the school day (default 500,000; quick 20,000)")
    parser.add_argument("--large-daily", type=int, help="a large school's changes per day (default 13,000)")
    parser.add_argument("--naive-sample", type=int, default=1000, help="changes timed for the naive baseline")
    args = parser.parse_args()
    rows = args.rows or (200_000 if args.quick else 10_000_000)
    day = args.day or (20_000 if args.quick else 500_000)
    large_daily = args.large_daily or (1_300 if args.quick else 13_000)
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory(prefix="zszo-bench-fleet-") as tmp_name:
        tmp = Path(tmp_name)
        fleet = Fleet(tmp, args.nodes)
        preload_s = fleet.preload(rows)
        per_node = day // args.nodes
        cpu: dict[str, float] = {}  # process CPU seconds (all threads) per step: a shared machine's wall time lies
        mark = time.process_time()

        def lap(name: str) -> None:
            nonlocal mark
            cpu[name], mark = time.process_time() - mark, time.process_time()

        started = time.perf_counter()
        day_lines = {k: fleet.changes(k, per_node, rng, fresh_from=0) for k in range(args.nodes)}
        envelopes = [env for k in range(args.nodes) for env in fleet.seal(k, day_lines[k])]
        seal_s = time.perf_counter() - started
        lap("seal")
        changes = sum(n for _, n in envelopes)
        ingest_s = fleet.ingest(envelopes)
        lap("ingest")
        merge = fleet.runtime.warehouse.merge_pending(fleet.runtime.db)
        lap("merge")
        assert merge.rejected == 0 and merge.changes == changes, (merge.rejected, merge.changes, changes)
        files = _payload_files(fleet, tmp, after=0)
        mark = time.process_time()
        append_s = _append_baseline(fleet, files)
        lap("append")
        naive_s = _naive_baseline(fleet, day_lines[0][: args.naive_sample])
        lap("naive")
        naive_n = min(args.naive_sample, len(day_lines[0]))
        # A large school back after 14 days offline: everything it wrote meanwhile, in one sync.
        after = merge.merged_through
        mark = time.process_time()
        started = time.perf_counter()
        backlog = fleet.changes(0, 14 * large_daily, rng, fresh_from=per_node)
        catchup_env = fleet.seal(0, backlog)
        catchup_seal_s = time.perf_counter() - started
        catchup_ingest_s = fleet.ingest(catchup_env)
        catchup = fleet.runtime.warehouse.merge_pending(fleet.runtime.db)
        lap("catchup")
        assert catchup.rejected == 0 and catchup.merged_through > after
        total_rows = fleet.runtime.warehouse.cursor().execute("SELECT count(*) FROM attendance").fetchone()[0]
        fleet.runtime.close()

    print(f"Fleet: {args.nodes} nodes; warehouse preloaded with {fleet.preloaded * args.nodes:,} attendance rows "
          f"in {preload_s:.1f} s; school day: {changes:,} changes in {len(envelopes)} batches; "
          f"attendance rows at the end: {total_rows:,}")
    print(f"{'step':58} {'seconds':>8} {'changes/s':>11} {'ratio':>10} {'CPU s':>7}")

    def row(name: str, seconds: float, count: int, ratio: str = "", step: str = "") -> None:
        used = f"{cpu[step]:7.2f}" if step else ""
        print(f"{name:58} {seconds:8.2f} {count / seconds:11,.0f} {ratio:>10} {used:>7}")

    merge_rate = changes / merge.seconds
    row("nodes: build + seal the day's envelopes (not hub time)", seal_s, changes, step="seal")
    row("hub ingest (verify+decrypt+parse+inbox), 1 thread", ingest_s, changes, step="ingest")
    row(f"hub merge into {fleet.preloaded * args.nodes / 1e6:.1f}M-row warehouse", merge.seconds, changes, "1.00x",
        step="merge")
    row(f"(a) naive per-row upsert ({naive_n} changes sampled)", naive_s, naive_n,
        f"{merge_rate / (naive_n / naive_s):,.0f}x", step="naive")
    row("(b) plain DuckDB append of the same lines (ceiling)", append_s, changes,
        f"{(changes / append_s) / merge_rate:.2f}x", step="append")
    row("school day end to end at the hub (ingest + merge)", ingest_s + merge.seconds, changes)
    catchup_s = catchup_seal_s + catchup_ingest_s + catchup.seconds
    row(f"catch-up after 14 days offline, large school ({len(backlog):,} changes)", catchup_s, len(backlog),
        step="catchup")
    print("ratio column: merge speed over the naive upsert; the append ceiling's speed over the merge. "
          "CPU s: process CPU time of the step, all threads (wall time on a shared machine includes waiting)")
    print(f"catch-up split: node sealing {catchup_seal_s:.1f} s, ingest {catchup_ingest_s:.1f} s, "
          f"merge {catchup.seconds:.1f} s")
    print("targets (BRIEF §5): ingest >= 50,000/s; merge >= 100,000/s; school day < 60 s; catch-up < 120 s")


if __name__ == "__main__":
    main()
