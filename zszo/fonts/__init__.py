"""Fonts bundled for PDF documents: DejaVu Sans covers every Polish letter (licence: LICENSE-DejaVu.txt).

Bundled rather than taken from the system so a PDF looks the same on every server and a missing
font package can never turn "Żółć" into boxes.
"""

from __future__ import annotations

from pathlib import Path

FONTS = Path(__file__).resolve().parent
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
