"""HTTP API for nodes under ``/api/v1`` (no cookies, no CSRF: every call is signed or token-bound).

* ``GET  /api/v1/hello``     the hub's id, public keys, fingerprint, protocol and schema versions
* ``POST /api/v1/enrol``     JSON {token, rspo, name, keys}: registers a node's public keys once
* ``POST /api/v1/batches``   an uplink envelope (application/octet-stream) → signed ack (JSON)
* ``POST /api/v1/downlink``  signed request {after, backlog} → downlink envelope, or 204
* ``POST /api/v1/rotate-key`` a node's key rotation signed by its old and new key → signed receipt

Errors are JSON ``{"error": code, "detail": …}`` with a meaningful status; overload and a full
disk answer 503 with ``Retry-After`` and never an ack.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from hub.db import utcnow
from hub.dictionaries import operations as dictionaries
from hub.fleet import operations as fleet
from hub.fleet import trust as trust_ops
from hub.fleet.models import Node
from hub.sync import downlink
from hub.sync.models import DownlinkEntry, NodeContact
from protocol import PROTOCOL_VERSION
from protocol.acks import REQUEST_HEADERS, verify_request
from protocol.entities import schema_set
from protocol.errors import BadSignature, ProtocolError, RevokedSender, SequenceGap, UnknownSender
from protocol.keys import PublicKeys
from protocol.rotation import sign_receipt
from zszo.failpoints import failpoint

log = logging.getLogger(__name__)
bp = Blueprint("sync_api", __name__, url_prefix="/api/v1")


def _error(status: int, code: str, detail: str = "", **extra: Any) -> Response:
    response = jsonify({"error": code, "detail": detail, **extra})
    response.status_code = status
    if status in (429, 503):
        response.headers["Retry-After"] = "30"
    return response


def _hub() -> Any:
    return current_app.extensions["zszo_hub"]


def _storage_failure(exc: Exception) -> Response | None:
    """Map "disk full", "I/O error" and "locked" to 503 so the node retries later; else re-raise."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        log.warning("store busy, batch not acknowledged: %s", exc)
        return _error(503, "busy", "the hub is busy; retry later")
    if "disk" in text or "full" in text or "i/o" in text or "readonly" in text:
        log.error("storage failure, batch not acknowledged: %s", exc)
        return _error(503, "storage_unavailable", "the hub cannot store data right now; retry later")
    return None


@bp.before_request
def notice_key_rotation() -> None:
    """Pick up a hub key rotation made by `zszo hub rotate-key` in another process (checked every few seconds)."""
    _hub().refresh_keys()


@bp.errorhandler(OperationalError)
def storage_error(exc: OperationalError) -> Response:
    """A full disk anywhere under /api/v1 (enrolment, downlink bookkeeping) is a 503, not a crash."""
    mapped = _storage_failure(exc)
    if mapped is None:
        raise exc
    return mapped


# What this hub speaks, sent in /hello; a node refuses to sync with a hub lacking what it needs.
CAPABILITIES = ("signed_requests", "upcast", "held_batches", "downlink_v1")


def _reported(params: dict) -> dict[str, Any]:
    """The node's self-description in a pull request (all optional): software, schema, clock.

    Raises ValueError for malformed values; the request is signed, so they come from the node.
    """
    out: dict[str, Any] = {}
    if "software" in params:
        if type(params["software"]) is not str or len(params["software"]) > 40:
            raise ValueError("software must be a short string")
        out["software"] = params["software"]
    if "schema" in params:
        schema = params["schema"]
        if (type(schema) is not dict or len(schema) > 500
                or not all(type(k) is str and len(k) <= 40 and type(v) is int for k, v in schema.items())):
            raise ValueError("schema must map entity names to versions")
        out["reported_schema"] = json.dumps(schema, sort_keys=True)
    if "clock" in params:
        try:
            clock = dt.datetime.strptime(str(params["clock"]), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            raise ValueError("clock must be UTC like 2026-09-01T08:00:00Z") from None
        out["clock_skew_seconds"] = round((clock - utcnow()).total_seconds())
    return out


def _trust_document() -> str | None:
    """The newest trust document signed by the city's root key (text), or None."""
    with _hub().db.reading() as session:
        record = trust_ops.latest(session)
        return record.document.decode("utf-8") if record is not None else None


@bp.get("/hello")
def hello() -> Response:
    """Public facts a node needs before enrolling or syncing (with the signed trust document, if any)."""
    keys = _hub().keys
    return jsonify({
        "trust": _trust_document(),
        "hub_id": keys.hub_id,
        "keys": keys.current.public.to_dict(),
        "fingerprint": keys.current.public.fingerprint,
        "protocol": PROTOCOL_VERSION,
        "schema": schema_set(),
        "capabilities": list(CAPABILITIES),
        "time": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "limits": {"max_envelope": _hub().limits.max_envelope, "max_payload": _hub().limits.max_payload},
    })


@bp.post("/enrol")
def enrol() -> Response:
    """Register a node's public keys with a one-time token."""
    try:
        body = request.get_json(force=True, silent=False)
        keys = PublicKeys.from_dict(body["keys"])
        token, rspo, name = str(body["token"]), str(body["rspo"]), str(body.get("name") or "")
    except Exception:  # noqa: BLE001 - any malformed input is the same client error
        return _error(400, "bad_request", "expected JSON with token, rspo, name and keys {sign, kex}")
    hub = _hub()
    try:
        with hub.db.transaction() as session:
            node = fleet.enrol_node(session, token=token, rspo=rspo, name=name, keys=keys)
            repeated = session.scalar(select(DownlinkEntry.seq).where(DownlinkEntry.node_id == node.id).limit(1))
            if repeated is None:  # a repeated enrolment (its answer was lost) has its dictionaries queued
                downlink.enqueue(session, node.id, "city_subjects", downlink.subjects_body())
                for kind, body in dictionaries.current_bodies(session):
                    downlink.enqueue(session, node.id, kind, body)
            node_id, fingerprint = node.id, node.fingerprint
    except fleet.FleetError as exc:
        log.warning("enrolment refused for RSPO %s: %s", rspo.replace("\n", " ")[:12], exc.code)
        return _error(403, exc.code, str(exc))
    log.info("node %s enrolled for RSPO %s, fingerprint %s", node_id, rspo, fingerprint)
    return jsonify({
        "trust": _trust_document(),
        "node_id": node_id,
        "node_fingerprint": fingerprint,
        "hub_id": hub.keys.hub_id,
        "hub_keys": hub.keys.current.public.to_dict(),
        "hub_fingerprint": hub.keys.current.public.fingerprint,
    })


@bp.post("/batches")
def batches() -> Response:
    """Accept one uplink batch."""
    hub = _hub()
    if request.content_length is None:
        return _error(411, "length_required", "send Content-Length")
    if request.content_length > hub.limits.max_envelope:
        return _error(413, "too_large", f"envelope over {hub.limits.max_envelope} bytes")
    slot: threading.BoundedSemaphore = hub.ingest_slots
    if not slot.acquire(timeout=2):
        return _error(503, "busy", "the hub is busy; retry later")
    try:
        data = request.get_data(cache=False)
        try:
            accepted = hub.ingestor.ingest(data, request.remote_addr)
        except SequenceGap as exc:
            return _error(exc.http_status, exc.code, exc.detail, expected_seq=exc.expected_seq)
        except ProtocolError as exc:
            log.warning("batch rejected: %s", exc.code)
            return _error(exc.http_status, exc.code, exc.detail)
        except (OperationalError, sqlite3.OperationalError, OSError) as exc:
            mapped = _storage_failure(exc)
            if mapped is None:
                raise
            return mapped
        failpoint("hub.after_inbox_commit_before_reply")
        return jsonify(accepted.ack)
    finally:
        slot.release()


@bp.post("/downlink")
def pull_downlink() -> Response:
    """Return messages queued for the calling node after the sequence it names."""
    hub = _hub()
    body = request.get_data(cache=False)
    if len(body) > 4096:
        return _error(413, "too_large", "request body too large")
    node_id = request.headers.get("X-ZSZO-Node", "")
    with hub.db.reading() as session:
        node = session.get(Node, node_id)
    try:
        if node is None or node.kid != request.headers.get("X-ZSZO-Kid"):
            raise UnknownSender("node or key not enrolled")
        signed = {h: request.headers.get(h, "") for h in REQUEST_HEADERS}
        verify_request(signed, fleet.node_public_keys(node).sign, method="POST", path=request.path, body=body)
        if node.status != "active":
            raise RevokedSender("this node was revoked by the city")
        params = json.loads(body)
        after, backlog = int(params["after"]), params.get("backlog")
        if after < 0 or (backlog is not None and (type(backlog) is not int or backlog < 0)):
            raise ValueError("negative values")
        hub_kid = str(params.get("hub_kid") or "")
        reported = _reported(params)
    except (UnknownSender, RevokedSender, BadSignature) as exc:
        return _error(exc.http_status, exc.code, exc.detail)
    except (ValueError, KeyError, TypeError):
        return _error(400, "bad_request", "expected JSON {after: int, backlog: int}")
    with hub.db.transaction() as session:
        contact = session.get(NodeContact, node.id) or NodeContact(node_id=node.id)
        contact.last_contact_at = utcnow()
        if backlog is not None:
            contact.reported_backlog = backlog
        for name, value in reported.items():
            setattr(contact, name, value)
        session.add(contact)
        sealed = downlink.seal_pending(session, node, after, hub.keys, hub.keys.signer_for(hub_kid))
    if sealed is None:
        return Response(status=204)
    return Response(sealed, mimetype="application/octet-stream")


@bp.post("/rotate-key")
def rotate_key() -> Response:
    """Replace the calling node's key: a request signed by its current and its new key (protocol/rotation.py).

    The receipt is signed with the hub key the node names in ``X-ZSZO-Hub-Kid`` (the one it
    trusts) while that key is valid. A repeated request gets the same receipt.
    """
    hub = _hub()
    body = request.get_data(cache=False)
    if len(body) > 4096:
        return _error(413, "too_large", "request body too large")
    try:
        wire = json.loads(body)
    except ValueError:
        return _error(400, "bad_request", "expected a JSON rotation request")
    try:
        with hub.db.transaction() as session:
            rotation, rotated_at = fleet.rotate_node_key(session, wire, hub.keys.hub_id)
    except ProtocolError as exc:
        log.warning("key rotation refused: %s %s", exc.code, exc.detail)
        return _error(exc.http_status, exc.code, exc.detail)
    except fleet.FleetError as exc:
        return _error(409, exc.code, str(exc))
    log.info("node %s rotated its key %s -> %s", rotation.node_id, rotation.old_kid, rotation.new.kid)
    signer = hub.keys.signer_for(request.headers.get("X-ZSZO-Hub-Kid", ""))
    return jsonify(sign_receipt(rotation, signer, rotated_at.strftime("%Y-%m-%dT%H:%M:%SZ")))
