"""Hub ingest and merge throughput for the demo city's initial sync, with same-run baselines.

Steps (all on this machine, one run):

1. Generate the demo city's node databases (or reuse ``--city DIR``) — every row sits in each
   node's outbox, exactly as after loading a school.
2. Node side: read each outbox in batches (SQLite builds the JSON lines) and seal envelopes
   (sign + encrypt). Reported, not part of the hub figures.
3. Hub ingest: verify signature, check sequence, decrypt, inflate, parse, check scope and commit
   to the SQLite inbox (``synchronous=FULL``), then sign the ack — in-process through the same
   ``Ingestor`` the HTTP API uses, and once more over real HTTP on 127.0.0.1.
   Baseline: committing the same compressed payloads to a plain SQLite table, one transaction
   per batch, with no crypto and no parsing.
4. Merge into DuckDB: validation in SQL, ownership, references, pseudonyms, delete+insert.
   Baseline: an append-only load of the same change lines into one DuckDB table.

    python bench/bench_sync.py                 # the full 97-institution city
    python bench/bench_sync.py --schools 10    # quicker
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402
import requests  # noqa: E402
from waitress.server import create_server  # noqa: E402

from hub import config as hub_config  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.fleet.operations import add_institution, enrol_node, issue_token  # noqa: E402
from hub.runtime import build  # noqa: E402
from node_agent.db import Database  # noqa: E402
from node_agent.sync.client import _read_batch  # noqa: E402
from protocol import envelope  # noqa: E402
from protocol.entities import schema_set  # noqa: E402
from protocol.keys import KeyPair  # noqa: E402
from zszo.demo.load import MANIFEST, write_city  # noqa: E402

BATCH = 5000  # the node default (sync.batch_max_changes)


def _city(args: argparse.Namespace, tmp: Path) -> tuple[Path, dict]:
    if args.city:
        root = Path(args.city)
        if not (root / MANIFEST).exists():
            write_city(root, schools=args.schools, jobs=args.jobs)
    else:
        root = tmp / "city"
        write_city(root, schools=args.schools, jobs=args.jobs)
    return root, json.loads((root / MANIFEST).read_text(encoding="utf-8"))


def _hub(tmp: Path, manifest: dict):  # type: ignore[no-untyped-def]
    settings = hub_config.load(overrides={"paths.data_dir": str(tmp / "hub"), "merge.max_changes": 500_000})
    runtime = build(settings)
    nodes = {}
    with runtime.db.transaction() as session:
        for school in manifest["schools"]:
            add_institution(session, rspo=school["rspo"], name=school["name"], kind=school["kind"])
            keys = KeyPair.generate()
            token = issue_token(session, rspo=school["rspo"], created_by="bench", hours=1)
            node = enrol_node(session, token=token, rspo=school["rspo"], name=school["name"], keys=keys.public)
            nodes[school["rspo"]] = (node.id, keys)
    return runtime, nodes


def _seal_all(root: Path, manifest: dict, runtime, nodes) -> tuple[list[tuple[str, bytes, int]], float]:  # type: ignore[no-untyped-def]
    """Node side: outbox → envelopes. Returns [(rspo, envelope, changes)] and seconds."""
    hub_pub = runtime.keys.current.public
    out = []
    started = time.perf_counter()
    for school in manifest["schools"]:
        node_id, keys = nodes[school["rspo"]]
        db = Database(root / school["db"])
        epoch, after = str(uuid.uuid4()), 0
        while True:
            lines = _read_batch(db, after, BATCH)
            if not lines:
                break
            payload = ("\n".join(line for _, line in lines) + "\n").encode()
            first, last = lines[0][0], lines[-1][0]
            sealed = envelope.seal(kind="uplink", sender_id=node_id, sender_keys=keys, recipient_id=runtime.keys.hub_id,
                                   recipient_kid=hub_pub.kid, recipient_kex=hub_pub.kex, payload=payload, epoch=epoch,
                                   first_seq=first, last_seq=last, count=len(lines), schema=schema_set())
            out.append((school["rspo"], sealed, len(lines)))
            after = last
        db.dispose()
    return out, time.perf_counter() - started


def _baseline_inbox(path: Path, envelopes: list[tuple[str, bytes, int]]) -> float:
    """Plain durable SQLite appends of payload-sized blobs, one transaction per batch."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE inbox (id INTEGER PRIMARY KEY, node TEXT, header TEXT, payload BLOB)")
    started = time.perf_counter()
    for rspo, data, _ in envelopes:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO inbox (node, header, payload) VALUES (?, ?, ?)", (rspo, "{}", data))
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def _ingest_inprocess(runtime, envelopes, threads: int) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    if threads == 1:
        for _, data, _ in envelopes:
            runtime.ingestor.ingest(data)
    else:
        by_node: dict[str, list[bytes]] = {}
        for rspo, data, _ in envelopes:
            by_node.setdefault(rspo, []).append(data)
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda batches: [runtime.ingestor.ingest(d) for d in batches], by_node.values()))
    return time.perf_counter() - started


def _ingest_http(runtime, envelopes, senders: int) -> float:  # type: ignore[no-untyped-def]
    app = create_app(runtime.settings, runtime=runtime)
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}/api/v1/batches"
    by_node: dict[str, list[bytes]] = {}
    for rspo, data, _ in envelopes:
        by_node.setdefault(rspo, []).append(data)

    def send(batches: list[bytes]) -> None:
        with requests.Session() as http:
            for data in batches:
                response = http.post(url, data=data, headers={"Content-Type": "application/octet-stream"})
                if response.status_code != 200:
                    raise RuntimeError(response.text)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(senders) as pool:
        list(pool.map(send, by_node.values()))
    seconds = time.perf_counter() - started
    server.close()
    return seconds


def _baseline_append(tmp: Path, runtime) -> float:  # type: ignore[no-untyped-def]
    """Append-only DuckDB load of the same change lines (no validation, no dedupe, no projection)."""
    files = []
    with runtime.db.reading() as session:
        from sqlalchemy import select

        from hub.sync.models import InboxBatch

        for inbox_id, payload in session.execute(select(InboxBatch.id, InboxBatch.payload_zlib)):
            path = tmp / f"base-{inbox_id}.jsonl"
            path.write_bytes(zlib.decompress(payload))
            files.append(str(path))
    con = duckdb.connect(str(tmp / "baseline.duckdb"))
    con.execute("CREATE TABLE changes (seq BIGINT, entity VARCHAR, v INTEGER, pk VARCHAR, op VARCHAR, ts BIGINT, "
                "data JSON)")
    started = time.perf_counter()
    con.execute("INSERT INTO changes SELECT * FROM read_json(?, format='newline_delimited', columns={'seq': "
                "'BIGINT', 'entity': 'VARCHAR', 'v': 'INTEGER', 'pk': 'VARCHAR', 'op': 'VARCHAR', 'ts': 'BIGINT', "
                "'data': 'JSON'})", [files])
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def main() -> None:
    """Run every step and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=None, help="first N institutions (default: all 97)")
    parser.add_argument("--city", help="reuse (or create) the demo city in this directory")
    parser.add_argument("--jobs", type=int, default=2, help="processes generating the city")
    parser.add_argument("--threads", type=int, default=2, help="concurrent ingest threads (in-process run)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zszo-bench-") as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        root, manifest = _city(args, tmp)
        generated = time.perf_counter() - t0
        runtime, nodes = _hub(tmp, manifest)
        envelopes, seal_s = _seal_all(root, manifest, runtime, nodes)
        changes = sum(n for _, _, n in envelopes)
        base_inbox_s = _baseline_inbox(tmp / "baseline-inbox.sqlite", envelopes)
        ingest_s = _ingest_inprocess(runtime, envelopes, 1)
        merge_report = runtime.warehouse.merge_pending(runtime.db, max_changes=500_000)
        merge_s = merge_report.seconds
        base_append_s = _baseline_append(tmp, runtime)
        runtime.close()
        # Second hub: concurrent in-process ingest and real HTTP ingest.
        runtime2, nodes2 = _hub(tmp / "second", manifest)
        envelopes2, _ = _seal_all(root, manifest, runtime2, nodes2)
        threaded_s = _ingest_inprocess(runtime2, envelopes2[: len(envelopes2) // 2], args.threads)
        http_s = _ingest_http(runtime2, envelopes2[len(envelopes2) // 2:], senders=4)
        half_a = sum(n for _, _, n in envelopes2[: len(envelopes2) // 2])
        half_b = changes - half_a
        runtime2.close()

    totals = manifest["totals"]
    print(f"Demo city: {totals['institutions']} institutions, {totals['pupils']} pupils, "
          f"{changes} changes in {len(envelopes)} batches (generated and loaded in {generated:.1f} s)")
    print(f"{'step':48} {'seconds':>8} {'changes/s':>11} {'vs baseline':>12}")

    def row(name: str, seconds: float, count: int, baseline: float | None = None) -> None:
        ratio = f"{seconds / baseline:10.2f}x" if baseline else ""
        print(f"{name:48} {seconds:8.2f} {count / seconds:11,.0f} {ratio:>12}")

    row("node: read outbox + seal envelopes", seal_s, changes)
    row("baseline: durable SQLite append of the envelopes", base_inbox_s, changes)
    row("hub ingest in-process (1 thread)", ingest_s, changes, base_inbox_s)
    row(f"hub ingest in-process ({args.threads} threads, half the city)", threaded_s, half_a)
    row("hub ingest over HTTP, 4 senders (other half)", http_s, half_b)
    row("baseline: DuckDB append-only load", base_append_s, changes)
    row("hub merge into DuckDB", merge_s, changes, base_append_s)
    row("hub ingest + merge (initial city sync)", ingest_s + merge_s, changes)
    print(f"merge: {merge_report.applied} rows applied, {merge_report.rejected} rejected, "
          f"{merge_report.batches} batches")
    print("targets: ingest >= 50,000 changes/s; merge >= 100,000 changes/s (BRIEF §5)")


if __name__ == "__main__":
    main()
