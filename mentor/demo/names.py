"""Names for the demo people: Danish first of all, and those of the languages Haderslev's pupils
speak at home (the German minority of Sønderjylland, and families from Syria, Turkey, Ukraine,
Poland, Somalia, Afghanistan and English-speaking countries).

Each pool pairs a language (ISO 639-1) with first names for children born around 2010–2013 and for
their parents, and surnames. Earlier entries are picked more often (``weighted_choice``), as the
commonest Danish surnames are.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class NamePool:
    language: str
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    surnames: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]


DANISH = NamePool(
    language="da",
    girls=(
        "Emma", "Ida", "Clara", "Freja", "Sofia", "Anna", "Laura", "Alberte", "Karla", "Ella",
        "Olivia", "Maja", "Mathilde", "Josefine", "Nora", "Agnes", "Astrid", "Liva", "Asta",
        "Frida", "Lærke", "Signe", "Marie", "Caroline", "Cecilie", "Emilie", "Julie", "Mille",
        "Sofie", "Johanne", "Alma", "Ellen", "Esther", "Sara", "Isabella", "Vigga", "Silje",
        "Rosa", "Tilde", "Sigrid", "Solveig", "Bjørk", "Åse", "Kamma",
    ),
    boys=(
        "William", "Noah", "Oscar", "Lucas", "Victor", "Malthe", "Emil", "Alfred", "Frederik",
        "Carl", "Oliver", "Magnus", "Elias", "Aksel", "Valdemar", "Mathias", "Anton", "August",
        "Storm", "Villads", "Johan", "Christian", "Sebastian", "Mikkel", "Rasmus", "Tobias",
        "Jonas", "Bertram", "Marius", "Mads", "Felix", "Theo", "Søren", "Bjørn", "Asger", "Kåre",
        "Thor", "Ebbe", "Laurits", "Sølve", "Jens", "Niels",
    ),
    surnames=(
        "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
        "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
        "Thomsen", "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Lauridsen",
        "Knudsen", "Jakobsen", "Mikkelsen", "Frederiksen", "Schmidt", "Nissen", "Clausen", "Juhl",
        "Matzen", "Jessen", "Østergaard", "Søndergaard", "Nørgaard", "Kjær", "Bæk", "Skovgaard",
        "Aagaard", "Damgaard", "Bøgh", "Holm", "Lund", "Friis", "Brøndum", "Dahl", "Grønbæk",
        "Vestergaard", "Kjærgaard", "Refsgaard", "Fæster", "Høj", "Ærenlund", "Aabenraa",
        "Bøjesen", "Thaysen", "Skøtt",
    ),
    women=(
        "Mette", "Louise", "Camilla", "Maria", "Anne", "Pernille", "Susanne", "Helle", "Trine",
        "Charlotte", "Line", "Tina", "Sanne", "Lene", "Stine", "Malene", "Åse", "Birgitte",
        "Dorthe", "Gitte", "Hanne", "Rikke", "Søs", "Jannie",
    ),
    men=(
        "Lars", "Jens", "Henrik", "Thomas", "Martin", "Søren", "Jesper", "Morten", "Anders",
        "Michael", "Rasmus", "Kasper", "Bjørn", "Jørgen", "Kåre", "Brian", "René", "Claus",
        "Jacob", "Peter", "Torben", "Bo", "Steffen", "Ole",
    ),
)  # fmt: skip


POOLS: tuple[NamePool, ...] = (
    DANISH,
    NamePool(
        language="de",
        girls=("Lena", "Mia", "Hannah", "Leonie", "Merle", "Emma", "Lea", "Johanna", "Marie"),
        boys=("Lukas", "Jonas", "Finn", "Paul", "Ben", "Jannik", "Mattis", "Leon", "Niklas"),
        surnames=("Schmidt", "Meyer", "Petersen", "Jacobsen", "Thomsen", "Hansen", "Jürgensen",
                  "Lorenzen", "Asmussen", "Kähler"),
        women=("Kirsten", "Anke", "Heike", "Silke", "Birte"),
        men=("Uwe", "Jörn", "Dirk", "Hauke", "Sven"),
    ),
    NamePool(
        language="ar",
        girls=("Aya", "Fatima", "Maryam", "Leila", "Noor", "Sara", "Yasmin", "Hiba", "Rama"),
        boys=("Ahmad", "Mohammad", "Omar", "Yousef", "Ali", "Hassan", "Ibrahim", "Karim", "Adam"),
        surnames=("Al-Hassan", "Haddad", "Khalil", "Mansour", "Saleh", "Abdullah", "Hussein",
                  "Ibrahim", "Al-Ahmad"),
        women=("Amal", "Rania", "Hanan", "Samar", "Lina"),
        men=("Khaled", "Mahmoud", "Walid", "Bassam", "Nabil"),
    ),
    NamePool(
        language="tr",
        girls=("Elif", "Zeynep", "Ayşe", "Defne", "Ecrin", "Hira", "Eslem", "Meryem"),
        boys=("Emir", "Yusuf", "Mert", "Kerem", "Burak", "Eymen", "Ömer", "Can"),
        surnames=("Yilmaz", "Kaya", "Demir", "Celik", "Sahin", "Öztürk", "Aydin", "Arslan"),
        women=("Fatma", "Emine", "Hatice", "Sevgi"),
        men=("Mehmet", "Mustafa", "Hüseyin", "Murat"),
    ),
    NamePool(
        language="uk",
        girls=("Olena", "Daria", "Sofiia", "Anastasiia", "Viktoriia", "Mariia", "Polina"),
        boys=("Maksym", "Artem", "Oleksandr", "Dmytro", "Bohdan", "Nazar", "Ivan"),
        surnames=("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk",
                  "Boiko", "Moroz"),
        women=("Iryna", "Natalia", "Oksana", "Tetiana"),
        men=("Andrii", "Serhii", "Volodymyr", "Yurii"),
    ),
    NamePool(
        language="pl",
        girls=("Zuzanna", "Julia", "Maja", "Lena", "Hanna", "Oliwia"),
        boys=("Jakub", "Szymon", "Filip", "Kacper", "Antoni", "Wojciech"),
        surnames=("Nowak", "Wójcik", "Kaczmarek", "Mazur", "Krawczyk", "Zając"),
        women=("Agnieszka", "Katarzyna", "Magdalena"),
        men=("Piotr", "Tomasz", "Paweł"),
    ),
    NamePool(
        language="so",
        girls=("Hodan", "Ayan", "Fadumo", "Sagal", "Hibo", "Ifrah"),
        boys=("Abdi", "Mohamed", "Ahmed", "Liban", "Yasin", "Mahad"),
        surnames=("Hassan", "Warsame", "Farah", "Ali", "Osman", "Jama"),
        women=("Asha", "Faadumo", "Khadra"),
        men=("Abdirahman", "Hussein", "Omar"),
    ),
    NamePool(
        language="fa",
        girls=("Zahra", "Maryam", "Setayesh", "Parisa", "Nazanin"),
        boys=("Mohammad", "Ali", "Mahdi", "Reza", "Arash"),
        surnames=("Ahmadi", "Hosseini", "Rahimi", "Karimi", "Sultani"),
        women=("Fariba", "Shirin", "Laila"),
        men=("Hamid", "Nasir", "Javad"),
    ),
    NamePool(
        language="en",
        girls=("Olivia", "Amelia", "Grace", "Isla", "Charlotte", "Ruby"),
        boys=("Jack", "Harry", "Ethan", "George", "Oliver", "Samuel"),
        surnames=("Smith", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Hughes"),
        women=("Emily", "Rebecca", "Claire"),
        men=("James", "Daniel", "Matthew"),
    ),
)  # fmt: skip

# How often each home language occurs among the demo pupils (Danish for the rest).
HOME_LANGUAGE_WEIGHTS: dict[str, float] = {
    "da": 80.0,
    "de": 4.0,
    "ar": 4.0,
    "tr": 3.0,
    "uk": 3.0,
    "pl": 2.0,
    "so": 1.5,
    "fa": 1.0,
    "en": 1.5,
}

POOL_BY_LANGUAGE = {pool.language: pool for pool in POOLS}


def weighted_choice(rng: random.Random, options: Sequence[T]) -> T:
    """One of ``options``, the first ones likelier: weight ``1 / (position + 3)``."""
    weights = [1 / (position + 3) for position in range(len(options))]
    return rng.choices(options, weights=weights)[0]


def pick_home_language(rng: random.Random) -> str:
    languages = list(HOME_LANGUAGE_WEIGHTS)
    return rng.choices(languages, weights=list(HOME_LANGUAGE_WEIGHTS.values()))[0]


def person_name(rng: random.Random, language: str, *, adult: bool = False) -> tuple[str, str]:
    """A first and a last name; a Danish surname for about a third of the other families."""
    pool = POOL_BY_LANGUAGE[language]
    girl = rng.random() < 0.5
    if adult:
        first = rng.choice(pool.women if girl else pool.men)
    else:
        first = weighted_choice(rng, pool.girls if girl else pool.boys)
    surnames = pool.surnames
    if language not in ("da", "de") and rng.random() < 0.3:
        surnames = DANISH.surnames
    return first, weighted_choice(rng, surnames)


_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss", "ı": "i"})


def email_local_part(*names: str) -> str:
    """``Søren Ærenlund`` → ``soeren.aerenlund``: e-mail addresses stay ASCII."""
    text = ".".join(names).lower().translate(_ASCII)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() or c == "." else "-" for c in text.replace(" ", "."))
