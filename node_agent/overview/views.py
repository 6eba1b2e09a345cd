"""Overview pages: the class tutor's class at a glance, the director's school overview and the pupil
card (grades, attendance per month, term and behaviour grades over the school year).

Access is decided here on the server for every request, whatever links a page shows: the class page
is for the class's tutor and the school office readers (director, secretary); the school overview
for the director and the secretary; the pupil card for them, the pupil's class tutor and the
teachers who teach the pupil's class (they see their own subjects' grades). Every refusal is an
audit row of its own (:func:`node_agent.web.context.refuse`), every page shown is audited as a
read of the class or pupil. Thin: figures come from :mod:`node_agent.overview.queries` and
:mod:`node_agent.overview.school`.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import exists, select

from node_agent.attendance import labels as attendance_labels
from node_agent.attendance.views import parse_month
from node_agent.auth.models import UserAccount
from node_agent.grades import queries as grade_queries
from node_agent.grades.web import grade_labels
from node_agent.journal import queries as journal_queries
from node_agent.overview import figures, queries, school
from node_agent.register.models import ClassUnit, Pupil
from node_agent.register.queries import current_school_year
from node_agent.staff.models import TeachingAssignment
from node_agent.web.context import ALL_ROLES, audit, current_user, db, refuse, roles_required, today
from protocol.attendance import CODES, MARKS

bp = Blueprint("overview", __name__, url_prefix="/overview", template_folder="templates")
bp.context_processor(grade_labels)
for _name, _filter in figures.FILTERS.items():
    bp.add_app_template_filter(_filter, _name)


def _threshold() -> int:
    return int(current_app.config["ZSZO_SETTINGS"]["attendance.absence_flag_percent"])


def _user() -> UserAccount:
    user = current_user()
    assert user is not None  # roles_required let the request in
    return user


def _teaches(user: UserAccount, class_id: str) -> bool:
    return user.role == "teacher" and bool(user.staff_member_id) and bool(db().scalar(select(exists().where(
        TeachingAssignment.class_id == class_id, TeachingAssignment.staff_member_id == user.staff_member_id))))


@bp.get("/class/<class_id>")
@roles_required(*ALL_ROLES)
def class_page(class_id: str):  # type: ignore[no-untyped-def]
    """The class at a glance: each pupil's attendance, averages, term-grade status and flags."""
    unit = db().get(ClassUnit, class_id[:36])
    if unit is None:
        refuse("class_unit", class_id[:36], "no_such_class", status=404)
    if not grade_queries.can_read_class(_user(), unit):  # type: ignore[arg-type]
        refuse("class_unit", unit.id, "not_class_tutor")  # type: ignore[union-attr]
    glance = queries.class_glance(db(), unit, today(), parse_month(request.args.get("month")),  # type: ignore[arg-type]
                                  _threshold())
    first, last = queries.year_span(unit.school_year, today())  # type: ignore[union-attr]
    notes = journal_queries.class_note_counts(db(), unit.id, first, last)  # type: ignore[union-attr]
    audit("read", "class_unit", unit.id, "class_overview")  # type: ignore[union-attr]
    return render_template("overview/class.html", glance=glance, notes=notes, no_notes=journal_queries.NoteCounts())


@bp.get("/school")
@roles_required(*ALL_ROLES)
def school_page():  # type: ignore[no-untyped-def]
    """The school overview of the current school year (director and secretary)."""
    if _user().role not in grade_queries.SCHOOL_READERS:
        refuse("school", None, "not_school_reader")
    year = current_school_year(db(), today())
    overview = school.school_overview(db(), year, today(), parse_month(request.args.get("month"))) if year else None
    audit("read", "school", None, "school_overview")
    return render_template("overview/school.html", overview=overview, today=today())


def _card_class(user: UserAccount, pupil: Pupil) -> tuple[ClassUnit, list[ClassUnit]]:
    """The class whose card the user asked for (or the newest they may read), and the pupil's classes they may read."""
    classes = [c for c in grade_queries.pupil_classes(db(), pupil.id)
               if grade_queries.can_read_class(user, c) or _teaches(user, c.id)]
    if not classes:
        refuse("pupil", pupil.id, "pupil_not_visible")
    wanted = request.args.get("class")
    chosen = next((c for c in classes if c.id == wanted), None) if wanted else classes[0]
    if chosen is None:
        refuse("pupil", pupil.id, "class_not_visible")
    return chosen, classes  # type: ignore[return-value]


@bp.get("/pupil/<pupil_id>")
@roles_required(*ALL_ROLES)
def pupil_page(pupil_id: str):  # type: ignore[no-untyped-def]
    """The pupil card: grades per subject with averages, attendance per month, term and behaviour grades."""
    pupil = db().get(Pupil, pupil_id[:36])
    if pupil is None:
        refuse("pupil", pupil_id[:36], "no_such_pupil", status=404)
    user = _user()
    unit, classes = _card_class(user, pupil)  # type: ignore[arg-type]
    card = grade_queries.pupil_card(db(), user, pupil, unit)  # type: ignore[arg-type]
    first, last = queries.year_span(unit.school_year, today())
    months = queries.pupil_attendance(db(), pupil.id, first, last, _threshold())  # type: ignore[union-attr]
    notes = (journal_queries.pupil_notes(db(), pupil.id, first, last)  # type: ignore[union-attr]
             if journal_queries.can_read_class(db(), user, unit) else None)
    audit("read", "pupil", pupil.id, "pupil_card")  # type: ignore[union-attr]
    return render_template("overview/pupil.html", card=card, classes=classes, months=months, codes=CODES, notes=notes,
                           marks=MARKS, code_labels=attendance_labels.CODES, threshold=_threshold())
