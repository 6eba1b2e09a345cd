"""The gradebook blueprint and what its views share: labels of grade codes, loading records with
the access checks, the acting user, per-pupil form data.

Every view loads its records through the functions here, which answer 404 for unknown ids and 403
(logged) when the user may not read or write them: access is decided on the server, never by
hiding links.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Blueprint, abort, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape

from node_agent.grades import queries
from node_agent.grades.operations import Actor
from node_agent.register.models import ClassUnit, Pupil
from node_agent.staff.models import TeachingAssignment
from node_agent.web import labels as web_labels
from node_agent.web.context import current_user, db, deny

bp = Blueprint("grades", __name__, url_prefix="/grades", template_folder="templates")

GRADE_ROLES = ("teacher", "director", "secretary")
TERM_GRADES = {6: _l("excellent"), 5: _l("very good"), 4: _l("good"), 3: _l("satisfactory"), 2: _l("acceptable"),
               1: _l("insufficient")}
BEHAVIOUR = web_labels.BEHAVIOUR
PERIODS = {"term": _l("term"), "year": _l("year-end")}
STAGES = {"proposed": _l("proposed"), "final": _l("final")}
COLUMNS = {("term", "proposed"): _l("Proposed term grade"), ("term", "final"): _l("Term grade"),
           ("year", "proposed"): _l("Proposed year-end grade"), ("year", "final"): _l("Year-end grade")}


@functools.lru_cache(maxsize=4096)
def _about(category: str, day: dt.date) -> str:
    """ "category, dd.mm.yyyy", escaped (a column of grades shares both, so this is mostly a cache hit)."""
    return f"{escape(category)}, {day:%d.%m.%Y}"


def grade_links(grades: Iterable[Any], category_names: Mapping[str, str], edit_base: str | None) -> Markup:
    """One pupil's grades as HTML: each symbol (a link to the grade when ``edit_base`` is given) with its
    category and date for screen readers and as a tooltip.

    Built here with ``escape`` (markupsafe's C speed-ups) rather than in a Jinja loop or with
    ``Markup.format``, both several times slower per grade: the class gradebook shows a school year
    of grades, over a thousand per page (bench/bench_gradebook.py).
    """
    base = escape(edit_base) if edit_base is not None else None
    parts = []
    for g in grades:
        about = _about(category_names.get(g.category_id, ""), g.given_on)
        title = f"{about}, {escape(g.description)}" if g.description else about
        inner = f'{escape(g.symbol)}<span class="visually-hidden"> ({about})</span>'
        if base is None:
            parts.append(f'<span class="grade" title="{title}">{inner}</span>')
        else:
            parts.append(f'<a class="grade" href="{base}{escape(g.id)}" title="{title}">{inner}</a>')
    return Markup(" ".join(parts))  # noqa: S704 - every value in it went through escape() above


@bp.context_processor
def grade_labels() -> dict[str, object]:
    """Labels of grade codes and the grade-list helper for every gradebook template."""
    return {"periods": PERIODS, "stages": STAGES, "columns": COLUMNS, "term_grades": TERM_GRADES,
            "behaviour": BEHAVIOUR, "grade_links": grade_links}


def actor() -> Actor:
    """The logged-in teacher as the author of a change (403 for an account with no staff member)."""
    user = current_user()
    if user is None or not user.staff_member_id:
        deny("grades need an account linked to a staff member")
    return Actor(user.username, user.staff_member_id)  # type: ignore[union-attr,arg-type]


def check_choice(value: str, allowed: Iterable[str]) -> str:
    """``value`` if it is one of ``allowed`` (a period or stage in the URL), else 404."""
    if value not in allowed:
        abort(404)
    return value


def assignment(assignment_id: str, *, write: bool = False) -> tuple[TeachingAssignment, ClassUnit]:
    """The assignment and its class if the user may read it (``write``: enter its grades)."""
    found = db().get(TeachingAssignment, assignment_id)
    if found is None:
        abort(404)
    class_unit = db().get(ClassUnit, found.class_id)
    user = current_user()
    allowed = queries.can_write(user, found) if write else queries.can_read(user, found, class_unit)  # type: ignore[arg-type]
    if not allowed:
        deny("not this teacher's assignment" if write else "neither teacher, tutor nor school reader")
    return found, class_unit  # type: ignore[return-value]


def tutored_class(class_id: str) -> ClassUnit:
    """The class if the user is its tutor (behaviour grades, descriptive assessments), else 403."""
    class_unit = db().get(ClassUnit, class_id)
    if class_unit is None:
        abort(404)
    if not queries.is_tutor(current_user(), class_unit):  # type: ignore[arg-type]
        deny("not the class tutor")
    return class_unit


def pupil_data(form: FlaskForm, pupils: Iterable[Pupil]) -> tuple[dict[str, str], dict[str, str]]:
    """({pupil id: submitted value}, {pupil id: name for errors}) of a per-pupil form."""
    values, labels = {}, {}
    for p in pupils:
        values[p.id] = form[f"grade-{p.id}"].data or ""
        labels[p.id] = f"{p.last_name} {p.first_name}"
    return values, labels


def wants_pupil() -> str | None:
    """The ``pupil`` query argument (a single grade for one pupil instead of a whole column)."""
    return request.args.get("pupil") or None
