"""Deterministic demo data: one planned institution → plain protocol records (and demo logins).

Same seed, same output, byte for byte: every random draw comes from ``random.Random`` seeded
with ``(seed, institution index, part)`` (string seeds are hashed with SHA-512, independent of
``PYTHONHASHSEED``), nothing iterates over a set, and UUIDs are drawn from the same RNGs. Each
institution depends only on the city plan and its own index, so ``schools=3`` yields exactly the
first three institutions of the full city.

Records are dicts exactly as :mod:`protocol.entities` expects on the wire, with every field
present, and pass ``ENTITIES[name].validate``. This module never writes anything anywhere.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from protocol.entities import dependency_order
from zszo.demo import names
from zszo.demo.catalog import subjects_for
from zszo.demo.plan import TRACKS, InstitutionPlan, Track, city_plan
from zszo.demo.pupils import YEAR_START, ClassSlot, PupilBuilder
from zszo.demo.term import fast_uid, generate_term

SCHOOL_YEAR = {"label": "2026/2027", "starts_on": "2026-09-01", "ends_on": "2027-06-25"}
DEMO_PASSWORDS = {  # fixed on purpose: printed in the manifest so anyone can try the demo
    "admin": "demo-admin-2026", "sekretariat": "demo-sekretariat-2026",
    "dyrektor": "demo-dyrektor-2026", "nauczyciel": "demo-nauczyciel-2026",
}
PRESCHOOL_GROUPS = ("Motylki", "Biedronki", "Pszczółki", "Misie", "Żabki", "Krasnale", "Słoneczka",
                    "Tygryski", "Jeżyki", "Wiewiórki", "Kotki", "Zajączki", "Sówki", "Delfinki", "Stokrotki",
                    "Muchomorki", "Promyczki", "Skrzaty", "Kubusie", "Rybki", "Żyrafki", "Pingwinki")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Share of women among staff by kind of institution (Polish teaching is ~82% female).
_WOMEN = {"preschool": 0.97, "primary": 0.84, "secondary": 0.70, "special": 0.88, "centre": 0.75}


@dataclass(frozen=True)
class DemoLogin:
    """A node account for trying the demo (not a protocol record, never synced)."""

    username: str
    password: str
    role: str
    display_name: str
    staff_member_id: str | None


@dataclass(frozen=True)
class GeneratedSchool:
    """One institution's records, by entity name in dependency order, and its demo logins."""

    plan: InstitutionPlan
    records: dict[str, list[dict[str, Any]]]
    logins: tuple[DemoLogin, ...]

    @property
    def school(self) -> dict[str, Any]:
        """The ``school`` record."""
        return self.records["school"][0]

    def counts(self) -> dict[str, int]:
        """Number of records per entity."""
        return {name: len(rows) for name, rows in self.records.items()}

    @property
    def pupils(self) -> int:
        """Number of pupils (including the few who left this year)."""
        return len(self.records["pupil"])

    @property
    def teachers(self) -> int:
        """Number of staff members employed as teachers."""
        return sum(1 for s in self.records["staff_member"] if s["position"] == "teacher")


def _rng(seed: int, index: int, part: str) -> random.Random:
    return random.Random(f"zszo-demo:{seed}:{index}:{part}")


def _uid_from(rng: random.Random) -> Callable[[], str]:
    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return uid


# --- classes --------------------------------------------------------------------------------------


def _split(total: int, parts: int, rng: random.Random, jitter: int = 2) -> list[int]:
    """``parts`` whole numbers summing to ``total``, each within ±``jitter`` of the mean."""
    base, extra = divmod(total, parts)
    sizes = [base + (1 if i < extra else 0) for i in range(parts)]
    for _ in range(parts):
        i, j = rng.randrange(parts), rng.randrange(parts)
        shift = rng.randint(0, jitter)
        if i != j and sizes[i] - shift >= 1:
            sizes[i] -= shift
            sizes[j] += shift
    return sizes


def _class_count(pupils: int, track: Track) -> int:
    low, high = track.class_size
    count = max(1, round(pupils / ((low + high) / 2)))
    while pupils / count > high:
        count += 1
    return count


def _profiles(track: Track, plan: InstitutionPlan) -> tuple[str, ...]:
    if track.code == "technikum":
        return tuple(f"technikum – {p}" for p in plan.professions if p.startswith("technik"))
    if track.code == "branzowa":
        own = [p for p in plan.professions if not p.startswith("technik")]
        return tuple(f"branżowa szkoła I stopnia – {p}" for p in own)
    return track.profiles


def layout_classes(plan: InstitutionPlan, rng: random.Random, scale: float,
                   uid: Callable[[], str]) -> list[ClassSlot]:
    """The classes of ``plan``'s school year with their sizes (each class at least one pupil)."""
    slots: list[ClassSlot] = []
    used_letters: dict[int, int] = {}
    remaining = plan.pupils
    for n, (code, share) in enumerate(plan.tracks):
        track = TRACKS[code]
        track_pupils = remaining if n == len(plan.tracks) - 1 else round(plan.pupils * share)
        remaining -= track_pupils
        profiles = _profiles(track, plan)
        if track.cohorts:  # level-0 groups, one birth cohort each, youngest first
            groups = _class_count(track_pupils, track)
            sizes = _split(track_pupils, groups, rng)
            group_names = rng.sample(PRESCHOOL_GROUPS, min(groups, len(PRESCHOOL_GROUPS)))
            for g, size in enumerate(sizes):
                cohort = track.cohorts[g * len(track.cohorts) // groups]
                if code == "zerowka":
                    letter, profile = f"0{LETTERS[g]}", track.profiles[0]
                else:
                    letter = group_names[g] if g < len(group_names) else f"Grupa {g + 1}"
                    profile = track.profiles[0] if track.profiles else f"{YEAR_START.year - cohort}-latki"
                admitted = YEAR_START.year if code == "zerowka" else min(cohort + 3, YEAR_START.year)
                slots.append(ClassSlot(uid(), track, 0, letter, profile, max(1, round(size * scale)), cohort,
                                       admitted))
            continue
        weights = [rng.uniform(0.9, 1.1) for _ in track.levels]
        per_level = [round(track_pupils * w / sum(weights)) for w in weights]
        per_level[-1] += track_pupils - sum(per_level)
        for level, level_pupils in zip(track.levels, per_level, strict=True):
            for size in _split(max(level_pupils, 1), _class_count(max(level_pupils, 1), track), rng):
                letter = LETTERS[used_letters.get(level, 0)]
                used_letters[level] = used_letters.get(level, 0) + 1
                profile = None
                if profiles and rng.random() < track.profile_share:
                    profile = rng.choice(profiles)
                slots.append(ClassSlot(uid(), track, level, letter, profile, max(1, round(size * scale)),
                                       track.base_year - level, YEAR_START.year - (level - track.levels[0])))
    return slots


# --- staff ----------------------------------------------------------------------------------------


def _staff_counts(plan: InstitutionPlan, classes: int, scale: float) -> list[tuple[str, int]]:
    """(position, count) for the institution; director and one secretary always exist."""
    p, two = plan.pupils, 2 if plan.pupils > 500 else 1
    counts = {
        "preschool": [("pedagogue", 1 if p > 150 else 0), ("speech_therapist", 1), ("administration", 2),
                      ("support", 4 + classes * 3 // 2)],
        "primary": [("pedagogue", two), ("psychologist", 1), ("speech_therapist", 1), ("librarian", two),
                    ("administration", 2 + p // 300), ("support", 5 + p // 90)],
        "secondary": [("pedagogue", two), ("psychologist", 1), ("librarian", two),
                      ("administration", 3 + p // 300), ("support", 4 + p // 120)],
        "special": [("pedagogue", 2), ("psychologist", 2), ("speech_therapist", 2), ("librarian", 1),
                    ("administration", 3), ("support", 5 + classes)],
        "ppp": [("psychologist", 12), ("pedagogue", 9), ("speech_therapist", 5), ("administration", 4),
                ("support", 2)],
        "mdk": [("pedagogue", 1), ("administration", 3), ("support", 4)],
        "centre": [("pedagogue", 1), ("psychologist", 1), ("librarian", 1), ("administration", 3),
                   ("support", 4)],
    }
    counts = counts.get(plan.type) or counts[plan.kind]
    deputies = 0 if classes <= 6 and plan.kind != "centre" else 1 if plan.pupils <= 700 else 2
    teachers = max(classes, round(plan.teachers * scale), 1)
    out = [("director", 1), ("deputy_director", round(deputies * scale)), ("teacher", teachers)]
    for position, count in counts:
        minimum = 1 if position == "administration" else 0
        out.append((position, max(minimum, round(count * scale))))
    return out


def _staff(plan: InstitutionPlan, rng: random.Random, classes: int, scale: float,
           uid: Callable[[], str]) -> list[dict[str, Any]]:
    domain = f"{plan.short}.radom.example"
    women = _WOMEN[plan.kind]
    staff, emails = [], set()
    for position, count in _staff_counts(plan, classes, scale):
        for _ in range(count):
            sex = "F" if rng.random() < women else "M"
            first = names.first_name(rng, sex, "adult")
            last = names.gendered(names.surname(rng), sex)
            local, n = f"{names.ascii_slug(first)}.{names.ascii_slug(last)}", 1
            while f"{local}@{domain}" in emails:  # membership only; never iterated
                n += 1
                local = f"{names.ascii_slug(first)}.{names.ascii_slug(last)}{n}"
            emails.add(f"{local}@{domain}")
            phone = None
            if position in ("director", "deputy_director", "administration"):
                phone = names.school_phone(rng)
            elif rng.random() < 0.6:
                phone = names.mobile_phone(rng)
            active = position != "support" or rng.random() > 0.03  # a few former employees stay listed
            staff_id = uid()
            staff.append({"id": staff_id, "first_name": first, "last_name": last, "position": position,
                          "email": f"{local}@{domain}", "phone": phone, "active": active,
                          "promotion_grade": _promotion_grade(position, staff_id)})
    return staff


def _promotion_grade(position: str, staff_id: str) -> str:
    """A plausible promotion grade (most teachers are chartered), taken from the id's hash rather than the
    random stream so that adding it left every other generated value unchanged."""
    if position in ("administration", "support"):
        return "none"
    share = int(staff_id.replace("-", "")[:8], 16) % 100
    return "chartered" if share < 55 else "appointed" if share < 80 else "beginning" if share < 96 else "none"


# --- the institution ------------------------------------------------------------------------------


def _logins(staff: list[dict[str, Any]], classes: list[dict[str, Any]]) -> tuple[DemoLogin, ...]:
    def first(position: str) -> dict[str, Any]:
        return next(s for s in staff if s["position"] == position)

    def full(person: dict[str, Any]) -> str:
        return f"{person['first_name']} {person['last_name']}"

    secretary, director = first("administration"), first("director")
    tutors = [c["tutor_id"] for c in classes if c["tutor_id"]]
    teacher = next(s for s in staff if s["id"] == tutors[0]) if tutors else first("teacher")
    return (
        DemoLogin("admin", DEMO_PASSWORDS["admin"], "admin", "Administrator", None),
        DemoLogin("sekretariat", DEMO_PASSWORDS["sekretariat"], "secretary", full(secretary),
                  secretary["id"]),
        DemoLogin("dyrektor", DEMO_PASSWORDS["dyrektor"], "director", full(director), director["id"]),
        DemoLogin("nauczyciel", DEMO_PASSWORDS["nauczyciel"], "teacher", full(teacher), teacher["id"]),
    )


def generate_school(plan: InstitutionPlan, *, seed: int = 2026, scale: float = 1.0,
                    term_weeks: int | None = 0) -> GeneratedSchool:
    """Generate every record of one planned institution (deterministic in ``seed``, ``scale`` and ``term_weeks``).

    ``term_weeks`` adds the school term of :mod:`zszo.demo.term` (timetable, lessons, attendance, grades):
    0 none, ``None`` every lesson day from 1 September to the demo's today, N the last N weeks of them.
    """
    base_rng = _rng(seed, plan.index, "base")
    uid = _uid_from(base_rng)
    address = names.radom_address(base_rng, plan.district)
    school = {"id": uid(), "rspo": plan.rspo, "name": plan.name, "kind": plan.kind, "street": address.street,
              "postal_code": address.postal_code, "city": "Radom", "district": plan.district}
    year = {"id": uid(), **SCHOOL_YEAR}
    subjects = [{"id": uid(), "code": code, "name": name} for code, name in subjects_for(plan)]
    slots = layout_classes(plan, _rng(seed, plan.index, "classes"), scale, uid)
    staff_rng = _rng(seed, plan.index, "staff")
    staff = _staff(plan, staff_rng, len(slots), scale, _uid_from(staff_rng))
    teachers = [s["id"] for s in staff if s["position"] == "teacher"]
    staff_rng.shuffle(teachers)
    classes = [{"id": slot.id, "school_year_id": year["id"], "level": slot.level, "letter": slot.letter,
                "profile": slot.profile, "tutor_id": teachers[i]} for i, slot in enumerate(slots)]
    pupil_rng = _rng(seed, plan.index, "pupils")
    builder = PupilBuilder(pupil_rng, plan, slots, _uid_from(pupil_rng))
    builder.build()
    by_entity = {
        "school": [school], "school_year": [year], "staff_member": staff, "subject": subjects,
        "class_unit": classes, "pupil": builder.pupils, "guardian": builder.guardians,
        "pupil_guardian": builder.links, "enrolment": builder.enrolments,
    }
    if term_weeks != 0:  # its own random stream: the rest of the institution is the same with or without it
        term_rng = _rng(seed, plan.index, "term")
        by_entity.update(generate_term(classes, staff, subjects, builder.enrolments, term_rng, fast_uid(term_rng),
                                       term_weeks, school_codes=plan.index % 3 == 0).records)
    records = {name: by_entity.get(name, []) for name in dependency_order()}
    return GeneratedSchool(plan, records, _logins(staff, classes))


def generate_city(*, seed: int = 2026, schools: int | None = None,
                  scale: float = 1.0) -> Iterator[GeneratedSchool]:
    """Yield the city's institutions in plan order (all, or the first ``schools``)."""
    plans = city_plan(seed)
    for plan in plans[: schools if schools is not None else len(plans)]:
        yield generate_school(plan, seed=seed, scale=scale)
