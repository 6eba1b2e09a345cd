"""The DuckDB warehouse lost or unreadable: rebuilt from the inbox, table by table equal to before.

The hub's inbox holds everything a rebuild needs — and the warehouse holds more than plain rows:
rejected changes (bad PESEL, unknown references, a reference to a row deleted in an earlier
batch), batches held for a newer schema, and non-owner writes recorded as change requests (and
already forwarded to the owner). The original warehouse is merged in many small cycles as
batches arrive; the rebuilds merge everything in one cycle (``zszo hub rebuild-warehouse``) or
one batch per cycle (the merger of a hub started without its warehouse file). All three must be
equal, and a rebuild must not forward a change request a second time.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, select

import node_agent.sync.client as client_module
from hub.fleet import operations as fleet
from hub.sync.models import DownlinkEntry, InboxBatch
from hub.warehouse import recovery
from hub.warehouse.merger import Warehouse
from node_agent.school.models import Subject
from protocol.entities import schema_set
from protocol.fields import new_id
from tests.faults.network import HUB_URL, InProcessHub, Network
from tests.faults.replicas import table_checksums
from tests.integration.harness import run
from tests.sync.helpers import NAME_A, NAME_B, RSPO_A, RSPO_B, change_line, fill_register, make_node

RSPO_C, NAME_C = "100303", "Szkoła Podstawowa nr 3"
BAD_PESEL = "44051401358"  # checksum digit wrong


def _post(hub: InProcessHub, sealed: bytes) -> None:
    response = hub.post_batch(sealed)
    assert response.status_code == 200, response.get_data(as_text=True)


def _build(root: Path) -> dict[str, int]:
    """Fill a hub in ``root / "hub"``; return the schools' own row counts of a few tables."""
    hub = InProcessHub(root / "hub")
    net = Network(hub)
    nodes = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(client_module, "client_for", net.client_for)
        for rspo, name, base in ((RSPO_A, NAME_A, 0), (RSPO_B, NAME_B, 100)):
            with hub.db.transaction() as session:
                fleet.add_institution(session, rspo=rspo, name=name, kind="primary")
                token = fleet.issue_token(session, rspo=rspo, created_by="test", hours=1)
            node = make_node(root / rspo, rspo=rspo, name=name, hub_url=HUB_URL,
                             overrides={"sync.batch_max_changes": 9})
            node.enrol(HUB_URL, token)
            fill_register(node, pupils=4, doc_only=1, serial_base=base)
            nodes[rspo] = node
        small = 20  # changes per merge cycle while the data arrives
        assert nodes[RSPO_A].sync().ok
        hub.warehouse.merge_pending(hub.db, max_changes=small)
        # School B writes a subject row that school A created: a non-owner write, forwarded to A.
        with nodes[RSPO_A].db.read_session() as session:
            theirs = session.scalar(select(Subject).order_by(Subject.code))
        with nodes[RSPO_B].db.transaction() as session:
            session.execute(Subject.__table__.delete().where(Subject.code == theirs.code))
            session.add(Subject(id=theirs.id, code=theirs.code, name="Nazwa nadana przez inną szkołę"))
        assert nodes[RSPO_B].sync().ok
        hub.warehouse.merge_pending(hub.db, max_changes=small)
    # School C sends hand-made batches: rejected records, a reference to a row it deleted, and
    # a batch from a newer schema the hub holds.
    sender = hub.enrol_sender(RSPO_C, NAME_C)
    year, klass, pupil = new_id(), new_id(), new_id()
    year_data = {"id": year, "label": "2026/2027", "starts_on": "2026-09-01", "ends_on": "2027-06-25"}
    pupil_data = {"id": pupil, "pesel": BAD_PESEL, "first_name": "Ola", "last_name": "Nowak",
                  "birth_date": "2018-03-03", "sex": "F"}
    _post(hub, sender.seal([change_line(1, "school_year", year, year_data),
                            change_line(2, "pupil", pupil, pupil_data),
                            change_line(3, "school_year", year, None)], first_seq=1))
    hub.warehouse.merge_pending(hub.db, max_changes=small)
    class_data = {"id": klass, "school_year_id": year, "level": 1, "letter": "a", "profile": None, "tutor_id": None}
    _post(hub, sender.seal([change_line(4, "class_unit", klass, class_data)], first_seq=4))
    _post(hub, sender.seal([change_line(5, "subject", new_id(), {"id": new_id(), "code": "x", "name": "X"})],
                           first_seq=5, schema={**schema_set(), "subject": 99}))
    hub.warehouse.merge_pending(hub.db, max_changes=small)
    counts = {table: sum(n.count(table) for n in nodes.values()) for table in ("pupil", "enrolment", "guardian")}
    for node in nodes.values():
        node.close()
    hub.crash()
    return counts


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The hub's files, built once; each test works on its own copy."""
    root = tmp_path_factory.mktemp("rebuild")
    return root / "hub", _build(root)


@pytest.fixture
def city(built: tuple[Path, dict[str, int]], tmp_path: Path):  # type: ignore[no-untyped-def]
    """A copy of the built hub, started (stopped again at the end)."""
    source, counts = built
    shutil.copytree(source, tmp_path / "hub")
    hub = InProcessHub(tmp_path / "hub", fresh=False)
    yield hub, counts
    hub.crash()


def _inbox_batches(hub: InProcessHub) -> int:
    with hub.db.reading() as session:
        return session.scalar(select(func.count()).select_from(InboxBatch)) or 0


def _forwarded(hub: InProcessHub) -> int:
    with hub.db.reading() as session:
        return session.scalar(select(func.count()).select_from(DownlinkEntry).where(
            DownlinkEntry.kind == "change_request")) or 0


def _delete_warehouse(hub: InProcessHub) -> Path:
    path: Path = hub.settings["paths.warehouse"]
    hub.crash()
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    assert not path.exists()
    return path


def test_the_test_city_exercises_every_kind_of_warehouse_content(city):
    hub, counts = city
    cur = hub.warehouse.cursor()
    codes = dict(cur.execute("SELECT code, count(*) FROM rejected_change GROUP BY code").fetchall())
    assert codes == {"pesel_checksum": 1, "unknown_reference": 1, "not_owner": 1}
    assert cur.execute("SELECT count(*) FROM _held").fetchone()[0] == 1
    assert cur.execute("SELECT forwarded FROM _owner_request").fetchall() == [(True,)]
    assert _forwarded(hub) == 1
    for table, count in counts.items():
        assert cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == count > 0


def test_zszo_hub_rebuild_warehouse_rebuilds_it_equal_in_one_cycle(city):
    hub, _ = city
    before, forwarded, batches = table_checksums(hub.warehouse.cursor()), _forwarded(hub), _inbox_batches(hub)
    path = _delete_warehouse(hub)
    env = {k: v for k, v in os.environ.items() if k != "ZSZO_HUB_CONFIG"}
    env["ZSZO_HUB_PATHS_DATA_DIR"] = str(hub.settings["paths.data_dir"])
    result = run(["hub", "rebuild-warehouse"], env=env)
    assert result.stdout.startswith(f"rebuilt from {batches - 1} batches")  # one is held for a newer schema
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert table_checksums(con) == before
    finally:
        con.close()
    hub.start()
    assert _forwarded(hub) == forwarded  # the rebuild found the requests already forwarded


def test_a_hub_started_without_its_warehouse_file_merges_it_again_equal(city):
    hub, _ = city
    before, forwarded = table_checksums(hub.warehouse.cursor()), _forwarded(hub)
    _delete_warehouse(hub)
    hub.start()  # `serve` opens (creates) the warehouse; its merger starts from inbox batch 0
    assert hub.warehouse.merged_through() == 0
    hub.warehouse.merge_pending(hub.db, max_changes=1)  # one batch per cycle this time
    assert table_checksums(hub.warehouse.cursor()) == before
    assert _forwarded(hub) == forwarded


def test_a_rebuild_is_refused_while_serve_holds_the_warehouse(city):
    hub, _ = city
    env = {k: v for k, v in os.environ.items() if k != "ZSZO_HUB_CONFIG"}
    env["ZSZO_HUB_PATHS_DATA_DIR"] = str(hub.settings["paths.data_dir"])
    before = table_checksums(hub.warehouse.cursor())
    result = run(["hub", "rebuild-warehouse"], env=env, check=False)
    assert result.returncode == 1
    assert "the warehouse is in use by a running `zszo hub serve`" in result.stderr
    assert hub.settings["paths.warehouse"].exists()  # not deleted under the running hub
    assert table_checksums(hub.warehouse.cursor()) == before


def _damage(path: Path, how: str) -> bytes:
    """Damage the closed warehouse file as a full disk or a bad disk leaves it; return what is left."""
    data = path.read_bytes()
    if how == "left_empty_by_a_full_disk":  # DuckDB created the file, then could not write its header
        damaged = b""
    elif how == "zeroed":
        damaged = b"\0" * len(data)
    elif how == "truncated":
        damaged = data[: len(data) // 2]
    else:  # "bad_blocks": the header survives, every block after it is garbage (checksums fail)
        damaged = data[:12288] + bytes((b ^ 0xA5) for b in data[12288:])
    path.write_bytes(damaged)
    return damaged


@pytest.mark.parametrize("how", ["left_empty_by_a_full_disk", "zeroed", "truncated", "bad_blocks"])
def test_an_unreadable_warehouse_is_set_aside_and_rebuilt_equal(city, how: str, caplog: pytest.LogCaptureFixture):
    hub, _ = city
    before, forwarded = table_checksums(hub.warehouse.cursor()), _forwarded(hub)
    path: Path = hub.settings["paths.warehouse"]
    hub.crash()
    damaged = _damage(path, how)
    with caplog.at_level(logging.ERROR, logger="hub.warehouse.recovery"):
        hub.start()  # `serve` opening the warehouse; a file whose blocks are bad may only fail in the merge
        hub.warehouse.merge_pending(hub.db)
    aside = hub.warehouse.set_aside_as
    assert aside is not None and aside.parent == path.parent
    assert re.fullmatch(re.escape(path.name) + r"\.unreadable-\d{8}T\d{6}Z", aside.name)
    # Kept for the post-mortem (DuckDB may have rewritten one of its two headers while trying to open it).
    assert aside.read_bytes()[:4096] == damaged[:4096]
    (record,) = caplog.records
    assert f"warehouse {path} is unreadable" in record.getMessage() and aside.name in record.getMessage()
    assert "rebuilt from the inbox" in record.getMessage()
    assert table_checksums(hub.warehouse.cursor()) == before
    assert _forwarded(hub) == forwarded  # nothing forwarded a second time


def test_a_merge_finding_the_file_damaged_sets_it_aside_and_rebuilds(city, monkeypatch: pytest.MonkeyPatch):
    hub, _ = city
    before = table_checksums(hub.warehouse.cursor())
    real, failures = Warehouse.merge_once, []

    def merge_once(self: Warehouse, db, *, max_changes: int):  # type: ignore[no-untyped-def]
        if not failures:  # a dashboard-untouched block read by the merge for the first time
            failures.append(1)
            raise duckdb.Error("Corrupt database file: computed checksum 1 does not match stored checksum 2 "
                               "in block at location 262144")
        return real(self, db, max_changes=max_changes)

    monkeypatch.setattr(Warehouse, "merge_once", merge_once)
    hub.warehouse.merge_pending(hub.db)
    assert hub.warehouse.set_aside_as is not None and hub.warehouse.set_aside_as.exists()
    assert table_checksums(hub.warehouse.cursor()) == before


@pytest.mark.parametrize(("message", "expected"), [
    ('IO Error: The file "/srv/w.duckdb" exists, but it is not a valid DuckDB database file!', True),
    ('IO Error: Could not read enough bytes from file "/srv/w.duckdb": attempted to read 6144 bytes', True),
    ('IO Error: Could not set lock on file "/srv/w.duckdb": Conflicting lock is held in zszo (PID 7)', False),
    ("IO Error: Could not write file \"/srv/w.duckdb.wal\": No space left on device", False),
])
def test_only_a_damaged_file_counts_as_unreadable_never_a_lock_or_a_full_disk(message: str, expected: bool):
    assert recovery.unreadable(duckdb.IOException(message)) is expected
    assert recovery.unreadable(OSError(message)) is False
