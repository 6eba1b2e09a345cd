"""A Hypothesis state machine: three schools and a hub over a faulty network, with crashes and clock skew.

Real node databases (SQLite files, capture triggers, the real sync client) and a real hub (SQLite
inbox, DuckDB warehouse, the ``/api/v1`` app) in this process, linked by
:class:`tests.faults.network.Network`, which drops, duplicates, delays and reorders requests and
loses answers. Nodes and the hub crash — at random moments and at the named failpoints (node
after send before ack, hub after inbox commit before reply, merger mid-transaction) — and come
back from their files. Node clocks are set years off.

Invariants, after every step:

* a node's acknowledged sequence only rises (within its database epoch), and so does the hub's;
* the inbox holds every change of a node epoch exactly once: contiguous ranges from 1, no
  overlap, and at least as far as the node believes acknowledged;
* outboxes stay bounded: at most one batch of changes the hub already holds is still queued;
* after a sync without faults the outbox is empty;
* after every complete merge the warehouse is the inbox replayed in order (each change applied
  exactly once, no id twice, nothing rejected);

and at quiescence (hub up, held requests delivered, one clean sync per node, a merge) every
school's data on its node equals its data in the warehouse, table by table.

Schools are also restored from old backups (``VACUUM INTO`` copies made earlier): such a node's
next sync stops with ``epoch_rewound`` (never on a node that was not restored), the operator runs
``new-epoch``, and from then on the invariants hold again in the new stream — except that rows
lost with the restore stay in the warehouse as they were, so after a restore only the rows the
school wrote since are compared.

Keys rotate too: a school replaces its key pair (``rotate-key``, through the same faulty network,
so the rotation's request may be lost, delayed and delivered late, or its answer lost), and the
hub replaces its own with a 30-day grace, the city's root signing the new key list at once or
only later. Two schools pinned the root at enrolment and follow the signed list; the third did
not and keeps the key it was given (valid through the grace). Further invariants:

* the hub knows each school by the key the school holds, or by the new key still waiting on the
  school when the rotation's answer was lost (never by a key the school no longer has);
* every school seals to a hub key the hub still accepts (the current one or one in its grace);

and at quiescence, with the key list signed, the pinned schools seal to the hub's current key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import delete, select, text

import node_agent.sync.client as client_module
from hub.fleet import keyring
from hub.fleet import operations as fleet
from hub.fleet import trust as trust_ops
from hub.fleet.models import Node
from hub.sync.models import InboxBatch, NodeSyncState
from node_agent.db import utcnow
from node_agent.register.models import ClassUnit
from node_agent.school import operations as school_ops
from node_agent.school.models import SchoolYear, Subject
from node_agent.staff import operations as staff_ops
from node_agent.staff.models import StaffMember
from node_agent.sync import identity
from protocol import trust
from tests.faults import network
from tests.faults.network import FAULTS, HUB_URL, NONE, Crash, InProcessHub, Network, armed, reopen
from tests.faults.replicas import duplicate_ids, inbox_view, node_view, warehouse_view
from tests.sync.helpers import NAME_A, NAME_B, RSPO_A, RSPO_B, SchoolNode, make_node
from zszo import sqlite as zsqlite

SCHOOLS = ((RSPO_A, NAME_A), (RSPO_B, NAME_B), ("100303", "Przedszkole Miejskie nr 3 „Słoneczko”"))
BATCH = 5  # small batches: a sync sends several, so faults hit one in the middle
ENTITIES = ("school_year", "staff_member", "subject", "class_unit")
which = st.integers(0, len(SCHOOLS) - 1)
# Faults a rotation request may meet (a crashing hub or node failpoint belongs to batches, not rotations).
ROTATION_FAULTS = [f for f in FAULTS if f not in (network.HUB_CRASH, network.NODE_CRASH)]


class FaultyCity(RuleBasedStateMachine):
    """Schools writing and syncing through a faulty network to a hub that crashes and merges."""

    def __init__(self) -> None:
        super().__init__()
        self.root = network.scratch_dir()
        self.hub = InProcessHub(self.root / "hub")
        self.net = Network(self.hub)
        self.nodes: dict[str, SchoolNode] = {}
        self.skew: dict[str, dt.timedelta] = {}
        self.syncing: str | None = None
        self.node_acked: dict[str, tuple[str, int]] = {}
        self.backups: dict[str, list[Path]] = {}
        self.restored: set[str] = set()  # ever restored: compare only rows written since
        self.rewound: set[str] = set()  # restored, its old queue not yet confirmed or re-sent
        self.touched: dict[str, set[str]] = {}  # ids written since the last restore
        self.hub_acked: dict[tuple[str, str], int] = {}
        self.codes = itertools.count(1)
        self.root_key = trust.RootKey.generate()
        self.trust_current = True  # the latest hub key list is signed by the root
        self.pinned: set[str] = set()  # schools enrolled with the root's fingerprint
        self.patches = [mock.patch.object(client_module, "client_for", self.net.client_for),
                        mock.patch.object(client_module, "utcnow", self._node_clock)]
        for patch in self.patches:
            patch.start()

    def _node_clock(self) -> dt.datetime:
        """What the syncing node's clock says (years off after ``set_clock``)."""
        return utcnow() + self.skew.get(self.syncing or "", dt.timedelta())

    def rspo(self, index: int) -> str:
        return SCHOOLS[index][0]

    # -- set-up ---------------------------------------------------------------------------------

    @initialize()
    def enrol_schools(self) -> None:
        self.sign_trust()
        for index, (rspo, name) in enumerate(SCHOOLS):
            with self.hub.db.transaction() as session:
                fleet.add_institution(session, rspo=rspo, name=name, kind="primary")
                token = fleet.issue_token(session, rspo=rspo, created_by="test", hours=1)
            node = make_node(self.root / rspo, rspo=rspo, name=name, hub_url=HUB_URL,
                             overrides={"sync.batch_max_changes": BATCH})
            if index < 2:  # the last school enrols without the root: it keeps the hub key it was given
                client_module.enrol(node.settings, node.db, hub_url=HUB_URL, token=token,
                                  root_fingerprint=self.root_key.fingerprint)
                self.pinned.add(rspo)
            else:
                node.enrol(HUB_URL, token)
            with node.db.transaction() as session:
                school_ops.save_school_year(session, {"label": "2026/2027", "starts_on": "2026-09-01",
                                                      "ends_on": "2027-06-25"})
            self.nodes[rspo] = node

    # -- school work (through the node's operations and, for bulk changes, plain SQL) -----------

    def write(self, index: int, work) -> None:  # type: ignore[no-untyped-def]
        """Run ``work(session)`` as one transaction; a node whose clock is off stamps its changes so."""
        rspo = self.rspo(index)
        node = self.nodes[rspo]
        with node.db.transaction() as session:
            before = session.execute(text("SELECT coalesce(max(seq), 0) FROM sync_outbox")).scalar_one()
            work(session)
            session.flush()
            self.touched.setdefault(rspo, set()).update(session.execute(
                text("SELECT pk FROM sync_outbox WHERE seq > :before"), {"before": before}).scalars())
            skew_ms = int(self.skew.get(rspo, dt.timedelta()).total_seconds() * 1000)
            if skew_ms:  # the capture triggers read SQLite's clock; a wrong server clock shifts it
                session.execute(text("UPDATE sync_outbox SET ts = ts + :ms WHERE seq > :before"),
                                {"ms": skew_ms, "before": before})

    @rule(index=which, count=st.integers(1, 8))
    def add_subjects(self, index: int, count: int) -> None:
        def work(session):  # type: ignore[no-untyped-def]
            for _ in range(count):
                code = next(self.codes)
                school_ops.save_subject(session, {"code": f"p{code}", "name": f"Przedmiot {code}: zajęcia „Żółw”"})
        self.write(index, work)

    @rule(index=which)
    def rename_subjects_in_bulk(self, index: int) -> None:
        self.write(index, lambda s: s.execute(text("UPDATE subject SET name = substr(name || '''', 1, 150)")))

    @rule(index=which, pick=st.integers(0, 10_000))
    def delete_a_subject(self, index: int, pick: int) -> None:
        def work(session):  # type: ignore[no-untyped-def]
            ids = sorted(session.scalars(select(Subject.id)))
            if ids:
                session.execute(delete(Subject).where(Subject.id == ids[pick % len(ids)]))
        self.write(index, work)

    @rule(index=which, count=st.integers(1, 4), position=st.sampled_from(["teacher", "director", "pedagogue"]))
    def add_staff(self, index: int, count: int, position: str) -> None:
        def work(session):  # type: ignore[no-untyped-def]
            for _ in range(count):
                staff_ops.save_staff_member(session, {"first_name": "Jędrzej", "last_name": f"Kowal-{next(self.codes)}",
                                                      "position": position})
        self.write(index, work)

    @rule(index=which)
    def toggle_staff_in_bulk(self, index: int) -> None:
        self.write(index, lambda s: s.execute(text("UPDATE staff_member SET active = NOT active")))

    @rule(index=which, level=st.integers(0, 8), pick=st.integers(0, 10_000))
    def add_class(self, index: int, level: int, pick: int) -> None:
        def work(session):  # type: ignore[no-untyped-def]
            year = session.scalar(select(SchoolYear))
            staff = sorted(session.scalars(select(StaffMember.id)))
            school_ops.save_class(session, {"school_year_id": year.id, "level": level, "letter": f"k{next(self.codes)}",
                                            "tutor_id": staff[pick % len(staff)] if staff else None})
        self.write(index, work)

    @rule(index=which, pick=st.integers(0, 10_000))
    def delete_a_class(self, index: int, pick: int) -> None:
        def work(session):  # type: ignore[no-untyped-def]
            ids = sorted(session.scalars(select(ClassUnit.id)))
            if ids:
                session.execute(delete(ClassUnit).where(ClassUnit.id == ids[pick % len(ids)]))
        self.write(index, work)

    @rule(index=which, years=st.integers(-60, 30))  # 1966 (a dead RTC battery) to 2056
    def set_clock(self, index: int, years: int) -> None:
        self.skew[self.rspo(index)] = dt.timedelta(days=365 * years, minutes=7 * years)

    # -- syncing, crashing, merging -------------------------------------------------------------

    @contextlib.contextmanager
    def network_faults(self, rspo: str, faults: list[str]) -> Iterator[None]:
        """The school's next requests meet ``faults`` in order (then none); failpoints disarmed after."""
        self.net.plan, self.syncing = list(faults), rspo
        try:
            yield
        finally:
            network.disarm()
            self.net.plan, self.syncing = [], None

    @rule(index=which, faults=st.lists(st.sampled_from(FAULTS), max_size=4))
    def sync(self, index: int, faults: list[str]) -> None:
        rspo = self.rspo(index)
        node = self.nodes[rspo]
        clean = self.hub.up and all(f == NONE for f in faults)
        try:
            with self.network_faults(rspo, faults):
                report = node.sync()
        except Crash:  # the node died at its failpoint
            self.nodes[rspo] = reopen(node)
            return
        if report.error_code == "epoch_rewound":
            assert rspo in self.rewound, f"school {rspo} was never restored but its epoch is rewound"
            self.new_epoch(rspo)
            return
        if report.ok:
            self.rewound.discard(rspo)
        if clean:
            assert report.ok, report.error
            assert node.outbox() == [], "changes left over after a sync without faults"

    def new_epoch(self, rspo: str) -> None:
        """What the operator does on ``epoch_rewound``: ``zszo node new-epoch``."""
        with self.nodes[rspo].db.transaction() as session:
            identity.new_epoch(session)
        self.rewound.discard(rspo)

    @rule(index=which)
    def back_up(self, index: int) -> None:
        rspo = self.rspo(index)
        backups = self.backups.setdefault(rspo, [])
        backups.append(zsqlite.backup(self.nodes[rspo].db.engine, self.root / "backups" / f"{rspo}-{len(backups)}"))

    @precondition(lambda self: bool(self.backups))
    @rule(index=which, pick=st.integers(0, 100))
    def restore_from_backup(self, index: int, pick: int) -> None:
        rspo = self.rspo(index)
        if not self.backups.get(rspo):
            return
        backup = self.backups[rspo][pick % len(self.backups[rspo])]
        node = self.nodes[rspo]
        node.close()
        database: Path = node.settings["paths.database"]
        for suffix in ("", "-wal", "-shm"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
        database.write_bytes(backup.read_bytes())
        self.nodes[rspo] = reopen(node)
        self.restored.add(rspo)
        self.rewound.add(rspo)
        self.touched[rspo] = set()
        self.node_acked.pop(rspo, None)  # the database went back in time; the hub must not

    @rule(index=which)
    def crash_node(self, index: int) -> None:
        self.nodes[self.rspo(index)] = reopen(self.nodes[self.rspo(index)])

    @precondition(lambda self: self.hub.up)
    @rule()
    def crash_hub(self) -> None:
        self.hub.crash()

    @precondition(lambda self: not self.hub.up)
    @rule()
    def restart_hub(self) -> None:
        self.hub.start()

    # -- keys -----------------------------------------------------------------------------------

    @rule(index=which, faults=st.lists(st.sampled_from(ROTATION_FAULTS), max_size=2))
    def rotate_node_key(self, index: int, faults: list[str]) -> None:
        """``zszo node rotate-key``: signed by the old and new key; a lost answer leaves the new key waiting."""
        rspo = self.rspo(index)
        node = self.nodes[rspo]
        clean = self.hub.up and all(f == NONE for f in faults)
        try:
            with self.network_faults(rspo, faults):
                result = client_module.rotate_key(node.settings, node.db)
        except client_module.SyncError as exc:
            assert not clean, f"school {rspo}: a rotation without faults failed: {exc}"
            assert exc.code in ("offline", "unavailable", "error"), f"school {rspo}: rotation refused: {exc}"
            return
        assert node.keys.public.kid == result["new_kid"] != result["old_kid"]
        assert not identity.pending_key_path(node.settings["paths.keys"]).exists()

    @precondition(lambda self: self.hub.up)
    @rule(sign=st.booleans())
    def rotate_hub_key(self, sign: bool) -> None:
        """``zszo hub rotate-key --grace-days 30``, then (now or at a later step) ``zszo hub root sign``."""
        keys_path = self.hub.settings["paths.keys"]
        with self.hub.db.transaction() as session:
            _old, new = keyring.rotate(session, keys_path, grace=dt.timedelta(days=30))
        keyring.promote(keys_path, new)
        self.hub.runtime.refresh_keys(force=True)
        self.trust_current = False
        if sign:
            self.sign_trust()

    @precondition(lambda self: self.hub.up and not self.trust_current)
    @rule()
    def sign_hub_keys(self) -> None:
        self.sign_trust()

    def sign_trust(self) -> None:
        """The city's root signs the hub's current key list (the operator's step after a rotation)."""
        with self.hub.db.transaction() as session:
            trust_ops.sign(session, self.hub.runtime.keys, self.root_key, days=365)
        self.trust_current = True

    @precondition(lambda self: bool(self.net.held))
    @rule(data=st.data())
    def deliver_held_requests(self, data: st.DataObject) -> None:
        self.net.deliver_held(data.draw(st.permutations(range(len(self.net.held)))))

    @precondition(lambda self: self.hub.up)
    @rule(crash=st.booleans())
    def merge(self, crash: bool) -> None:
        if crash:
            try:
                with armed("merger.mid_transaction"):
                    self.hub.merge()
            except Crash:
                self.hub.crash()
                return
        else:
            self.hub.merge()
        self.check_warehouse()

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def acknowledged_sequences_only_rise_and_are_held_once(self) -> None:
        if not self.nodes:
            return
        states = {rspo: node.state() for rspo, node in self.nodes.items()}
        for rspo, state in states.items():
            epoch, before = self.node_acked.get(rspo, (state["epoch"], 0))
            if epoch == state["epoch"]:
                assert state["acked_through"] >= before, f"school {rspo}: acknowledged sequence went back"
            self.node_acked[rspo] = (state["epoch"], state["acked_through"])
        if not self.hub.up:
            return
        with self.hub.db.reading() as session:
            ranges = session.execute(select(InboxBatch.node_id, InboxBatch.epoch, InboxBatch.first_seq,
                                            InboxBatch.last_seq).order_by(InboxBatch.id)).all()
            acked = {(n, e): a for n, e, a in session.execute(
                select(NodeSyncState.node_id, NodeSyncState.epoch, NodeSyncState.acked_through))}
        held: dict[tuple[str, str], int] = {}
        for node_id, epoch, first, last in ranges:
            if (node_id, epoch) in held:  # the first batch of an epoch sets its base (a new epoch's may be > 1)
                assert first == held[(node_id, epoch)] + 1, "inbox ranges of a node overlap or leave a gap"
            held[(node_id, epoch)] = last
        assert held == {key: value for key, value in acked.items() if value}
        for key, value in acked.items():
            assert value >= self.hub_acked.get(key, 0), "the hub's acknowledged sequence went back"
            self.hub_acked[key] = value
        for rspo, state in states.items():
            on_hub = held.get((state["node_id"], state["epoch"]), 0)
            assert state["acked_through"] <= on_hub, f"school {rspo} believes more is acknowledged than the hub holds"
            if rspo in self.rewound:  # a restored queue the hub holds in full until the next sync says so
                continue
            queued_but_held = sum(1 for seq, *_ in self.nodes[rspo].outbox() if seq <= on_hub)
            assert queued_but_held <= BATCH, f"school {rspo}: {queued_but_held} changes the hub holds still queued"

    @invariant()
    def keys_agree(self) -> None:
        if not self.nodes or not self.hub.up:
            return
        with self.hub.db.reading() as session:
            known = {node_id: kid for node_id, kid in session.execute(select(Node.id, Node.kid))}
        accepted = set(self.hub.runtime.keys.usable())
        for rspo, node in self.nodes.items():
            state = node.state()
            keys_path = node.settings["paths.keys"]
            held = {node.keys.public.kid}
            if identity.pending_key_path(keys_path).exists():
                held.add(identity.pending_keys(keys_path).public.kid)
            assert known[state["node_id"]] in held, f"school {rspo}: the hub knows a key the school does not hold"
            pinned = identity.hub_keys(identity_row(node)).kid
            assert pinned in accepted, f"school {rspo} seals to hub key {pinned}, which the hub no longer accepts"

    def check_warehouse(self) -> None:
        """The warehouse is the inbox replayed: every change exactly once, nothing rejected."""
        cur = self.hub.warehouse.cursor()
        assert duplicate_ids(cur) == {}
        assert cur.execute("SELECT count(*) FROM rejected_change").fetchone()[0] == 0
        expected, seqs = inbox_view(self.hub.db, ENTITIES)
        for key, numbers in seqs.items():
            assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), \
                f"node epoch {key}: inbox changes not exactly once"
        found = warehouse_view(cur, ENTITIES)
        for name in ENTITIES:
            assert found[name] == expected[name], f"warehouse table {name} is not the inbox replayed"

    def teardown(self) -> None:
        try:
            if self.nodes:
                self.quiesce()
        finally:
            network.disarm()
            for patch in self.patches:
                patch.stop()
            for node in self.nodes.values():
                node.close()
            self.hub.crash()
            network.remove(self.root)

    def quiesce(self) -> None:
        """No more faults: late requests arrive, every school syncs once, the hub merges; all agree."""
        if not self.hub.up:
            self.hub.start()
        self.net.deliver_held(list(range(len(self.net.held))))
        if not self.trust_current:
            self.sign_trust()
        for rspo, node in self.nodes.items():
            self.syncing = rspo
            report = node.sync()
            if report.error_code == "epoch_rewound" and rspo in self.rewound:
                self.new_epoch(rspo)
                report = node.sync()
            assert report.ok, f"school {rspo}: {report.error}"
            assert node.outbox() == [], f"school {rspo}: outbox not empty after a clean sync"
        self.syncing = None
        self.acknowledged_sequences_only_rise_and_are_held_once()
        self.keys_agree()
        current = self.hub.runtime.keys.current.public.kid
        for rspo in self.pinned:
            pinned = identity.hub_keys(identity_row(self.nodes[rspo])).kid
            assert pinned == current, f"school {rspo} pinned the root but still seals to hub key {pinned}"
        self.hub.merge()
        self.check_warehouse()
        warehouse = warehouse_view(self.hub.warehouse.cursor(), ENTITIES)
        for rspo, node in self.nodes.items():
            mine = node_view(node.settings["paths.database"], rspo, ENTITIES)
            for name in ENTITIES:
                theirs, ours = warehouse[name].get(rspo, []), mine[name].get(rspo, [])
                if rspo in self.restored:  # rows lost with the restore stay as the hub had them
                    touched = self.touched.get(rspo, set())
                    theirs = [row for row in theirs if row[0] in touched]
                    ours = [row for row in ours if row[0] in touched]
                assert theirs == ours, f"school {rspo}: {name} differs"


def identity_row(node: SchoolNode):  # type: ignore[no-untyped-def]
    """The node's sync_state row (detached: plain attribute reads)."""
    with node.db.read_session() as session:
        row = identity.state(session)
        session.expunge(row)
        return row


COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
TestFaultyCity = FaultyCity.TestCase
TestFaultyCity.settings = settings(max_examples=10, stateful_step_count=25, **COMMON)


@pytest.mark.slow
class TestFaultyCityLonger(FaultyCity.TestCase):  # type: ignore[misc, valid-type]
    """The soak variant: many more and longer runs."""

    settings = settings(max_examples=150, stateful_step_count=60, **COMMON)
