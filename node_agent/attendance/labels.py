"""Polish names of attendance codes and weekdays (the codes are what is stored and synced)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CODES = {
    "present": _l("present"),
    "absent": _l("absent (unexcused)"),
    "excused": _l("absent (excused)"),
    "late": _l("late"),
    "late_excused": _l("late (excused)"),
    "school_reason": _l("absent for school reasons"),
    "released": _l("released"),
}
WEEKDAYS = {
    1: _l("Monday"), 2: _l("Tuesday"), 3: _l("Wednesday"), 4: _l("Thursday"), 5: _l("Friday"),
    6: _l("Saturday"), 7: _l("Sunday"),
}
DAY_OFF_KINDS = {
    "weekend": _l("weekend"),
    "public_holiday": _l("public holiday"),
    "city_calendar": _l("no lessons in the city's school calendar"),
    "school": _l("day off declared by the school"),
}
