"""How the overview pages write their figures: an average with two decimals, an attendance percentage
with one, both with the Polish decimal comma and a dash when there is nothing to show.

Jinja filters, not macros: the class page writes a few hundred of them (pupils × subjects), and a
filter is a plain function call where a macro call costs a template frame each time.
"""

from __future__ import annotations

from decimal import Decimal

from protocol.attendance import Tally

NOTHING = "–"


def average(value: Decimal | None) -> str:
    """``4,13`` for an average (already rounded to two places), ``–`` for none."""
    return NOTHING if value is None else f"{value:.2f}".replace(".", ",")


def percent(counts: Tally) -> str:
    """``68,4%`` for a tally's attendance, ``–`` when no lesson counts."""
    return NOTHING if counts.percent is None else f"{counts.percent_rounded()}%".replace(".", ",")


FILTERS = {"overview_average": average, "overview_percent": percent}
