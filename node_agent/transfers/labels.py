"""Polish names of the transfer codes (direction, status of a transfer and of an offer) for pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DIRECTIONS = {"out": _l("to"), "in": _l("from")}
STATUSES = {
    "pending": _l("waiting for the receiving school"),
    "accepted": _l("accepted"),
    "rejected": _l("rejected by the receiving school"),
    "cancelled": _l("withdrawn"),
    "recorded": _l("recorded (school outside the city)"),
}
OFFER_STATUSES = {
    "pending": _l("waiting for your decision"),
    "accepted": _l("accepted"),
    "rejected": _l("rejected by this school"),
    "withdrawn": _l("withdrawn by the sending school"),
}
