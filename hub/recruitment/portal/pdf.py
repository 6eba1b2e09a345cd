"""The printable application (PDF) the parent signs: child, parent, preferences, criteria, statement.

fpdf2 with the bundled DejaVu Sans (:mod:`zszo.fonts`), so Polish letters are embedded and can be
copied out of the document. The wording comes through the i18n layer; the data as the parent
entered it. The PDF carries the child's PESEL because it is the parent's own application: it is
served only to the parent who owns it, never published.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as flask_gettext
from fpdf import FPDF

from hub.recruitment import labels
from hub.recruitment.models import Application, CriterionSetting
from hub.recruitment.stages import polish_date
from zszo import fonts


def application_pdf(application: Application, criteria: list[CriterionSetting], schools: dict[str, str],
                    gettext: Callable[[str], str] = flask_gettext) -> bytes:
    """The application as a PDF document."""
    _ = gettext
    candidate, campaign = application.candidate, application.campaign
    pdf = FPDF(format="A4")
    pdf.set_title(_("Application for admission"))
    pdf.add_font("DejaVu", "", str(fonts.REGULAR))
    pdf.add_font("DejaVu", "B", str(fonts.BOLD))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=10)

    def line(label: str, value: str | None) -> None:
        pdf.multi_cell(0, 6, f"{label}: {value or '–'}", new_x="LMARGIN", new_y="NEXT")

    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, _("Application for admission"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    pdf.multi_cell(0, 6, f"{campaign.name} ({_(labels.LEVEL_LABELS[campaign.level])}, {campaign.school_year})",
                   align="C", new_x="LMARGIN", new_y="NEXT")
    line(_("Application number"), str(application.id))
    heading(_("Candidate"))
    line(_("First name"), " ".join(n for n in (candidate.first_name, candidate.second_name) if n))
    line(_("Last name"), candidate.last_name)
    if candidate.pesel:
        line(_("PESEL"), candidate.pesel)
    else:
        line(_("Identity document"), f"{_(labels.DOCUMENT_LABELS.get(candidate.document_type or '', 'other'))} "
                                     f"{candidate.document_number}")
    line(_("Date of birth"), polish_date(candidate.birth_date))
    line(_("Address"), f"{candidate.street}, {candidate.postal_code} {candidate.city}")
    heading(_("Parent"))
    line(_("Name"), f"{application.guardian_first_name} {application.guardian_last_name}")
    line(_("Telephone"), application.guardian_phone)
    heading(_("Preferences (first choice first)"))
    for preference in application.preferences:
        offered = preference.offered
        pdf.multi_cell(0, 6, f"{preference.rank}. {schools.get(offered.rspo, offered.rspo)} – {offered.name}",
                       new_x="LMARGIN", new_y="NEXT")
    heading(_("Criteria declared"))
    by_code = {c.code: c for c in criteria}
    if not application.declarations:
        pdf.multi_cell(0, 6, _("none"), new_x="LMARGIN", new_y="NEXT")
    for declaration in application.declarations:
        setting = by_code.get(declaration.code)
        text = setting.label if setting else declaration.code
        evidence = f" ({_('attach')}: {setting.evidence})" if setting else ""
        pdf.multi_cell(0, 6, f"• {text}{evidence}", new_x="LMARGIN", new_y="NEXT")
    heading(_("Statement"))
    pdf.multi_cell(0, 6, _("I declare that the information in this application is true. I am aware of "
                           "criminal liability for making a false statement."), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, _("The order in which applications are submitted does not matter for admission."),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(16)
    pdf.cell(0, 6, _("Date and signature of the parent"), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
