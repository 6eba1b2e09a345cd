"""Pupils, their families and enrolments for one demo institution.

Seats (one per pupil place in a class) are filled family by family: about 8% of families send
two or three children to the same school, so ~15% of pupils share their guardians with a
sibling. Birth dates follow the class's cohort (with deferrals and early starters), PESELs
encode birth date and sex and are unique city-wide because each institution draws serials from
its own block of 50 (of the 5,000 the PESEL allows per birth date and sex). About 1% of pupils
are foreign children identified by a passport or residence card instead of a PESEL.

Records are plain protocol dicts (ISO dates, booleans, UUID strings) with every field present.
This module never touches a database.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from protocol import pesel as pesel_rules
from zszo.demo import names
from zszo.demo.plan import DISTRICTS, InstitutionPlan, Track

YEAR_START = dt.date(2026, 9, 1)
TODAY = dt.date(2026, 11, 28)  # the demo's "now": enrolment changes happen before it
PESEL_BLOCK = 50

# Share of boys by track (licea are mostly girls, vocational and special schools mostly boys).
_BOYS = {"liceum": 0.40, "technikum": 0.62, "branzowa": 0.72, "special_primary": 0.64,
         "special_preschool": 0.62, "przysposabiajaca": 0.6, "special_branzowa": 0.65, "mos": 0.68,
         "adult_lo": 0.45, "policealna": 0.3}
# Tracks whose pupils come with guardians and may have siblings at the same school.
_FAMILY_TRACKS = {"preschool", "zerowka", "primary", "liceum", "technikum", "branzowa"}
_ADULT_TRACKS = {"adult_lo", "policealna"}


@dataclass(frozen=True)
class ClassSlot:
    """A class of the school year with the birth year of its on-time pupils."""

    id: str
    track: Track
    level: int
    letter: str
    profile: str | None
    size: int
    cohort: int          # birth year of an on-time pupil (unused for adult tracks)
    admission_year: int  # when an on-time pupil of this class joined the school


@dataclass
class _Family:
    surname: str              # male form
    maiden: str               # mother's family surname, male form
    address: names.Address
    foreign: bool
    rare: bool
    # (guardian id, relation, legal custody, may receive information)
    links: list[tuple[str, str, bool, bool]] = field(default_factory=list)
    births: list[dt.date] = field(default_factory=list)


def _weekday_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    while True:
        day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
        if day.weekday() < 5:
            return day


class PupilBuilder:
    """Fills the classes of one institution with pupils, guardians, links and enrolments."""

    def __init__(self, rng: random.Random, plan: InstitutionPlan, slots: list[ClassSlot],
                 uid: Callable[[], str]) -> None:
        self.rng, self.plan, self.slots, self.uid = rng, plan, slots, uid
        self.pupils: list[dict[str, Any]] = []
        self.guardians: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.enrolments: list[dict[str, Any]] = []
        self._serials: dict[tuple[dt.date, str], list[int]] = {}
        self._documents = 0
        self._admitted: dict[str, tuple[int, ClassSlot]] = {}  # pupil id → (admission year, class)

    # --- people ---------------------------------------------------------------------------------

    def _address(self) -> names.Address:
        rng, secondary = self.rng, self.plan.kind == "secondary" or self.plan.type == "cku"
        if rng.random() < (0.22 if secondary else 0.02):
            return names.commuter_address(rng)
        district = self.plan.district if rng.random() < 0.6 else rng.choice(list(DISTRICTS))
        return names.radom_address(rng, district)

    def _guardian(self, first: str, last: str, address: names.Address, *, foreign: bool) -> str:
        rng = self.rng
        phone = None
        if rng.random() < 0.96:
            phone = names.ukrainian_phone(rng) if foreign and rng.random() < 0.3 else names.mobile_phone(rng)
        email = names.personal_email(rng, first, last) if rng.random() < 0.7 else None
        guardian_id = self.uid()
        self.guardians.append({
            "id": guardian_id, "first_name": first, "last_name": last, "phone": phone, "email": email,
            "street": address.street, "postal_code": address.postal_code, "city": address.city,
        })
        return guardian_id

    def _family(self, with_guardians: bool) -> _Family:
        rng = self.rng
        foreign, rare = rng.random() < 0.011, rng.random() < 0.004
        if foreign:
            family = _Family(rng.choice(names.FOREIGN_SURNAMES), rng.choice(names.FOREIGN_SURNAMES),
                             self._address(), True, False)
        else:
            family_name = rng.choice(names.RARE_SURNAMES) if rare else names.surname(rng)
            family = _Family(family_name, names.surname(rng), self._address(), False, rare)
        if with_guardians:
            self._add_guardians(family)
        return family

    def _parent_name(self, family: _Family, sex: str) -> str:
        if family.foreign:
            return self.rng.choice(names.FOREIGN_F if sex == "F" else names.FOREIGN_M)
        return names.first_name(self.rng, sex, "adult")

    def _add_guardians(self, family: _Family) -> None:
        rng, address, foreign = self.rng, family.address, family.foreign
        mother_last = names.gendered(family.surname, "F")
        roll = rng.random()
        if roll < 0.04:
            mother_last = names.gendered(f"{family.surname}-{family.maiden}", "F")
        elif roll < 0.13:
            mother_last = names.gendered(family.maiden, "F")  # not married, or kept her name
        structure = rng.choices(("both", "both_limited", "mother", "father", "legal", "foster"),
                                weights=(78, 3, 11, 3, 3, 2))[0]
        if structure in ("both", "both_limited", "mother"):
            mother = self._guardian(self._parent_name(family, "F"), mother_last, address, foreign=foreign)
            family.links.append((mother, "mother", True, True))
        if structure in ("both", "both_limited", "father"):
            father = self._guardian(self._parent_name(family, "M"), family.surname, address, foreign=foreign)
            limited = structure == "both_limited"  # parental authority limited by a court
            family.links.append((father, "father", not limited, not limited or rng.random() < 0.5))
        if structure == "legal":  # usually a grandmother or an aunt
            last = names.gendered(family.surname if rng.random() < 0.6 else names.surname(rng), "F")
            guardian = self._guardian(names.first_name(rng, "F", "adult"), last, address, foreign=foreign)
            family.links.append((guardian, "legal_guardian", True, True))
        if structure == "foster":
            foster = names.surname(rng)
            for sex in ("F", "M") if rng.random() < 0.6 else ("F",):
                guardian = self._guardian(names.first_name(rng, sex, "adult"), names.gendered(foster, sex),
                                          address, foreign=False)
                family.links.append((guardian, "foster_parent", True, True))

    def _birth_date(self, slot: ClassSlot, family: _Family, twin_of: dt.date | None) -> dt.date:
        rng, track = self.rng, slot.track
        if twin_of is not None:
            return twin_of
        for _ in range(20):
            if track.adult_years is not None:
                oldest, youngest = track.adult_years
                year = round(rng.triangular(oldest, youngest, youngest - 2))
            else:
                offsets, weights = zip(*track.offsets, strict=True)
                year = slot.cohort - rng.choices(offsets, weights=weights)[0]
            day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(366 if year % 4 == 0 else 365))
            if all(abs((day - other).days) >= 300 for other in family.births):
                return day
        return day  # siblings squeezed by their seats: keep the last draw

    def _pesel(self, birth: dt.date, sex: str) -> str:
        used = self._serials.setdefault((birth, sex), [])
        free = [n for n in range(PESEL_BLOCK) if n not in used]
        offset = self.rng.choice(free)
        used.append(offset)
        return pesel_rules.generate(birth, sex, self.plan.index * PESEL_BLOCK + offset)

    def _child_names(self, family: _Family, sex: str) -> tuple[str, str | None, str]:
        rng = self.rng
        if family.foreign:
            first = rng.choice(names.FOREIGN_F if sex == "F" else names.FOREIGN_M)
            return first, None, family.surname
        if family.rare and rng.random() < 0.5:
            first = rng.choice(names.RARE_F if sex == "F" else names.RARE_M)
        else:
            first = names.first_name(rng, sex, "child")
        second = None
        if rng.random() < 0.3:
            second = names.first_name(rng, sex, "child")
            if second == first:
                second = None
        last = family.surname if rng.random() > 0.015 else f"{family.surname}-{family.maiden}"
        return first, second, names.gendered(last, sex)

    def _pupil(self, slot: ClassSlot, family: _Family, twin_of: dt.date | None = None) -> str:
        rng = self.rng
        sex = "M" if rng.random() < _BOYS.get(slot.track.code, 0.513) else "F"
        birth = self._birth_date(slot, family, twin_of)
        family.births.append(birth)
        first, second, last = self._child_names(family, sex)
        record: dict[str, Any] = {
            "id": self.uid(), "pesel": None, "document_type": None, "document_number": None,
            "first_name": first, "second_name": second, "last_name": last, "birth_date": birth.isoformat(),
            "birth_place": None, "sex": sex, "street": family.address.street,
            "postal_code": family.address.postal_code, "city": family.address.city, "register_number": None,
        }
        if family.foreign:
            self._documents += 1
            if rng.random() < 0.7:
                number = f"F{rng.choice('EFKMNX')}{self.plan.index:02d}{self._documents:04d}"
                record.update(document_type="passport", document_number=number)
            else:
                number = f"R{rng.choice('DPS')}{self.plan.index:02d}{self._documents:05d}"
                record.update(document_type="residence_card", document_number=number)
            record["birth_place"] = rng.choice(names.FOREIGN_BIRTH_PLACES)
        else:
            record["pesel"] = self._pesel(birth, sex)
            if rng.random() < 0.95:
                record["birth_place"] = rng.choice(names.BIRTH_PLACES)
        self.pupils.append(record)
        for guardian_id, relation, custody, info in family.links:
            self.links.append({"id": self.uid(), "pupil_id": record["id"], "guardian_id": guardian_id,
                               "relation": relation, "legal_custody": custody, "may_receive_info": info})
        self._enrol(record["id"], slot, from_abroad=family.foreign and rng.random() < 0.5)
        return record["id"]

    # --- enrolments -----------------------------------------------------------------------------

    def _enrol(self, pupil_id: str, slot: ClassSlot, *, from_abroad: bool) -> None:
        rng = self.rng
        starts, admission_year = YEAR_START, slot.admission_year
        reason = slot.track.first_admission if admission_year == YEAR_START.year else "promotion"
        if reason == "catchment_area" and rng.random() < 0.25:
            reason = "recruitment"  # from outside the school's catchment area
        roll = rng.random()
        if from_abroad:
            reason, admission_year = "from_abroad", YEAR_START.year
            if rng.random() < 0.4:
                starts = _weekday_between(rng, dt.date(2026, 9, 2), TODAY - dt.timedelta(days=1))
        elif roll < 0.005:
            reason, admission_year = "transfer_in", YEAR_START.year
            starts = _weekday_between(rng, dt.date(2026, 9, 2), TODAY - dt.timedelta(days=1))
        self._admitted[pupil_id] = (admission_year, slot)
        record = {"id": self.uid(), "pupil_id": pupil_id, "class_id": slot.id,
                  "starts_on": starts.isoformat(), "ends_on": None, "admission_reason": reason,
                  "leaving_reason": None}
        self.enrolments.append(record)
        if starts == YEAR_START and 0.005 <= roll < 0.009:
            ends = _weekday_between(rng, dt.date(2026, 9, 14), TODAY - dt.timedelta(days=1))
            record.update(ends_on=ends.isoformat(), leaving_reason="transfer_out")
        elif starts == YEAR_START and 0.009 <= roll < 0.0105:
            self._change_class(record, slot)

    def _change_class(self, record: dict[str, Any], slot: ClassSlot) -> None:
        others = [s for s in self.slots
                  if s.level == slot.level and s.track is slot.track and s.id != slot.id]
        if not others:
            return
        moved = _weekday_between(self.rng, dt.date(2026, 9, 14), dt.date(2026, 11, 20))
        record.update(ends_on=(moved - dt.timedelta(days=1)).isoformat(), leaving_reason="class_change")
        self.enrolments.append({
            "id": self.uid(), "pupil_id": record["pupil_id"], "class_id": self.rng.choice(others).id,
            "starts_on": moved.isoformat(), "ends_on": None, "admission_reason": "class_change",
            "leaving_reason": None,
        })

    # --- the whole school -----------------------------------------------------------------------

    def build(self) -> None:
        """Fill every seat, then number the register."""
        rng = self.rng
        seats = [slot for slot in self.slots for _ in range(slot.size)]
        rng.shuffle(seats)
        filled = [False] * len(seats)
        for i, slot in enumerate(seats):
            if filled[i]:
                continue
            filled[i] = True
            family_track = slot.track.code in _FAMILY_TRACKS
            family = self._family(with_guardians=slot.track.code not in _ADULT_TRACKS)
            self._pupil(slot, family)
            if not family_track:
                continue
            roll = rng.random()
            for _ in range(2 if roll < 0.01 else 1 if roll < 0.08 else 0):
                twins = rng.random() < 0.05
                for _try in range(12):
                    j = rng.randrange(i + 1, len(seats)) if i + 1 < len(seats) else i
                    other = seats[j]
                    if filled[j] or other.track.code not in _FAMILY_TRACKS:
                        continue
                    if twins != (other.cohort == slot.cohort and other.level == slot.level):
                        continue
                    filled[j] = True
                    self._pupil(other, family, twin_of=family.births[0] if twins else None)
                    break
        self._number_register()

    def _number_register(self) -> None:
        """Register numbers "n/year", counted per admission year in order of class and surname."""
        by_id = {p["id"]: p for p in self.pupils}

        def order(pupil_id: str) -> tuple:
            year, slot = self._admitted[pupil_id]
            pupil = by_id[pupil_id]
            return year, slot.level, slot.letter, pupil["last_name"], pupil["first_name"], pupil_id

        counters: dict[int, int] = {}
        for pupil_id in sorted(self._admitted, key=order):
            year = self._admitted[pupil_id][0]
            counters[year] = counters.get(year, 0) + 1
            by_id[pupil_id]["register_number"] = f"{counters[year]}/{year}"
