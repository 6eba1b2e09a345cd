"""Grading rules of the gradebook (BRIEF §4): grade symbols, marks, categories, the weighted average.

Plain functions and frozen data, shared by the school node (entry, gradebook pages) and the hub
(analysis). A current grade is written as a symbol: ``1``–``6`` with an optional ``+`` or ``-``
(the Unicode minus ``−`` and the en dash ``–`` are read as ``-``), or one of the school's
non-numeric marks (``np`` unprepared, ``bz`` no homework, ``+``/``-`` activity). The numeric value
of the modifiers is a school setting, so a symbol's value is always computed from the settings in
force, never stored. Marks never count towards the average; grades count when their category does.

This module must never import a framework, a database driver or anything of node_agent or hub.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from protocol.i18n import N_

LOWEST, HIGHEST = 1, 6
MINUS_SIGNS = ("−", "–")  # typed or pasted variants of "-"
DEFAULT_PLUS = Decimal("0.5")
DEFAULT_MINUS = Decimal("0.25")
DEFAULT_MARKS: Mapping[str, str] = {"np": "nieprzygotowany", "bz": "brak zadania", "+": "plus", "-": "minus"}
MAX_MODIFIER = Decimal("0.99")  # a modifier may never move a grade across the next whole grade
WEIGHT_MIN, WEIGHT_MAX = 1, 10

# Term and final grades (śródroczne, roczne): whole grades only, with their statutory names.
TERM_GRADES: Mapping[int, str] = {
    6: N_("excellent"), 5: N_("very good"), 4: N_("good"), 3: N_("satisfactory"), 2: N_("acceptable"),
    1: N_("insufficient"),
}
# Behaviour grades (ocena zachowania), best first.
BEHAVIOUR_GRADES = ("exemplary", "very_good", "good", "correct", "inappropriate", "reprehensible")
PERIODS = ("term", "year")  # śródroczna, roczna
STAGES = ("proposed", "final")

_GRADE = re.compile(r"([1-6])([+-]?)")
_MARK = re.compile(r"[a-z+-]{1,3}")


class GradeError(ValueError):
    """A symbol, weight or setting breaks a grading rule; ``code`` and ``message`` (an N_ msgid) say which."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.code, self.message, self.params = code, message, params


@dataclass(frozen=True)
class GradingScale:
    """A school's settings for current grades: the modifiers' values and its non-numeric marks."""

    plus: Decimal = DEFAULT_PLUS
    minus: Decimal = DEFAULT_MINUS
    marks: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_MARKS))

    def __post_init__(self) -> None:
        for name, value in (("plus", self.plus), ("minus", self.minus)):
            if not Decimal(0) <= value <= MAX_MODIFIER:
                raise GradeError("modifier_range", N_("must be between 0 and 0.99"), field=name)
        for symbol in self.marks:
            check_mark_symbol(symbol)


@dataclass(frozen=True)
class Grade:
    """A parsed current grade: ``symbol`` in its normal form, ``value`` None for marks."""

    symbol: str
    value: Decimal | None

    @property
    def is_mark(self) -> bool:
        """True for a non-numeric mark (np, bz, +, -)."""
        return self.value is None


@dataclass(frozen=True)
class Category:
    """A grade category (sprawdzian, kartkówka, odpowiedź…) with its weight and average flag."""

    name: str
    weight: int
    counts: bool = True


def normalise(symbol: str) -> str:
    """The symbol as stored: trimmed, lower case, every minus variant written ``-``."""
    text = symbol.strip().lower()
    for sign in MINUS_SIGNS:
        text = text.replace(sign, "-")
    return text


def check_mark_symbol(symbol: str) -> str:
    """Return ``symbol`` if it can name a non-numeric mark (1–3 letters or +/-, not a grade)."""
    if not _MARK.fullmatch(symbol) or _GRADE.fullmatch(symbol):
        raise GradeError("mark_symbol", N_("a mark is 1 to 3 lower-case letters or + or -"))
    return symbol


def parse_grade(symbol: str, scale: GradingScale) -> Grade:
    """Parse a typed grade symbol against ``scale``; raise :class:`GradeError` for anything else.

    ``1-`` and ``6+`` do not exist: a grade's value stays within 1–6 whatever the modifiers.
    """
    text = normalise(symbol)
    if not text:
        raise GradeError("required", N_("enter a grade"))
    if text in scale.marks:
        return Grade(text, None)
    match = _GRADE.fullmatch(text)
    if match is None:
        raise GradeError("grade_symbol", N_("\"{symbol}\" is not a grade: use 1–6 with + or -, or a mark ({marks})"),
                         symbol=symbol.strip(), marks=", ".join(scale.marks))
    whole, modifier = int(match.group(1)), match.group(2)
    if (whole, modifier) in ((LOWEST, "-"), (HIGHEST, "+")):
        raise GradeError("grade_range", N_("\"{symbol}\" is outside the scale 1–6"), symbol=text)
    value = Decimal(whole) + (scale.plus if modifier == "+" else -scale.minus if modifier == "-" else 0)
    return Grade(text, value)


def check_weight(weight: int) -> int:
    """Return ``weight`` if it is a whole number within the allowed range."""
    if isinstance(weight, bool) or not isinstance(weight, int) or not WEIGHT_MIN <= weight <= WEIGHT_MAX:
        raise GradeError("weight_range", N_("must be a whole number from {low} to {high}"),
                         low=WEIGHT_MIN, high=WEIGHT_MAX)
    return weight


def weighted_average(items: Iterable[tuple[Grade, Category]]) -> Fraction | None:
    """Σ(value·weight)/Σ(weight) over grades whose category counts; None when nothing counts.

    Exact (a :class:`~fractions.Fraction`), so the result never depends on the grades' order;
    round only for display (:func:`rounded`).
    """
    total, weights = Decimal(0), 0  # decimal sums of two-place values are exact: no rounding, any order
    for grade, category in items:
        if grade.value is None or not category.counts:
            continue
        total += grade.value * category.weight
        weights += category.weight
    return average_of_sums(total, weights)


def average_of_sums(total: Decimal, weights: int) -> Fraction | None:
    """The weighted mean from its two sums, Σ(value·weight) and Σ(weight) over counted grades (exact).

    Lets a database add up a year of grades (see ``node_agent.grades.queries.Averager.sums``) while
    the rule stays here; None when no weight counts.
    """
    return Fraction(total) / weights if weights else None


def rounded(average: Fraction | None, places: int = 2) -> Decimal | None:
    """``average`` rounded half up to ``places`` decimals (for display and reports)."""
    if average is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    exact = Decimal(average.numerator) / Decimal(average.denominator)
    return exact.quantize(quantum, rounding=ROUND_HALF_UP)


def overall_average(subject_averages: Iterable[Decimal | None], places: int = 2) -> Decimal | None:
    """A pupil's overall average: the plain mean of their subject averages as shown (rounded), each
    subject counting once whatever its number of grades; subjects without an average are left out."""
    shown = [a for a in subject_averages if a is not None]
    return rounded(sum((Fraction(a) for a in shown), Fraction(0)) / len(shown), places) if shown else None


def check_term_grade(value: int) -> int:
    """Return ``value`` if it is a whole grade 1–6 (term and final grades have no modifiers)."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in TERM_GRADES:
        raise GradeError("term_grade", N_("must be a whole grade from 1 to 6"))
    return value


def parse_scale_marks(text: str) -> dict[str, str]:
    """Parse the marks setting, one ``symbol = description`` per line, into {symbol: description}."""
    marks: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        symbol, sep, description = line.partition("=")
        symbol = normalise(symbol)
        if not sep or not description.strip():
            raise GradeError("mark_line", N_("write each mark as \"symbol = description\""))
        check_mark_symbol(symbol)
        if symbol in marks:
            raise GradeError("mark_twice", N_("the mark \"{symbol}\" is listed twice"), symbol=symbol)
        marks[symbol] = description.strip()
    return marks


def format_scale_marks(marks: Mapping[str, str]) -> str:
    """The marks setting as text (inverse of :func:`parse_scale_marks`)."""
    return "\n".join(f"{symbol} = {description}" for symbol, description in marks.items())
