"""The languages offered as checkboxes, shared by the pupil and the ambassador forms.

Languages are stored as ISO 639-1 codes and named through Babel in the reader's language, so the
list needs no translations of its own.
"""

from __future__ import annotations

from collections.abc import Mapping

from babel import Locale

from mentor.i18n import get_locale

# Danish, English, German (the border region), and the home languages most common among Danish
# pupils. A person's other codes are kept and shown too.
LANGUAGE_CODES = (
    "da", "en", "de", "ar", "so", "tr", "ur", "fa", "ps", "ku", "ti", "pl", "uk", "ro", "lt",
    "bs", "vi", "th", "tl", "es", "fr", "sq",
)  # fmt: skip
LANGUAGE_FIELD = "language_"  # one checkbox per language, named language_<code>


def language_name(code: str) -> str:
    """The language's name in the user's language ("arabisk"), or the code if Babel has none."""
    name = Locale.parse(get_locale()).languages.get(code)
    return str(name) if name else code


def checked_languages(fields: Mapping[str, str]) -> list[str]:
    """The ticked language codes, in the order of the checkboxes (LANGUAGE_CODES first)."""
    codes = [
        name[len(LANGUAGE_FIELD) :]
        for name in fields
        if name.startswith(LANGUAGE_FIELD)
        and 2 <= len(name) - len(LANGUAGE_FIELD) <= 3
        and name[len(LANGUAGE_FIELD) :].isalpha()
        and name[len(LANGUAGE_FIELD) :].islower()
    ]
    order = {code: position for position, code in enumerate(LANGUAGE_CODES)}
    return sorted(set(codes), key=lambda code: (order.get(code, len(order)), code))


def language_options(chosen: list[str]) -> list[tuple[str, str]]:
    """The checkboxes: the common languages, then any other code the person already has."""
    offered = [*LANGUAGE_CODES, *(code for code in chosen if code not in LANGUAGE_CODES)]
    return [(code, language_name(code)) for code in offered]
