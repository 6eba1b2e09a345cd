"""Recruitment points (BRIEF §4): the secondary 200-point scale and the two-stage preschool criteria.

Everything here is a pure function of the verified evidence: no database, no clock, no Flask.
Arithmetic is exact: points are :class:`~decimal.Decimal` built only from ``int`` and ``Decimal``
inputs (a percentage × 0.35 is exact in decimal, never a binary float), so two candidates with the
same evidence always get equal points and a tie is a real tie. Floats are refused.

The per-class *key* (``secondary_key``, ``preschool_key``) is the tuple the allocation compares
lexicographically, higher is better. This module must never invent a tie-breaker (age, order of
submission, name): the law has none, so an exact tie is left to the commission or to the
city's published lottery (``hub.recruitment.allocation``).

Sources: the regulation of the Minister of Education of 18 Nov 2022 (t.j. Dz.U. 2024 poz. 989)
§ 6–8 for the secondary scale; Prawo oświatowe art. 131 (preschool, two stages), art. 132
(olympiad laureates and finalists admitted first), art. 133 (grade 1), art. 134 (secondary ties).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from protocol.i18n import N_

MAX_POINTS = Decimal(200)
EXAM_WEIGHTS = {"polish": Decimal("0.35"), "maths": Decimal("0.35"), "language": Decimal("0.3")}
# Certificate grades 6 (celujący) … 2 (dopuszczający); 1 (niedostateczny) cannot stand on a
# certificate of completion, so it has no points and is refused.
GRADE_POINTS = {6: 18, 5: 17, 4: 14, 3: 8, 2: 2}
# Exam-exempt candidates (§ 8): the certificate grade replaces the exam part.
EXEMPT_POLISH_MATHS_POINTS = {6: 35, 5: 30, 4: 25, 3: 15, 2: 10}
EXEMPT_LANGUAGE_POINTS = {6: 30, 5: 25, 4: 20, 3: 10, 2: 5}
DISTINCTION_POINTS = 7
VOLUNTEERING_POINTS = 3
CONTEST_CAP = 18
# The regulation's table gives 1-10 points per award (e.g. 10 for a finalist of a kurator's
# subject contest above voivodeship level, 1 for a county-level place in other contests).
CONTEST_AWARD_RANGE = range(1, 11)

# Art. 131 ust. 2: the seven statutory criteria of stage 1, all of equal value.
STATUTORY_CRITERIA = (
    "large_family",             # wielodzietność rodziny kandydata
    "candidate_disability",     # niepełnosprawność kandydata
    "one_parent_disability",    # niepełnosprawność jednego z rodziców
    "both_parents_disability",  # niepełnosprawność obojga rodziców
    "sibling_disability",       # niepełnosprawność rodzeństwa
    "single_parent",            # samotne wychowywanie kandydata w rodzinie
    "foster_care",              # objęcie kandydata pieczą zastępczą
)


class PointsInputError(ValueError):
    """Evidence that cannot be scored: which field, and why (an English message id with params)."""

    def __init__(self, field_name: str, message: str, **params: Any) -> None:
        self.field = field_name
        self.message = message
        self.params = params
        super().__init__(f"{field_name}: {message.format(**params)}")

    def reason(self, gettext: Any = lambda s: s) -> str:
        """The reason alone, translated with ``gettext`` (for an inline form error)."""
        return gettext(self.message).format(**self.params)


@dataclass(frozen=True)
class ContestAward:
    """One award on the certificate: the contest, its level, and the points the regulation gives it.

    ``contest`` identifies the contest (e.g. the kurator's list entry), ``level`` its level
    (international, national, voivodeship, county …); only the best award per (contest, level) counts.
    """

    contest: str
    level: str
    points: int


@dataclass(frozen=True)
class SecondaryEvidence:
    """What the school of first choice verified, as counted for one class.

    The two subjects each class counts differ, so evidence (and points) are per candidate *and*
    class: ``class_subject_grades`` are the certificate grades in the class's two subjects.
    An exam part given as ``None`` means the candidate was exempt from it (§ 8): the certificate
    grade in that subject is converted instead (``language_grade`` for the foreign language; in a
    whole-exam exemption the caller passes the higher of the candidate's modern-language grades).
    Exam results are percentages 0-100 (``int`` or ``Decimal``).
    """

    polish_grade: int
    maths_grade: int
    class_subject_grades: tuple[int, int]
    exam_polish: int | Decimal | None
    exam_maths: int | Decimal | None
    exam_language: int | Decimal | None
    language_grade: int | None = None
    distinction: bool = False
    volunteering: bool = False
    contests: tuple[ContestAward, ...] = ()
    olympiad: bool = False  # laureate/finalist of a national olympiad: admitted first (art. 132)


@dataclass(frozen=True)
class SecondaryPoints:
    """The breakdown shown to parents and in appeal justifications; ``total`` is what the key uses."""

    exam_polish: Decimal
    exam_maths: Decimal
    exam_language: Decimal
    exempt_parts: frozenset[str]  # exam parts replaced by converted grades ("polish", "maths", "language")
    grade_polish: int
    grade_maths: int
    grade_subjects: tuple[int, int]
    distinction: int
    volunteering: int
    contests: int
    olympiad: bool
    total: Decimal = field(init=False)

    def __post_init__(self) -> None:
        total = (self.exam_polish + self.exam_maths + self.exam_language + self.grade_polish + self.grade_maths
                 + sum(self.grade_subjects) + self.distinction + self.volunteering + self.contests)
        object.__setattr__(self, "total", total)


def _grade(value: object, field_name: str, table: dict[int, int]) -> int:
    if type(value) is not int or value not in table:
        raise PointsInputError(field_name, N_("a certificate grade must be a whole number from 2 to 6"))
    return table[value]


def _exam_part(value: object, field_name: str, weight: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise PointsInputError(field_name, N_("an exam result must be a percentage (a whole or decimal number)"))
    if isinstance(value, Decimal) and not value.is_finite():
        raise PointsInputError(field_name, N_("an exam result must be a percentage (a whole or decimal number)"))
    if not 0 <= value <= 100:
        raise PointsInputError(field_name, N_("an exam result must be between 0 and 100 per cent"))
    return Decimal(value) * weight


def contest_points(awards: Iterable[ContestAward]) -> int:
    """Points for contests: the best award per (contest, level) counts once; the sum is capped at 18."""
    best: dict[tuple[str, str], int] = {}
    for index, award in enumerate(awards):
        where = f"contests[{index}]"
        if not isinstance(award.contest, str) or not award.contest.strip():
            raise PointsInputError(f"{where}.contest", N_("name the contest"))
        if not isinstance(award.level, str) or not award.level.strip():
            raise PointsInputError(f"{where}.level", N_("name the contest level"))
        if type(award.points) is not int or award.points not in CONTEST_AWARD_RANGE:
            raise PointsInputError(f"{where}.points", N_("an award gives from 1 to 10 points"))
        group = (award.contest.strip(), award.level.strip())
        best[group] = max(best.get(group, 0), award.points)
    return min(CONTEST_CAP, sum(best.values()))


def secondary_points(evidence: SecondaryEvidence) -> SecondaryPoints:
    """Score one candidate for one class on the 200-point scale (BRIEF §4); raise PointsInputError."""
    subjects = evidence.class_subject_grades
    if not isinstance(subjects, tuple) or len(subjects) != 2:
        raise PointsInputError("class_subject_grades", N_("a class counts exactly two subjects"))
    grade_subjects = (_grade(subjects[0], "class_subject_grades[0]", GRADE_POINTS),
                      _grade(subjects[1], "class_subject_grades[1]", GRADE_POINTS))
    grade_polish = _grade(evidence.polish_grade, "polish_grade", GRADE_POINTS)
    grade_maths = _grade(evidence.maths_grade, "maths_grade", GRADE_POINTS)

    exempt: set[str] = set()
    parts: dict[str, Decimal] = {}
    grades_for_exempt = {"polish": evidence.polish_grade, "maths": evidence.maths_grade,
                         "language": evidence.language_grade}
    results = {"polish": evidence.exam_polish, "maths": evidence.exam_maths, "language": evidence.exam_language}
    for part, result in results.items():
        if result is None:
            exempt.add(part)
            table = EXEMPT_LANGUAGE_POINTS if part == "language" else EXEMPT_POLISH_MATHS_POINTS
            parts[part] = Decimal(_grade(grades_for_exempt[part], f"{part}_grade", table))
        else:
            parts[part] = _exam_part(result, f"exam_{part}", EXAM_WEIGHTS[part])

    for flag in ("distinction", "volunteering", "olympiad"):
        if not isinstance(getattr(evidence, flag), bool):
            raise PointsInputError(flag, N_("answer yes or no"))
    return SecondaryPoints(
        exam_polish=parts["polish"], exam_maths=parts["maths"], exam_language=parts["language"],
        exempt_parts=frozenset(exempt), grade_polish=grade_polish, grade_maths=grade_maths,
        grade_subjects=grade_subjects,
        distinction=DISTINCTION_POINTS if evidence.distinction else 0,
        volunteering=VOLUNTEERING_POINTS if evidence.volunteering else 0,
        contests=contest_points(evidence.contests), olympiad=evidence.olympiad,
    )


def _statutory_count(criteria: Iterable[str], field_name: str) -> int:
    chosen = set(criteria)
    unknown = sorted(chosen - set(STATUTORY_CRITERIA))
    if unknown:
        raise PointsInputError(field_name, N_("unknown statutory criterion: {name}"), name=unknown[0])
    return len(chosen)


def secondary_key(points: SecondaryPoints | Decimal | int, olympiad: bool, *, health_limited: bool = False,
                  statutory: Iterable[str] = ()) -> tuple[int, Decimal, int, int]:
    """The per-class key ``(olympiad priority, points, health priority, statutory criteria met)``.

    Art. 132: laureates and finalists come first whatever their points. Art. 134 on equal points:
    first candidates whose health limits their choice of school (certified by a poradnia), then the
    seven statutory criteria of art. 131 ust. 2, of equal value. Beyond that the law is silent.
    """
    total = points.total if isinstance(points, SecondaryPoints) else points
    if isinstance(total, bool) or not isinstance(total, int | Decimal) or not 0 <= total <= MAX_POINTS:
        raise PointsInputError("points", N_("points must be a number from 0 to 200"))
    return (int(bool(olympiad)), Decimal(total), int(bool(health_limited)), _statutory_count(statutory, "statutory"))


def preschool_key(stage1: Iterable[str], stage2_points: int) -> tuple[int, int]:
    """The key for preschool (and grade 1 outside the catchment area): ``(stage 1, stage 2)``.

    Stage 1 counts the statutory criteria met (all seven have equal value, art. 131 ust. 3);
    stage 2 is the sum of the municipal criteria's points set by the council. Comparing the pair
    lexicographically uses stage 2 exactly as the law says: only between equal stage-1 results.
    For grade 1 the law has only municipal criteria (art. 133 ust. 2): pass an empty stage 1.
    """
    if type(stage2_points) is not int or stage2_points < 0:
        raise PointsInputError("stage2_points", N_("municipal points must be a whole number, 0 or more"))
    return (_statutory_count(stage1, "stage1"), stage2_points)


def municipal_points(declared: Iterable[str], table: dict[str, int]) -> int:
    """Sum the council's points for the municipal criteria a candidate met (raise on unknown ones)."""
    total = 0
    for name in sorted(set(declared)):
        if name not in table:
            raise PointsInputError("stage2", N_("unknown municipal criterion: {name}"), name=name)
        total += table[name]
    return total
