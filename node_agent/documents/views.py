"""Pages that produce documents about one pupil (school office only; each download is audited).

* ``/pupils/<id>/certificate`` — a form, then the certificate of attendance as PDF;
* ``/pupils/<id>/summary.pdf`` — the record summary as PDF;
* ``/pupils/<id>/dossier.json`` — everything held about the pupil, with who accessed it (RODO
  art. 15), as a JSON file.

Views only gather data and answer: the documents themselves are built in :mod:`.printouts` and
:mod:`.dossier`.
"""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from node_agent.documents import dossier, printouts
from node_agent.documents.forms import NUMBER_MAX, PURPOSE_MAX, CertificateForm
from node_agent.register import admission
from node_agent.register import operations as ops
from node_agent.register.models import Enrolment
from node_agent.register.views import visible_pupil
from node_agent.school.models import School
from node_agent.transfers.models import PupilTransfer
from node_agent.web import labels
from node_agent.web.context import OFFICE_ROLES, audit, db, roles_required, today, writes_on_get
from protocol.fields import FieldError, parse_date
from protocol.i18n import N_
from zszo.web.forms import attach_errors

bp = Blueprint("documents", __name__, url_prefix="/pupils", template_folder="templates")
PDF = "application/pdf"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # personal data: never kept by a browser or proxy
    return response


def _school() -> School:
    school = db().scalar(select(School).limit(1))
    if school is None:  # a node is set up with its school before anyone can log in
        raise LookupError("the school is not set up")
    return school


def _certificate_errors(form: CertificateForm) -> tuple[dt.date | None, list[FieldError]]:
    errors: list[FieldError] = []
    issued_on = parse_date(form.issued_on.data or "")
    if issued_on is None:
        message = N_("this field is required") if not form.issued_on.data else \
            N_("not a valid date (use YYYY-MM-DD, e.g. 2015-09-01)")
        errors.append(FieldError("issued_on", "date", message, {"label": N_("date of issue")}))
    for name, limit, label in (("purpose", PURPOSE_MAX, N_("purpose")), ("number", NUMBER_MAX,
                                                                            N_("reference number"))):
        value = getattr(form, name).data or ""
        if len(value.strip()) > limit:
            errors.append(FieldError(name, "max_length", N_("at most {max} characters allowed, {length} given"),
                                     {"label": label, "max": limit, "length": len(value.strip())}))
    return issued_on, errors


@bp.route("/<pupil_id>/certificate", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
@writes_on_get
def certificate(pupil_id: str):  # type: ignore[no-untyped-def]
    """The certificate of attendance: a form, then the PDF (only for a pupil in a class today)."""
    pupil = visible_pupil(pupil_id)
    form = CertificateForm()
    issued = parse_date(form.issued_on.data or "") if form.is_submitted() else None
    enrolment = ops.current_enrolment(db(), pupil, issued or today())
    if enrolment is None:
        flash(_("A certificate of attendance can only be issued for a pupil who is in a class on the day of "
                "issue."), "error")
        return redirect(url_for("register.pupil_card", pupil_id=pupil.id))
    if not form.is_submitted():
        form.issued_on.data = today().isoformat()
        audit("view", "pupil", pupil.id, "certificate")
        return render_template("documents/certificate.html", form=form, pupil=pupil, enrolment=enrolment)
    issued_on, errors = _certificate_errors(form)
    if errors or issued_on is None or not form.validate():
        attach_errors(form, errors, _)
        return render_template("documents/certificate.html", form=form, pupil=pupil, enrolment=enrolment), 422
    facts = printouts.Certificate(class_name=enrolment.class_unit.name,
                                  school_year=enrolment.class_unit.school_year.label,
                                  purpose=(form.purpose.data or "").strip() or None,
                                  number=(form.number.data or "").strip() or None, issued_on=issued_on)
    audit("print", "pupil", pupil.id, "certificate")
    body = printouts.certificate_pdf(_school(), pupil, facts, _)
    return _download(body, PDF, f"zaswiadczenie-{issued_on.isoformat()}.pdf")


@bp.get("/<pupil_id>/summary.pdf")
@roles_required(*OFFICE_ROLES)
@writes_on_get
def summary(pupil_id: str):  # type: ignore[no-untyped-def]
    """The pupil's record summary as PDF."""
    pupil = visible_pupil(pupil_id)
    enrolments = list(db().scalars(select(Enrolment).where(Enrolment.pupil_id == pupil.id)
                                   .order_by(Enrolment.starts_on)))
    transfers = list(db().scalars(select(PupilTransfer).where(PupilTransfer.pupil_id == pupil.id)
                                  .order_by(PupilTransfer.transfer_on)))
    guardians = [(link.guardian.full_name, labels.label(labels.RELATIONS, link.relation), link.legal_custody,
                  link.may_receive_info, ", ".join(c for c in (link.guardian.phone, link.guardian.email) if c))
                 for link in pupil.guardian_links]
    facts = printouts.Summary(entries=admission.entries_of(db(), pupil.id), enrolments=enrolments,
                              transfers=transfers, guardians=guardians, printed_on=today())
    audit("print", "pupil", pupil.id, "record_summary")
    return _download(printouts.summary_pdf(_school(), pupil, facts, _), PDF, "kartoteka-ucznia.pdf")


@bp.get("/<pupil_id>/dossier.json")
@roles_required(*OFFICE_ROLES)
@writes_on_get
def dossier_export(pupil_id: str):  # type: ignore[no-untyped-def]
    """Everything held about the pupil and who accessed it (right of access), as JSON."""
    pupil = visible_pupil(pupil_id)
    school = _school()
    audit("export", "pupil", pupil.id, "right_of_access")  # the export itself appears in its own log
    data = dossier.pupil_dossier(db(), pupil.id, school={"rspo": school.rspo, "name": school.name},
                                 now=dt.datetime.now(dt.UTC))
    body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return _download(body, "application/json", "dane-ucznia.json")
