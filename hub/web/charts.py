"""Bar charts drawn on the server as accessible SVG (no JavaScript, nothing from the internet).

A chart is never the only way to read a figure: every chart sits next to the data table it
draws, and the SVG itself carries ``role="img"`` with a title and a text description listing
every bar, so a screen reader gets the same numbers. Colour is not the only cue either: each
bar is labelled with its value. Layout only here; the markup is the template
``hub/chart.html`` (autoescaped like every page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ROW = 28  # px per bar
LABEL_WIDTH = 190
PLOT_WIDTH = 420
VALUE_GAP = 6


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and geometry."""

    label: str
    value: float
    text: str  # the value as shown (formatted the Polish way by the caller)
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart ready for the template."""

    chart_id: str
    title: str
    description: str
    bars: tuple[Bar, ...]
    label_width: int = LABEL_WIDTH
    plot_width: int = PLOT_WIDTH

    @property
    def height(self) -> int:
        """Height of the drawing in px."""
        return ROW * len(self.bars) + 8

    @property
    def width(self) -> int:
        """Width of the drawing in px (labels, bars and room for the values)."""
        return self.label_width + self.plot_width + 70


def bar_chart(chart_id: str, title: str, items: Sequence[tuple[str, float, str]]) -> BarChart:
    """Bars for ``items`` = (label, value, value as text), scaled to the largest value."""
    largest = max((value for _label, value, _text in items), default=0) or 1
    bars = tuple(
        Bar(label, value, text, 4 + i * ROW, round(PLOT_WIDTH * max(value, 0) / largest, 1))
        for i, (label, value, text) in enumerate(items)
    )
    description = "; ".join(f"{label}: {text}" for label, _value, text in items)
    return BarChart(chart_id, title, description, bars)
