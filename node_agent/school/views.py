"""School set-up pages for the school office: school data, school years, classes, subjects.

Thin views over :mod:`node_agent.school.operations` through :func:`node_agent.web.crud.handle_form`;
teachers have no access.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from node_agent.register.models import ClassUnit, Enrolment
from node_agent.register.queries import enrolled_on
from node_agent.school import operations as ops
from node_agent.school.forms import ClassForm, SchoolForm, SchoolYearForm, SubjectForm
from node_agent.school.models import School, SchoolYear, Subject
from node_agent.staff.models import StaffMember
from node_agent.web import labels
from node_agent.web.context import OFFICE_ROLES, db, roles_required, today
from node_agent.web.crud import handle_form

bp = Blueprint("school", __name__, url_prefix="/school", template_folder="templates")


def _get(model, record_id: str):  # type: ignore[no-untyped-def]
    obj = db().get(model, record_id)
    if obj is None:
        abort(404)
    return obj


@bp.get("")
@roles_required(*OFFICE_ROLES)
def overview():  # type: ignore[no-untyped-def]
    """School data, school years and subjects at a glance."""
    school = db().scalar(select(School).limit(1))
    years = db().scalars(select(SchoolYear).order_by(SchoolYear.starts_on.desc())).all()
    class_counts = dict(
        db().execute(select(ClassUnit.school_year_id, func.count()).group_by(ClassUnit.school_year_id)).all()
    )
    subjects = db().scalar(select(func.count()).select_from(Subject)) or 0
    return render_template(
        "school/overview.html", school=school, years=years, class_counts=class_counts, subject_count=subjects
    )


@bp.route("/edit", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def school_edit():  # type: ignore[no-untyped-def]
    """The school record (there is exactly one per node)."""
    school = db().scalar(select(School).limit(1))
    form = SchoolForm(obj=school) if school is not None else SchoolForm()
    return handle_form(
        form,
        fields=SchoolForm.FIELDS,
        save=lambda data: ops.save_school(db(), data, school),
        template="school/school_form.html",
        done=lambda _obj: url_for("school.overview"),
        message=_("The school's data have been saved."),
        entity="school",
        is_new=school is None,
    )


@bp.route("/years/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def year_new():  # type: ignore[no-untyped-def]
    """Add a school year."""
    form = SchoolYearForm()
    return handle_form(
        form,
        fields=SchoolYearForm.FIELDS,
        save=lambda data: ops.save_school_year(db(), data),
        template="school/year_form.html",
        done=lambda y: url_for("school.year_classes", year_id=y.id),
        message=_("The school year has been added."),
        entity="school_year",
        is_new=True,
        year=None,
    )


@bp.route("/years/<year_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def year_edit(year_id: str):  # type: ignore[no-untyped-def]
    """Change a school year's label or dates."""
    year = _get(SchoolYear, year_id)
    form = SchoolYearForm(obj=year)
    return handle_form(
        form,
        fields=SchoolYearForm.FIELDS,
        save=lambda data: ops.save_school_year(db(), data, year),
        template="school/year_form.html",
        done=lambda y: url_for("school.overview"),
        message=_("The changes have been saved."),
        entity="school_year",
        is_new=False,
        year=year,
    )


@bp.get("/years/<year_id>")
@roles_required(*OFFICE_ROLES)
def year_classes(year_id: str):  # type: ignore[no-untyped-def]
    """The classes of a school year, with tutors and current headcounts."""
    year = _get(SchoolYear, year_id)
    classes = (
        db()
        .scalars(
            select(ClassUnit)
            .where(ClassUnit.school_year_id == year.id)
            .order_by(ClassUnit.level, ClassUnit.letter)
        )
        .all()
    )
    counts = dict(
        db()
        .execute(
            select(Enrolment.class_id, func.count()).where(enrolled_on(today())).group_by(Enrolment.class_id)
        )
        .all()
    )
    return render_template("school/classes.html", year=year, classes=classes, counts=counts)


def _tutor_choices(form: ClassForm, current: str | None) -> None:
    staff = (
        db()
        .scalars(
            select(StaffMember)
            .where((StaffMember.active.is_(True)) | (StaffMember.id == current))
            .order_by(StaffMember.last_name, StaffMember.first_name)
        )
        .all()
    )
    form.tutor_id.choices = labels.choices(
        [(s.id, f"{s.last_name} {s.first_name}") for s in staff], blank=_("– none –")
    )


@bp.route("/years/<year_id>/classes/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def class_new(year_id: str):  # type: ignore[no-untyped-def]
    """Add a class to a school year."""
    year = _get(SchoolYear, year_id)
    form = ClassForm()
    _tutor_choices(form, None)
    return handle_form(
        form,
        fields=ClassForm.FIELDS,
        save=lambda data: ops.save_class(db(), {**data, "school_year_id": year.id}),
        template="school/class_form.html",
        done=lambda c: url_for("school.year_classes", year_id=year.id),
        message=_("The class has been added."),
        entity="class_unit",
        is_new=True,
        year=year,
        class_unit=None,
    )


@bp.route("/classes/<class_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def class_edit(class_id: str):  # type: ignore[no-untyped-def]
    """Change a class's level, letter, profile or tutor."""
    class_unit = _get(ClassUnit, class_id)
    form = ClassForm(obj=class_unit)
    _tutor_choices(form, class_unit.tutor_id)
    if not form.is_submitted():
        form.level.data, form.tutor_id.data = str(class_unit.level), class_unit.tutor_id or ""
    return handle_form(
        form,
        fields=ClassForm.FIELDS,
        save=lambda data: ops.save_class(db(), data, class_unit),
        template="school/class_form.html",
        done=lambda c: url_for("school.year_classes", year_id=class_unit.school_year_id),
        message=_("The changes have been saved."),
        entity="class_unit",
        is_new=False,
        year=class_unit.school_year,
        class_unit=class_unit,
    )


@bp.get("/subjects")
@roles_required(*OFFICE_ROLES)
def subjects():  # type: ignore[no-untyped-def]
    """All subjects."""
    rows = db().scalars(select(Subject).order_by(Subject.name)).all()
    return render_template("school/subjects.html", subjects=rows)


@bp.route("/subjects/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def subject_new():  # type: ignore[no-untyped-def]
    """Add a subject."""
    return handle_form(
        SubjectForm(),
        fields=SubjectForm.FIELDS,
        save=lambda data: ops.save_subject(db(), data),
        template="school/subject_form.html",
        done=lambda s: url_for("school.subjects"),
        message=_("The subject has been added."),
        entity="subject",
        is_new=True,
        subject=None,
    )


@bp.route("/subjects/<subject_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def subject_edit(subject_id: str):  # type: ignore[no-untyped-def]
    """Change a subject's code or name."""
    subject = _get(Subject, subject_id)
    return handle_form(
        SubjectForm(obj=subject),
        fields=SubjectForm.FIELDS,
        save=lambda data: ops.save_subject(db(), data, subject),
        template="school/subject_form.html",
        done=lambda s: url_for("school.subjects"),
        message=_("The changes have been saved."),
        entity="subject",
        is_new=False,
        subject=subject,
    )
