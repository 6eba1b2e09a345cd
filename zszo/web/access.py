"""Who is logged in and may they open this view: the checks both web apps run on the server.

Each app's ``web.context`` binds these to its own roles and logger. The user object is put on
``flask.g`` by the app's session loader; this module never loads users itself.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import abort, g, request

from zszo.web.login import log_safe

View = TypeVar("View", bound=Callable[..., Any])


def current_user() -> Any | None:
    """The logged-in account, or None."""
    return g.get("user")


def writes_on_get(view: View) -> View:
    """Mark a GET view that writes (an audit row of a read, a new TOTP secret) so it gets a write session."""
    view.writes_on_get = True  # type: ignore[attr-defined]
    return view


def deny(reason: str, log: logging.Logger) -> None:
    """Log an access refusal and answer 403."""
    user = current_user()
    log.warning(
        "access denied user=%s role=%s %s %s: %s",
        log_safe(user.username if user else "-"),
        user.role if user else "-",
        request.method,
        log_safe(request.path, 200),
        reason,
    )
    abort(403)


def roles_guard(all_roles: Iterable[str], log: logging.Logger) -> Callable[..., Callable[[View], View]]:
    """``roles_required(*roles)`` for an app whose roles are ``all_roles``: a decorator allowing the
    view only to logged-in users with one of ``roles``, checked on every request (401 when not
    logged in, 403 and a log line for another role)."""
    known = frozenset(all_roles)

    def roles_required(*roles: str) -> Callable[[View], View]:
        unknown = set(roles) - known
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}")

        def decorate(view: View) -> View:
            @functools.wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                user = current_user()
                if user is None:
                    abort(401)
                if user.role not in roles:
                    deny(f"role not in {','.join(roles)}", log)
                return view(*args, **kwargs)

            wrapper.roles = roles  # type: ignore[attr-defined]
            return wrapper  # type: ignore[return-value]

        return decorate

    return roles_required
