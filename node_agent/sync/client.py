"""The sync client: pushes the outbox to the hub and pulls downlink messages.

Uplink: read the outbox after the acknowledged sequence (SQLite builds the payload lines
itself with ``json_object``), seal a batch, POST it, verify the hub's signed ack, and only then
delete what the ack covers and move ``acked_through`` — in one local transaction. A lost ack
is harmless: the next attempt re-sends from the same sequence and the hub answers "duplicate"
with a signed ack. Downlink: a signed pull request; the answer is an envelope from the pinned
hub key whose sequence must continue exactly where this node stopped.

Requests retry with exponential backoff (urllib3 ``Retry``); every POST here is idempotent by
design (batch ids, sequence numbers), so retrying a POST is safe. One sync runs at a time per
node (a file lock shared by the scheduler and ``zszo node sync``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from urllib3.util.retry import Retry

import zszo
from node_agent.db import Database, utcnow
from node_agent.sync import identity, trust
from node_agent.sync.downlink import apply_messages
from node_agent.sync.models import OutboxChange, SyncRun
from protocol import PROTOCOL_VERSION, downlink, envelope, upcast
from protocol.acks import sign_request, verify_ack
from protocol.entities import schema_set
from protocol.errors import ProtocolError
from protocol.keys import KeyPair
from protocol.rotation import read_rotation, sign_rotation, verify_receipt
from protocol.trust import TrustError
from zszo.failpoints import failpoint
from zszo.settings import Settings

log = logging.getLogger(__name__)
MAX_BATCH_BYTES = 8 * 1024 * 1024
USER_AGENT = "zszo-node/1"


class SyncError(RuntimeError):
    """A sync step failed; ``code`` selects the message shown to the school (see messages.py)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass
class SyncReport:
    """Outcome of one sync run."""

    ok: bool = True
    sent_changes: int = 0
    sent_batches: int = 0
    received_messages: int = 0
    backlog: int = 0
    error: str | None = None
    error_code: str | None = None
    notices: list[str] = field(default_factory=list)  # not errors: see messages.NOTICE_MESSAGES


class HubClient:
    """HTTP to the hub with timeouts, retries with backoff, and TLS verification."""

    def __init__(self, base_url: str, *, timeout: float = 30, retries: int = 3, ca_bundle: Path | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.verify = str(ca_bundle) if ca_bundle else True
        retry = Retry(total=retries, connect=retries, read=retries, backoff_factor=0.5,
                      status_forcelist=(502, 503, 504), allowed_methods=None, respect_retry_after_header=True,
                      raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request; network and TLS failures become :class:`SyncError`."""
        try:
            return self.session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise SyncError("tls", str(exc)) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise SyncError("offline", str(exc)) from None

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()


def _error_from(response: requests.Response) -> SyncError:
    try:
        body = response.json()
        return SyncError(str(body.get("error", "error")), str(body.get("detail", "")))
    except ValueError:
        return SyncError("error", f"HTTP {response.status_code}")


def client_for(settings: Settings, hub_url: str) -> HubClient:
    """A :class:`HubClient` configured from the node's settings."""
    return HubClient(hub_url, timeout=settings["sync.timeout_seconds"], retries=settings["sync.retries"],
                     ca_bundle=settings["sync.ca_bundle"])


def enrol(settings: Settings, db: Database, *, hub_url: str, token: str,
          root_fingerprint: str | None = None) -> dict[str, str]:
    """Register this node's public keys at the hub with a one-time token; pin the hub's keys.

    With ``root_fingerprint`` (the city's root key, from its IT department) the hub's trust
    document is checked first and nothing is sent to a hub that fails it; the node then pins the
    root and trusts the hub key the root signed (node_agent/sync/trust.py).
    """
    keys = identity.load_or_create_keys(settings["paths.keys"])
    document = None
    if root_fingerprint:
        document = _trusted_hello(settings, hub_url, root_fingerprint)
    with db.read_session() as session:
        from node_agent.school.models import School

        school = session.scalar(select(School))
        if school is None:
            raise SyncError("error", "the school record is missing: run `zszo node init` first")
        rspo, name = school.rspo, school.name
    client = client_for(settings, hub_url)
    try:
        response = client.request("POST", "/api/v1/enrol", json={
            "token": token.strip(), "rspo": rspo, "name": name, "keys": keys.public.to_dict()})
    finally:
        client.close()
    if response.status_code != 200:
        raise _error_from(response)
    answer = response.json()
    if document is not None and answer["hub_id"] != document.hub_id:
        raise SyncError("trust_wrong_hub", f"enrolled at hub {answer['hub_id']!r}, the root signed {document.hub_id!r}")
    with db.transaction() as session:
        row = identity.record_enrolment(session, hub_url=hub_url, node_id=answer["node_id"], hub_id=answer["hub_id"],
                                        hub_public=answer["hub_keys"])
        if document is not None:
            trust.pin(row, document)
    return {"node_id": answer["node_id"], "node_fingerprint": keys.public.fingerprint,
            "hub_fingerprint": document.current_hub_key.fingerprint if document else answer["hub_fingerprint"]}


def _trusted_hello(settings: Settings, hub_url: str, root_fingerprint: str) -> Any:
    """The hub's trust document from /hello, verified against the typed root fingerprint."""
    client = client_for(settings, hub_url)
    try:
        response = client.request("GET", "/api/v1/hello")
    finally:
        client.close()
    if response.status_code != 200:
        raise _error_from(response)
    try:
        hello = response.json()
        return trust.check_first(hello.get("trust"), root_fingerprint, hello.get("hub_id"))
    except TrustError as exc:
        raise SyncError(exc.code, exc.detail) from None
    except (ValueError, AttributeError):
        raise SyncError("protocol_mismatch", "the hub's /hello answer is not understood") from None


def pin_root(settings: Settings, db: Database, root_fingerprint: str) -> Any:
    """Pin the city's root key on a node enrolled without one (the hub's document must verify)."""
    with db.read_session() as session:
        row = identity.state(session)
        if row.node_id is None:
            raise SyncError("not_enrolled")
        hub_url, hub_id = row.hub_url or settings["sync.hub_url"], row.hub_id
    document = _trusted_hello(settings, hub_url, root_fingerprint)
    if document.hub_id != hub_id:
        raise SyncError("trust_wrong_hub", f"the root signed hub {document.hub_id!r}, this node is at {hub_id!r}")
    with db.transaction() as session:
        trust.pin(identity.state(session), document)
    return document


@contextlib.contextmanager
def _sync_lock(settings: Settings) -> Iterator[bool]:
    path = Path(settings["paths.data_dir"]) / "sync.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def run_sync(settings: Settings, db: Database, trigger: str = "manual") -> SyncReport:
    """One complete sync: push the whole outbox, then pull downlink. Never raises for sync failures.

    A local storage failure (disk full, I/O error) is a failure like any other: reported as
    ``node_storage``, nothing trimmed that the hub has not acknowledged *and* we recorded.
    """
    with _sync_lock(settings) as acquired:
        if not acquired:
            return SyncReport(ok=False, error="already_running", error_code="already_running")
        try:
            return _run_locked(settings, db, trigger)
        except (OperationalError, sqlite3.OperationalError, OSError) as exc:
            log.error("sync failed on local storage: %s", exc)
            return SyncReport(ok=False, error=f"node_storage: {exc}", error_code="node_storage")


def _run_locked(settings: Settings, db: Database, trigger: str) -> SyncReport:
    report = SyncReport()
    with db.transaction() as session:
        run = SyncRun(trigger=trigger[:20])
        session.add(run)
        session.flush()
        run_id = run.id
        row = identity.state(session)
        row.last_attempt_at = utcnow()
        enrolled = row.node_id is not None
    client = None
    try:
        if not enrolled:
            raise SyncError("not_enrolled")
        keys = identity.load_or_create_keys(settings["paths.keys"])
        with db.read_session() as session:
            hub_url = identity.state(session).hub_url or settings["sync.hub_url"]
        client = client_for(settings, hub_url)
        with db.read_session() as session:
            hub_id = identity.state(session).hub_id
        report.notices, hello = negotiate(client, hub_id)
        report.notices += trust.follow(db, hello.get("trust"))
        keys_path = settings["paths.keys"]
        if identity.pending_key_path(keys_path).exists():
            keys = _finish_rotation(db, client, keys_path)["keys"]
        push(db, client, keys, settings["sync.batch_max_changes"], report)
        pull(db, client, keys, report)
        if report.received_messages:  # applying them may have queued changes of our own
            push(db, client, keys, settings["sync.batch_max_changes"], report)
    except SyncError as exc:
        report.ok, report.error, report.error_code = False, str(exc), exc.code
        log.warning("sync failed: %s", exc)
    except TrustError as exc:  # the hub's trust document was refused: nothing sent
        report.ok, report.error, report.error_code = False, str(exc), exc.code
        log.warning("sync failed: %s", exc)
    except ProtocolError as exc:
        report.ok, report.error, report.error_code = False, str(exc), "bad_downlink"
        log.warning("sync failed: %s", exc)
    except (OperationalError, sqlite3.OperationalError, OSError) as exc:
        report.ok, report.error, report.error_code = False, f"node_storage: {exc}", "node_storage"
        log.error("sync failed on local storage: %s", exc)
    finally:
        if client is not None:
            client.close()
    with db.transaction() as session:
        report.backlog = session.scalar(select(func.count()).select_from(OutboxChange)) or 0
        row = identity.state(session)
        if report.ok:
            row.last_success_at, row.last_error = utcnow(), None
        else:
            row.last_error, row.last_error_at = report.error_code, utcnow()
        run = session.get(SyncRun, run_id)
        assert run is not None
        run.finished_at, run.outcome = utcnow(), "ok" if report.ok else "error"
        run.sent_changes, run.sent_batches = report.sent_changes, report.sent_batches
        run.received_messages, run.error = report.received_messages, report.error
        run.notices = ",".join(report.notices) or None
    return report


SUPPORTED_PROTOCOLS = (PROTOCOL_VERSION,)
REQUIRED_CAPABILITIES = frozenset({"signed_requests", "downlink_v1"})
CLOCK_SKEW_NOTICE_SECONDS = 300


def negotiate(client: HubClient, hub_id: str | None) -> tuple[list[str], dict[str, Any]]:
    """Start of every sync: check that the hub speaks our protocol; return notices for the school and /hello.

    Raises :class:`SyncError` when syncing cannot work (another hub, an unknown protocol, a
    missing capability). Schema differences are not errors: an older node's records are upcast
    by the hub, and a newer node's batches are stored and held until the hub is upgraded —
    the notice ``hub_behind`` says so. ``clock_skew`` warns of a wrong server clock (it breaks
    staff's two-step login codes long before it troubles sync).
    """
    response = client.request("GET", "/api/v1/hello")
    if response.status_code != 200:
        raise _error_from(response)
    try:
        hello = response.json()
        protocol, schema = hello["protocol"], hello["schema"]
        capabilities = set(hello.get("capabilities") or ())
    except (ValueError, KeyError, TypeError):
        raise SyncError("protocol_mismatch", "the hub's /hello answer is not understood") from None
    if hub_id is not None and hello.get("hub_id") != hub_id:
        raise SyncError("wrong_hub", f"the server at this address is hub {hello.get('hub_id')!r}, not ours")
    if protocol not in SUPPORTED_PROTOCOLS or not REQUIRED_CAPABILITIES <= capabilities:
        missing = ", ".join(sorted(REQUIRED_CAPABILITIES - capabilities)) or "-"
        raise SyncError("protocol_mismatch", f"hub protocol {protocol!r}, missing capabilities: {missing}")
    notices = []
    if type(schema) is dict and upcast.compare(schema_set(), schema) in ("remote_behind", "mixed"):
        notices.append("hub_behind")
    try:
        hub_time = dt.datetime.strptime(str(hello.get("time")), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        hub_time = None
    if hub_time is not None and abs((utcnow() - hub_time).total_seconds()) > CLOCK_SKEW_NOTICE_SECONDS:
        notices.append("clock_skew")
    return notices, hello


def _read_batch(db: Database, after: int, limit: int) -> list[tuple[int, str]]:
    with db.read_session() as session:
        rows = session.execute(text(
            "SELECT seq, json_object('seq', seq, 'entity', entity, 'v', v, 'pk', pk, 'op', op, 'ts', ts, "
            "'data', json(data)) FROM sync_outbox WHERE seq > :after ORDER BY seq LIMIT :limit"
        ), {"after": after, "limit": limit}).all()
    out, size = [], 0
    for seq, line in rows:
        size += len(line) + 1
        if out and size > MAX_BATCH_BYTES:
            break
        out.append((seq, line))
    return out


def push(db: Database, client: HubClient, keys: KeyPair, batch_max: int, report: SyncReport) -> None:
    """Send the outbox in batches until it is empty (or an error stops us)."""
    with db.read_session() as session:
        row = identity.state(session)
        node_id, epoch, hub_id = row.node_id, row.epoch, row.hub_id
        hub_public = identity.hub_keys(row)
    assert node_id is not None and hub_id is not None
    while True:
        with db.read_session() as session:
            acked = identity.state(session).acked_through
        lines = _read_batch(db, acked, batch_max)
        if not lines:
            return
        first, last = lines[0][0], lines[-1][0]
        if first != acked + 1 or last - first + 1 != len(lines):
            raise SyncError("outbox_gap", f"outbox starts at {first}, expected {acked + 1}")
        payload = ("\n".join(line for _, line in lines) + "\n").encode("utf-8")
        batch_id = str(uuid.uuid4())
        sealed = envelope.seal(
            batch_id=batch_id,
            kind="uplink", sender_id=node_id, sender_keys=keys, recipient_id=hub_id, recipient_kid=hub_public.kid,
            recipient_kex=hub_public.kex, payload=payload, epoch=epoch, first_seq=first, last_seq=last,
            count=len(lines), schema=schema_set(),
        )
        response = client.request("POST", "/api/v1/batches", data=sealed,
                                  headers={"Content-Type": "application/octet-stream"})
        failpoint("node.after_send_before_ack")
        if response.status_code != 200:
            error = _error_from(response)
            if error.code == "batch_conflict":
                # The hub holds other changes under these sequence numbers of our epoch: this
                # database was restored from a backup. Same remedy as below; nothing trimmed.
                raise SyncError("epoch_rewound", error.detail)
            raise error
        try:
            ack = verify_ack(response.json(), hub_public.sign, node_id=node_id, epoch=epoch, batch_id=batch_id)
        except (ProtocolError, ValueError) as exc:
            raise SyncError("bad_ack", str(exc)) from None
        if ack.acked_through > last:
            # A genuine ack for more than this database ever sent in this epoch: the database was
            # restored from a backup and would reuse sequence numbers. Stop; trim nothing.
            raise SyncError("epoch_rewound", f"hub holds this epoch up to {ack.acked_through}, we are at {last}")
        if ack.acked_through < first:
            # A valid ack that does not move us forward would make us resend the same batch forever.
            raise SyncError("bad_ack", f"hub acknowledges only {ack.acked_through}, we sent from {first}")
        with db.transaction() as session:
            row = identity.state(session)
            if ack.acked_through > row.acked_through:
                session.execute(text("DELETE FROM sync_outbox WHERE seq <= :s"), {"s": ack.acked_through})
                row.acked_through = ack.acked_through
        if ack.status == "accepted":
            report.sent_changes += ack.received
            report.sent_batches += 1


def pull(db: Database, client: HubClient, keys: KeyPair, report: SyncReport) -> None:
    """Fetch and apply downlink messages until the hub has none left for us."""
    while True:
        with db.read_session() as session:
            row = identity.state(session)
            node_id, hub_id, after = row.node_id, row.hub_id, row.downlink_through
            hub_public = identity.hub_keys(row)
            backlog = session.scalar(select(func.count()).select_from(OutboxChange)) or 0
        assert node_id is not None and hub_id is not None
        body = json.dumps({"after": after, "backlog": backlog, "software": f"zszo-node/{zszo.__version__}",
                           "schema": schema_set(), "clock": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                           "hub_kid": hub_public.kid}).encode()
        headers = sign_request(keys, node_id=node_id, method="POST", path="/api/v1/downlink", body=body,
                               nonce=secrets.token_hex(16))
        response = client.request("POST", "/api/v1/downlink", data=body,
                                  headers={**headers, "Content-Type": "application/json"})
        if response.status_code == 204:
            return
        if response.status_code != 200:
            raise _error_from(response)
        opened = envelope.open_envelope(
            response.content, my_id=node_id, my_keys={keys.public.kid: keys},
            sender_key=lambda sender, kid, h=hub_id, p=hub_public: _pinned(sender, kid, h, p), expect_kind="downlink",
        )
        header = opened.header
        if header["first_seq"] != after + 1:
            raise SyncError("bad_downlink", f"downlink starts at {header['first_seq']}, expected {after + 1}")
        messages = list(downlink.decode(opened.payload, first_seq=header["first_seq"], count=header["count"]))
        failpoint("node.after_pull_before_apply")
        with db.transaction() as session:
            apply_messages(session, messages)
            identity.state(session).downlink_through = header["last_seq"]
        report.received_messages += len(messages)


def _pinned(sender: str, kid: str, hub_id: str, hub_public: Any) -> Any:
    from protocol.errors import UnknownSender

    if sender != hub_id or kid != hub_public.kid:
        raise UnknownSender("downlink not from our hub's pinned key")
    return hub_public.sign


def rotate_key(settings: Settings, db: Database) -> dict[str, Any]:
    """Replace this node's key pair at the hub (routine rotation); return the old and new fingerprints.

    Holds the sync lock, so no batch is sealed with the old key meanwhile. The new pair is written
    (0600) before the request; the node switches to it only after the hub's signed receipt. A
    lost answer or a crash leaves the new pair waiting, and the next rotate-key or sync repeats
    the same request (the hub answers it with the same receipt).
    """
    with _sync_lock(settings) as acquired:
        if not acquired:
            raise SyncError("already_running")
        with db.read_session() as session:
            row = identity.state(session)
            if row.node_id is None:
                raise SyncError("not_enrolled")
            hub_url = row.hub_url or settings["sync.hub_url"]
        client = client_for(settings, hub_url)
        try:
            return _finish_rotation(db, client, settings["paths.keys"])
        finally:
            client.close()


def _finish_rotation(db: Database, client: HubClient, keys_path: Path) -> dict[str, Any]:
    """Send the rotation to the waiting new pair (making one if none waits); switch after the receipt."""
    old = identity.load_or_create_keys(keys_path)
    new = identity.pending_keys(keys_path)
    with db.read_session() as session:
        row = identity.state(session)
        node_id, hub_id, hub_public = row.node_id, row.hub_id, identity.hub_keys(row)
    assert node_id is not None and hub_id is not None
    wire = sign_rotation(old, new, node_id=node_id, hub_id=hub_id)
    response = client.request("POST", "/api/v1/rotate-key", json=wire, headers={"X-ZSZO-Hub-Kid": hub_public.kid})
    if response.status_code != 200:
        error = _error_from(response)
        if 400 <= response.status_code < 500:
            identity.discard_pending_keys(keys_path)  # refused for good: nothing changed at the hub
        raise error
    try:
        verify_receipt(response.json(), hub_public.sign, read_rotation(wire))
    except (ProtocolError, ValueError) as exc:
        raise SyncError("bad_receipt", str(exc)) from None
    identity.promote_pending_keys(keys_path)
    log.info("node key rotated: %s -> %s", old.public.kid, new.public.kid)
    return {"keys": new, "old_fingerprint": old.public.fingerprint, "new_fingerprint": new.public.fingerprint,
            "old_kid": old.public.kid, "new_kid": new.public.kid}
