"""Polish error pages (400 with a CSRF explanation, 403, 404, 405, 413, 500) for node and hub.

Pages say what happened and what to do next, never why access was refused in detail or any
internal error text (those go to the server log).
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger("zszo.web.errors")

PAGES = {
    400: (
        _l("The request could not be processed"),
        _l("Something in the request was not right. Go back, reload the page and try again."),
    ),
    403: (_l("No access"), _l("You do not have permission to see this page or to do this.")),
    404: (_l("Page not found"), _l("Check the address, or go back to the start page.")),
    405: (_l("Page not found"), _l("Check the address, or go back to the start page.")),
    413: (_l("The data sent is too large"), _l("Send less data at once.")),
    500: (
        _l("Something went wrong on our side"),
        _l(
            "Your last change was not saved. Try again in a moment; if it happens again, tell the "
            "administrator."
        ),
    ),
}
CSRF_PAGE = (
    _l("The form has expired"),
    _l(
        "The form was open for too long or was sent from another page. Go back, reload the page "
        "and send the form again."
    ),
)


def render_error(status: int, title: object = None, message: object = None):  # type: ignore[no-untyped-def]
    """Render the Polish error page for ``status`` (optionally with a specific title and message)."""
    default_title, default_message = PAGES.get(status, PAGES[400 if status < 500 else 500])
    return render_template(
        "zszo_web/error.html", status=status, title=title or default_title, message=message or default_message
    ), status


def register(app: Flask) -> None:
    """Install the error handlers on ``app``."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
        log.warning("CSRF check failed: %s %s (%s)", request.method, request.path, exc.description)
        return render_error(400, *CSRF_PAGE)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        if exc.code is None or exc.code < 400:
            return exc
        response = render_error(exc.code)
        headers = exc.get_response().headers
        if "Allow" in headers:
            return response[0], response[1], {"Allow": headers["Allow"]}
        return response

    @app.errorhandler(InternalServerError)
    def server_error(exc: InternalServerError):  # type: ignore[no-untyped-def]
        log.error(
            "unhandled error on %s %s", request.method, request.path, exc_info=exc.original_exception or exc
        )
        return render_error(500)
