"""Polish names of the catchment codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

PARITIES = {"all": _l("all numbers"), "odd": _l("odd numbers"), "even": _l("even numbers")}
STATUSES = {
    "unknown": _l("not known"),
    "enrolled": _l("enrolled here"),
    "deferred": _l("deferred (odroczenie)"),
    "elsewhere": _l("schooling elsewhere (reported by the parents)"),
}
