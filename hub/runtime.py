"""The hub's long-lived parts, built once per process: stores, keys, ingestor, warehouse, merger."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from hub.db import Database, prepare
from hub.fleet.keyring import HubKeys, init_identity
from hub.sync.ingest import Ingestor
from hub.warehouse.merger import MergerThread, Warehouse
from hub.warehouse.pseudonym import load_or_create_key
from protocol.envelope import Limits
from zszo.settings import Settings

MIB = 1024 * 1024


@dataclass
class HubRuntime:
    """Everything a hub process shares between requests and threads."""

    settings: Settings
    db: Database
    keys: HubKeys
    limits: Limits
    ingestor: Ingestor
    ingest_slots: threading.BoundedSemaphore
    warehouse: Warehouse | None = None
    merger: MergerThread | None = None

    def wake_merger(self) -> None:
        """Tell the merger a batch was stored (it merges right away instead of at its next tick)."""
        if self.merger is not None:
            self.merger.wake.set()

    def refresh_keys(self, *, force: bool = False) -> None:
        """Notice a key rotation made by `zszo hub rotate-key` in another process (at most every few seconds)."""
        self.keys.refresh(self.db, self.settings["paths.keys"], force=force)

    def start_merger(self) -> None:
        """Start the background merger thread (only in the process that owns the warehouse)."""
        if self.warehouse is None:
            raise RuntimeError("the warehouse is not open in this process")
        self.merger = MergerThread(self.warehouse, self.db, interval=self.settings["merge.interval_seconds"],
                                   max_changes=self.settings["merge.max_changes"])
        self.merger.start()

    def close(self) -> None:
        """Stop the merger and close the stores."""
        if self.merger is not None:
            self.merger.stop()
            self.merger.join(timeout=60)
        if self.warehouse is not None:
            self.warehouse.close()
        self.db.dispose()


def build(settings: Settings, *, open_warehouse: bool = True) -> HubRuntime:
    """Prepare the OLTP store (migrations), load keys, and open the warehouse if asked."""
    db = Database(settings["paths.database"])
    prepare(db, settings["paths.backups"])
    with db.transaction() as session:
        keys = init_identity(session, settings["paths.keys"])
    limits = Limits(max_envelope=settings["sync.max_envelope_mb"] * MIB,
                    max_payload=settings["sync.max_payload_mb"] * MIB)
    runtime = HubRuntime(settings=settings, db=db, keys=keys, limits=limits,
                         ingestor=None,  # type: ignore[arg-type] - set right below (needs the runtime)
                         ingest_slots=threading.BoundedSemaphore(settings["sync.max_concurrent_ingest"]))
    runtime.ingestor = Ingestor(db, keys, limits, on_stored=runtime.wake_merger,
                                quarantine_max=settings["sync.quarantine_max_batches"])
    if open_warehouse:
        runtime.warehouse = Warehouse(settings["paths.warehouse"], load_or_create_key(settings["paths.pseudonym_key"]))
        runtime.warehouse.model_refresh_seconds = settings["merge.model_refresh_seconds"]
    return runtime
