"""A writer that finds the database locked for longer than one busy timeout keeps its turn instead of
failing with "database is locked" (retrying BEGIN IMMEDIATE is safe: nothing of it has run yet), up
to zszo.sqlite.WRITE_WAIT_SECONDS."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from zszo import sqlite as zsqlite


def hold_write_lock(path: Path, seconds: float, started: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(seconds)
    conn.execute("INSERT INTO t VALUES ('holder')")
    conn.execute("COMMIT")
    conn.close()


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(zsqlite, "BUSY_TIMEOUT_MS", 200)
    db = tmp_path / "t.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (who TEXT)")
    conn.close()
    return db


def write_while_locked(path: Path, hold: float) -> list[str]:
    engine = zsqlite.make_engine(path)
    started = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(path, hold, started))
    holder.start()
    started.wait()
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES ('waiter')"))
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(text("SELECT who FROM t ORDER BY rowid"))]
    finally:
        holder.join()
        engine.dispose()


def test_writer_outlasts_several_busy_timeouts(path: Path) -> None:
    # the lock is held for 1.5 s, seven busy timeouts of 200 ms: the writer still gets its turn, after the holder
    assert write_while_locked(path, 1.5) == ["holder", "waiter"]


def test_writer_gives_up_after_the_write_wait(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zsqlite, "WRITE_WAIT_SECONDS", 0.5)
    with pytest.raises(OperationalError, match="database is locked"):
        write_while_locked(path, 2.0)


def test_writers_of_one_process_take_turns_in_arrival_order() -> None:
    queue = zsqlite.WriterQueue()
    assert queue.acquire(1)
    order: list[int] = []
    arrived = threading.Semaphore(0)

    def writer(n: int) -> None:
        arrived.release()
        assert queue.acquire(10)
        order.append(n)
        queue.release()

    threads = []
    for n in range(5):  # each waits in the queue before the next one starts
        threads.append(threading.Thread(target=writer, args=(n,)))
        threads[-1].start()
        arrived.acquire()
        while len(queue._waiting) < n + 1:
            time.sleep(0.001)
    queue.release()
    for thread in threads:
        thread.join(10)
    assert order == [0, 1, 2, 3, 4]


def test_a_writer_gives_up_its_place_when_the_wait_runs_out() -> None:
    queue = zsqlite.WriterQueue()
    assert queue.acquire(1)
    assert queue.acquire(0.05) is False
    assert list(queue._waiting) == []
    queue.release()
    assert queue.acquire(0.05) is True


def test_the_turn_passes_on_commit_and_rollback(path: Path) -> None:
    engine = zsqlite.make_engine(path)
    queue = zsqlite.writer_queue(str(path))
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES ('first')"))
            assert queue.acquire(0.01) is False  # held while the transaction is open
        assert queue.acquire(0.01) is True
        queue.release()
        with pytest.raises(RuntimeError), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES ('rolled back')"))
            raise RuntimeError
        assert queue.acquire(0.01) is True
        queue.release()
    finally:
        engine.dispose()
