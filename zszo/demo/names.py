"""Polish names, addresses, phones and e-mails for the demo city, drawn from a caller's ``random.Random``.

The long tail of first names, surnames and streets comes from Faker's ``pl_PL`` data; the head
(the names a Polish class list is actually full of) is listed here with popularity weights,
because Faker's lists are unweighted and miss e.g. Nowak, Zuzanna or Zofia. We sample with the
caller's RNG instead of calling Faker, so output depends only on the seed (and the installed
Faker data) and generating a whole city stays fast.

Never use this for anything but demo data: it makes up people.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from faker.providers.address.pl_PL import Provider as FakerAddress
from faker.providers.person.pl_PL import Provider as FakerPerson

from zszo.demo.plan import DISTRICTS

# --- first names ----------------------------------------------------------------------------------

# Most given names of children born 2007-2023 (GUS/PESEL registry rankings), most popular first.
_CHILD_F = (
    "Zuzanna", "Zofia", "Julia", "Hanna", "Maja", "Lena", "Alicja", "Oliwia", "Laura", "Amelia", "Pola",
    "Maria", "Wiktoria", "Natalia", "Aleksandra", "Antonina", "Emilia", "Nadia", "Liliana", "Helena",
    "Gabriela", "Iga", "Anna", "Jagoda", "Nikola", "Martyna", "Weronika", "Karolina", "Kinga", "Michalina",
    "Marcelina", "Milena", "Paulina", "Klaudia", "Patrycja", "Dominika", "Magdalena", "Kornelia", "Blanka",
    "Olga", "Ida", "Tola", "Rozalia", "Róża", "Jadwiga", "Łucja", "Matylda", "Nina", "Stefania", "Barbara",
)
_CHILD_M = (
    "Antoni", "Jan", "Aleksander", "Franciszek", "Jakub", "Nikodem", "Szymon", "Filip", "Leon", "Mikołaj",
    "Stanisław", "Ignacy", "Wojciech", "Adam", "Kacper", "Michał", "Mateusz", "Tymon", "Wiktor",
    "Maksymilian", "Piotr", "Bartosz", "Dawid", "Kamil", "Igor", "Oliwier", "Marcel", "Hubert", "Tymoteusz",
    "Julian", "Oskar", "Dominik", "Miłosz", "Bruno", "Krzysztof", "Paweł", "Tomasz", "Karol", "Patryk",
    "Gabriel", "Borys", "Kajetan", "Natan", "Józef", "Maciej", "Alan", "Fabian", "Eryk", "Witold", "Iwo",
)
# Parents and teachers, born roughly 1965-2000.
_ADULT_F = (
    "Anna", "Katarzyna", "Małgorzata", "Agnieszka", "Magdalena", "Joanna", "Monika", "Aleksandra", "Ewa",
    "Beata", "Dorota", "Marta", "Justyna", "Karolina", "Natalia", "Paulina", "Sylwia", "Iwona", "Renata",
    "Edyta", "Elżbieta", "Agata", "Izabela", "Kamila", "Marzena", "Emilia", "Patrycja", "Martyna",
    "Dominika", "Barbara", "Anita", "Urszula", "Jolanta", "Grażyna", "Bożena", "Aneta", "Ilona", "Wioletta",
    "Żaneta", "Halina",
)
_ADULT_M = (
    "Piotr", "Krzysztof", "Tomasz", "Paweł", "Marcin", "Michał", "Grzegorz", "Łukasz", "Marek", "Adam",
    "Rafał", "Dariusz", "Mariusz", "Jacek", "Robert", "Andrzej", "Mateusz", "Kamil", "Sebastian", "Damian",
    "Dawid", "Bartosz", "Wojciech", "Jarosław", "Artur", "Sławomir", "Przemysław", "Radosław", "Jakub",
    "Daniel", "Zbigniew", "Janusz", "Jerzy", "Adrian", "Arkadiusz", "Sylwester", "Leszek", "Zdzisław",
    "Waldemar", "Maciej",
)

# Ukrainian names in Polish transliteration, for children without PESEL (and their parents).
FOREIGN_F = ("Sofija", "Anastasija", "Daryna", "Polina", "Wiktorija", "Marija", "Sołomija", "Jelizaweta",
             "Olena", "Oksana", "Tetiana", "Iryna")
FOREIGN_M = ("Ołeksandr", "Maksym", "Artem", "Dmytro", "Bohdan", "Mychajło", "Iwan", "Andrij", "Denys",
             "Taras", "Serhij", "Wołodymyr")
FOREIGN_SURNAMES = ("Szewczenko", "Kowalenko", "Bondarenko", "Tkaczenko", "Melnyk", "Bojko", "Łysenko",
                    "Marczenko", "Sawczenko", "Petrenko", "Kowalczuk", "Olijnyk", "Ponomarenko", "Hnatiuk")
FOREIGN_BIRTH_PLACES = ("Kijów", "Lwów", "Charków", "Odessa", "Dniepr", "Winnica", "Łuck", "Równe")

# A few names that exercise escaping and rare letters everywhere they are shown.
RARE_SURNAMES = ("D'Amico", "O'Connor", "Müller", "Nguyen", "Çelik", "Dell'Acqua", "Ferreira", "Öztürk")
RARE_F = ("Zoë", "Chloé", "Noémi", "Léa", "Maëlle", "Ingrid")
RARE_M = ("Björn", "Jérôme", "Søren", "Ángel", "Noël", "Théo")


def _weighted(head: Sequence[str], tail: Sequence[str], tail_share: float,
              flatness: int) -> tuple[list[str], list[float]]:
    """Names with cumulative weights: Zipf-like 1/(rank + ``flatness``) over ``head``, flat over ``tail``.

    ``tail_share`` is the tail's share of all draws; a larger ``flatness`` makes the head less steep.
    """
    names = list(head) + [n for n in tail if n not in head and " " not in n]
    head_weights = [1 / (rank + flatness) for rank in range(len(head))]
    scale = (1 - tail_share) / sum(head_weights)
    tail_count = len(names) - len(head)
    weights = [w * scale for w in head_weights] + [tail_share / tail_count] * tail_count
    return names, list(itertools.accumulate(weights))


# Calibrated so the top name is ~4-5% of a cohort, as in the PESEL registry.
_FIRST = {
    ("child", "F"): _weighted(_CHILD_F, FakerPerson.first_names_female, 0.12, 10),
    ("child", "M"): _weighted(_CHILD_M, FakerPerson.first_names_male, 0.12, 10),
    ("adult", "F"): _weighted(_ADULT_F, FakerPerson.first_names_female, 0.10, 10),
    ("adult", "M"): _weighted(_ADULT_M, FakerPerson.first_names_male, 0.10, 10),
}


def first_name(rng: random.Random, sex: str, generation: str = "child") -> str:
    """A first name for ``sex`` ("F"/"M"); ``generation`` "child" or "adult" picks the era's fashion."""
    names, cum = _FIRST[(generation, sex)]
    return rng.choices(names, cum_weights=cum)[0]


# --- surnames -------------------------------------------------------------------------------------

# Faker's male list is in frequency order but lacks the most common Polish surname.
_TOP_SURNAMES = ("Nowak",) + FakerPerson.male_last_names
# Unisex surnames ending in -y/-i are adjectives whose female form differs (Wesoły/Wesoła): left out
# rather than risk a wrong form.
_OTHER_SURNAMES = tuple(n for n in FakerPerson.unisex_last_names if not n.endswith(("y", "i")))
# Calibrated so Nowak is ~0.5% and Kowalski/Kowalska ~0.35% of people, as in the PESEL registry.
_SURNAMES = _weighted(_TOP_SURNAMES, _OTHER_SURNAMES, 0.75, 20)


def surname(rng: random.Random) -> str:
    """A family surname in its male form (use :func:`gendered` for a woman or girl)."""
    names, cum = _SURNAMES
    return rng.choices(names, cum_weights=cum)[0]


def gendered(name: str, sex: str) -> str:
    """The form of surname ``name`` for ``sex``: Kowalski → Kowalska, Nowak stays Nowak.

    Double-barrelled names change in each part (Nowak-Żółtowski → Nowak-Żółtowska).
    """
    if sex == "M":
        return name
    parts = name.split("-")
    return "-".join(p[:-1] + "a" if p.endswith(("ski", "cki", "dzki")) else p for p in parts)


# --- places ---------------------------------------------------------------------------------------

# Villages and towns around Radom whose teenagers commute to the city's secondary schools.
COMMUTER_TOWNS = (("Jedlińsk", "26-660"), ("Zakrzew", "26-652"), ("Jastrzębia", "26-631"),
                  ("Wolanów", "26-625"), ("Skaryszew", "26-640"), ("Kowala", "26-624"), ("Gózd", "26-634"),
                  ("Jedlnia-Letnisko", "26-630"), ("Pionki", "26-670"), ("Iłża", "27-100"))
BIRTH_PLACES = ("Radom",) * 14 + ("Warszawa", "Kielce", "Lublin", "Kozienice", "Szydłowiec", "Zwoleń",
                                   "Przysucha", "Białobrzegi", "Pionki", "Skarżysko-Kamienna", "Iłża")

_STREET_FIXES = {"Stycznia": "22 Stycznia", "Maja": "3 Maja", "Listopada": "11 Listopada",
                 "Swierkowa": "Świerkowa", "Rózana": "Różana", "Glówna": "Główna", "Plater": "Emilii Plater"}
# Left out: names that need a prefix we cannot guess, and communist-era names no longer in use.
_STREET_SKIP = {"Rynek", "Jana", "Wojciecha", "Floriana", "Świerczewskiego", "Sawickiej", "Zacisze"}
STREETS = tuple(_STREET_FIXES.get(s, s) for s in FakerAddress.streets if s not in _STREET_SKIP)


@dataclass(frozen=True)
class Address:
    """A postal address as the protocol stores it."""

    street: str
    postal_code: str
    city: str


def street(rng: random.Random, *, flats: float = 0.5) -> str:
    """A street and number such as "ul. Słoneczna 14/3" (``flats``: share with a flat number)."""
    prefix = rng.choices(("ul.", "al.", "pl."), weights=(94, 5, 1))[0]
    number = str(rng.choices((rng.randint(1, 40), rng.randint(41, 160)), weights=(3, 1))[0])
    if rng.random() < 0.08:
        number += rng.choice("ABC")
    if rng.random() < flats:
        number += f"/{rng.randint(1, 90)}"
    return f"{prefix} {rng.choice(STREETS)} {number}"


def radom_address(rng: random.Random, district: str) -> Address:
    """An address in ``district`` of Radom."""
    return Address(street(rng), rng.choice(DISTRICTS[district]), "Radom")


def commuter_address(rng: random.Random) -> Address:
    """An address in a town near Radom (mostly houses, so few flat numbers)."""
    town, code = rng.choice(COMMUTER_TOWNS)
    return Address(street(rng, flats=0.1), code, town)


# --- contacts -------------------------------------------------------------------------------------

_MOBILE_PREFIXES = ("500", "501", "502", "504", "505", "506", "507", "508", "509", "510", "511", "512",
                    "513", "514", "515", "516", "517", "518", "519", "530", "531", "533", "534", "535",
                    "536", "537", "538", "539", "570", "572", "575", "577", "600", "601", "602", "603",
                    "604", "605", "606", "607", "608", "609", "660", "661", "662", "663", "664", "665",
                    "666", "667", "668", "669", "690", "691", "692", "693", "694", "695", "696", "697",
                    "698", "721", "724", "725", "730", "732", "735", "737", "780", "782", "784", "790",
                    "792", "793", "794", "795", "797", "798", "880", "881", "883", "884", "885", "886",
                    "887", "888")
# Reserved names (RFC 2606): a demo can never mail a real person.
_MAIL_DOMAINS = ("poczta.example", "mail.example", "example.com", "example.org", "example.net")


def mobile_phone(rng: random.Random) -> str:
    """A Polish mobile number written as people do: "600 123 456"."""
    return f"{rng.choice(_MOBILE_PREFIXES)} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"


def ukrainian_phone(rng: random.Random) -> str:
    """A Ukrainian mobile number with the country code: "+380 67 123 4567"."""
    return f"+380 {rng.choice(('50', '63', '66', '67', '68', '73', '93', '97'))} {rng.randint(0, 999):03d} " \
           f"{rng.randint(0, 9999):04d}"


def school_phone(rng: random.Random) -> str:
    """A Radom landline (area code 48): "48 362 12 34"."""
    return f"48 {rng.choice(('331', '332', '340', '344', '360', '362', '363', '364', '384'))} " \
           f"{rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` (Łukasz → lukasz, D'Amico → damico)."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


def personal_email(rng: random.Random, first: str, last: str) -> str:
    """A private e-mail address in one of the usual shapes, at a reserved domain."""
    given, family = ascii_slug(first), ascii_slug(last)
    local = rng.choice((f"{given}.{family}", f"{given}{family}", f"{given[0]}{family}", f"{family}.{given}",
                        f"{given}.{family}{rng.randint(1, 99)}", f"{given}{rng.randint(70, 99)}"))
    return f"{local}@{rng.choice(_MAIL_DOMAINS)}"
