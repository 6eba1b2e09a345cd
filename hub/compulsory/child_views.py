"""One child's page: where the child is enrolled, reported schooling, the case and its letter.

Part of the ``compulsory`` blueprint (officer only); every view, change and letter is logged
with the child's key.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from hub.compulsory import control, labels
from hub.compulsory import operations as ops
from hub.compulsory.forms import AdvanceForm, ExemptionForm, OpenCaseForm
from hub.compulsory.letters import letter_pdf
from hub.compulsory.models import EXEMPTION_KINDS, CaseEvent, ControlCase, Exemption, ResidentChild
from hub.compulsory.views import OFFICER, bp, control_filter, default_school_year, log
from hub.web.context import current_user, db, roles_required, today, warehouse_cursor
from zszo.web.forms import attach_errors


def _child(child_id: int) -> ResidentChild:
    child = db().get(ResidentChild, child_id)
    if child is None:
        abort(404)
    return child


def _page(child: ResidentChild, *, exemption_form: ExemptionForm | None = None,
          advance_form: AdvanceForm | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    _form, year, day = control_filter()
    day = day or today()
    year = year or default_school_year(day)
    cursor = warehouse_cursor()
    schools = control.enrolments(cursor, [child.pupil_key], day).get(child.pupil_key, []) if cursor else None
    exemptions = db().scalars(select(Exemption).where(Exemption.pupil_key == child.pupil_key)
                              .order_by(Exemption.id.desc())).all()
    cases = db().scalars(select(ControlCase).where(ControlCase.pupil_key == child.pupil_key)
                         .order_by(ControlCase.id.desc())).all()
    events = {c.id: db().scalars(select(CaseEvent).where(CaseEvent.case_id == c.id).order_by(CaseEvent.id)).all()
              for c in cases}
    exemption_form = exemption_form or ExemptionForm(school_year=year)
    exemption_form.kind.choices = [("", _("– choose –"))] + [(k, str(labels.EXEMPTIONS[k])) for k in EXEMPTION_KINDS]
    advance_form = advance_form or AdvanceForm()
    return render_template(
        "compulsory/child.html", child=child, year=year, day=day, schools=schools, exemptions=exemptions,
        cases=cases, events=events, exemption_form=exemption_form, advance_form=advance_form,
        open_form=OpenCaseForm(school_year=year), next_steps=ops.NEXT, labels_=labels,
        obligation=control.obligation(child.birth_date, year, day) if year else None,
    ), status


@bp.get("/child/<int:child_id>")
@roles_required(OFFICER)
def child_page(child_id: int):  # type: ignore[no-untyped-def]
    """Everything the office knows about the child's schooling."""
    child = _child(child_id)
    log("view", "compulsory_control", child.pupil_key)
    return _page(child)


@bp.post("/child/<int:child_id>/exemption")
@roles_required(OFFICER)
def add_exemption(child_id: int):  # type: ignore[no-untyped-def]
    """Record schooling elsewhere or a deferral."""
    child = _child(child_id)
    form = ExemptionForm()
    try:
        ops.add_exemption(db(), pupil_key=child.pupil_key, school_year=(form.school_year.data or "").strip(),
                          kind=form.kind.data or "", details=form.details.data or "", by=current_user().username)
    except ops.ControlError as exc:
        attach_errors(form, exc.errors, _)
        return _page(child, exemption_form=form, status=422)
    log("update", "compulsory_exemption", child.pupil_key)
    flash(_("The reported schooling has been recorded."), "success")
    return redirect(url_for("compulsory.child_page", child_id=child.id, **request.args))


@bp.post("/child/<int:child_id>/case")
@roles_required(OFFICER)
def open_case(child_id: int):  # type: ignore[no-untyped-def]
    """Open a case about the child's current finding."""
    child = _child(child_id)
    form = OpenCaseForm()
    year = (form.school_year.data or "").strip()
    cursor = warehouse_cursor()
    try:
        ops.check_school_year(year)
    except ops.ControlError:
        abort(400)
    findings = [f for f in control.run_control(db(), cursor, year, today()) if f.child.id == child.id] \
        if cursor else []
    reason = findings[0].status if findings else "other"
    ops.open_case(db(), pupil_key=child.pupil_key, school_year=year, reason=reason, by=current_user().username)
    log("update", "compulsory_case", child.pupil_key)
    flash(_("A case has been opened."), "success")
    return redirect(url_for("compulsory.child_page", child_id=child.id))


@bp.post("/case/<int:case_id>/advance")
@roles_required(OFFICER)
def advance_case(case_id: int):  # type: ignore[no-untyped-def]
    """The next step of a case (notified, explained, closed) with a note."""
    case = db().get(ControlCase, case_id)
    if case is None:
        abort(404)
    child = db().scalar(select(ResidentChild).where(ResidentChild.pupil_key == case.pupil_key)
                        .order_by(ResidentChild.id.desc()).limit(1))
    if child is None:
        abort(404)
    form = AdvanceForm()
    try:
        ops.advance_case(db(), case, status=form.status.data or "", note=form.note.data or "",
                         by=current_user().username)
    except ops.ControlError as exc:
        attach_errors(form, exc.errors, _)
        return _page(child, advance_form=form, status=422)
    log("update", "compulsory_case", case.pupil_key)
    flash(_("The case has been updated."), "success")
    return redirect(url_for("compulsory.child_page", child_id=child.id))


@bp.get("/case/<int:case_id>/letter.pdf")
@roles_required(OFFICER)
def case_letter(case_id: int):  # type: ignore[no-untyped-def]
    """The letter to the parents as PDF (printed, signed and sent by the office)."""
    case = db().get(ControlCase, case_id)
    child = db().scalar(select(ResidentChild).where(ResidentChild.pupil_key == case.pupil_key)
                        .order_by(ResidentChild.id.desc()).limit(1)) if case else None
    if case is None or child is None:
        abort(404)
    log("letter", "compulsory_case", case.pupil_key)
    pdf = letter_pdf(child, case, office=_("City Education Office"), city=child.city or "", today=today())
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="wezwanie-{case.id}.pdf"'
    return response
