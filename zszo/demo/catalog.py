"""Subjects taught in each kind of demo institution (Polish core curriculum names, 2026/2027).

Codes are short and stable within a school (they are the subject's unique key on the node);
vocational subjects are numbered ``z1``, ``z2``, … in order of appearance. Pure data, no I/O.
"""

from __future__ import annotations

from zszo.demo.plan import InstitutionPlan

Subject = tuple[str, str]  # (code, name)

_PRESCHOOL: tuple[Subject, ...] = (
    ("wp", "Wychowanie przedszkolne"), ("ang", "Język angielski"), ("rel", "Religia"), ("ryt", "Rytmika"),
    ("logo", "Zajęcia logopedyczne"),
)
_PRIMARY: tuple[Subject, ...] = (
    ("ew", "Edukacja wczesnoszkolna"), ("pol", "Język polski"), ("mat", "Matematyka"),
    ("ang", "Język angielski"), ("niem", "Język niemiecki"), ("hist", "Historia"),
    ("wos", "Wiedza o społeczeństwie"), ("przyr", "Przyroda"), ("biol", "Biologia"), ("chem", "Chemia"),
    ("fiz", "Fizyka"), ("geo", "Geografia"), ("inf", "Informatyka"), ("tech", "Technika"),
    ("plast", "Plastyka"), ("muz", "Muzyka"), ("wf", "Wychowanie fizyczne"),
    ("edb", "Edukacja dla bezpieczeństwa"), ("edzdr", "Edukacja zdrowotna"), ("rel", "Religia"),
    ("etyka", "Etyka"), ("gw", "Zajęcia z wychowawcą"), ("dor", "Doradztwo zawodowe"),
)
_SECONDARY: tuple[Subject, ...] = (
    ("pol", "Język polski"), ("mat", "Matematyka"), ("ang", "Język angielski"), ("niem", "Język niemiecki"),
    ("hisz", "Język hiszpański"), ("hist", "Historia"), ("wos", "Wiedza o społeczeństwie"),
    ("biol", "Biologia"), ("chem", "Chemia"), ("fiz", "Fizyka"), ("geo", "Geografia"), ("inf", "Informatyka"),
    ("wf", "Wychowanie fizyczne"), ("edb", "Edukacja dla bezpieczeństwa"), ("edzdr", "Edukacja zdrowotna"),
    ("biz", "Biznes i zarządzanie"), ("rel", "Religia"), ("etyka", "Etyka"), ("gw", "Zajęcia z wychowawcą"),
)
_LICEUM_EXTRA: tuple[Subject, ...] = (("franc", "Język francuski"), ("filoz", "Filozofia"),
                                      ("plast", "Plastyka"))
_BRANZOWA: tuple[Subject, ...] = (
    ("pol", "Język polski"), ("mat", "Matematyka"), ("ang", "Język angielski"), ("hist", "Historia"),
    ("wos", "Wiedza o społeczeństwie"), ("geo", "Geografia"), ("biol", "Biologia"), ("chem", "Chemia"),
    ("fiz", "Fizyka"), ("inf", "Informatyka"), ("wf", "Wychowanie fizyczne"),
    ("edb", "Edukacja dla bezpieczeństwa"), ("biz", "Biznes i zarządzanie"), ("rel", "Religia"),
    ("gw", "Zajęcia z wychowawcą"),
)
_SPECIAL: tuple[Subject, ...] = (
    ("rew", "Zajęcia rewalidacyjne"), ("kk", "Zajęcia korekcyjno-kompensacyjne"),
    ("logo", "Zajęcia logopedyczne"),
)
_PRZYSPOSABIAJACA: tuple[Subject, ...] = (
    ("fos", "Funkcjonowanie osobiste i społeczne"), ("prz", "Przysposobienie do pracy"),
    ("kom", "Zajęcia rozwijające komunikowanie się"), ("kre", "Zajęcia rozwijające kreatywność"),
)
_MOS: tuple[Subject, ...] = (("soc", "Zajęcia socjoterapeutyczne"),)
_ADULT_LO: tuple[Subject, ...] = (
    ("pol", "Język polski"), ("mat", "Matematyka"), ("ang", "Język angielski"), ("niem", "Język niemiecki"),
    ("hist", "Historia"), ("wos", "Wiedza o społeczeństwie"), ("biol", "Biologia"), ("chem", "Chemia"),
    ("fiz", "Fizyka"), ("geo", "Geografia"), ("inf", "Informatyka"),
)
_MDK: tuple[Subject, ...] = (
    ("plast", "Pracownia plastyczna"), ("ceram", "Pracownia ceramiki"), ("taniec", "Zespół taneczny"),
    ("teatr", "Pracownia teatralna"), ("wokal", "Studio wokalne"), ("gitara", "Nauka gry na gitarze"),
    ("szachy", "Koło szachowe"), ("robot", "Robotyka"), ("foto", "Fotografia"), ("film", "Pracownia filmowa"),
)
_PPP: tuple[Subject, ...] = (
    ("tp", "Terapia pedagogiczna"), ("logo", "Terapia logopedyczna"),
    ("tus", "Trening umiejętności społecznych"), ("dor", "Doradztwo zawodowe"),
)
# Vocational subjects by profession (the first two or three of each programme).
_VOCATIONAL: dict[str, tuple[str, ...]] = {
    "technik informatyk": ("Systemy komputerowe", "Sieci komputerowe", "Witryny i aplikacje internetowe"),
    "technik programista": ("Programowanie obiektowe", "Bazy danych", "Aplikacje webowe"),
    "technik teleinformatyk": ("Sieci teleinformatyczne", "Urządzenia teleinformatyczne"),
    "technik mechatronik": ("Urządzenia mechatroniczne", "Programowanie sterowników PLC"),
    "technik elektryk": ("Maszyny i urządzenia elektryczne", "Instalacje elektryczne"),
    "technik elektronik": ("Układy elektroniczne", "Montaż urządzeń elektronicznych"),
    "technik ekonomista": ("Ekonomia", "Rachunkowość", "Kadry i płace"),
    "technik rachunkowości": ("Rachunkowość finansowa", "Podatki i rozliczenia"),
    "technik logistyk": ("Gospodarka magazynowa", "Transport i spedycja"),
    "technik spedytor": ("Transport i spedycja", "Dokumentacja spedycyjna"),
    "technik reklamy": ("Projektowanie reklamy", "Kampanie reklamowe"),
    "technik pojazdów samochodowych": ("Budowa pojazdów samochodowych", "Diagnostyka pojazdów"),
    "technik budownictwa": ("Konstrukcje budowlane", "Kosztorysowanie"),
    "technik grafiki i poligrafii cyfrowej": ("Grafika komputerowa", "Poligrafia cyfrowa"),
    "technik żywienia i usług gastronomicznych": ("Technologia gastronomiczna", "Zasady żywienia"),
    "technik hotelarstwa": ("Obsługa gości w hotelu", "Usługi żywieniowe w hotelarstwie"),
    "technik usług fryzjerskich": ("Stylizacja fryzur", "Techniki fryzjerskie"),
    "technik analityk": ("Analiza chemiczna", "Pracownia analityczna"),
}


def _vocational(profession: str) -> tuple[str, ...]:
    return _VOCATIONAL.get(profession, (f"Pracownia zawodowa – {profession}",))


def subjects_for(plan: InstitutionPlan) -> list[Subject]:
    """The subjects of ``plan``'s institution: unique codes and names, in a stable order."""
    tracks = [code for code, _share in plan.tracks]
    parts: list[Subject] = []
    if plan.type == "mdk":
        parts += _MDK
    if plan.type == "ppp":
        parts += _PPP
    if "preschool" in tracks or "special_preschool" in tracks:
        parts += _PRESCHOOL
    if {"primary", "zerowka", "special_primary", "mos"} & set(tracks):
        parts += _PRIMARY
    if "liceum" in tracks:
        parts += _SECONDARY + _LICEUM_EXTRA
    if "technikum" in tracks:
        parts += _SECONDARY
    if "branzowa" in tracks or "special_branzowa" in tracks:
        parts += _BRANZOWA
    if plan.kind == "special":
        parts += _SPECIAL
    if "przysposabiajaca" in tracks:
        parts += _PRZYSPOSABIAJACA
    if "mos" in tracks:
        parts += _MOS
    if "adult_lo" in tracks:
        parts += _ADULT_LO
    vocational = [name for profession in plan.professions for name in _vocational(profession)]
    if "policealna" in tracks:
        vocational += ["Administracja publiczna", "Opieka nad osobą niesamodzielną",
                       "Bezpieczeństwo i higiena pracy", "Kosmetyka", "Pielęgnacja i wychowanie dziecka"]
    out: list[Subject] = []
    codes: list[str] = []
    for code, name in parts:
        if code not in codes:
            codes.append(code)
            out.append((code, name))
    names_seen: list[str] = []
    for name in vocational:
        if name not in names_seen:
            names_seen.append(name)
            out.append((f"z{len(names_seen)}", name))
    return out
