"""HTTP hardening shared by the node and hub web apps: headers, cookies, the signing key.

Responses get a strict Content-Security-Policy (only our own files, no inline script or
style), no framing, no MIME sniffing and no referrer leaking to other sites; pages that carry
personal data are never stored by browsers or proxies. This module must never weaken those
defaults per page: a page that needs an exception is a page to redesign.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask import Flask, Response, request

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

SESSION_COOKIE = "zszo_session"


def load_or_create_secret_key(path: Path) -> bytes:
    """Read the key that signs session cookies; create 32 random bytes (mode 0600) if missing.

    Two processes starting at once may race to create it: the loser reads the winner's key.
    """
    path = Path(path)
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_bytes()
        else:
            key = os.urandom(32)
            with os.fdopen(fd, "wb") as fh:
                fh.write(key)
    if len(key) < 32:
        raise RuntimeError(
            f"{path}: the web secret key is shorter than 32 bytes; delete it to make a new one"
        )
    return key


def session_cookie_name(*, secure: bool, port: int) -> str:
    """``__Host-zszo_session`` over HTTPS; ``zszo_session_<port>`` over plain HTTP.

    Browsers keep cookies per host, not per port: without the port a hub and a node (or two
    nodes) on one machine — the demo city, a developer's laptop — would log each other out.
    """
    return "__Host-" + SESSION_COOKIE if secure else f"{SESSION_COOKIE}_{port}"


def configure_cookies(app: Flask, *, secure: bool, max_hours: int, port: int) -> None:
    """Session cookie: HttpOnly, SameSite=Lax; over HTTPS also Secure with the ``__Host-`` prefix.

    ``__Host-`` makes browsers refuse the cookie unless it is Secure, has Path=/ and no Domain,
    so a sibling host on the school network cannot plant or read it.
    """
    app.config.update(
        SESSION_COOKIE_NAME=session_cookie_name(secure=secure, port=port),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_DOMAIN=None,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=max_hours),
        # The CSRF token lives as long as the session may (a long form must not fail after an hour).
        WTF_CSRF_TIME_LIMIT=max_hours * 3600,
        PREFERRED_URL_SCHEME="https" if secure else "http",
    )


def add_security_headers(response: Response) -> Response:
    """``after_request`` hook: the headers above, and no caching of anything but static files."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint is None or not request.endpoint.endswith("static"):
        response.headers["Cache-Control"] = "no-store"
    return response
