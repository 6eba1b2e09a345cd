"""Pupil register pages: the list, the pupil card, adding and editing a pupil, class assignment
and leaving the school (skreślenie, which closes the pupil's register entry).

A pupil handed over to another city school is read-only here: every editing page answers 409
with the reason in Polish (:func:`visible_pupil`), and the operations refuse the write anyway.

Views are thin: access through :mod:`node_agent.register.queries`, every write through
:mod:`node_agent.register.operations`, errors shown from the protocol's FieldErrors. Each page
that shows pupil data writes an audit row (ids only). A failed save answers 422, which rolls
the request's transaction back: nothing is half-written.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from node_agent.auth.models import UserAccount
from node_agent.records import ValidationFailed
from node_agent.register import admission, queries
from node_agent.register import operations as ops
from node_agent.register.forms import AssignClassForm, LeaveForm, PupilForm, SearchForm
from node_agent.register.models import ClassUnit, Pupil
from node_agent.transfers import history, incoming, locks
from node_agent.transfers.models import PupilTransfer
from node_agent.web import labels
from node_agent.web.context import (
    ALL_ROLES,
    OFFICE_ROLES,
    audit,
    current_user,
    db,
    refuse,
    roles_required,
    today,
    writes_on_get,
)
from protocol.fields import FieldError, parse_date
from protocol.i18n import N_
from zszo.web.errors import render_error
from zszo.web.forms import attach_errors
from zszo.web.tables import csv_response

bp = Blueprint("register", __name__, url_prefix="/pupils", template_folder="templates")

EXPORT_LIMIT = 100_000  # more pupils than any school has: the whole filtered list
PESEL_AND_NO_PESEL = N_("remove the number or untick “The pupil has no PESEL number”")


def visible_pupil(pupil_id: str, *, edit: bool = False) -> Pupil:
    """The pupil if the current user may see it (and change it, with ``edit``), else 403/404."""
    user = current_user()
    assert user is not None
    if edit and not queries.can_edit(user):
        refuse("pupil", pupil_id[:36], "read_only_role")
    if not queries.can_see_pupil(db(), user, pupil_id, today()):
        refuse("pupil", pupil_id[:36], "pupil_not_visible")
    pupil = queries.pupil_with_history(db(), pupil_id)
    if pupil is None:
        refuse("pupil", pupil_id[:36], "no_such_pupil", status=404)
    lock = locks.pupil_lock(db(), pupil.id) if edit else None
    if lock is not None:
        abort(make_response(render_error(409, _("This pupil's data cannot be changed here"),
                                         lock_text(lock))))
    return pupil


def lock_text(lock: locks.Lock) -> str:
    """The lock's reason in Polish, as a sentence."""
    text = _(lock.message).format(**lock.params())
    return text[:1].upper() + text[1:] + "."


@bp.get("")
@roles_required(*ALL_ROLES)
@writes_on_get
def pupil_list():  # type: ignore[no-untyped-def]
    """The register: search by name or PESEL, filter by class, 50 a page."""
    user = current_user()
    form = SearchForm(formdata=request.args)
    year = queries.current_school_year(db(), today())
    classes = queries.classes_of_year(db(), year, user)
    form.class_id.choices = labels.choices([(c.id, c.name) for c in classes], blank=_("All classes"))
    class_id = form.class_id.data if form.class_id.data in {c.id for c in classes} else None
    if request.args.get("format") in ("csv", "xlsx"):
        return _list_download(user, form.q.data or "", class_id)
    page_number = request.args.get("page", "1")
    page = queries.search_pupils(
        db(),
        user,
        text=form.q.data or "",
        class_id=class_id,
        today=today(),
        page=int(page_number) if page_number.isdigit() else 1,
    )
    audit("list", "pupil", None, "pupil_list")
    return render_template(
        "register/list.html",
        form=form,
        page=page,
        year=year,
        full_pesel=queries.sees_full_pesel(user),
        can_edit=queries.can_edit(user),
        mask=queries.mask_pesel,
        args={"q": form.q.data or "", "class_id": class_id or ""},
    )


def _list_download(user: UserAccount, text: str, class_id: str | None) -> Response:
    """The list as it is filtered, every page, as CSV or XLSX (PESEL masked as on the page)."""
    page = queries.search_pupils(db(), user, text=text, class_id=class_id, today=today(), page_size=EXPORT_LIMIT)
    full = queries.sees_full_pesel(user)
    audit("export", "pupil", None, "pupil_list")
    header = [_("Last name"), _("First name"), _("Second name"), _("PESEL"), _("Date of birth"), _("Class"),
              _("Register number")]
    rows = [[r.pupil.last_name, r.pupil.first_name, r.pupil.second_name,
             r.pupil.pesel if full else queries.mask_pesel(r.pupil.pesel), r.pupil.birth_date, r.class_name,
             r.pupil.register_number] for r in page.rows]
    return csv_response(f"uczniowie-{today().isoformat()}.csv", header, rows)


@bp.get("/<pupil_id>")
@roles_required(*ALL_ROLES)
@writes_on_get
def pupil_card(pupil_id: str):  # type: ignore[no-untyped-def]
    """Everything the register holds about one pupil (audited as a view)."""
    pupil = visible_pupil(pupil_id)
    audit("view", "pupil", pupil.id, "pupil_card")
    user = current_user()
    current = ops.current_enrolment(db(), pupil, today())
    lock = locks.pupil_lock(db(), pupil.id)
    transfers = list(db().scalars(select(PupilTransfer).where(PupilTransfer.pupil_id == pupil.id)
                                  .order_by(PupilTransfer.transfer_on)))
    return render_template(
        "register/card.html",
        pupil=pupil,
        current=current,
        full_pesel=queries.sees_full_pesel(user),
        can_edit=queries.can_edit(user) and lock is None,
        mask=queries.mask_pesel,
        lock=lock_text(lock) if lock else None,
        entries=admission.entries_of(db(), pupil.id),
        open_entry=admission.open_entry(db(), pupil.id),
        transfers=transfers,
        previous=[(offer, history.summarize(incoming.package(offer)))
                  for offer in incoming.previous_schools(db(), pupil.id)],
        verified=queries.confirmed_emails(db(), pupil),
        office=user is not None and user.role in OFFICE_ROLES,
    )


def _pupil_data(form: PupilForm) -> tuple[dict[str, object], list[FieldError]]:
    data = {name: form[name].data for name in PupilForm.PROTOCOL_FIELDS}
    problems = []
    if form.no_pesel.data:
        if (data["pesel"] or "").strip():
            problems.append(
                FieldError("pesel", "pesel_and_no_pesel", PESEL_AND_NO_PESEL, {"label": N_("PESEL")})
            )
        data["pesel"] = None
    return data, problems


def _save(form: PupilForm, pupil: Pupil | None) -> Pupil | None:
    """Save the form's pupil; on failure put every error on the form and return None."""
    data, errors = _pupil_data(form)
    saved = None
    try:
        saved = ops.save_pupil(db(), data, pupil)
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        # With "no PESEL" ticked the missing identity is about the document, so point there.
        field_map = (
            {"pesel": "document_type"}
            if form.no_pesel.data and not any(e.code == "pesel_and_no_pesel" for e in errors)
            else {}
        )
        attach_errors(form, errors, _, field_map=field_map)
        return None
    return saved


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def pupil_new():  # type: ignore[no-untyped-def]
    """Add a pupil to the register."""
    form = PupilForm()
    if request.method == "POST":
        pupil = _save(form, None)
        if pupil is not None:
            audit("create", "pupil", pupil.id, "register")
            flash(_("The pupil has been added to the register."), "success")
            return redirect(url_for("register.pupil_card", pupil_id=pupil.id))
        return render_template("register/pupil_form.html", form=form, pupil=None), 422
    return render_template("register/pupil_form.html", form=form, pupil=None)


@bp.route("/<pupil_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get
def pupil_edit(pupil_id: str):  # type: ignore[no-untyped-def]
    """Change a pupil's data."""
    pupil = visible_pupil(pupil_id, edit=True)
    if request.method == "POST":
        form = PupilForm()
        if _save(form, pupil) is not None:
            audit("update", "pupil", pupil.id, "register")
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("register.pupil_card", pupil_id=pupil.id))
        return render_template("register/pupil_form.html", form=form, pupil=pupil), 422
    form = PupilForm(obj=pupil)
    form.no_pesel.data = not pupil.pesel
    form.birth_date.data = pupil.birth_date.isoformat()
    audit("view", "pupil", pupil.id, "pupil_edit")
    return render_template("register/pupil_form.html", form=form, pupil=pupil)


def _date_error(form: object, name: str, value: str | None, label: str) -> dt.date | None:
    parsed = parse_date(value or "")
    if parsed is None:
        message = (
            N_("this field is required")
            if not value
            else N_("not a valid date (use YYYY-MM-DD, e.g. 2015-09-01)")
        )
        attach_errors(form, [FieldError(name, "date", message, {"label": label})], _)  # type: ignore[arg-type]
    return parsed


@bp.route("/<pupil_id>/class", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get
def assign_class(pupil_id: str):  # type: ignore[no-untyped-def]
    """Put the pupil in a class of the current school year (ending the previous membership)."""
    pupil = visible_pupil(pupil_id, edit=True)
    year = queries.current_school_year(db(), today())
    classes = queries.classes_of_year(db(), year)
    form = AssignClassForm()
    form.class_id.choices = labels.choices([(c.id, c.name) for c in classes], blank=_("– choose –"))
    current = ops.current_enrolment(db(), pupil, today())
    if request.method == "GET":
        form.starts_on.data = today().isoformat()
        form.admission_reason.data = "recruitment" if not pupil.enrolments else "class_change"
        audit("view", "pupil", pupil.id, "class_assignment")
        return render_template(
            "register/assign_class.html", form=form, pupil=pupil, year=year, current=current
        )
    class_unit = db().get(ClassUnit, form.class_id.data) if form.class_id.data else None
    if class_unit is None or class_unit not in classes:
        attach_errors(
            form,
            [
                FieldError(
                    "class_id", "required", N_("choose one of the listed options"), {"label": N_("Class")}
                )
            ],
            _,
        )
    starts_on = _date_error(form, "starts_on", form.starts_on.data, N_("start date"))
    if not form.errors:
        try:
            enrolment = ops.assign_class(
                db(),
                pupil,
                class_unit,
                starts_on=starts_on,
                admission_reason=form.admission_reason.data or "other",
            )
        except ValidationFailed as exc:
            attach_errors(form, exc.errors, _)
        else:
            audit("update", "enrolment", enrolment.id, "class_assignment")
            flash(_("The pupil is now in class %(name)s.", name=class_unit.name), "success")
            return redirect(url_for("register.pupil_card", pupil_id=pupil.id))
    return render_template(
        "register/assign_class.html", form=form, pupil=pupil, year=year, current=current
    ), 422


@bp.route("/<pupil_id>/leave", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get
def leave(pupil_id: str):  # type: ignore[no-untyped-def]
    """Remove the pupil from the list of pupils (skreślenie): end the current class membership."""
    pupil = visible_pupil(pupil_id, edit=True)
    enrolment = ops.current_enrolment(db(), pupil, today())
    if enrolment is None:
        flash(_("The pupil is not in any class now."), "info")
        return redirect(url_for("register.pupil_card", pupil_id=pupil.id))
    form = LeaveForm()
    if request.method == "GET":
        form.ends_on.data = today().isoformat()
        audit("view", "pupil", pupil.id, "leaving")
        return render_template("register/leave.html", form=form, pupil=pupil, enrolment=enrolment)
    ends_on = _date_error(form, "ends_on", form.ends_on.data, N_("end date"))
    if ends_on is not None:
        try:
            admission.leave(db(), pupil, left_on=ends_on, reason=form.leaving_reason.data or None,
                            decision=form.leaving_decision.data, decided_on=form.leaving_decided_on.data,
                            next_school=form.school())
        except ValidationFailed as exc:
            attach_errors(form, exc.errors, _, field_map={"left_on": "ends_on"})
        else:
            audit("update", "enrolment", enrolment.id, "leaving")
            flash(_("The pupil has been removed from the list of pupils."), "success")
            return redirect(url_for("register.pupil_card", pupil_id=pupil.id))
    return render_template("register/leave.html", form=form, pupil=pupil, enrolment=enrolment), 422
