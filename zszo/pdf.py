"""A4 documents for printing (certificates, letters, summaries) with Polish letters that survive.

A thin layer over fpdf2 with the bundled DejaVu Sans (:mod:`zszo.fonts`): every document gets the
same fonts, margins and a few building blocks (title, heading, "label: value" lines, paragraphs,
simple tables), so the hub's and the node's documents look alike and none of them re-learns how to
embed a Unicode font. It never reads data itself: callers pass the text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fpdf import FPDF

from zszo import fonts

MONTHS = ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
          "października", "listopada", "grudnia")
FONT = "DejaVu"


def polish_date(day: dt.date) -> str:
    """"28 listopada 2026"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


class Document:
    """One A4 document being written."""

    def __init__(self, title: str, *, author: str = "", margin: float = 20) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_title(title)
        if author:
            self.pdf.set_author(author)
        self.pdf.add_font(FONT, "", str(fonts.REGULAR))
        self.pdf.add_font(FONT, "B", str(fonts.BOLD))
        self.pdf.set_margins(margin, margin, margin)
        self.pdf.set_auto_page_break(True, margin)
        self.pdf.add_page()
        self.pdf.set_font(FONT, size=11)

    def right(self, text: str) -> None:
        """A right-aligned line (place and date)."""
        self.pdf.cell(0, 6, text, align="R", new_x="LMARGIN", new_y="NEXT")

    def text(self, text: str, *, size: float = 11, bold: bool = False, align: str = "L", height: float = 6) -> None:
        """A paragraph (wrapped)."""
        self.pdf.set_font(FONT, "B" if bold else "", size)
        self.pdf.multi_cell(0, height, text, align=align, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font(FONT, size=11)

    def title(self, text: str) -> None:
        """The document's title, centred."""
        self.space(4)
        self.text(text, size=14, bold=True, align="C", height=8)
        self.space(2)

    def heading(self, text: str) -> None:
        """A section heading."""
        self.space(3)
        self.text(text, size=12, bold=True, height=7)

    def field(self, label: str, value: object) -> None:
        """A "label: value" line; a missing value prints as a dash."""
        shown = "–" if value is None or value == "" else str(value)
        self.text(f"{label}: {shown}", size=10)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """A simple bordered table; an empty table prints one dash row."""
        self.pdf.set_font(FONT, size=9)
        with self.pdf.table(text_align="LEFT", line_height=5) as table:
            head = table.row()
            for name in header:
                head.cell(name)
            for values in rows or [["–"] + [""] * (len(header) - 1)]:
                row = table.row()
                for value in values:
                    row.cell("" if value is None else str(value))
        self.pdf.set_font(FONT, size=11)

    def space(self, height: float) -> None:
        """Vertical space in millimetres."""
        self.pdf.ln(height)

    def output(self) -> bytes:
        """The finished PDF."""
        return bytes(self.pdf.output())
