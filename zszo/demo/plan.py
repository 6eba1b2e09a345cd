"""The demo city's plan: which 97 institutions exist, what they teach, and how big they are.

The plan is drawn from its own RNG (seeded by the city seed only), so it is the same whatever
part of the city is generated, and each institution can then be generated on its own from
``(seed, index)``. Pupil and teacher targets are normalised so the city lands on the brief's
figures (BRIEF §5: ~38,600 pupils, ~4,400 teachers) for every seed.

Centres, decided here: a youth cultural centre (MDK) and a counselling centre (poradnia) have
staff but no pupils of their own (their children are registered at their schools); the adult
education centre (CKU) and the youth socio-therapy centre (MOS) register pupils in classes.

This module never draws people or records (see :mod:`zszo.demo.generator`) and stays free of
Faker, so ``zszo --help`` does not pay for importing it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Radom's osiedla with postal codes inside the city's range 26-600 … 26-617.
DISTRICTS: dict[str, tuple[str, ...]] = {
    "Śródmieście": ("26-600", "26-601", "26-610"), "Zamłynie": ("26-600", "26-602"),
    "Ustronie": ("26-600", "26-613"), "Borki": ("26-600", "26-607"), "Gołębiów": ("26-600", "26-612"),
    "Michałów": ("26-600", "26-606"), "Nad Potokiem": ("26-600", "26-612"), "Planty": ("26-600", "26-603"),
    "Południe": ("26-600", "26-610"), "Dzierzków": ("26-600", "26-616"), "Idalin": ("26-600", "26-617"),
    "Wośniki": ("26-600", "26-608"), "Obozisko": ("26-600", "26-614"), "Młodzianów": ("26-600", "26-604"),
    "Akademickie": ("26-600", "26-605"), "Glinice": ("26-600", "26-611"), "Potkanów": ("26-600", "26-615"),
    "Kaptur": ("26-600", "26-616"), "Firlej": ("26-600", "26-609"), "Kierzków": ("26-600", "26-617"),
    "Prędocinek": ("26-600", "26-612"), "Józefów": ("26-600", "26-604"), "XV-lecie": ("26-600", "26-613"),
    "Halinów": ("26-600", "26-606"),
}

TARGET_PUPILS = 38_600
TARGET_TEACHERS = 4_400
INSTITUTIONS = 97
MAX_INSTITUTIONS = 100  # PESEL serial blocks: 50 per institution of the 5,000 per birth date and sex


@dataclass(frozen=True)
class Track:
    """A kind of class within a school: which levels, how big, which birth years, how admitted.

    ``cohorts`` lists birth years for level-0 groups (one per group); otherwise an on-time pupil at
    level L was born in ``base_year - L``. ``offsets`` weights years older (+) or younger (−)
    than on time. ``adult_years`` replaces both for adult education.
    """

    code: str
    levels: tuple[int, ...]
    class_size: tuple[int, int]
    base_year: int = 0
    cohorts: tuple[int, ...] = ()
    offsets: tuple[tuple[int, int], ...] = ((0, 1),)
    adult_years: tuple[int, int] | None = None
    first_admission: str = "recruitment"
    profiles: tuple[str, ...] = ()
    profile_share: float = 1.0


TRACKS: dict[str, Track] = {t.code: t for t in (
    Track("preschool", (0,), (20, 25), cohorts=(2023, 2022, 2021, 2020), offsets=((0, 99), (1, 1))),
    Track("zerowka", (0,), (16, 25), cohorts=(2020,), offsets=((0, 93), (1, 4), (-1, 3)),
          first_admission="catchment_area", profiles=("oddział przedszkolny",)),
    Track("primary", (1, 2, 3, 4, 5, 6, 7, 8), (18, 27), base_year=2020, offsets=((0, 96), (1, 3), (-1, 1)),
          first_admission="catchment_area", profile_share=0.12,
          profiles=("sportowa – piłka nożna", "sportowa – pływanie", "dwujęzyczna (język angielski)",
                    "integracyjna", "matematyczna")),
    Track("liceum", (1, 2, 3, 4), (26, 32), base_year=2012, offsets=((0, 95), (1, 4), (-1, 1)),
          profiles=("biologiczno-chemiczny", "matematyczno-fizyczny", "matematyczno-informatyczny",
                    "humanistyczny", "językowy", "prawno-społeczny", "medyczny", "politechniczny")),
    Track("technikum", (1, 2, 3, 4, 5), (24, 32), base_year=2012, offsets=((0, 93), (1, 6), (-1, 1))),
    Track("branzowa", (1, 2, 3), (18, 28), base_year=2012, offsets=((0, 78), (1, 16), (2, 6))),
    Track("special_preschool", (0,), (5, 8), cohorts=(2023, 2022, 2021, 2020, 2019),
          offsets=((0, 85), (1, 15)), profiles=("grupa przedszkolna specjalna",)),
    Track("special_primary", (1, 2, 3, 4, 5, 6, 7, 8), (6, 12), base_year=2020,
          offsets=((0, 68), (1, 22), (2, 8), (3, 2)), profiles=("szkoła podstawowa specjalna",)),
    Track("przysposabiajaca", (1, 2, 3), (6, 10), base_year=2011, offsets=((0, 55), (1, 25), (2, 12), (3, 8)),
          profiles=("szkoła specjalna przysposabiająca do pracy",)),
    Track("special_branzowa", (1, 2, 3), (8, 14), base_year=2012, offsets=((0, 60), (1, 28), (2, 12)),
          profiles=("branżowa szkoła specjalna – kucharz", "branżowa szkoła specjalna – ogrodnik",
                    "branżowa szkoła specjalna – pracownik pomocniczy obsługi hotelowej")),
    Track("mos", (6, 7, 8), (8, 12), base_year=2020, offsets=((0, 55), (1, 30), (2, 15)),
          first_admission="other", profiles=("oddział socjoterapeutyczny",)),
    Track("adult_lo", (1, 2, 3, 4), (20, 30), adult_years=(1976, 2008),
          profiles=("liceum ogólnokształcące dla dorosłych",)),
    Track("policealna", (1, 2), (18, 28), adult_years=(1972, 2007),
          profiles=("szkoła policealna – technik administracji", "szkoła policealna – opiekun medyczny",
                    "szkoła policealna – technik BHP", "szkoła policealna – technik usług kosmetycznych",
                    "szkoła policealna – opiekunka dziecięca")),
)}

TECHNIKUM_PROFESSIONS = (
    "technik informatyk", "technik programista", "technik mechatronik", "technik elektryk",
    "technik ekonomista", "technik logistyk", "technik żywienia i usług gastronomicznych",
    "technik hotelarstwa", "technik budownictwa", "technik pojazdów samochodowych", "technik reklamy",
    "technik spedytor", "technik teleinformatyk", "technik grafiki i poligrafii cyfrowej",
    "technik rachunkowości", "technik elektronik", "technik usług fryzjerskich", "technik analityk",
)
BRANZOWA_PROFESSIONS = (
    "mechanik pojazdów samochodowych", "kucharz", "fryzjer", "elektryk", "stolarz", "sprzedawca", "cukiernik",
    "monter sieci i instalacji sanitarnych", "elektromechanik pojazdów samochodowych", "magazynier-logistyk",
    "operator obrabiarek skrawających", "murarz-tynkarz",
)


@dataclass(frozen=True)
class InstitutionPlan:
    """One institution of the city, before any person is drawn."""

    index: int
    kind: str                      # protocol SCHOOL_KINDS
    type: str                      # finer: preschool, primary, liceum, zespol, branzowa, special, cku, ...
    name: str
    short: str                     # ASCII code, used in staff e-mail domains
    rspo: str
    district: str
    tracks: tuple[tuple[str, float], ...]  # (track code, share of the pupils)
    professions: tuple[str, ...]   # technikum / branżowa professions taught here
    pupils: int
    teachers: int


_PRIMARY_PATRONS = (
    "Jana Kochanowskiego", "Marii Konopnickiej", "Kornela Makuszyńskiego", "Janusza Korczaka",
    "Tadeusza Kościuszki", "Adama Mickiewicza", "Henryka Sienkiewicza", "Marii Skłodowskiej-Curie",
    "Jana Pawła II", "Orląt Lwowskich", "Kazimierza Pułaskiego", "Jana Kilińskiego", "Stefana Żeromskiego",
    "Juliusza Słowackiego", "Bolesława Prusa", "Jacka Malczewskiego", "Bohaterów Westerplatte",
    "Armii Krajowej", "Powstańców Styczniowych", "ks. Jerzego Popiełuszki", "Ireny Sendlerowej",
    "Jana Brzechwy", "Juliana Tuwima", "Szarych Szeregów", "Polskich Olimpijczyków", "Władysława Reymonta",
    "Małego Księcia", "Cypriana Kamila Norwida", "Mikołaja Reja", "Józefa Wybickiego",
)
_SECONDARY_PATRONS = (
    "Tytusa Chałubińskiego", "Mikołaja Kopernika", "Marii Konopnickiej", "Jana Kochanowskiego",
    "Stefana Czarnieckiego", "Romualda Traugutta", "Zbigniewa Herberta", "Wojciecha Kłębowskiego",
    "Kazimierza Pułaskiego", "Stanisława Staszica", "Jana Pawła II", "Józefa Piłsudskiego",
    "Ignacego Łukasiewicza", "Eugeniusza Kwiatkowskiego", "Jana Kilińskiego", "gen. Józefa Bema",
    "Władysława Grabskiego", "Bohaterów Monte Cassino", "Komisji Edukacji Narodowej", "Armii Krajowej",
)
_PRESCHOOL_NAMES = ("Bajka", "Słoneczko", "Promyczek", "Jarzębinka", "Kubuś Puchatek", "Calineczka",
                    "Pod Topolą", "Tęczowa Kraina", "Bajkowy Zakątek", "Zielona Dolinka", "Wesołe Nutki",
                    "Mali Odkrywcy")
_ZESPOLY = (  # (name part, short code, technikum share, professions)
    ("Technicznych", "zst", 0.75, ("technik mechatronik", "technik elektryk", "technik elektronik")),
    ("Elektronicznych", "zse", 1.0, ("technik informatyk", "technik programista", "technik teleinformatyk")),
    ("Ekonomicznych", "zsek", 1.0, ("technik ekonomista", "technik rachunkowości", "technik logistyk")),
    ("Samochodowych", "zss", 0.6, ("technik pojazdów samochodowych", "technik spedytor")),
    ("Budowlanych", "zsb", 0.65, ("technik budownictwa", "technik grafiki i poligrafii cyfrowej")),
    ("Gastronomiczno-Hotelarskich", "zsgh", 0.7,
     ("technik żywienia i usług gastronomicznych", "technik hotelarstwa", "technik usług fryzjerskich")),
    ("Transportowo-Komunikacyjnych", "zstk", 0.85,
     ("technik logistyk", "technik spedytor", "technik reklamy")),
    ("Mechanicznych", "zsm", 0.7, ("technik mechatronik", "technik analityk", "technik elektryk")),
    ("Zawodowych i Ustawicznych", "zszu", 0.8,
     ("technik informatyk", "technik ekonomista", "technik reklamy")),
)
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def _spec(kind: str, type_: str, name: str, short: str, tracks: tuple[tuple[str, float], ...],
          size: float, professions: tuple[str, ...] = ()) -> dict:
    return {"kind": kind, "type": type_, "name": name, "short": short, "tracks": tracks, "size": size,
            "professions": professions}


def _institutions(rng: random.Random) -> list[dict]:
    """The 97 institutions with raw (un-normalised) pupil counts, showcase ones first."""
    specs: list[dict] = []
    named = set(rng.sample(range(1, 41), len(_PRESCHOOL_NAMES)))
    nicknames = iter(_PRESCHOOL_NAMES)
    for n in range(1, 41):
        label = f"Publiczne Przedszkole nr {n} „{next(nicknames)}” w Radomiu" if n in named \
            else f"Publiczne Przedszkole nr {n} w Radomiu"
        specs.append(_spec("preschool", "preschool", label, f"pp{n}", (("preschool", 1.0),),
                           rng.triangular(75, 200, 125)))
    patrons = rng.sample(_PRIMARY_PATRONS, 28)
    for n, patron in zip(sorted(rng.sample(range(1, 35), 28)), patrons, strict=True):
        size = rng.triangular(300, 900, 620)
        tracks = (("primary", 1.0),)
        if rng.random() < 0.6:  # an oddział przedszkolny ("zerówka") of about one group
            share = 22 / size
            tracks = (("zerowka", share), ("primary", 1 - share))
        specs.append(_spec("primary", "primary", f"Publiczna Szkoła Podstawowa nr {n} im. {patron} w Radomiu",
                           f"psp{n}", tracks, size))
    patrons = iter(rng.sample(_SECONDARY_PATRONS, len(_SECONDARY_PATRONS)))
    for n in range(8):
        specs.append(_spec("secondary", "liceum", f"{_ROMAN[n]} Liceum Ogólnokształcące im. {next(patrons)} "
                           "w Radomiu", f"lo{n + 1}", (("liceum", 1.0),), rng.triangular(350, 950, 650)))
    for part, short, share, professions in _ZESPOLY:
        tracks = (("technikum", share),) if share == 1.0 else (("technikum", share), ("branzowa", 1 - share))
        extra = tuple(rng.sample(BRANZOWA_PROFESSIONS, 2)) if share < 1.0 else ()
        specs.append(_spec("secondary", "zespol", f"Zespół Szkół {part} im. {next(patrons)} w Radomiu", short,
                           tracks, rng.triangular(450, 1000, 760), professions + extra))
    specs.append(_spec("secondary", "zespol", f"Zespół Szkół Ogólnokształcących i Technicznych im. "
                       f"{next(patrons)} w Radomiu", "zsoit", (("liceum", 0.5), ("technikum", 0.5)),
                       rng.triangular(500, 900, 700), ("technik informatyk", "technik reklamy")))
    for n in (1, 2):
        specs.append(_spec("secondary", "branzowa", f"Branżowa Szkoła I Stopnia nr {n} w Radomiu", f"bs{n}",
                           (("branzowa", 1.0),), rng.triangular(300, 450, 360),
                           tuple(rng.sample(BRANZOWA_PROFESSIONS, 4))))
    specs += [
        _spec("special", "special", "Specjalny Ośrodek Szkolno-Wychowawczy nr 1 w Radomiu", "sosw1",
              (("special_primary", 0.6), ("przysposabiajaca", 0.2), ("special_branzowa", 0.2)),
              rng.triangular(160, 220, 190)),
        _spec("special", "special", "Specjalny Ośrodek Szkolno-Wychowawczy nr 2 dla Dzieci Niesłyszących "
              "i Słabosłyszących w Radomiu", "sosw2", (("special_preschool", 0.2), ("special_primary", 0.8)),
              rng.triangular(90, 130, 110)),
        _spec("special", "special", "Zespół Szkół Specjalnych nr 3 im. Marii Grzegorzewskiej w Radomiu",
              "zss3", (("special_primary", 0.75), ("przysposabiajaca", 0.25)), rng.triangular(120, 170, 145)),
        _spec("special", "special", "Publiczne Przedszkole Specjalne nr 41 w Radomiu", "pps41",
              (("special_preschool", 1.0),), rng.triangular(30, 50, 40)),
        _spec("special", "special", "Szkoła Podstawowa Specjalna nr 35 przy Wojewódzkim Szpitalu "
              "Specjalistycznym w Radomiu", "sps35", (("special_primary", 1.0),), rng.triangular(50, 80, 60)),
        _spec("centre", "cku", "Centrum Kształcenia Ustawicznego w Radomiu", "cku",
              (("adult_lo", 0.55), ("policealna", 0.45)), rng.triangular(350, 500, 420)),
        _spec("centre", "mos", "Młodzieżowy Ośrodek Socjoterapii nr 1 w Radomiu", "mos1", (("mos", 1.0),),
              rng.triangular(40, 60, 50)),
        _spec("centre", "mdk", "Młodzieżowy Dom Kultury im. Władysława Broniewskiego w Radomiu", "mdk",
              (), 0),
        _spec("centre", "ppp", "Poradnia Psychologiczno-Pedagogiczna nr 1 w Radomiu", "ppp1", (), 0),
    ]
    showcase = [0, 40, 68, 76, 88, 93, 94]  # a preschool after a primary school, a liceum, a zespół, …
    first = [specs[40], specs[0], specs[68], specs[76], specs[88], specs[93], specs[94]]
    return first + [s for i, s in enumerate(specs) if i not in showcase]


# Pupils per teacher by type (Polish averages: preschools ~11, primary ~8.5, special ~2.5).
_PUPILS_PER_TEACHER = {"preschool": 11.0, "primary": 8.6, "liceum": 10.5, "zespol": 9.5, "branzowa": 10.0,
                       "special": 2.6, "cku": 14.0, "mos": 3.5}
_FIXED_TEACHERS = {"mdk": (30, 45), "ppp": (3, 6)}
_SIZE_LIMITS = {"preschool": (75, 200), "primary": (300, 900), "secondary": (300, 1000)}
_DISTRICT_BIAS = {"liceum": ("Śródmieście", "Planty", "Zamłynie", "Ustronie"),
                  "cku": ("Śródmieście",), "mdk": ("Śródmieście",), "ppp": ("Śródmieście",)}


def _normalise(values: list[float], scalable: list[bool], target: float,
               limits: list[tuple[float, float]]) -> list[float]:
    """Scale the scalable values so that all of them sum to ``target``, within each one's limits."""
    out = list(values)
    for _ in range(4):  # clamping moves the sum a little; a few rounds settle it
        fixed = sum(v for v, s in zip(out, scalable, strict=True) if not s)
        flexible = sum(v for v, s in zip(out, scalable, strict=True) if s)
        factor = (target - fixed) / flexible
        out = [min(max(v * factor, lo), hi) if s else v
               for v, s, (lo, hi) in zip(out, scalable, limits, strict=True)]
    return out


def city_plan(seed: int = 2026) -> list[InstitutionPlan]:
    """The city's 97 institutions in a fixed order (the first seven cover every type)."""
    rng = random.Random(f"zszo-demo-plan:{seed}")
    specs = _institutions(rng)
    scalable = [s["kind"] in _SIZE_LIMITS for s in specs]
    limits = [_SIZE_LIMITS.get(s["kind"], (0, 0)) for s in specs]
    pupils = [round(p) for p in _normalise([s["size"] for s in specs], scalable, TARGET_PUPILS, limits)]
    raw_teachers = [
        rng.randint(*_FIXED_TEACHERS[s["type"]]) if s["type"] in _FIXED_TEACHERS
        else p / _PUPILS_PER_TEACHER[s["type"]] * rng.uniform(0.9, 1.1)
        for s, p in zip(specs, pupils, strict=True)
    ]
    teachers = [max(1, round(t)) for t in _normalise(raw_teachers, scalable, TARGET_TEACHERS,
                                                      [(1, 10_000)] * len(specs))]
    rspos = rng.sample(range(10_000, 300_000), len(specs))
    districts = list(DISTRICTS)
    plans = []
    rows = zip(specs, pupils, teachers, rspos, strict=True)
    for index, (spec, n_pupils, n_teachers, rspo) in enumerate(rows):
        district = rng.choice(_DISTRICT_BIAS.get(spec["type"], districts))
        plans.append(InstitutionPlan(
            index=index, kind=spec["kind"], type=spec["type"], name=spec["name"], short=spec["short"],
            rspo=str(rspo), district=district, tracks=spec["tracks"], professions=spec["professions"],
            pupils=n_pupils, teachers=n_teachers,
        ))
    if len(plans) != INSTITUTIONS or len(plans) > MAX_INSTITUTIONS:
        raise RuntimeError(f"the city plan has {len(plans)} institutions, expected {INSTITUTIONS}")
    return plans
