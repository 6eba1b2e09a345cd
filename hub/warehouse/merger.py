"""The merger: applies inbox batches to the DuckDB warehouse in bulk, idempotently.

One thread of the hub process owns the write side of the warehouse. Each cycle takes the
next inbox batches (in inbox order, up to ``max_changes``), lets DuckDB read their payloads
straight from newline-delimited JSON files, validates every change in SQL
(:mod:`hub.warehouse.checks`), checks ownership (a row belongs to the node that created it, or
the one a transfer moved it to: :mod:`hub.transfers.ownership`) and references (to rows that node
owns or owned), records rejected changes, and applies the latest
valid version of each row by delete + insert. The position ``merged_through`` is stored in
the same DuckDB transaction, so a crash at any point repeats the cycle or none of it:
merging is idempotent, and deleting the warehouse file rebuilds the same content.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from hub.db import Database
from hub.dictionaries import operations as dictionaries
from hub.ownership.forward import forward_requests
from hub.transfers import ownership
from hub.transfers.routing import route_transfers
from hub.warehouse import checks, model, plan, pseudonym, recovery, schema
from protocol.entities import ENTITIES, dependency_order
from zszo.failpoints import failpoint

log = logging.getLogger(__name__)
CHANGE_COLUMNS = "{'seq': 'BIGINT', 'entity': 'VARCHAR', 'v': 'INTEGER', 'pk': 'VARCHAR', 'op': 'VARCHAR', " \
                 "'ts': 'BIGINT', 'data': 'JSON'}"
POS_STRIDE = 2**32  # pos = inbox id * POS_STRIDE + offset of the change in its batch


@dataclass
class MergeReport:
    """What one merge cycle did."""

    batches: int = 0
    changes: int = 0
    applied: int = 0
    rejected: int = 0
    merged_through: int = 0
    held: int = 0  # batches of nodes ahead of this hub, held back in this cycle (see plan.py)
    quarantined: int = 0  # batches of revoked nodes skipped for good (hub/sync/quarantine.py)
    requests_forwarded: int = 0  # non-owner changes sent to their owners (hub/ownership/forward.py)
    moved: int = 0  # records whose owner a transfer changed (hub/transfers/ownership.py)
    transfer_messages: int = 0  # transfer offers and outcomes queued for nodes (hub/transfers/routing.py)
    seconds: float = 0.0
    per_entity: dict[str, int] = field(default_factory=dict)
    model: model.RefreshReport | None = None  # the analytical layer's refresh after this merge, if one ran


class Warehouse:
    """The DuckDB file, its schema, and the merge procedure. One instance per hub process."""

    def __init__(self, path: Path, pseudonym_key: bytes, tmp_dir: Path | None = None) -> None:
        self.path = path
        self.key = pseudonym_key
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp_dir = tmp_dir or path.parent / "tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._merge_lock = threading.Lock()
        self.set_aside_as: Path | None = None  # where an unreadable file went (recovery.py), if it did
        # The analytical layer is rebuilt after merges touching its sources, at most every this many
        # seconds (setting merge.model_refresh_seconds; 0: after every such merge).
        self.model_refresh_seconds = 0.0
        self._model_refreshed = -float("inf")
        self._staged: dict[str, int] = {}  # the current merge cycle's changes per entity (_apply)
        self._written: set[str] = set()  # entities with valid changes in the current cycle so far
        try:
            self._open()
        except duckdb.Error as exc:
            if not recovery.unreadable(exc):
                raise
            self._recover(exc)

    def _open(self) -> None:
        """Connect, create or upgrade the schema, and read the catalog (a damaged file fails here)."""
        self.con = duckdb.connect(str(self.path))
        # Holding the file's lock, we are its only writer: work files left there belong to a merge
        # killed mid-cycle (its transaction never committed), and would pile up at every crash.
        for stale in self.tmp_dir.glob("merge-*"):
            shutil.rmtree(stale, ignore_errors=True)
        for sql in schema.ddl():
            self.con.execute(sql)
        ownership.install(self.con)
        for column in schema.add_missing_columns(self.con):
            log.info("warehouse column added after an upgrade: %s", column)
        checks.install_macros(self.con)
        model.install_views(self.con)
        self._model_dirty = not model.is_built(self.con)
        if self.con.execute("SELECT count(*) FROM _merge_state").fetchone()[0] == 0:
            self.con.execute("INSERT INTO _merge_state VALUES (1, 0, now())")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one thread (readers: dashboards, exports).

        The macros live in the warehouse's catalog (installed once when it is opened): creating
        them again per cursor would be a catalog write racing with the merger's transaction.
        """
        return self.con.cursor()

    def close(self) -> None:
        """Close the database file."""
        self.con.close()

    def _close_quietly(self) -> None:
        con = getattr(self, "con", None)  # None when connecting failed
        if con is not None:
            try:
                con.close()
            except duckdb.Error:
                log.debug("closing a damaged warehouse failed", exc_info=True)

    def _recover(self, exc: BaseException) -> None:
        """A merge found the file damaged: set it aside and start a fresh one (filled from the inbox)."""
        self._close_quietly()
        self.set_aside_as = recovery.set_aside(self.path, exc)
        self._open()

    def merged_through(self) -> int:
        """Id of the last inbox batch merged."""
        return int(self.cursor().execute("SELECT merged_through FROM _merge_state").fetchone()[0])

    # -- merging --------------------------------------------------------------------------------

    def merge_pending(self, db: Database, *, max_changes: int = 500_000) -> MergeReport:
        """Merge inbox batches until none are left; return the combined report."""
        total, recovered = MergeReport(), False
        while True:
            try:
                report = self.merge_once(db, max_changes=max_changes)
            except duckdb.Error as exc:
                if recovered or not recovery.unreadable(exc):
                    raise
                with self._merge_lock:
                    self._recover(exc)
                total, recovered = MergeReport(), True  # from inbox batch 0 again, into the new file
                continue
            if report.batches == 0 and report.merged_through == total.merged_through and not report.held:
                with self._merge_lock:
                    total.requests_forwarded += forward_requests(self.cursor(), db)
                    total.transfer_messages += route_transfers(self.cursor(), db)
                total.merged_through = report.merged_through
                if model.SOURCES & set(total.per_entity) or total.moved:
                    self._model_dirty = True
                if self._model_dirty and time.monotonic() - self._model_refreshed >= self.model_refresh_seconds:
                    total.model = self.refresh_model(db)
                return total
            for name in ("batches", "changes", "applied", "rejected", "held", "quarantined", "moved", "seconds"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            for entity, count in report.per_entity.items():
                total.per_entity[entity] = total.per_entity.get(entity, 0) + count
            total.merged_through = report.merged_through

    def refresh_model(self, db: Database | None = None) -> model.RefreshReport:
        """Rebuild the analytical layer (:mod:`hub.warehouse.model`) now, with the city's calendars from ``db``."""
        calendars = {}
        if db is not None:
            with db.reading() as session:
                calendars = dictionaries.calendars(session)
        with self._merge_lock:
            report = model.refresh(self.cursor(), calendars)
            self._model_dirty = False
            self._model_refreshed = time.monotonic()
        log.info("analytical layer refreshed in %.2fs", report.seconds)
        return report

    def merge_once(self, db: Database, *, max_changes: int = 500_000) -> MergeReport:
        """Merge the next inbox batches (at least one, up to about ``max_changes`` changes)."""
        with self._merge_lock:
            started = time.perf_counter()
            cur = self.cursor()
            after = int(cur.execute("SELECT merged_through FROM _merge_state").fetchone()[0])
            work_plan = plan.make_plan(cur, db, after=after, max_changes=max_changes)
            report = MergeReport(merged_through=after)
            if work_plan.empty:
                return report
            batches, released = work_plan.batches, set(work_plan.release)
            work = Path(tempfile.mkdtemp(prefix="merge-", dir=self.tmp_dir))
            try:
                files, invalid = [], []
                for row in batches:
                    path = work / f"{row.id}.jsonl"
                    reason = plan.write_payload(row, path, released=row.id in released)
                    if reason is None:
                        files.append(str(path))
                    else:
                        invalid.append((row, reason))
                self._apply(cur, work, files, batches, report, work_plan, invalid)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            report.batches = len(batches)
            report.held = len(work_plan.hold)
            report.quarantined = len(work_plan.quarantined)
            report.merged_through = work_plan.watermark
            report.seconds = time.perf_counter() - started
            log.info("merged %d batches (%d changes, %d rejected) up to inbox %d in %.2fs", report.batches,
                     report.changes, report.rejected, report.merged_through, report.seconds)
            return report

    def _apply(self, cur: duckdb.DuckDBPyConnection, work: Path, files: list[str], batches: list,
               report: MergeReport, work_plan: plan.Plan, invalid: list) -> None:
        cur.execute("BEGIN TRANSACTION")
        try:
            if work_plan.hold:
                cur.executemany("INSERT INTO _held VALUES (?, ?)", work_plan.hold)
            if work_plan.release:
                cur.execute("DELETE FROM _held WHERE list_contains(?, inbox_id)", [work_plan.release])
            if work_plan.released_quarantine:  # merged once: the next cycles know (plan.py)
                cur.executemany("INSERT INTO _released VALUES (?)", [(i,) for i in work_plan.released_quarantine])
            for row, reason in invalid:  # released batches failing the ingest's checks: rejected whole
                log.warning("released batch %d of node %s rejected whole: %s", row.id, row.node_id, reason)
                cur.execute("INSERT INTO rejected_change VALUES (?, ?, ?, NULL, '*', NULL, 'batch', ?, now())",
                            [row.id, row.node_id, row.rspo, reason.partition(": ")[0]])
                report.rejected += row.count
            if not files:
                cur.execute("UPDATE _merge_state SET merged_through = ?, merged_at = now()", [work_plan.watermark])
                cur.execute("COMMIT")
                return
            cur.execute("CREATE OR REPLACE TEMP TABLE _batch (inbox_id BIGINT, node_id VARCHAR, rspo VARCHAR, "
                        "first_seq BIGINT, last_seq BIGINT)")
            cur.executemany("INSERT INTO _batch VALUES (?, ?, ?, ?, ?)",
                            [(b.id, b.node_id, b.rspo, b.first_seq, b.last_seq) for b in batches
                             if b.id not in {row.id for row, _ in invalid}])
            # pos: the change's place in this cycle, in (inbox id, seq) order. Computed, not numbered with
            # a window (a sort of every staged row): a batch holds far fewer than 2**32 changes, and every
            # pos is > 0 (earlier cycles' moves count as position 0, hub/transfers/ownership.py).
            cur.execute(f"""
                CREATE OR REPLACE TEMP TABLE _stage AS
                SELECT b.inbox_id, b.node_id, b.rspo, c.seq, c.entity, c.v, c.pk, c.op, c.ts, c.data,
                       b.inbox_id * {POS_STRIDE} + (c.seq - b.first_seq) AS pos
                FROM read_json(?, format = 'newline_delimited', columns = {CHANGE_COLUMNS}, filename = true,
                               ignore_errors = true) c
                JOIN _batch b ON b.inbox_id = CAST(regexp_extract(c.filename, '([0-9]+)\\.jsonl$', 1) AS BIGINT)
            """, [files])
            report.changes = int(cur.execute("SELECT count(*) FROM _stage").fetchone()[0])
            report.rejected += self._reject_malformed(cur)
            # Per cycle: changes staged per entity (one query, not one per entity), and the entities with
            # valid changes so far (their _hist_ tables are not empty: see _reference_check).
            self._staged = dict(cur.execute("SELECT entity, count(*) FROM _stage GROUP BY entity").fetchall())
            self._written = set()
            ownership.plan_moves(cur)  # transfers accepted in this cycle, at their positions
            for name in ENTITIES:
                # _hist_<e>: the valid changes of this cycle in order; _pre_<e>: the rows they replace
                # as they were before the cycle. Reference checks read the parent as of each change.
                cur.execute(f"CREATE OR REPLACE TEMP TABLE _hist_{name} (pk VARCHAR, node_id VARCHAR, pos BIGINT, "
                            "op VARCHAR)")
                cur.execute(f"CREATE OR REPLACE TEMP TABLE _pre_{name} (pk VARCHAR, node_id VARCHAR)")
            for name in dependency_order():
                applied, rejected = self._apply_entity(cur, work, name)
                report.applied += applied
                report.rejected += rejected
                if applied or rejected:
                    report.per_entity[name] = applied
                    failpoint("merger.mid_transaction")  # rows written, nothing committed yet
            report.moved = ownership.apply_moves(cur)
            cur.execute("UPDATE _merge_state SET merged_through = ?, merged_at = now()", [work_plan.watermark])
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        finally:
            history = [f"_{kind}_{name}" for name in ENTITIES for kind in ("hist", "pre")]
            refs = [f"_ref{k}" for k in range(max(len(e.references) for e in ENTITIES.values()))]
            for table in ("_stage", "_batch", "_v", "_old", "_cand", "_chosen", "_pkeys", *history, *refs,
                          *ownership.TEMP_TABLES):
                cur.execute(f"DROP TABLE IF EXISTS {table}")
        try:
            cur.execute("CHECKPOINT")
        except duckdb.TransactionException:
            # A reader (a dashboard query) still has a transaction open. The merge is committed;
            # DuckDB checkpoints on its own once the WAL grows, so this must not fail the cycle.
            log.debug("checkpoint skipped: readers active")

    @staticmethod
    def _reject_malformed(cur: duckdb.DuckDBPyConnection) -> int:
        """Reject the changes whose line DuckDB could not parse (ingest checks structure, not records).

        Such a line comes back from ``read_json(ignore_errors)`` as a row of NULLs; its sequence
        number is the one missing from its batch's range. It is recorded and dropped, so the rest of
        the batch and every later batch still merge.
        """
        # Only batches with fewer staged changes than their range are searched, seq by seq.
        missing = cur.execute("""
            WITH short AS (
                SELECT b.* FROM _batch b
                LEFT JOIN (SELECT inbox_id, count(seq) AS n FROM _stage GROUP BY inbox_id) s USING (inbox_id)
                WHERE coalesce(s.n, 0) < b.last_seq - b.first_seq + 1
            )
            SELECT b.inbox_id, b.node_id, b.rspo, q.seq
            FROM short b, LATERAL (SELECT unnest(range(b.first_seq, b.last_seq + 1)) AS seq) q
            WHERE NOT EXISTS (SELECT 1 FROM _stage s WHERE s.inbox_id = b.inbox_id AND s.seq = q.seq)
        """).fetchall()
        if missing:
            cur.executemany(
                "INSERT INTO rejected_change VALUES (?, ?, ?, ?, NULL, NULL, 'data', 'malformed_json', now())", missing)
            cur.execute("DELETE FROM _stage WHERE seq IS NULL")
        return len(missing)

    def _apply_entity(self, cur: duckdb.DuckDBPyConnection, work: Path, name: str) -> tuple[int, int]:
        """Validate, check and apply this cycle's changes of one entity; return (applied, rejected).

        Every temporary table is narrow (positions, keys, verdicts); the parsed record (``_x``) is
        read once more only for the rows written. The warehouse table is scanned once, to find the
        rows the cycle touches (``_old``: their rowid and owner); the owner check, the rows' state
        before the cycle and the delete all use that, so a 10M-row table is not read three times.
        """
        entity, written = ENTITIES[name], self._written
        if not self._staged.get(name):
            return 0, 0
        # 1. Parse each record once; field and record rules.
        derived = checks.derived(entity)
        cur.execute(f"""
            CREATE OR REPLACE TEMP TABLE _v AS
            WITH q AS MATERIALIZED (
                SELECT s.inbox_id, s.node_id, s.rspo, s.seq, s.op, s.ts, s.pk, s.pos, {checks.parsed(entity, "s.data")}
                FROM _stage s WHERE s.entity = '{name}'
            ), p AS (SELECT q.*{", " + derived if derived else ""} FROM q)
            SELECT p.inbox_id, p.node_id, p.rspo, p.seq, p.op, p.ts, p.pk, p.pos, p._x,
                   CASE WHEN p.op = 'upsert' THEN {checks.COLUMN_ERROR_EXPRESSIONS[name]} END AS field_error
            FROM p
        """)
        # 2. The warehouse rows this cycle touches: the one scan of the (large) table.
        cur.execute(f"""
            CREATE OR REPLACE TEMP TABLE _old AS
            SELECT t.rowid AS rid, t.id, t._node_id FROM {name} t
            WHERE t.id IN (SELECT TRY_CAST(pk AS UUID) FROM _v)
        """)
        # 3. References, as a node applied the changes one by one (see _reference_check).
        ref_checks, ref_joins = [], []
        for k, ref in enumerate(entity.references):
            self._reference_check(cur, entity, ref, k, rewritten=ref.ref in written)
            ref_joins.append(f"LEFT JOIN _ref{k} r{k} ON r{k}.pos = s.pos")
            ref_checks.append(f"WHEN r{k}.ok IS NOT NULL AND NOT r{k}.ok THEN '{ref.name}|unknown_reference'")
        # 4. The first broken rule of each change: identity, fields, ownership, references. The owner is
        # the row's node, unless a transfer accepted earlier in this cycle moved it (hub/transfers/ownership.py);
        # a row new to the warehouse belongs to the node whose change of it came first in this cycle.
        move_join, moved_owner = ownership.owner_join(cur, name)
        owner = f"coalesce({moved_owner}, t._node_id, f.first_node)"
        cur.execute(f"""
            CREATE OR REPLACE TEMP TABLE _cand AS
            WITH f AS (SELECT pk, arg_min(node_id, pos) AS first_node FROM _v GROUP BY pk)
            SELECT s.inbox_id, s.node_id, s.rspo, s.seq, s.op, s.pk, s.pos, {owner} AS owner, CASE
                WHEN TRY_CAST(s.pk AS UUID) IS NULL OR s.pk <> lower(s.pk) THEN 'id|type'
                WHEN s.field_error IS NOT NULL THEN s.field_error
                WHEN s.op = 'upsert' AND s._x[{entity.field_names.index(entity.pk) + 1}] <> s.pk THEN 'id|pk_mismatch'
                WHEN {owner} <> s.node_id THEN 'id|not_owner'
                {' '.join(ref_checks)}
                END AS err
            FROM _v s LEFT JOIN f ON f.pk = s.pk LEFT JOIN _old t ON t.id = TRY_CAST(s.pk AS UUID)
            {move_join} {' '.join(ref_joins)}
        """)
        valid, rejected = (int(n or 0) for n in cur.execute(
            "SELECT count(*) FILTER (WHERE err IS NULL), count(*) FILTER (WHERE err IS NOT NULL) FROM _cand"
        ).fetchone())
        if valid:
            cur.execute(f"INSERT INTO _hist_{name} SELECT pk, node_id, pos, op FROM _cand WHERE err IS NULL")
            written.add(name)
        if rejected:
            cur.execute(f"""
                INSERT INTO _owner_request
                SELECT s.inbox_id, s.seq, '{name}', s.pk, s.node_id, s.owner, false
                FROM _cand s WHERE s.err = 'id|not_owner'
            """)
            cur.execute("""
                INSERT INTO rejected_change
                SELECT inbox_id, node_id, rspo, seq, ?, pk,
                       -- "field|code": split at the last "|", an unknown field's name may contain one
                       left(err, length(err) - length(split_part(err, '|', -1)) - 1), split_part(err, '|', -1), now()
                FROM _cand WHERE err IS NOT NULL
            """, [name])
        if not valid:
            return 0, rejected
        # The latest valid change of each row (pos is the change's place in this cycle).
        cur.execute("""
            CREATE OR REPLACE TEMP TABLE _chosen AS
            SELECT pk, max(pos) AS pos, arg_max(op, pos) AS op FROM _cand WHERE err IS NULL GROUP BY pk
        """)
        join, key_expr = "", ""
        if schema.has_pseudonym(entity):
            self._pseudonyms(cur, work, name)
            join = "LEFT JOIN _pkeys k ON k.pk = c.pk"
            key_expr = ", k.pupil_key"
        replaced = "(SELECT CAST(pk AS UUID) FROM _chosen)"
        cur.execute(f"INSERT INTO _pre_{name} SELECT CAST(id AS VARCHAR), _node_id FROM _old WHERE id IN {replaced}")
        cur.execute(f"DELETE FROM {name} WHERE rowid IN (SELECT rid FROM _old WHERE id IN {replaced})")
        values = ", ".join(schema.value_expr(f, f"c._x[{entity.field_names.index(f.name) + 1}]")
                           for f in schema.kept_fields(entity))
        # Columns by name: a warehouse upgraded in place has new fields' columns at the end.
        target = ", ".join(column for column, _ in schema.columns(entity))
        cur.execute(f"""
            INSERT INTO {name} ({target})
            SELECT {values}{key_expr}, c.node_id, c.rspo, c.inbox_id, c.seq, c.ts
            FROM _v c JOIN _chosen w ON w.pos = c.pos {join} WHERE c.op = 'upsert'
        """)
        return int(cur.execute("SELECT count(*) FROM _chosen").fetchone()[0]), rejected

    @staticmethod
    def _reference_check(cur: duckdb.DuckDBPyConnection, entity, ref, k: int,  # type: ignore[no-untyped-def]
                         *, rewritten: bool) -> None:
        """Build ``_ref<k>(pos, ok)``: did the referenced row exist, owned by the change's node, just before it?

        "Owned" includes rows a transfer moved to or from that node (``_movers``): the sending school
        keeps referencing a transferred pupil in its history, the receiving one references it at once.

        As a node applied them one by one: the last valid change of that row earlier in this cycle
        decides (an ASOF join on the cycle's history ``_hist_<parent>``); without one, the row as
        it was before the cycle (``_pre_<parent>`` if this cycle rewrote it, else the table).
        Checking the table after the whole cycle instead would reject a pupil's enrolment merely
        because the pupil was deleted later in the same cycle, and would make verdicts depend on
        where merge cycles happen to start and end. All set-based: no correlated subqueries.
        """
        parent, index = ref.ref, entity.field_names.index(ref.name) + 1
        movers, moved = ownership.movers_join(cur, parent)
        table_ok = f"t.id IS NOT NULL AND (t._node_id = c.node_id OR {moved})"
        if rewritten:
            verdict = f"""CASE
                WHEN h.pk IS NOT NULL THEN h.op = 'upsert' AND (h.node_id = c.node_id OR {moved})
                WHEN w.pk IS NOT NULL THEN pre.pk IS NOT NULL AND (pre.node_id = c.node_id OR {moved})
                ELSE {table_ok}
                END"""
            history = f"""ASOF LEFT JOIN _hist_{parent} h ON h.pk = c.ref AND c.pos > h.pos
                LEFT JOIN (SELECT DISTINCT pk FROM _hist_{parent}) w ON w.pk = c.ref
                LEFT JOIN _pre_{parent} pre ON pre.pk = c.ref"""
        else:  # no valid change of the parent in this cycle: the table as it was is the whole story
            verdict, history = table_ok, ""
        cur.execute(f"""
            CREATE OR REPLACE TEMP TABLE _ref{k} AS
            WITH c AS (
                SELECT pos, node_id, nullif(_x[{index}], '') AS ref FROM _v
                WHERE op = 'upsert' AND field_error IS NULL AND nullif(_x[{index}], '') IS NOT NULL
            )
            SELECT c.pos, {verdict} AS ok
            FROM c {history}
            LEFT JOIN {parent} t ON t.id = TRY_CAST(c.ref AS UUID) {movers}
        """)

    def _pseudonyms(self, cur: duckdb.DuckDBPyConnection, work: Path, name: str) -> None:
        """Compute ``pupil_key`` in Python (HMAC key never enters DuckDB) and stage it as a table."""
        fields = ENTITIES[name].field_names
        pesel, doc_type, doc_number = (fields.index(f) + 1 for f in ("pesel", "document_type", "document_number"))
        rows = cur.execute(
            f"SELECT c.pk, c._x[{pesel}], c._x[{doc_type}], c._x[{doc_number}] FROM _v c "
            "JOIN _chosen w ON w.pos = c.pos WHERE c.op = 'upsert'"
        ).fetchall()
        path = work / f"pkeys-{name}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for pk, pesel, doc_type, doc_number in rows:
                key = pseudonym.pupil_key(self.key, pesel, doc_type, doc_number)
                fh.write(json.dumps({"pk": pk, "pupil_key": key}))
                fh.write("\n")
        cur.execute("CREATE OR REPLACE TEMP TABLE _pkeys (pk VARCHAR, pupil_key VARCHAR)")
        if rows:
            cur.execute("INSERT INTO _pkeys SELECT * FROM read_json(?, format = 'newline_delimited', "
                        "columns = {'pk': 'VARCHAR', 'pupil_key': 'VARCHAR'})", [str(path)])


class MergerThread(threading.Thread):
    """Runs merge cycles when woken (after each stored batch) or every ``interval`` seconds."""

    def __init__(self, warehouse: Warehouse, db: Database, *, interval: float, max_changes: int) -> None:
        super().__init__(name="zszo-merger", daemon=True)
        self.warehouse, self.db = warehouse, db
        self.interval, self.max_changes = interval, max_changes
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.last_error: str | None = None

    def run(self) -> None:
        """Merge until asked to stop; errors are logged and retried at the next interval."""
        while not self.stopping.is_set():
            try:
                self.warehouse.merge_pending(self.db, max_changes=self.max_changes)
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - the loop must survive and retry
                self.last_error = str(exc)
                log.exception("merge cycle failed; will retry")
            self.wake.wait(self.interval)
            self.wake.clear()

    def stop(self) -> None:
        """Ask the loop to finish its current cycle and exit."""
        self.stopping.set()
        self.wake.set()
