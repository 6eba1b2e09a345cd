"""Printable documents about one pupil: the certificate of attendance and the record summary.

* Zaświadczenie o uczęszczaniu do szkoły: that the pupil attends a class of this school in the
  current school year, for the purpose the parent names (an office, an employer, a benefit).
* The record summary: the pupil's data, guardians, register entries, classes and transfers on
  one or two pages, for the file or for a parent asking what the school holds.

Wording through gettext (Polish in documents.po); the data as stored. Never writes anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from node_agent.register.models import Enrolment, Pupil, RegisterEntry
from node_agent.school.models import School
from node_agent.transfers import labels as transfer_labels
from node_agent.transfers.models import PupilTransfer
from node_agent.web import labels
from zszo.pdf import Document, polish_date

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Certificate:
    """What a certificate states besides the pupil and the school."""

    class_name: str
    school_year: str
    purpose: str | None
    number: str | None
    issued_on: dt.date


def _address(street: str | None, postal_code: str | None, city: str | None) -> str:
    return ", ".join(part for part in (street, " ".join(p for p in (postal_code, city) if p)) if part)


def _identity(pupil: Pupil, _: Gettext) -> str:
    if pupil.pesel:
        return f"PESEL {pupil.pesel}"
    return f"{_('document')} {pupil.document_type or ''} {pupil.document_number or ''}".strip()


def certificate_pdf(school: School, pupil: Pupil, certificate: Certificate, _: Gettext) -> bytes:
    """The certificate of attendance as PDF."""
    doc = Document(_("Certificate of school attendance"), author=school.name, margin=25)
    doc.right(f"{school.city or ''}, {polish_date(certificate.issued_on)}".lstrip(", "))
    doc.space(2)
    doc.text(f"{school.name}\n{_address(school.street, school.postal_code, school.city)}\nRSPO {school.rspo}",
             size=10)
    if certificate.number:
        doc.text(f"{_('Reference number')}: {certificate.number}", size=10)
    doc.space(10)
    doc.title(_("CERTIFICATE"))
    doc.space(4)
    born = polish_date(pupil.birth_date)
    place = f" {_('in')} {pupil.birth_place}" if pupil.birth_place else ""
    statement = _("is a pupil (female) of class %(class_name)s") if pupil.sex == "F" else \
        _("is a pupil of class %(class_name)s")
    doc.text(
        _("This is to certify that %(name)s, born on %(born)s%(place)s, %(identity)s,") % {
            "name": pupil.full_name, "born": born, "place": place, "identity": _identity(pupil, _)}
        + " " + statement % {"class_name": certificate.class_name}
        + " " + _("of %(school)s in the school year %(year)s.") % {"school": school.name,
                                                                   "year": certificate.school_year},
        height=7,
    )
    doc.space(3)
    if certificate.purpose:
        doc.text(_("The certificate is issued at the request of the person concerned, to be presented to: "
                   "%(purpose)s.") % {"purpose": certificate.purpose}, height=7)
    else:
        doc.text(_("The certificate is issued at the request of the person concerned."), height=7)
    doc.space(24)
    doc.right("……………………………………………")
    doc.right(_("(stamp and signature of the head teacher)"))
    return doc.output()


@dataclass(frozen=True)
class Summary:
    """What the record summary shows besides the pupil's own row."""

    entries: list[RegisterEntry]
    enrolments: list[Enrolment]
    transfers: list[PupilTransfer]
    guardians: list[tuple[str, str, bool, bool, str]]  # name, relation, custody, may receive info, contact
    printed_on: dt.date


def summary_pdf(school: School, pupil: Pupil, summary: Summary, _: Gettext) -> bytes:
    """The pupil's record summary as PDF."""
    yes, no = _("yes"), _("no")
    doc = Document(_("Pupil record summary"), author=school.name)
    doc.right(polish_date(summary.printed_on))
    doc.text(school.name, size=10)
    doc.title(_("Pupil record summary"))
    doc.heading(_("Pupil"))
    doc.field(_("First name and last name"), pupil.full_name)
    doc.field(_("Identity"), _identity(pupil, _))
    doc.field(_("Date of birth"), pupil.birth_date.isoformat())
    doc.field(_("Place of birth"), pupil.birth_place)
    doc.field(_("Address"), _address(pupil.street, pupil.postal_code, pupil.city))
    doc.heading(_("Pupil register (księga uczniów)"))
    doc.table(
        [_("Number"), _("Admitted on"), _("Admission reason"), _("Decision"), _("Left on"), _("Reason for leaving")],
        [[e.number, e.admitted_on.isoformat(), labels.label(labels.ADMISSION_REASONS, e.admission_reason),
          e.admission_decision, e.left_on.isoformat() if e.left_on else None,
          labels.label(labels.LEAVING_REASONS, e.leaving_reason) or None]
         for e in summary.entries],
    )
    doc.heading(_("Classes"))
    doc.table(
        [_("Class"), _("School year"), _("From"), _("To")],
        [[e.class_unit.name, e.class_unit.school_year.label, e.starts_on.isoformat(),
          e.ends_on.isoformat() if e.ends_on else None] for e in summary.enrolments],
    )
    doc.heading(_("Parents and legal guardians"))
    doc.table(
        [_("First name and last name"), _("Relation"), _("Legal custody"), _("May receive information"),
         _("Contact")],
        [[name, relation, yes if custody else no, yes if informed else no, contact]
         for name, relation, custody, informed, contact in summary.guardians],
    )
    if summary.transfers:
        doc.heading(_("Transfers"))
        doc.table(
            [_("Date"), _("Direction"), _("Other school"), _("Status")],
            [[t.transfer_on.isoformat(), _("outgoing") if t.direction == "out" else _("incoming"), t.other_name,
              labels.label(transfer_labels.STATUSES, t.status)]
             for t in summary.transfers],
        )
    return doc.output()
