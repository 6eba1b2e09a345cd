"""Polish names of the control's statuses, lists, exemption kinds and case steps (message ids)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUSES = {
    "ok": _l("enrolled"),
    "deferred": _l("deferred (odroczenie)"),
    "exempt": _l("schooled elsewhere (reported)"),
    "not_enrolled": _l("enrolled nowhere"),
    "enrolled_twice": _l("enrolled in two schools"),
    "preschool_no_deferral": _l("in preschool without a deferral"),
}
LIST_TITLES = {
    "not_enrolled": _l("Children enrolled nowhere"),
    "enrolled_twice": _l("Children enrolled in two schools"),
    "preschool_no_deferral": _l("Children of school age in preschool without a deferral"),
    "deferred": _l("Children with a deferral"),
    "exempt": _l("Children schooled elsewhere"),
}
OBLIGATIONS = {"preschool_preparation": _l("preschool preparation"), "school": _l("school or education")}
EXEMPTIONS = {
    "deferral": _l("deferral of compulsory schooling"),
    "abroad": _l("schooling abroad"),
    "school_outside_city": _l("school outside the city"),
    "home_education": _l("home education"),
    "other": _l("other"),
}
REPORTS = {
    "deferred": _l("deferral decided by the catchment school, decision no."),
    "elsewhere": _l("schooling elsewhere reported at the catchment school:"),
}
CASE_STEPS = {"open": _l("opened"), "notified": _l("parents notified"), "explained": _l("explained"),
              "closed": _l("closed")}
