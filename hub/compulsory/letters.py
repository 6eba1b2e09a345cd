"""The letter to a child's parents (wezwanie do spełnienia obowiązku szkolnego) as PDF.

fpdf2 with the bundled DejaVu Sans (:mod:`zszo.fonts`), so Polish letters are embedded and
extractable. The text cites the law the duty comes from; the office signs the printed letter.
"""

from __future__ import annotations

import datetime as dt

from hub.compulsory.models import ControlCase, ResidentChild
from zszo.pdf import Document, polish_date


def letter_pdf(child: ResidentChild, case: ControlCase, *, office: str, city: str, today: dt.date) -> bytes:
    """The letter for ``case`` about ``child``, addressed to the parents at the child's address."""
    doc = Document("Wezwanie do spełnienia obowiązku szkolnego", author=office, margin=25)
    doc.right(f"{city}, {polish_date(today)}")
    doc.space(4)
    doc.text(f"{office}\nznak sprawy: OS.{case.school_year.replace('/', '-')}.{case.id}")
    doc.space(6)
    address = "\n".join(part for part in (child.street, " ".join(p for p in (child.postal_code, child.city) if p))
                        if part)
    doc.text(f"Rodzice (opiekunowie prawni)\n{child.first_name} {child.last_name}\n{address}")
    doc.space(8)
    doc.text("Wezwanie do spełnienia obowiązku szkolnego / obowiązku nauki", size=13, bold=True, align="C",
             height=7)
    doc.space(4)
    born = polish_date(child.birth_date)
    doc.text(
        f"Na podstawie art. 40 i art. 42 ustawy z dnia 14 grudnia 2016 r. – Prawo oświatowe informujemy, że "
        f"{child.first_name} {child.last_name}, ur. {born}, zamieszkał(a) na terenie gminy, w roku szkolnym "
        f"{case.school_year} nie figuruje w ewidencji uczniów żadnej szkoły ani przedszkola prowadzonych przez "
        f"gminę, a do urzędu nie wpłynęła informacja o spełnianiu obowiązku w inny sposób.\n\n"
        "Wzywamy do niezwłocznego posłania dziecka do szkoły (przedszkola) albo do przekazania w terminie 7 dni "
        "od doręczenia niniejszego pisma informacji o formie spełniania obowiązku (np. nauka w szkole poza "
        "gminą, za granicą, edukacja domowa) wraz z dokumentem, który to potwierdza.\n\n"
        "Niespełnianie obowiązku szkolnego lub obowiązku nauki podlega egzekucji w trybie przepisów o "
        "postępowaniu egzekucyjnym w administracji (art. 42 ust. 1 ustawy – Prawo oświatowe)."
    )
    doc.space(14)
    doc.right(office)
    return doc.output()
