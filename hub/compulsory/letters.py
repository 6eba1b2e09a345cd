"""The letter to a child's parents (wezwanie do spełnienia obowiązku szkolnego) as PDF.

fpdf2 with the bundled DejaVu Sans (:mod:`zszo.fonts`), so Polish letters are embedded and
extractable. The text cites the law the duty comes from; the office signs the printed letter.
"""

from __future__ import annotations

import datetime as dt

from fpdf import FPDF

from hub.compulsory.models import ControlCase, ResidentChild
from zszo import fonts

MONTHS = ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
          "października", "listopada", "grudnia")


def polish_date(day: dt.date) -> str:
    """"28 listopada 2026"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def letter_pdf(child: ResidentChild, case: ControlCase, *, office: str, city: str, today: dt.date) -> bytes:
    """The letter for ``case`` about ``child``, addressed to the parents at the child's address."""
    pdf = FPDF(format="A4")
    pdf.set_title("Wezwanie do spełnienia obowiązku szkolnego")
    pdf.set_author(office)
    pdf.add_font("DejaVu", "", str(fonts.REGULAR))
    pdf.add_font("DejaVu", "B", str(fonts.BOLD))
    pdf.set_margins(25, 25, 25)
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    pdf.cell(0, 6, f"{city}, {polish_date(today)}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(0, 6, f"{office}\nznak sprawy: OS.{case.school_year.replace('/', '-')}.{case.id}")
    pdf.ln(6)
    address = "\n".join(part for part in (child.street, " ".join(p for p in (child.postal_code, child.city) if p))
                        if part)
    pdf.multi_cell(0, 6, f"Rodzice (opiekunowie prawni)\n{child.first_name} {child.last_name}\n{address}",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, "Wezwanie do spełnienia obowiązku szkolnego / obowiązku nauki", align="C")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=11)
    born = polish_date(child.birth_date)
    pdf.multi_cell(0, 6, (
        f"Na podstawie art. 40 i art. 42 ustawy z dnia 14 grudnia 2016 r. – Prawo oświatowe informujemy, że "
        f"{child.first_name} {child.last_name}, ur. {born}, zamieszkał(a) na terenie gminy, w roku szkolnym "
        f"{case.school_year} nie figuruje w ewidencji uczniów żadnej szkoły ani przedszkola prowadzonych przez "
        f"gminę, a do urzędu nie wpłynęła informacja o spełnianiu obowiązku w inny sposób.\n\n"
        "Wzywamy do niezwłocznego posłania dziecka do szkoły (przedszkola) albo do przekazania w terminie 7 dni "
        "od doręczenia niniejszego pisma informacji o formie spełniania obowiązku (np. nauka w szkole poza "
        "gminą, za granicą, edukacja domowa) wraz z dokumentem, który to potwierdza.\n\n"
        "Niespełnianie obowiązku szkolnego lub obowiązku nauki podlega egzekucji w trybie przepisów o "
        "postępowaniu egzekucyjnym w administracji (art. 42 ust. 1 ustawy – Prawo oświatowe)."
    ))
    pdf.ln(14)
    pdf.cell(0, 6, office, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
