"""Building blocks of the sync tests: a real hub on a waitress thread, real node databases, school
data written through the node's own operations, and hand-made uplink envelopes with real keys.

Everything runs inside the test process on 127.0.0.1 with real SQLite and DuckDB files under
``tmp_path``; the end-to-end tests with separate processes live in ``tests/integration``.
Used by ``tests/sync`` (through its conftest) and by ``tests/hub/test_merger.py``.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import struct
import tempfile
import threading
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from flask import Flask, Response, request
from sqlalchemy import select, text
from waitress import wasyncore
from waitress.server import create_server

import hub.config
import node_agent.config
import node_agent.models  # noqa: F401 - registers every node table on the metadata
from hub.app import create_app
from hub.db import Database as HubDatabase
from hub.db import prepare as prepare_hub
from hub.fleet import operations as fleet
from hub.fleet.models import EnrolmentToken
from hub.runtime import HubRuntime, build
from hub.sync.models import InboxBatch, NodeSyncState, SecurityEvent
from hub.warehouse.merger import MergeReport, Warehouse
from node_agent.db import Database as NodeDatabase
from node_agent.db import prepare
from node_agent.records import apply_record
from node_agent.register import operations as register
from node_agent.register.models import ClassUnit, Pupil
from node_agent.school.models import School, SchoolYear
from node_agent.staff.models import StaffMember
from node_agent.sync import client, identity
from node_agent.sync.client import SyncReport
from protocol import canonical, envelope, pesel
from protocol.changes import Change, encode_lines
from protocol.entities import ENTITIES, schema_set
from protocol.fields import new_id
from protocol.keys import KeyPair, PublicKeys
from zszo import sqlite as zsqlite
from zszo.settings import Settings

RSPO_A, NAME_A = "100101", "Szkoła Podstawowa nr 1 im. Marii Skłodowskiej-Curie"
RSPO_B, NAME_B = "100202", "Szkoła Podstawowa nr 2 im. Jana Kochanowskiego"
YEAR_START, YEAR_END = dt.date(2026, 9, 1), dt.date(2027, 6, 25)

# Names chosen so that none of them is a substring of another field's value by accident.
FIRST_NAMES = {"F": ["Zofia", "Łucja", "Hanna", "Żaneta"], "M": ["Antoni", "Szymon", "Jędrzej", "Mikołaj"]}
LAST_NAMES = ["Wiśniewska", "D'Amico", "Żółtowska 😀", "Grzegórzecka", "Brzęczyszczykiewicz", "O'Neill"]


# -- the hub -------------------------------------------------------------------------------------


@dataclass
class HubServer:
    """A hub runtime (OLTP SQLite + DuckDB warehouse) answering HTTP on a waitress thread."""

    settings: Settings
    runtime: HubRuntime
    server: Any
    thread: threading.Thread

    @property
    def url(self) -> str:
        """Base URL of the running hub."""
        return f"http://127.0.0.1:{self.server.effective_port}"

    @property
    def db(self):  # type: ignore[no-untyped-def]
        """The hub's OLTP database."""
        return self.runtime.db

    @property
    def warehouse(self) -> Warehouse:
        """The hub's DuckDB warehouse."""
        assert self.runtime.warehouse is not None
        return self.runtime.warehouse

    @property
    def public(self) -> PublicKeys:
        """The hub's current public keys (what a node pins at enrolment)."""
        return self.runtime.keys.current.public

    def post_batch(self, data: bytes, **headers: str) -> requests.Response:
        """POST an uplink envelope the way a node does."""
        return requests.post(self.url + "/api/v1/batches", data=data, timeout=30,
                             headers={"Content-Type": "application/octet-stream", **headers})

    def add_institution(self, rspo: str, name: str) -> None:
        """Register an institution of the city."""
        with self.db.transaction() as session:
            fleet.add_institution(session, rspo=rspo, name=name, kind="primary")

    def issue_token(self, rspo: str, *, hours: int = 1) -> str:
        """A fresh one-time enrolment token for ``rspo``."""
        with self.db.transaction() as session:
            return fleet.issue_token(session, rspo=rspo, created_by="test", hours=hours)

    def expire_token(self, token: str) -> None:
        """Move a token's expiry into the past."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self.db.transaction() as session:
            record = session.scalar(select(EnrolmentToken).where(EnrolmentToken.token_sha256 == digest))
            assert record is not None
            record.expires_at = dt.datetime(2000, 1, 1)

    def revoke(self, node_id: str) -> None:
        """Revoke a node through the fleet operations."""
        with self.db.transaction() as session:
            fleet.revoke_node(session, node_id, "lost laptop")

    def inbox(self) -> list[tuple]:
        """Every inbox row as (id, node_id, rspo, epoch, batch_id, first_seq, last_seq, count)."""
        with self.db.reading() as session:
            return [tuple(r) for r in session.execute(select(
                InboxBatch.id, InboxBatch.node_id, InboxBatch.rspo, InboxBatch.epoch, InboxBatch.batch_id,
                InboxBatch.first_seq, InboxBatch.last_seq, InboxBatch.count).order_by(InboxBatch.id))]

    def inbox_payloads(self) -> list[bytes]:
        """The decompressed payload of every inbox row, in inbox order."""
        with self.db.reading() as session:
            return [zlib.decompress(p) for p in session.scalars(
                select(InboxBatch.payload_zlib).order_by(InboxBatch.id))]

    def sync_states(self) -> list[tuple]:
        """(node_id, epoch, acked_through, batches, changes) of every node epoch."""
        with self.db.reading() as session:
            return [tuple(r) for r in session.execute(select(
                NodeSyncState.node_id, NodeSyncState.epoch, NodeSyncState.acked_through, NodeSyncState.batches,
                NodeSyncState.changes).order_by(NodeSyncState.node_id, NodeSyncState.epoch))]

    def security_events(self) -> list[tuple[str | None, str]]:
        """(node_id, code) of every security event, oldest first."""
        with self.db.reading() as session:
            return [tuple(r) for r in session.execute(
                select(SecurityEvent.node_id, SecurityEvent.code).order_by(SecurityEvent.id))]

    def stored_state(self) -> tuple[list, list]:
        """What a rejected batch must leave untouched: the inbox and the per-node sync state."""
        return self.inbox(), self.sync_states()

    def merge(self) -> MergeReport:
        """Merge every pending inbox batch into the warehouse."""
        return self.warehouse.merge_pending(self.db)

    def close(self) -> None:
        """Stop serving and close the stores."""
        stop(self.server, self.thread)
        self.runtime.close()


def serve(app: Any) -> tuple[Any, threading.Thread]:
    """Serve a WSGI app with waitress on a free 127.0.0.1 port in a daemon thread."""
    server = create_server(app, host="127.0.0.1", port=0, threads=8, asyncore_loop_timeout=0.1)
    thread = threading.Thread(target=server.run, name="waitress-test", daemon=True)
    thread.start()
    return server, thread


def stop(server: Any, thread: threading.Thread) -> None:
    """Stop a server started by :func:`serve`.

    The sockets are closed inside the server's own loop thread (closing them from here races
    with its select() and kills the thread with EBADF); then the worker threads are joined.
    """
    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    thread.join(timeout=5)
    server.task_dispatcher.shutdown()


_TEMPLATES: dict[str, Path] = {}


def from_template(kind: str, target: Path) -> None:
    """Put a freshly migrated, empty node or hub database at ``target``.

    The migrations run once per test session; each test gets its own copy, made with
    ``VACUUM INTO`` (:func:`zszo.sqlite.backup`). Start-up still runs ``prepare()`` on it, which
    then finds the schema up to date (``test_capture`` covers a first migration).
    """
    if kind not in _TEMPLATES:
        root = Path(tempfile.mkdtemp(prefix="zszo-test-templates-"))
        atexit.register(shutil.rmtree, root, True)
        database = NodeDatabase(root / "node.sqlite") if kind == "node" else HubDatabase(root / "hub.sqlite")
        (prepare if kind == "node" else prepare_hub)(database, root / "backups")
        database.dispose()
        _TEMPLATES[kind] = database.path
    zsqlite.backup(_TEMPLATES[kind], target)


def start_hub(data_dir: Path, overrides: Mapping[str, Any] | None = None, *, warehouse: bool = True) -> HubServer:
    """Build a hub in ``data_dir`` (database, keys and, if asked, the DuckDB warehouse) and serve
    its app; no merger thread (tests merge explicitly)."""
    settings = hub.config.load(overrides={"paths.data_dir": data_dir, **(overrides or {})})
    from_template("hub", settings["paths.database"])
    runtime = build(settings, open_warehouse=warehouse)
    app = create_app(settings, runtime=runtime)
    server, thread = serve(app)
    return HubServer(settings, runtime, server, thread)


# -- school nodes --------------------------------------------------------------------------------


@dataclass
class SchoolNode:
    """A node's settings and migrated database (no web app, no scheduler)."""

    settings: Settings
    db: NodeDatabase

    @property
    def keys(self) -> KeyPair:
        """The node's key pair (created on first use)."""
        return identity.load_or_create_keys(self.settings["paths.keys"])

    def enrol(self, hub_url: str, token: str) -> dict[str, str]:
        """Enrol at the hub with a token (raises SyncError when refused)."""
        return client.enrol(self.settings, self.db, hub_url=hub_url, token=token)

    def sync(self) -> SyncReport:
        """One full sync run."""
        return client.run_sync(self.settings, self.db, "test")

    def outbox(self) -> list[tuple[int, str, str, str, Any]]:
        """(seq, entity, op, pk, data as parsed JSON) of every outbox row, in order."""
        with self.db.read_session() as session:
            rows = session.execute(text("SELECT seq, entity, op, pk, data FROM sync_outbox ORDER BY seq")).all()
        return [(seq, entity, op, pk, None if data is None else json.loads(data)) for seq, entity, op, pk, data in rows]

    def last_seq(self) -> int:
        """The highest sequence number ever given out (survives trimming: AUTOINCREMENT)."""
        with self.db.read_session() as session:
            return session.execute(text(
                "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'sync_outbox'), 0)")).scalar_one()

    def state(self) -> dict[str, Any]:
        """The sync_state row as a dict."""
        with self.db.read_session() as session:
            row = identity.state(session)
            return {c: getattr(row, c) for c in ("node_id", "epoch", "hub_url", "hub_id", "hub_keys",
                                                  "acked_through", "downlink_through", "last_error")}

    def set_state(self, **values: Any) -> None:
        """Overwrite columns of the sync_state row (e.g. point the node at another URL)."""
        with self.db.transaction() as session:
            row = identity.state(session)
            for name, value in values.items():
                setattr(row, name, value)

    def count(self, table: str) -> int:
        """Rows in ``table``."""
        with self.db.read_session() as session:
            return session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()

    def counts(self) -> dict[str, int]:
        """Rows per synced entity."""
        return {name: self.count(name) for name in ENTITIES}

    def raw(self) -> sqlite3.Connection:
        """A plain sqlite3 connection with the node's pragmas (as tools and sqlite-utils get)."""
        return zsqlite.connect_raw(self.settings["paths.database"])

    def close(self) -> None:
        """Close pooled connections."""
        self.db.dispose()


def make_node(data_dir: Path, *, rspo: str = RSPO_A, name: str = NAME_A, hub_url: str | None = None,
              overrides: Mapping[str, Any] | None = None) -> SchoolNode:
    """A migrated node database holding its school record; not enrolled yet.

    Requests are not retried (``sync.retries`` 0) so that "hub down" answers at once.
    """
    settings = node_agent.config.load(overrides={
        "paths.data_dir": data_dir, "sync.hub_url": hub_url, "sync.retries": 0, "sync.timeout_seconds": 20,
        **(overrides or {}),
    })
    from_template("node", settings["paths.database"])
    db = NodeDatabase(settings["paths.database"])
    prepare(db, settings["paths.backups"])
    with db.transaction() as session:
        apply_record(session, School, {"id": new_id(), "rspo": rspo, "name": name, "kind": "primary",
                                       "street": "ul. Żwirki i Wigury 7", "postal_code": "26-600", "city": "Radom",
                                       "district": None})
        identity.state(session)
    return SchoolNode(settings, db)


@dataclass
class Register:
    """What :func:`fill_register` wrote, for assertions."""

    year_id: str
    class_ids: list[str]
    staff_ids: list[str]
    pupils: list[dict[str, Any]] = field(default_factory=list)
    guardians: list[dict[str, Any]] = field(default_factory=list)

    @property
    def names(self) -> set[str]:
        """Every first and last name written (pupils and guardians)."""
        people = self.pupils + self.guardians
        return {p["first_name"] for p in people} | {p["last_name"] for p in people}


def fill_register(node: SchoolNode, *, pupils: int = 6, doc_only: int = 1, serial_base: int = 0) -> Register:
    """A school year, two tutors, two classes, pupils with a guardian and an enrolment each.

    Everything goes through the node's operations (validated and captured like a secretary's
    work); ``doc_only`` of the pupils have no PESEL but a passport.
    """
    with node.db.transaction() as session:
        year = session.scalar(select(SchoolYear).where(SchoolYear.label == "2026/2027"))
        if year is None:
            year = apply_record(session, SchoolYear, {"id": new_id(), "label": "2026/2027",
                                                      "starts_on": YEAR_START.isoformat(),
                                                      "ends_on": YEAR_END.isoformat()})
        tutors = [apply_record(session, StaffMember, {
            "id": new_id(), "first_name": "Anna", "last_name": f"Nauczycielska-{serial_base + i}",
            "position": "teacher", "email": None, "phone": None, "active": True}) for i in range(2)]
        classes = [apply_record(session, ClassUnit, {
            "id": new_id(), "school_year_id": year.id, "level": 3, "letter": f"{letter}{serial_base or ''}",
            "profile": None, "tutor_id": tutor.id}) for letter, tutor in zip("ab", tutors, strict=True)]
        reg = Register(year.id, [c.id for c in classes], [t.id for t in tutors])
        for i in range(pupils + doc_only):
            sex = "FM"[i % 2]
            birth = dt.date(2018, 1, 1) + dt.timedelta(days=17 * i + serial_base)
            data: dict[str, Any] = {
                "first_name": FIRST_NAMES[sex][i % 4], "last_name": LAST_NAMES[i % len(LAST_NAMES)],
                "birth_date": birth.isoformat(), "sex": sex, "city": "Radom", "postal_code": "26-600",
            }
            if i < pupils:
                data["pesel"] = pesel.generate(birth, sex, serial_base + i)
            else:
                data.update(document_type="passport", document_number=f"ea {serial_base + i:07d}")
            pupil = register.save_pupil(session, data)
            guardian_data = {"first_name": "Małgorzata", "last_name": f"Opiekuńcza-{serial_base + i}",
                             "phone": f"600 100 {serial_base + i:03d}"}
            guardian = register.save_guardian(session, guardian_data)
            register.link_guardian(session, pupil, guardian, relation="mother", may_receive_info=bool(i % 2))
            register.assign_class(session, pupil, classes[i % 2], starts_on=YEAR_START,
                                  admission_reason="promotion")
            reg.pupils.append({"id": pupil.id, **data})
            reg.guardians.append({"id": guardian.id, **guardian_data})
    return reg


def pupil_by_id(node: SchoolNode, pupil_id: str) -> Pupil:
    """Load one pupil (detached)."""
    with node.db.read_session() as session:
        pupil = session.get(Pupil, pupil_id)
        assert pupil is not None
        return pupil


# -- hand-made uplink batches ----------------------------------------------------------------------


def change_line(seq: int, entity: str, pk: str, data: dict[str, Any] | None, *, op: str | None = None) -> str:
    """One payload line (an upsert when ``data`` is given, else a delete)."""
    op = op or ("upsert" if data is not None else "delete")
    return Change(seq=seq, entity=entity, v=ENTITIES[entity].version, pk=pk, op=op, ts=1_790_000_000_000 + seq,
                  data=data).to_json()


def subject_lines(first_seq: int, count: int, *, name: str = "Matematyka", pks: list[str] | None = None) -> list[str]:
    """``count`` subject upserts numbered from ``first_seq``."""
    pks = pks or [new_id() for _ in range(count)]
    return [change_line(first_seq + i, "subject", pk, {"id": pk, "code": f"s{first_seq + i}", "name": name})
            for i, pk in enumerate(pks)]


@dataclass
class Sender:
    """An enrolled node identity without a database: its real keys, used to craft uplink batches."""

    hub: HubServer
    node_id: str
    keys: KeyPair
    rspo: str
    hub_keys: PublicKeys
    epoch: str = field(default_factory=lambda: str(uuid.uuid4()))

    def seal(self, lines: Iterable[str] | bytes, *, first_seq: int, last_seq: int | None = None,
             count: int | None = None, batch_id: str | None = None, **overrides: Any) -> bytes:
        """An uplink envelope with ``lines`` (or raw payload bytes) from this node to the hub."""
        payload = lines if isinstance(lines, bytes) else encode_lines(list(lines))
        if last_seq is None:
            last_seq = first_seq + payload.count(b"\n") - 1
        args: dict[str, Any] = dict(
            kind="uplink", sender_id=self.node_id, sender_keys=self.keys, recipient_id=self.hub.runtime.keys.hub_id,
            recipient_kid=self.hub_keys.kid, recipient_kex=self.hub_keys.kex, payload=payload, epoch=self.epoch,
            first_seq=first_seq, last_seq=last_seq, count=count if count is not None else last_seq - first_seq + 1,
            schema=schema_set(), batch_id=batch_id or str(uuid.uuid4()),
        )
        args.update(overrides)
        return envelope.seal(**args)

    def craft(self, *, compressed: bytes, header: dict[str, Any]) -> bytes:
        """An envelope with any header and compressed payload, encrypted and signed like seal() does.

        For envelopes seal() refuses to build (a header that lies about the payload).
        """
        header_bytes = canonical.dumps(header)
        context = envelope.DOMAIN + b"uplink\x00" + header_bytes
        ciphertext = envelope.SUITE.encrypt(compressed, self.hub_keys.kex, info=context)
        signature = self.keys.sign.sign(context + hashlib.sha256(ciphertext).digest())
        return join(header_bytes, signature, ciphertext)

    def header(self, payload: bytes, *, first_seq: int, last_seq: int, **overrides: Any) -> dict[str, Any]:
        """The header seal() would write for ``payload``."""
        header = {
            "v": envelope.WIRE_VERSION, "kind": "uplink", "from": self.node_id, "from_kid": self.keys.public.kid,
            "to": self.hub.runtime.keys.hub_id, "to_kid": self.hub_keys.kid, "id": str(uuid.uuid4()),
            "epoch": self.epoch, "first_seq": first_seq, "last_seq": last_seq, "count": last_seq - first_seq + 1,
            "schema": schema_set(), "created_at": "2026-09-01T08:00:00.000000Z", "payload_len": len(payload),
            "payload_sha256": hashlib.sha256(payload).hexdigest(), "compression": "zlib",
        }
        header.update(overrides)
        return header


def enrol_sender(hub_server: HubServer, rspo: str = RSPO_A, name: str = NAME_A) -> Sender:
    """Enrol fresh keys for institution ``rspo`` over HTTP, as ``zszo node enrol`` does."""
    keys = KeyPair.generate()
    token = hub_server.issue_token(rspo)
    response = requests.post(hub_server.url + "/api/v1/enrol", timeout=30, json={
        "token": token, "rspo": rspo, "name": name, "keys": keys.public.to_dict()})
    assert response.status_code == 200, response.text
    answer = response.json()
    return Sender(hub_server, answer["node_id"], keys, rspo, PublicKeys.from_dict(answer["hub_keys"]))


_PREFIX = struct.Struct(">4sBH")


def split(data: bytes) -> tuple[bytes, bytes, bytes]:
    """(header bytes, signature, ciphertext) of an envelope."""
    _, _, header_len = _PREFIX.unpack_from(data)
    start = _PREFIX.size
    header = data[start:start + header_len]
    signature = data[start + header_len:start + header_len + envelope.SIGNATURE_LEN]
    return header, signature, data[start + header_len + envelope.SIGNATURE_LEN:]


def join(header_bytes: bytes, signature: bytes, ciphertext: bytes) -> bytes:
    """Frame header, signature and ciphertext into envelope bytes."""
    prefix = _PREFIX.pack(envelope.MAGIC, envelope.WIRE_VERSION, len(header_bytes))
    return prefix + header_bytes + signature + ciphertext


def header_of(data: bytes) -> dict[str, Any]:
    """The parsed header of an envelope."""
    return json.loads(split(data)[0])


class FakeHub:
    """A stand-in hub on 127.0.0.1 whose answers each test decides (a man in the middle, a buggy hub)."""

    def __init__(self, real: HubServer) -> None:
        app = Flask("fake_hub")
        # /hello is passed through from the real hub (a man in the middle shows the hub's face).
        self.on_hello: Callable[[], Any] = lambda: requests.get(real.url + "/api/v1/hello", timeout=10).json()
        app.add_url_rule("/api/v1/hello", "hello", lambda: self.on_hello(), methods=["GET"])
        self.on_batch: Callable[[bytes], Response] = lambda data: Response(status=500)
        self.on_downlink: Callable[[bytes], Response] = lambda body: Response(status=204)
        app.add_url_rule("/api/v1/batches", "batches", lambda: self.on_batch(request.get_data()), methods=["POST"])
        app.add_url_rule("/api/v1/downlink", "downlink", lambda: self.on_downlink(request.get_data()),
                         methods=["POST"])
        self.on_rotate: Callable[[bytes], Response] = lambda body: Response(status=500)
        app.add_url_rule("/api/v1/rotate-key", "rotate_key", lambda: self.on_rotate(request.get_data()),
                         methods=["POST"])
        self.server, self.thread = serve(app)

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.server.effective_port}"

    def close(self) -> None:
        """Stop serving."""
        stop(self.server, self.thread)
